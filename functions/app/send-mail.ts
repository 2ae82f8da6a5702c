import { randomUUID } from 'node:crypto';
import type { MailRecord, MailStore } from '../adapters/dynamo/mail-store';
import type { ProfileStore } from '../adapters/dynamo/profile-store';
import type { StoredTimelineItem, TimelineStore } from '../adapters/dynamo/timeline-store';
import { type EmailKind, emailClass } from '../config/email-kinds';
import type { ProgramConfig } from '../config/program';
import type { MailJob } from '../contract/mail-job';
import { crossSellCategories, type Purchase } from '../domain/email/cross-sell';
import type { MailLinks } from '../domain/email/links';
import { mailLocale } from '../domain/email/locale';
import { earliestSendTime, eligibility, localDay, type MailClass } from '../domain/email/policy';
import { addressHash } from '../domain/email/suppression';
import { isRenderable, type RenderedMail, renderClientMail, TemplateDataError } from '../domain/email/templates';
import { DAY_MS } from '../domain/time';
import {
  MailBusyError,
  type MailHeader,
  type Mailer,
  MailRejectedError,
  MailThrottledError,
} from '../runtime/mail-ports';
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
 * id, conditioned on the claim, and appends it to the sent-mail log.
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
  readonly mail: MailStore;
  readonly profiles: ProfileStore;
  readonly timeline: TimelineStore;
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
      const metric = { sent: 'EmailsSent', deferred: 'EmailsDeferred', skipped: 'EmailsSkipped', failed: 'EmailsFailed', duplicate: 'DuplicateEmailRequests' }[result.outcome];
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

async function attempt(deps: MailSenderDeps, job: MailJob): Promise<SendOutcome | 'contended'> {
  const options = { ...DEFAULTS, ...deps.options };
  const { config, mail, clock } = deps;
  const now = clock.now();

  // The record, the profile and (for marketing mail) the cap in parallel: one round trip of latency.
  const marketing = emailClass(config, job.kind) === 'marketing';
  const [record, stored, capRead] = await Promise.all([
    mail.get(job.customerId, job.kind, job.ref),
    deps.profiles.get(job.customerId),
    marketing ? mail.readCap(job.customerId) : undefined,
  ]);
  const settled = settledState(record, now);
  if (settled === 'busy') throw new MailBusyError(`${job.kind} mail is being sent by another sender`);
  if (settled) return { outcome: 'duplicate' };
  const member = stored?.profile.values ?? {};
  const suppressed = member.email ? await mail.isSuppressed(addressHash(member.email)) : false;
  const allowed = eligibility(config, job.kind, job.customerId, { email: member.email, marketingConsent: member.marketingConsent, suppressed });
  if (!allowed.send) return skip(deps, job, allowed.reason, now);
  if (!isRenderable(job.kind)) return skip(deps, job, 'no-template', now);

  const timeZone = member.timeZone ?? config.timeZone;
  const content = await gather(deps, job, now, timeZone);
  if ('skip' in content) return skip(deps, job, content.skip, now);

  const cap = allowed.mailClass === 'marketing' ? capRead : undefined;
  const sendAt = earliestSendTime(config, {
    now: now.getTime(),
    kind: job.kind,
    mailClass: allowed.mailClass,
    marketingSentAt: (cap?.sends ?? []).map((s) => Date.parse(s.at)),
    timeZone,
  });
  if (sendAt > now.getTime()) {
    const capAllows = earliestSendTime({ ...config, quietHours: null }, { now: now.getTime(), kind: job.kind, mailClass: allowed.mailClass, marketingSentAt: (cap?.sends ?? []).map((s) => Date.parse(s.at)), timeZone });
    const reason = capAllows > now.getTime() ? 'cap' : 'quiet-hours';
    if (!(await mail.defer(job, new Date(sendAt), reason, now))) return 'contended';
    return { outcome: 'deferred', until: new Date(sendAt).toISOString(), reason };
  }

  let rendered: RenderedMail;
  try {
    rendered = renderClientMail(config, job.kind, mailLocale(member.locale, config), {
      brand: { name: config.brand.name, ...(config.brand.websiteUrl ? { websiteUrl: config.brand.websiteUrl } : {}) },
      ...(member.firstName ? { firstName: member.firstName } : {}),
      ...(allowed.mailClass === 'marketing' ? { unsubscribeUrl: deps.links.unsubscribeUrl(job.customerId) } : {}),
      ...content.data,
    });
  } catch (error) {
    if (!(error instanceof TemplateDataError)) throw error;
    // Bad data cannot get better by retrying: record it (the field, never the value) and move on.
    deps.logger.error('mail data failed its template schema', { kind: job.kind, field: error.field, reason: error.reason });
    return skip(deps, job, `invalid-data: ${error.field}`, now, 'failed');
  }

  const token = options.newToken();
  const refs = [job.ref, ...content.carried.map((c) => c.ref)];
  const jobs = new Map<string, MailJob>([[job.ref, job], ...content.carried.map((c) => [c.ref, c.job] as const)]);
  const claim = await mail.claim({
    customerId: job.customerId,
    kind: job.kind,
    refs,
    jobs,
    token,
    now,
    leaseUntil: new Date(now.getTime() + options.leaseMs),
    ...(cap
      ? { cap: { read: cap, keepAfter: new Date(now.getTime() - config.marketingCap.perDays * DAY_MS), add: { at: now.toISOString(), ref: job.ref, kind: job.kind } } }
      : {}),
  });
  if (!claim.claimed) return 'contended';

  await deps.rateLimiter?.acquire();
  let messageId: string;
  try {
    ({ messageId } = await deps.mailer.send({
      from: senderAddress(config.brand.name, config.brand.senderAddress),
      to: member.email ?? '',
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: allowed.mailClass === 'marketing' ? unsubscribeHeaders(deps.links, job.customerId) : [],
      tags: [
        { name: 'kind', value: job.kind },
        { name: 'class', value: allowed.mailClass },
      ],
    }));
  } catch (error) {
    const capRef = cap ? job.ref : undefined;
    if (error instanceof MailThrottledError) {
      // Not accepted: give the claim back so the queue's retry can take it at once.
      await mail.release(job.customerId, job.kind, refs, token, clock.now(), capRef);
      throw error;
    }
    if (error instanceof MailRejectedError) {
      await mail.markFailed(job.customerId, job.kind, refs, token, `rejected: ${error.code}`, clock.now());
      await mail.release(job.customerId, job.kind, [], token, clock.now(), capRef);
      return { outcome: 'failed', reason: `rejected: ${error.code}` };
    }
    // Unknown outcome: keep the claim; the retry after the lease sends again (see the module comment).
    throw error;
  }

  const recorded = await mail.markSent({
    customerId: job.customerId,
    kind: job.kind,
    refs,
    token,
    messageId,
    subject: rendered.subject,
    mailClass: allowed.mailClass,
    sentAt: clock.now(),
  });
  if (!recorded) deps.logger.warn('a mail outlived its claim; another sender may send it again', { kind: job.kind, messageId });
  return { outcome: 'sent', messageId, refs, subject: rendered.subject };
}

/** `true` for a mail already sent, settled or deferred to later; `'busy'` while another sender's claim is live. */
function settledState(record: MailRecord | undefined, now: Date): boolean | 'busy' {
  if (!record) return false;
  switch (record.status) {
    case 'sent':
    case 'skipped':
    case 'failed':
      return true;
    case 'claimed':
      return (record.leaseUntil ?? '') > now.toISOString() ? 'busy' : false;
    case 'deferred':
      return (record.notBefore ?? '') > now.toISOString();
    default:
      return false;
  }
}

async function skip(deps: MailSenderDeps, job: MailJob, reason: string, now: Date, as: 'skipped' | 'failed' = 'skipped'): Promise<SendOutcome | 'contended'> {
  if (!(await deps.mail.skip(job.customerId, job.kind, job.ref, reason, now))) return 'contended';
  return as === 'skipped' ? { outcome: 'skipped', reason } : { outcome: 'failed', reason };
}

interface Carried {
  readonly ref: string;
  readonly job: MailJob;
}

type Content = { readonly data: Record<string, unknown>; readonly carried: readonly Carried[] } | { readonly skip: string };

/**
 * What the mail says, read from where it lives: the ledger (welcome), the timeline (reminders),
 * the request (greetings, perks, challenge prizes and the ledger job's notices, whose instants
 * become days on the member's clock, `timeZone`).
 */
async function gather(deps: MailSenderDeps, job: MailJob, now: Date, timeZone: string): Promise<Content> {
  const { config } = deps;
  switch (job.kind) {
    case 'welcome':
      return {
        carried: [],
        data: {
          balance: await deps.mail.balance(job.customerId),
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
      return { carried: [], data: { ...rest, ...(typeof reviewAt === 'string' ? { reviewDate: localDay(Date.parse(reviewAt), timeZone) } : {}) } };
    }
    case 'reward': {
      const { validUntil, ...rest } = job.data ?? {};
      return { carried: [], data: { ...rest, ...(typeof validUntil === 'string' ? { validUntil: localDay(Date.parse(validUntil), timeZone) } : {}) } };
    }
    case 'expiry':
      return { carried: [], data: { points: job.data?.points, lastValidDate: job.data?.lastValidDate } };
    case 'perk':
      return { carried: [], data: { perkName: job.data?.perkName, afterMonths: job.data?.afterMonths } };
    case 'challenge':
      return { carried: [], data: { challengeName: job.data?.challengeName, rank: job.data?.rank, prize: job.data?.prize, shared: job.data?.shared } };
    case 'checkin':
    case 'replacement':
      return gatherReminders(deps, job, now);
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
    .filter((i) => i.kind === lead.kind && i.itemId !== lead.itemId && LIVE.has(i.status) && localDay(Date.parse(i.dueAt), lead.timeZone) === day)
    .sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.itemId < b.itemId ? -1 : 1))
    .slice(0, options.maxDigest - 1);
  const records = candidates.length > 0 ? await deps.mail.getMany(job.customerId, job.kind, candidates.map((c) => c.itemId)) : new Map<string, MailRecord>();
  const carried = candidates.filter((c) => {
    const record = records.get(c.itemId);
    return !record || record.status === 'open' || record.status === 'deferred' || (record.status === 'claimed' && (record.leaseUntil ?? '') <= now.toISOString());
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
        orders: inMail.map((i) => ({ orderId: i.orderId, products: (i.products ?? []).map((p) => ({ sku: p.sku, category: p.category, name: p.name ?? null })) })),
        answerUrls: Array.from({ length: 11 }, (_, score) => deps.links.checkinAnswerUrl(job.customerId, lead.orderId, score)),
      },
    };
  }
  const products = inMail.flatMap((i) => (i.product ? [{ sku: i.product.sku, category: i.product.category, name: i.product.name ?? null, ageDays: i.ageDays }] : []));
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
    .flatMap((i) => [...(i.products ?? []), ...(i.product ? [i.product] : [])].map((p) => ({ category: p.category, placedAt: i.placedAt })));
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
