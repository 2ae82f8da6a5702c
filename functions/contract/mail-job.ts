import * as z from 'zod/mini';
import { EMAIL_KINDS } from '../config/email-kinds';

/**
 * A request to mail one member, as the email handlers put it on the mail queue (SQS in AWS,
 * in process locally) and the sender takes it off. `(customerId, kind, ref)` names the mail:
 * it goes out at most once, however often the request is delivered. No personal data: the
 * sender reads the address, name and consent from the profile when it sends.
 */
export const MailJobSchema = z.object({
  /** Format version, so a queue can drain across a deploy that changes it. */
  v: z.literal(1),
  customerId: z.string().check(z.minLength(1), z.maxLength(200)),
  kind: z.enum(EMAIL_KINDS),
  /**
   * What the mail is about, unique per member and kind: `welcome`; the timeline item id for a
   * check-in or replacement reminder; the celebrated date for an anniversary or birthday; the
   * event's `idempotencyKey` for the ledger job's notices (tier, reward, expiry), up to 500 long;
   * the perk's id for a tenure perk (a member earns each perk once); the challenge's id for a
   * challenge prize (a challenge is decided once).
   */
  ref: z.string().check(z.minLength(1), z.maxLength(500)),
  /** Facts from the triggering event the mail needs and the sender cannot read elsewhere (years, bonus points, a tier, a reward's code, a challenge place). */
  data: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  /** The event that caused it, for tracing. */
  causeId: z.optional(z.string().check(z.maxLength(200))),
});

export type MailJob = z.output<typeof MailJobSchema>;
