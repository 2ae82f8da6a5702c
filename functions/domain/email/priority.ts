/**
 * Priority across flows in the marketing cap (docs/flows.md, "Priority"), as pure functions.
 *
 * The rule: a marketing mail that is deferred (by the cap or by quiet hours) leaves a **hold**
 * on the member's cap: its priority and the instant it will want a slot. A later decision for
 * a mail of LOWER priority counts every live hold of a higher priority as a send at that
 * instant (or now, once it is due), so the lower one never takes the slot a higher one is
 * waiting for: it waits until the window has room after the higher ones have gone out. It is
 * deferred, never dropped, like any capped mail. Equal priorities keep first come, first
 * served; a hold never blocks its own mail; sending the mail takes its hold off the cap.
 *
 * A hold whose mail never goes out (skipped at release: consent withdrawn, the run gone) stops
 * counting `HOLD_GRACE_MS` after its instant, so it cannot keep the slot for ever.
 */

/** The priority of a mail that is not a flow's (the presets), and of a flow that does not say. */
export const DEFAULT_MAIL_PRIORITY = 50;

/** How long after its instant a hold still counts: the release job's delays and retries fit well inside it. */
export const HOLD_GRACE_MS = 6 * 60 * 60_000;

/** A deferred marketing mail's claim on a future slot of the member's cap. */
export interface CapHold {
  readonly ref: string;
  readonly kind: string;
  readonly priority: number;
  /** When the mail is released and wants its slot (UTC ISO). */
  readonly until: string;
}

/** The mail a decision is about, as far as priority goes. */
export interface PrioritisedMail {
  readonly ref: string;
  readonly kind: string;
  readonly priority: number;
}

/** A mail's priority: its flow's `priority` for a flow mail, else `DEFAULT_MAIL_PRIORITY`. */
export function mailPriority(
  config: { readonly flows: readonly { readonly id: string; readonly priority: number }[] },
  job: { readonly kind: string; readonly data?: Readonly<Record<string, unknown>> | undefined },
): number {
  if (job.kind !== 'flow') return DEFAULT_MAIL_PRIORITY;
  const flowId = job.data?.flowId;
  return config.flows.find((f) => f.id === flowId)?.priority ?? DEFAULT_MAIL_PRIORITY;
}

/** Whether a hold still counts at `now`. */
export const holdIsLive = (hold: CapHold, now: number): boolean => Date.parse(hold.until) + HOLD_GRACE_MS > now;

/**
 * The slots `mail` must leave free: one per live hold of a higher priority than its own, at the
 * hold's instant or `now` if that has passed (epoch ms). Added to the sends the cap counts, they
 * make `firstAllowedByCap` wait for the window to have room after those mails.
 */
export function slotsHeldAhead(holds: readonly CapHold[], mail: PrioritisedMail, now: number): number[] {
  return holds
    .filter((h) => h.priority > mail.priority && !(h.ref === mail.ref && h.kind === mail.kind) && holdIsLive(h, now))
    .map((h) => Math.max(now, Date.parse(h.until)));
}

/** The holds after `mail` is deferred to `until`: its own replaced, the expired ones dropped. */
export function withHold(holds: readonly CapHold[], mail: PrioritisedMail, until: string, now: number): CapHold[] {
  return [...withoutHold(holds, mail, now), { ref: mail.ref, kind: mail.kind, priority: mail.priority, until }];
}

/** The holds once `mail` is sent (or given up): its own off, the expired ones dropped. */
export function withoutHold(holds: readonly CapHold[], mail: Pick<PrioritisedMail, 'ref' | 'kind'>, now: number): CapHold[] {
  return holds.filter((h) => !(h.ref === mail.ref && h.kind === mail.kind) && holdIsLive(h, now));
}
