import { type EmailKind, emailClass } from '../../config/email-kinds';
import type { ProgramConfig } from '../../config/program';
import type { MailJob } from '../../contract/mail-job';
import { mailLocale } from './locale';
import { earliestSendTime, eligibility, type MailClass } from './policy';
import { type CapHold, mailPriority, slotsHeldAhead } from './priority';
import { isRenderable, type RenderedMail, renderClientMail, renderFlowMail, TemplateDataError } from './templates';

/**
 * What the mail sender does with one mail request, decided purely from what it read
 * (`readMailContext` in app/send-mail.ts) and the clock. The sender then only performs the
 * decision: records it, or claims, sends and records the mail.
 */

/** The parts of a mail's record a decision looks at. */
export interface MailRecordFacts {
  readonly status: 'open' | 'deferred' | 'claimed' | 'sent' | 'skipped' | 'failed';
  readonly leaseUntil?: string | undefined;
  readonly notBefore?: string | undefined;
}

/** The member as far as mail is concerned (from the profile). */
export interface MailMemberFacts {
  readonly email?: string | undefined;
  readonly firstName?: string | undefined;
  readonly locale?: string | undefined;
  readonly timeZone?: string | undefined;
  readonly marketingConsent?: boolean | undefined;
  /** When Lojal recorded the member's opt-out (epoch ms); an opt-out is sticky (docs/events.md). */
  readonly unsubscribedAt?: number | undefined;
}

/** A mail that rides along with the one being decided (a same-day digest of reminders). */
export interface CarriedMail {
  readonly ref: string;
  readonly job: MailJob;
}

/** What the mail says (template data) and what it carries, or why there is nothing to say. */
export type MailContent = { readonly data: Record<string, unknown>; readonly carried: readonly CarriedMail[] } | { readonly skip: string };

export interface MailContext {
  readonly job: MailJob;
  readonly record: MailRecordFacts | undefined;
  readonly member: MailMemberFacts;
  /**
   * Whether the address is suppressed; `undefined` when it was not read, because the claim's
   * transaction checks it (a send that fails that check is decided again with `true`).
   */
  readonly suppressed: boolean | undefined;
  /** When the member's recent marketing mails went out (UTC ISO); empty for service mail. */
  readonly marketingSentAt: readonly string[];
  /** Deferred marketing mails waiting for a slot: a lower-priority mail leaves their slots free (domain/email/priority.ts). */
  readonly capHolds?: readonly CapHold[] | undefined;
  /** Absent when the record was already settled (nothing was gathered). */
  readonly content?: MailContent | undefined;
  /** The member's signed unsubscribe link (marketing mail carries it). */
  readonly unsubscribeUrl: string;
}

export type MailDecision =
  | { readonly type: 'duplicate' }
  /** Another sender's claim is live: retry later. */
  | { readonly type: 'busy' }
  | {
      readonly type: 'skip';
      readonly reason: string;
      readonly status: 'skipped' | 'failed';
      readonly templateError?: { readonly field: string; readonly reason: string };
    }
  | { readonly type: 'defer'; readonly until: Date; readonly reason: 'cap' | 'quiet-hours' }
  | {
      readonly type: 'send';
      readonly mailClass: MailClass;
      readonly mail: RenderedMail;
      /** The lead ref first, then the carried ones. */
      readonly refs: readonly string[];
      readonly jobs: ReadonlyMap<string, MailJob>;
    };

/** `true` for a mail already sent, settled or deferred to later; `'busy'` while another sender's claim is live. */
export function settledState(record: MailRecordFacts | undefined, now: Date): boolean | 'busy' {
  if (!record) return false;
  const at = now.toISOString();
  switch (record.status) {
    case 'sent':
    case 'skipped':
    case 'failed':
      return true;
    case 'claimed':
      return (record.leaseUntil ?? '') > at ? 'busy' : false;
    case 'deferred':
      return (record.notBefore ?? '') > at;
    default:
      return false;
  }
}

/**
 * The decision, in the order the promises need: a settled mail is never touched again; a
 * member who may not get it gets a skip with the reason; a mail that may not go out yet (the
 * cap, quiet hours) is deferred to the first instant it may; otherwise it is rendered and sent.
 */
export function decideMail(config: ProgramConfig, ctx: MailContext, now: Date): MailDecision {
  const { job, member } = ctx;
  const settled = settledState(ctx.record, now);
  if (settled === 'busy') return { type: 'busy' };
  if (settled) return { type: 'duplicate' };

  const allowed = eligibility(config, job.kind, job.customerId, {
    email: member.email,
    marketingConsent: member.marketingConsent,
    unsubscribed: member.unsubscribedAt !== undefined,
    suppressed: ctx.suppressed === true,
  });
  if (!allowed.send) return skip(allowed.reason);
  if (job.kind !== 'flow' && !isRenderable(job.kind)) return skip('no-template');
  const content = ctx.content ?? { skip: 'no-content' };
  if ('skip' in content) return skip(content.skip);

  const timeZone = member.timeZone ?? config.timeZone;
  const input = {
    now: now.getTime(),
    kind: job.kind,
    mailClass: allowed.mailClass,
    marketingSentAt: [
      ...ctx.marketingSentAt.map((at) => Date.parse(at)),
      ...slotsHeldAhead(ctx.capHolds ?? [], { ref: job.ref, kind: job.kind, priority: mailPriority(config, job) }, now.getTime()),
    ],
    timeZone,
  };
  const sendAt = earliestSendTime(config, input);
  if (sendAt > now.getTime()) {
    // Which rule held it: the cap when it alone would already defer the mail.
    const capAllows = earliestSendTime({ ...config, quietHours: null }, input);
    return { type: 'defer', until: new Date(sendAt), reason: capAllows > now.getTime() ? 'cap' : 'quiet-hours' };
  }

  let mail: RenderedMail;
  const brand = { name: config.brand.name, ...(config.brand.websiteUrl ? { websiteUrl: config.brand.websiteUrl } : {}) };
  const unsubscribe = allowed.mailClass === 'marketing' ? { unsubscribeUrl: ctx.unsubscribeUrl } : {};
  try {
    mail =
      job.kind === 'flow'
        ? renderFlowMail(config, mailLocale(member.locale, config), {
            messageId: String(content.data.message ?? ''),
            brand,
            firstName: member.firstName,
            ...unsubscribe,
            event: (content.data.event ?? {}) as Record<string, unknown>,
          })
        : renderClientMail(config, job.kind, mailLocale(member.locale, config), {
            brand,
            ...(member.firstName ? { firstName: member.firstName } : {}),
            ...unsubscribe,
            ...content.data,
          });
  } catch (error) {
    if (!(error instanceof TemplateDataError)) throw error;
    // Bad data cannot get better by retrying: the mail fails for good (the field, never the value).
    return {
      type: 'skip',
      reason: `invalid-data: ${error.field}`,
      status: 'failed',
      templateError: { field: error.field, reason: error.reason },
    };
  }
  return {
    type: 'send',
    mailClass: allowed.mailClass,
    mail,
    refs: [job.ref, ...content.carried.map((c) => c.ref)],
    jobs: new Map<string, MailJob>([[job.ref, job], ...content.carried.map((c) => [c.ref, c.job] as const)]),
  };
}

const skip = (reason: string): MailDecision => ({ type: 'skip', reason, status: 'skipped' });

/** Whether deciding this kind of mail for this client needs the marketing cap. */
export const needsCap = (config: ProgramConfig, kind: EmailKind): boolean => emailClass(config, kind) === 'marketing';
