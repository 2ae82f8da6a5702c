import { type EmailKind, emailClass } from '../../config/email-kinds';
import { inStableShare } from '../stable-share';
import type { ProgramConfig } from '../../config/program';
import { groupOf } from '../measurement/groups';
import { DAY_MS } from '../time';
import { sendTimeOutsideQuietHours } from '../timeline';
import { wallTimeAt } from '../zoned-time';

/**
 * When and whether a mail may go out, as pure functions of the configuration, the member and
 * the clock (docs/member-api.md):
 * - service mail goes to every member with an address; marketing mail needs
 *   `marketingConsent` and leaves out the holdout group;
 * - at most `marketingCap.emails` marketing mails per member in any `perDays` days: one more is
 *   deferred to the moment the oldest of them leaves the window, never dropped;
 * - scheduled mail (every kind but the welcome, which answers the member's own registration at
 *   once) never goes out in quiet hours, read on the member's clock: it waits for their end.
 */

export type MailClass = 'service' | 'marketing';

export type Eligibility =
  | { readonly send: true; readonly mailClass: MailClass }
  | { readonly send: false; readonly reason: 'no-address' | 'suppressed' | 'no-consent' | 'unsubscribed' | 'holdout' | 'control-group' };

export interface MemberFacts {
  readonly email?: string | undefined;
  readonly marketingConsent?: boolean | undefined;
  /** The member opted out through Lojal (a link, a complaint, a hard bounce): said apart from never having consented. */
  readonly unsubscribed?: boolean | undefined;
  readonly suppressed: boolean;
}

export function eligibility(config: ProgramConfig, kind: EmailKind, customerId: string, member: MemberFacts): Eligibility {
  const mailClass = emailClass(config, kind);
  if (!member.email) return { send: false, reason: 'no-address' };
  if (member.suppressed) return { send: false, reason: 'suppressed' };
  if (mailClass === 'marketing') {
    if (member.marketingConsent !== true) return { send: false, reason: member.unsubscribed ? 'unsubscribed' : 'no-consent' };
    if (inHoldout(customerId, config.holdoutPercent)) return { send: false, reason: 'holdout' };
    if (groupOf(config, customerId) === 'control') return { send: false, reason: 'control-group' };
  }
  return { send: true, mailClass };
}

/** Welcome mail answers the registration at once; every other kind is scheduled and respects quiet hours. */
export const isScheduledKind = (kind: EmailKind): boolean => kind !== 'welcome';

/**
 * The earliest instant (ms) at which one more marketing mail keeps the member within the cap,
 * given when the ones in the window were sent: `now` when there is room.
 */
export function firstAllowedByCap(sentAt: readonly number[], now: number, cap: ProgramConfig['marketingCap']): number {
  const window = cap.perDays * DAY_MS;
  const recent = sentAt.filter((t) => t > now - window).sort((a, b) => a - b);
  if (recent.length < cap.emails) return now;
  // The mail that must leave the window first: after it, `emails - 1` remain.
  const blocking = recent[recent.length - cap.emails] ?? now;
  return Math.max(now, blocking + window);
}

export interface SendTimeInput {
  readonly now: number;
  readonly kind: EmailKind;
  readonly mailClass: MailClass;
  /** When this member's recent marketing mails were sent (epoch ms). */
  readonly marketingSentAt: readonly number[];
  /** The member's time zone, else the client's. */
  readonly timeZone: string;
}

/** The earliest instant (ms, at or after `now`) the mail may go out: after the cap allows it and outside quiet hours. */
export function earliestSendTime(config: Pick<ProgramConfig, 'marketingCap' | 'quietHours'>, input: SendTimeInput): number {
  let at = input.now;
  if (input.mailClass === 'marketing') at = firstAllowedByCap(input.marketingSentAt, input.now, config.marketingCap);
  if (isScheduledKind(input.kind)) at = sendTimeOutsideQuietHours(at, config.quietHours, input.timeZone);
  return at;
}

/**
 * A stable share of members kept out of marketing mail to measure its effect: the same member
 * is always in or always out (FNV-1a of the id, in hundredths of a percent).
 */
export function inHoldout(customerId: string, percent: number): boolean {
  return inStableShare(customerId, percent);
}

/** The member's calendar day (`YYYY-MM-DD`) of an instant: reminders due on one day go out as one mail. */
export function localDay(instant: number, timeZone: string): string {
  const w = wallTimeAt(instant, timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}
