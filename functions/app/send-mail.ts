import { randomUUID } from 'node:crypto';
import type { MailContextReader } from '../adapters/dynamo/mail-context-reader';
import type { MailRecord, MailRecords } from '../adapters/dynamo/mail-records';
import type { CapState, MarketingCap } from '../adapters/dynamo/marketing-cap';
import type { MailLog } from '../adapters/dynamo/mail-log';
import type { SuppressionList } from '../adapters/dynamo/suppression-list';
import type { FlowStore } from '../adapters/dynamo/flow-store';
import type { StoredTimelineItem, TimelineStore } from '../adapters/dynamo/timeline-store';
import type { EmailKind } from '../config/email-kinds';
import type { ProgramConfig } from '../config/program';
import type { MailJob } from '../contract/mail-job';
import { crossSellCategories, type Purchase } from '../domain/email/cross-sell';
import { type MailContent, type MailContext, type MailDecision, decideMail, needsCap, settledState } from '../domain/email/decide-mail';
import type { MailLinks } from '../domain/email/links';
import { eligibility, localDay, type MailClass } from '../domain/email/policy';
import { memberTag } from '../domain/email/member-tag';
import { mailPriority } from '../domain/email/priority';
import { addressHash } from '../domain/email/suppression';
import { DAY_MS } from '../domain/time';
import { MailBusyError, type MailHeader, type Mailer, MailRejectedError, MailThrottledError } from '../runtime/mail-ports';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';
import type { RateLimiter } from '../runtime/rate-limiter';

/**
 * The mail sender: takes one mail request off the queue and sends it, defers it, or records
 * why it will never go out. The decisions are the pure ones of domain/email; this module reads
 * what they need and performs them in an order that keeps two promises:
 *
 * **Never twice.** A mail is `(customer, kind, ref)`. Before SES is called, the sender claims
 * its record with a conditional write (new, open, deferred, or claimed under an expired lease
 * → claimed by this sender until `now + leaseMs`); a redelivered request finds it claimed or
 * sent and does nothing. After SES answers, one transaction marks it sent with the SES message
 * id, conditioned on the claim, and appends it to the mail log.
 *
 * **Never lost.** A request is acknowledged only once its mail is sent, deferred (and indexed
 * for the release job) or settled as skipped or failed. A throttled send gives the claim back
 * and fails the request, so the queue retries it with backoff and then keeps it in its
 * dead-letter queue.
 *
 * **The residual window.** A sender that dies after SES accepted the mail but before the
 * transaction (or whose SES call times out after SES took it) leaves the mail claimed; when
 * the lease ends, the queue's retry claims it again and sends it a second time. Lojal prefers
 * that rare duplicate to a lost mail; the window is one DynamoDB write long, or an SES timeout.
 *
 * **Same-day digests.** A check-in or replacement reminder carries along every other reminder
 * of its kind due for the member on the same local day (already due or due later that day):
 * they are claimed in the same transaction and marked sent with it, so their own requests,
 * when they come, find them sent.
 */

export interface MailSenderOptions {
  /** How long a claim lasts: above the longest SES call with its retries. @default 2 minutes */
  readonly leaseMs?: number;
  /** Reminders in one digest at most. @default 10 */
  readonly maxDigest?: number;
  /** @default randomUUID */
  readonly newToken?: () => string;
}

export interface MailSenderDeps {
  readonly config: ProgramConfig;
  readonly records: MailRecords;
  readonly cap: MarketingCap;
  /** Every decision leaves its line here, in the transaction that records it. */
  readonly log: MailLog;
  readonly suppressions: SuppressionList;
  /** Reads a mail's record, the profile, the cap and the balance in one round trip. */
  readonly context: MailContextReader;
  readonly timeline: TimelineStore;
  /** The runs of flows, for the trigger event a flow's mail speaks of. */
  readonly flowRuns: Pick<FlowStore, 'run'>;
  readonly mailer: Mailer;
  readonly links: MailLinks;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  /** Paces SES calls; none locally and in tests. */
  readonly rateLimiter?: RateLimiter;
  readonly options?: MailSenderOptions;
}

export type SendOutcome =
  | { readonly outcome: 'sent'; readonly messageId: string; readonly refs: readonly string[]; readonly subject: string }
  | { readonly outcome: 'deferred'; readonly until: string; readonly reason: 'cap' | 'quiet-hours' }
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'failed'; readonly reason: string }
  | { readonly outcome: 'duplicate' };

const DEFAULTS = { leaseMs: 2 * 60_000, maxDigest: 10, newToken: randomUUID };
const MAX_CLAIM_ROUNDS = 5;
const REMINDER_KINDS = new Set<EmailKind>(['checkin', 'replacement']);

/** Sends (or defers, or settles) the mail a request names. Throws when the request should be retried. */
export async function sendMail(deps: MailSenderDeps, job: MailJob): Promise<SendOutcome> {
  for (let round = 1; ; round++) {
    const result = await attempt(deps, job);
    if (result !== 'contended') {
      const metric = {
        sent: 'EmailsSent',
        deferred: 'EmailsDeferred',
        skipped: 'EmailsSkipped',
        failed: 'EmailsFailed',
        duplicate: 'DuplicateEmailRequests',
      }[result.outcome];
      deps.metrics.addMetric(metric, 'Count', 1);
      if (result.outcome !== 'duplicate') {
        deps.logger.info('mail request handled', {
          kind: job.kind,
          outcome: result.outcome,
          ...('reason' in result ? { reason: result.reason } : {}),
          ...(result.outcome === 'sent' ? { messageId: result.messageId, refs: result.refs.length } : {}),
          ...(result.outcome === 'deferred' ? { until: result.until } : {}),
        });
      }
      return result;
    }
    // Another sender changed the cap or took one of the mails between our read and our claim.
    if (round >= MAX_CLAIM_ROUNDS) throw new MailBusyError(`gave up claiming ${job.kind} mail after ${round} contended rounds`);
  }
}

/**
 * One try at a mail: read what the decision needs (one round trip), decide purely, then
 * perform the decision. A send is claim → SES → record: two more round trips, as the claim's
 * transaction also checks the address is not suppressed and counts the send in the cap.
 */
async function attempt(deps: MailSenderDeps, job: MailJob): Promise<SendOutcome | 'contended'> {
  const now = deps.clock.now();
  let ctx = await readMailContext(deps, job, now);
  let decision = decideMail(deps.config, ctx, now);
  if (decision.type === 'skip' || decision.type === 'defer') {
    // A mail that does not go out now is recorded with the reason a send would have met
    // first: a suppressed address wins, so read it (a send learns it from its claim instead).
    ctx = await withSuppression(deps, ctx);
    decision = decideMail(deps.config, ctx, now);
  }
  return perform(deps, ctx, decision, now);
}

/** The decision's context, and the cap as read (its version guards the claim). */
interface SenderContext extends MailContext {
  readonly capState: CapState | undefined;
}

async function perform(deps: MailSenderDeps, ctx: SenderContext, decision: MailDecision, now: Date): Promise<SendOutcome | 'contended'> {
  const { job } = ctx;
  switch (decision.type) {
    case 'busy':
      throw new MailBusyError(`${job.kind} mail is being sent by another sender`);
    case 'duplicate':
      return { outcome: 'duplicate' };
    case 'skip': {
      if (decision.templateError) deps.logger.error('mail data failed its template schema', { kind: job.kind, ...decision.templateError });
      const { status, reason } = decision;
      const logEntry = deps.log.entryItem(job.customerId, { at: now.toISOString(), kind: job.kind, refs: [job.ref], status, reason });
      if (!(await deps.records.skip({ customerId: job.customerId, kind: job.kind, ref: job.ref, status, reason, now, logEntry })))
        return 'contended';
      return status === 'skipped' ? { outcome: 'skipped', reason } : { outcome: 'failed', reason };
    }
    case 'defer': {
      const until = decision.until.toISOString();
      const logEntry = deps.log.entryItem(job.customerId, {
        at: now.toISOString(),
        kind: job.kind,
        refs: [job.ref],
        status: 'deferred',
        until,
        reason: decision.reason,
      });
      // A marketing mail's deferral leaves its hold on the cap, in the same transaction (priority, docs/flows.md).
      const hold = ctx.capState
        ? deps.cap.holdItem(
            job.customerId,
            ctx.capState,
            { ref: job.ref, kind: job.kind, priority: mailPriority(deps.config, job) },
            decision.until,
            now,
          )
        : undefined;
      if (!(await deps.records.defer(job, decision.until, decision.reason, now, logEntry, hold))) return 'contended';
      return { outcome: 'deferred', until, reason: decision.reason };
    }
    case 'send':
      return deliver(deps, ctx, decision, now);
  }
}

async function withSuppression(deps: MailSenderDeps, ctx: SenderContext): Promise<SenderContext> {
  if (ctx.suppressed !== undefined || !ctx.member.email) return ctx;
  return { ...ctx, suppressed: await deps.suppressions.has(addressHash(ctx.member.email)) };
}

/** The record, the profile, the cap (marketing mail) and the balance (welcome) in one read; then what the mail would say. */
async function readMailContext(deps: MailSenderDeps, job: MailJob, now: Date): Promise<SenderContext> {
  const { config } = deps;
  const marketing = needsCap(config, job.kind);
  const stored = await deps.context.read(job.customerId, job.kind, job.ref, { cap: marketing, balance: job.kind === 'welcome' });
  const values = stored.profile?.profile.values ?? {};
  const ctx: SenderContext = {
    job,
    capState: stored.cap,
    record: stored.record,
    member: {
      email: values.email,
      firstName: values.firstName,
      locale: values.locale,
      timeZone: values.timeZone,
      marketingConsent: values.marketingConsent,
      unsubscribedAt: stored.profile?.profile.unsubscribedAt,
    },
    suppressed: undefined,
    marketingSentAt: (stored.cap?.sends ?? []).map((s) => s.at),
    capHolds: stored.cap?.holds ?? [],
    unsubscribeUrl: deps.links.unsubscribeUrl(job.customerId),
  };
  // Gather the content only for a mail that may go out: a settled or ineligible one needs none.
  const allowed = eligibility(config, job.kind, job.customerId, {
    ...ctx.member,
    unsubscribed: ctx.member.unsubscribedAt !== undefined,
    suppressed: false,
  });
  if (settledState(stored.record, now) !== false || !allowed.send) return ctx;
  return { ...ctx, content: await gather(deps, job, now, values.timeZone ?? config.timeZone, stored.balance ?? 0) };
}

/** Claims the mail (with the cap and the suppression check), hands it to SES, records it sent. */
async function deliver(
  deps: MailSenderDeps,
  ctx: SenderContext,
  send: Extract<MailDecision, { type: 'send' }>,
  now: Date,
): Promise<SendOutcome | 'contended'> {
  const options = { ...DEFAULTS, ...deps.options };
  const { config, clock } = deps;
  const { job, member } = ctx;
  const email = member.email ?? '';
  const token = options.newToken();
  const marketing = send.mailClass === 'marketing';
  const cap = marketing ? await capRead(deps, ctx) : undefined;
  const claim = await deps.records.claim<'cap' | 'suppressed'>({
    customerId: job.customerId,
    kind: job.kind,
    refs: send.refs,
    jobs: send.jobs,
    token,
    now,
    leaseUntil: new Date(now.getTime() + options.leaseMs),
    guards: [
      ...(ctx.suppressed === undefined
        ? [{ item: deps.suppressions.notSuppressedCheck(addressHash(email)), failsAs: 'suppressed' as const }]
        : []),
      ...(cap
        ? [
            {
              item: deps.cap.addSendItem(
                job.customerId,
                cap,
                new Date(now.getTime() - config.marketingCap.perDays * DAY_MS),
                { at: now.toISOString(), ref: job.ref, kind: job.kind },
                now,
              ),
              failsAs: 'cap' as const,
            },
          ]
        : []),
    ],
  });
  if (!claim.claimed) {
    if (claim.cause === 'suppressed') {
      const known = { ...ctx, suppressed: true };
      return perform(deps, known, decideMail(config, known, now), now);
    }
    return 'contended';
  }

  await deps.rateLimiter?.acquire();
  let messageId: string;
  try {
    ({ messageId } = await deps.mailer.send({
      from: senderAddress(config.brand.name, config.brand.senderAddress),
      to: email,
      subject: send.mail.subject,
      html: send.mail.html,
      text: send.mail.text,
      headers: marketing ? unsubscribeHeaders(deps.links, job.customerId) : [],
      tags: [{ name: 'kind', value: job.kind }, { name: 'class', value: send.mailClass }, ...memberTag(job.customerId)],
    }));
  } catch (error) {
    if (error instanceof MailThrottledError) {
      // Not accepted: give the claim back so the queue's retry can take it at once.
      await deps.records.release(job.customerId, job.kind, send.refs, token, clock.now());
      if (cap) await deps.cap.removeSend(job.customerId, job.kind, job.ref, clock.now());
      throw error;
    }
    if (error instanceof MailRejectedError) {
      const reason = `rejected: ${error.code}`;
      const failedAt = clock.now();
      await deps.records.markFailed({
        customerId: job.customerId,
        kind: job.kind,
        refs: send.refs,
        token,
        reason,
        now: failedAt,
        logEntry: deps.log.entryItem(job.customerId, {
          at: failedAt.toISOString(),
          kind: job.kind,
          refs: send.refs,
          status: 'failed',
          reason,
        }),
      });
      if (cap) await deps.cap.removeSend(job.customerId, job.kind, job.ref, clock.now());
      return { outcome: 'failed', reason };
    }
    // Unknown outcome: keep the claim; the retry after the lease sends again (see the module comment).
    throw error;
  }
  return record(deps, job, send, token, messageId);
}

/** The cap as read with the context (marketing mail reads it there; a client file that made the kind marketing since reads it here). */
async function capRead(deps: MailSenderDeps, ctx: SenderContext): Promise<CapState> {
  return ctx.capState ?? deps.cap.read(ctx.job.customerId);
}

/** Marks the mail sent and logs it, in one transaction. */
async function record(
  deps: MailSenderDeps,
  job: MailJob,
  send: Extract<MailDecision, { type: 'send' }>,
  token: string,
  messageId: string,
): Promise<SendOutcome> {
  const sentAt = deps.clock.now();
  const recorded = await deps.records.markSent({
    customerId: job.customerId,
    kind: job.kind,
    refs: send.refs,
    token,
    messageId,
    subject: send.mail.subject,
    sentAt,
    logEntry: deps.log.entryItem(job.customerId, {
      at: sentAt.toISOString(),
      kind: job.kind,
      status: 'sent',
      subject: send.mail.subject,
      messageId,
      mailClass: send.mailClass,
      refs: send.refs,
    }),
  });
  if (!recorded) deps.logger.warn('a mail outlived its claim; another sender may send it again', { kind: job.kind, messageId });
  return { outcome: 'sent', messageId, refs: send.refs, subject: send.mail.subject };
}

type Content = MailContent;

/**
 * What the mail says, read from where it lives: the ledger (welcome), the timeline (reminders),
 * the request (greetings, perks, challenge prizes and the ledger job's notices, whose instants
 * become days on the member's clock, `timeZone`).
 */
async function gather(deps: MailSenderDeps, job: MailJob, now: Date, timeZone: string, balance: number): Promise<Content> {
  const { config } = deps;
  switch (job.kind) {
    case 'welcome':
      return {
        carried: [],
        data: {
          balance,
          earnRates: Object.entries(config.earnRates).map(([currency, rate]) => ({ currency, points: rate.points, per: rate.per })),
          multipliers: Object.entries(config.categoryMultipliers).map(([category, multiplier]) => ({ category, multiplier })),
          activities: Object.entries(config.activities).map(([activity, points]) => ({ activity, points })),
          firstOrderBonus: config.firstOrderBonus,
        },
      };
    case 'anniversary':
      return { carried: [], data: { years: job.data?.years, bonusPoints: job.data?.bonusPoints ?? config.anniversaryBonus } };
    case 'birthday':
      return { carried: [], data: { bonusPoints: job.data?.bonusPoints ?? config.birthdayBonus } };
    case 'tier': {
      const { reviewAt, ...rest } = job.data ?? {};
      return {
        carried: [],
        data: { ...rest, ...(typeof reviewAt === 'string' ? { reviewDate: localDay(Date.parse(reviewAt), timeZone) } : {}) },
      };
    }
    case 'reward': {
      const { validUntil, ...rest } = job.data ?? {};
      return {
        carried: [],
        data: { ...rest, ...(typeof validUntil === 'string' ? { validUntil: localDay(Date.parse(validUntil), timeZone) } : {}) },
      };
    }
    case 'expiry':
      return { carried: [], data: { points: job.data?.points, lastValidDate: job.data?.lastValidDate } };
    case 'perk':
      return { carried: [], data: { perkName: job.data?.perkName, afterMonths: job.data?.afterMonths } };
    case 'challenge':
      return {
        carried: [],
        data: { challengeName: job.data?.challengeName, rank: job.data?.rank, prize: job.data?.prize, shared: job.data?.shared },
      };
    case 'checkin':
    case 'replacement':
      return gatherReminders(deps, job, now);
    case 'flow': {
      // The run keeps the trigger event's detail (erased with the member), so the queue carries no personal data.
      const flowId = String(job.data?.flowId ?? '');
      const runKey = String(job.data?.runKey ?? '');
      const run = await deps.flowRuns.run(job.customerId, flowId, runKey);
      if (!run) return { skip: 'no-content' };
      return { carried: [], data: { message: job.data?.message ?? '', event: run.event } };
    }
    default:
      return { skip: 'no-template' };
  }
}

const LIVE = new Set(['pending', 'claimed', 'sent']);

/**
 * A reminder and the others of its kind due the same local day. The timeline is the truth: a
 * reminder cancelled since it fell due (a refund, a deletion) or replaced by a newer purchase
 * of its category is not mailed.
 */
async function gatherReminders(deps: MailSenderDeps, job: MailJob, now: Date): Promise<Content> {
  const options = { ...DEFAULTS, ...deps.options };
  const items = await deps.timeline.list(job.customerId, true);
  const lead = items.find((i) => i.itemId === job.ref);
  if (!lead || !REMINDER_KINDS.has(lead.kind) || !LIVE.has(lead.status)) return { skip: 'cancelled' };

  const day = localDay(Date.parse(lead.dueAt), lead.timeZone);
  const candidates = items
    .filter(
      (i) => i.kind === lead.kind && i.itemId !== lead.itemId && LIVE.has(i.status) && localDay(Date.parse(i.dueAt), lead.timeZone) === day,
    )
    .sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.itemId < b.itemId ? -1 : 1))
    .slice(0, options.maxDigest - 1);
  const records =
    candidates.length > 0
      ? await deps.records.getMany(
          job.customerId,
          job.kind,
          candidates.map((c) => c.itemId),
        )
      : new Map<string, MailRecord>();
  const carried = candidates.filter((c) => {
    const record = records.get(c.itemId);
    return (
      !record ||
      record.status === 'open' ||
      record.status === 'deferred' ||
      (record.status === 'claimed' && (record.leaseUntil ?? '') <= now.toISOString())
    );
  });
  const inMail = [lead, ...carried];
  const carriedJobs = carried.map((c) => ({
    ref: c.itemId,
    job: records.get(c.itemId)?.job ?? { v: 1 as const, customerId: job.customerId, kind: job.kind, ref: c.itemId },
  }));

  if (lead.kind === 'checkin') {
    return {
      carried: carriedJobs,
      data: {
        orders: inMail.map((i) => ({
          orderId: i.orderId,
          products: (i.products ?? []).map((p) => ({ sku: p.sku, category: p.category, name: p.name ?? null })),
        })),
        answerUrls: Array.from({ length: 11 }, (_, score) => deps.links.checkinAnswerUrl(job.customerId, lead.orderId, score)),
      },
    };
  }
  const products = inMail.flatMap((i) =>
    i.product ? [{ sku: i.product.sku, category: i.product.category, name: i.product.name ?? null, ageDays: i.ageDays }] : [],
  );
  return {
    carried: carriedJobs,
    data: {
      products,
      related: crossSellCategories(deps.config, [...new Set(products.map((p) => p.category))], purchasesOf(items), now.getTime()),
    },
  };
}

/** The member's purchases as the timeline knows them: the products of each check-in and each replacement slot. */
function purchasesOf(items: readonly StoredTimelineItem[]): Purchase[] {
  return items
    .filter((i) => i.status !== 'cancelled')
    .flatMap((i) =>
      [...(i.products ?? []), ...(i.product ? [i.product] : [])].map((p) => ({ category: p.category, placedAt: i.placedAt })),
    );
}

/** RFC 8058 one-click unsubscribe: the https link (a POST to it unsubscribes) and a mailto for clients that prefer mail. */
function unsubscribeHeaders(links: MailLinks, customerId: string): MailHeader[] {
  return [
    { name: 'List-Unsubscribe', value: `<${links.unsubscribeUrl(customerId)}>, <${links.unsubscribeMailto(customerId)}>` },
    { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
  ];
}

/** `"Brand" <address>`, the display name MIME-encoded when it is not plain ASCII (SES requires it). */
export function senderAddress(name: string, address: string): string {
  const printable = /^[\x20-\x7e]*$/.test(name);
  const display = printable ? `"${name.replace(/["\\]/g, '\\$&')}"` : `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`;
  return `${display} <${address}>`;
}

export type { MailClass };
