import * as z from 'zod/mini';

/**
 * Lojal's own events (Source `lojal`): one zod schema per DetailType, the single definition the
 * emitting jobs build against and the consuming handlers (points, emails) parse with. Written
 * with `zod/mini` for the same bundle-size reason as contract/events.ts.
 *
 * Every event carries an `idempotencyKey`: a job may emit an event twice (a rerun, a retry
 * after an unknown outcome), and consumers act once per key.
 */

const id = z.string().check(z.minLength(1), z.maxLength(200));
const localDate = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date YYYY-MM-DD'));
const points = z.int().check(z.nonnegative());

/** `customer.anniversary`: a member's membership anniversary, from year 1 (daily calendar job). */
export const CustomerAnniversarySchema = z.object({
  /** `anniversary:<customerId>:<date>` */
  idempotencyKey: id,
  customerId: id,
  /** The day celebrated, in the client's calendar. */
  date: localDate,
  /** Whole years of membership, 1 or more. */
  years: z.int().check(z.positive()),
  /** The local date of registration (the member's time zone, else the client's). */
  registeredOn: localDate,
  /** The bonus the program awards for it (`anniversaryBonus`), for the email to mention; 0 for none. */
  bonusPoints: points,
});

/** `customer.birthday`: a member's birthday (daily calendar job). No age: the birth year is personal data. */
export const CustomerBirthdaySchema = z.object({
  /** `birthday:<customerId>:<date>` */
  idempotencyKey: id,
  customerId: id,
  /** The day celebrated, in the client's calendar (28 February for a 29 February birthday in a common year). */
  date: localDate,
  /** The bonus the program awards for it (`birthdayBonus`); 0 for none. */
  bonusPoints: points,
});

/** `perk.earned`: a member reached the tenure of a perk today (daily calendar job). */
export const PerkEarnedSchema = z.object({
  /** `perk:<customerId>:<perkId>` (a perk is earned once). */
  idempotencyKey: id,
  customerId: id,
  perkId: id,
  perkName: z.string().check(z.minLength(1)),
  /** Months of membership the perk needs. */
  afterMonths: z.int().check(z.positive()),
  /** The day it was earned, in the client's calendar. */
  date: localDate,
  /** Whether the client wants the earning mailed (the perk's `email` setting). */
  email: z.boolean(),
});

export type CustomerAnniversary = z.output<typeof CustomerAnniversarySchema>;
export type CustomerBirthday = z.output<typeof CustomerBirthdaySchema>;
export type PerkEarned = z.output<typeof PerkEarnedSchema>;

/**
 * A product as the timeline sweeper names it in `checkin.due` and `product.aged`
 * (functions/domain/timeline.ts, `dueEventFor`): `productName` is null when the order line had none.
 */
const DueProductSchema = z.object({
  sku: id,
  category: z.string().check(z.minLength(1), z.maxLength(100)),
  productName: z.nullable(z.string().check(z.maxLength(300))),
});

/** What `checkin.due` and `product.aged` share: the timeline item that fell due (timeline sweeper). */
const dueItemFields = {
  /** `checkin:<orderId>` or `replacement:<category>:<orderId>`: stable per scheduled item; consumers dedupe on it. */
  itemId: id,
  customerId: id,
  orderId: id,
  /** UTC ISO. */
  placedAt: z.string().check(z.minLength(1)),
  /** UTC ISO, already moved out of quiet hours. */
  dueAt: z.string().check(z.minLength(1)),
  /** Days after the purchase: the check-in delay or the product's lifespan. */
  ageDays: z.int().check(z.positive()),
};

/** `checkin.due`: a purchase's check-in fell due (timeline sweeper). */
export const CheckinDueSchema = z.object({
  ...dueItemFields,
  kind: z.literal('checkin'),
  /** What was bought (at most 20 products). */
  products: z.array(DueProductSchema),
});

/** `product.aged`: a product reached the end of its expected lifespan (timeline sweeper). */
export const ProductAgedSchema = z.object({
  ...dueItemFields,
  kind: z.literal('replacement'),
  sku: z.nullable(id),
  category: z.nullable(z.string().check(z.minLength(1), z.maxLength(100))),
  productName: z.nullable(z.string().check(z.maxLength(300))),
});

export type CheckinDue = z.output<typeof CheckinDueSchema>;
export type ProductAged = z.output<typeof ProductAgedSchema>;

const instant = z.iso.datetime({ offset: true });
const tierName = z.string().check(z.minLength(1), z.maxLength(100));
/** Idempotency keys of the ledger's events embed a customer id and more, so they may be longer than an id. */
const key = z.string().check(z.minLength(1), z.maxLength(500));

/**
 * `tier.changed`: a member's tier status moved up (at once, when qualifying points over the
 * rolling 12 months reached a higher tier) or down (at a review). Ledger job.
 */
export const TierChangedSchema = z.object({
  /** `tier:<customerId>:<at>:<to>` */
  idempotencyKey: key,
  customerId: id,
  from: tierName,
  to: tierName,
  direction: z.enum(['upgrade', 'downgrade']),
  /** When it happened, in business time (UTC ISO). */
  at: instant,
  /** The new tier's points multiplier. */
  multiplier: z.number().check(z.positive()),
  /** Qualifying points over the 12 months that decided it. */
  qualifyingPoints: points,
  /** When the new status is next reviewed (UTC ISO); null at the lowest tier. */
  reviewAt: z.nullable(instant),
});

/**
 * `tier.expiring`: the warning, `tierReviewWarningDays` before a review, to a member whom the
 * review would move down on what they have earned so far. Ledger job.
 */
export const TierExpiringSchema = z.object({
  /** `tier-review:<customerId>:<reviewAt>` */
  idempotencyKey: key,
  customerId: id,
  /** The status held now. */
  tier: tierName,
  /** UTC ISO. */
  reviewAt: instant,
  /** The tier after the review if nothing more is earned. */
  projectedTier: tierName,
  /** Qualifying points counting towards the review so far. */
  qualifyingPoints: points,
  /** Qualifying points the current tier needs over the 12 months before the review. */
  requiredPoints: points,
  /** How many more qualifying points keep the tier. */
  pointsToKeep: z.int().check(z.positive()),
  /** When the warning was due (UTC ISO). */
  at: instant,
});

/**
 * `reward.earned`: a reward issued with its code, either for points redeemed through the member
 * API or for net spend passing another multiple of a spend reward's threshold. Ledger job.
 */
export const RewardEarnedSchema = z.object({
  /** `reward:<customerId>:redemption:<redemptionId>` or `reward:<customerId>:spend:<rewardId>:<count>` */
  idempotencyKey: key,
  customerId: id,
  source: z.enum(['redemption', 'spend']),
  rewardId: id,
  rewardName: z.string().check(z.minLength(1)),
  /** The code to present at checkout. */
  code: id,
  /** When it was earned (UTC ISO). */
  at: instant,
  /** Last moment the code is valid (UTC ISO); null when it does not lapse. */
  validUntil: z.nullable(instant),
  /** For a redemption: the points it cost. */
  points: z.optional(points),
  /** For a spend reward: the currency, the threshold in minor units, and which multiple was reached. */
  spend: z.optional(
    z.object({ currency: z.string().check(z.length(3)), everyMinor: z.int().check(z.positive()), count: z.int().check(z.positive()) }),
  ),
});

/** `points.expiring`: `expiryWarningDays` before points expire, how many would. Ledger job. */
export const PointsExpiringSchema = z.object({
  /** `points-expiring:<customerId>:<lastValidDate>` */
  idempotencyKey: key,
  customerId: id,
  /** Points that expire if not spent before `expiresAt`. */
  points: z.int().check(z.positive()),
  /** UTC ISO. */
  expiresAt: instant,
  /** Their last valid day, in the client's calendar. */
  lastValidDate: localDate,
  /** The member's balance at the warning. */
  balance: z.int(),
  /** When the warning was due (UTC ISO). */
  at: instant,
});

/**
 * `challenge.completed`: a challenge's result, once its scoring has closed and settled. The
 * winners already hold their prizes (a ledger adjustment `challenge-<challengeId>`). Results job.
 */
export const ChallengeCompletedSchema = z.object({
  /** `challenge:<challengeId>` (a challenge is decided once). */
  idempotencyKey: key,
  challengeId: id,
  challengeName: z.string().check(z.minLength(1)),
  /** When scoring closed and when the result was decided (UTC ISO). */
  scoringClosedAt: instant,
  decidedAt: instant,
  /** The paid places, best first; members tied on a score share a place and its prize. */
  winners: z.array(
    z.object({
      customerId: id,
      rank: z.int().check(z.positive()),
      score: points,
      prize: z.int().check(z.positive()),
    }),
  ),
});

export type TierChanged = z.output<typeof TierChangedSchema>;
export type TierExpiring = z.output<typeof TierExpiringSchema>;
export type RewardEarned = z.output<typeof RewardEarnedSchema>;
export type PointsExpiring = z.output<typeof PointsExpiringSchema>;
export type ChallengeCompleted = z.output<typeof ChallengeCompletedSchema>;

/**
 * `customer.unsubscribed`: Lojal recorded an opt-out from marketing mail (its unsubscribe link
 * or page, one-click included; a complaint; a hard bounce), so the shop can sync it back.
 * Published once per opt-out; consumers dedupe on the key all the same.
 */
export const CustomerUnsubscribedSchema = z.object({
  /** `unsubscribed:<customerId>:<at>` */
  idempotencyKey: id,
  customerId: id,
  /** The instant Lojal recorded the opt-out (UTC ISO). */
  at: z.string().check(z.minLength(1)),
  reason: z.enum(['unsubscribe', 'complaint', 'bounce']),
});
export type CustomerUnsubscribed = z.output<typeof CustomerUnsubscribedSchema>;

/**
 * `flow.step.due`: a flow run's wait ran out (the timeline sweeper, from the run's wake-up item).
 * Internal to Lojal: the flows handler resumes the run when its revision still matches.
 */
export const FlowStepDueSchema = z.object({
  itemId: key,
  kind: z.literal('flow'),
  customerId: id,
  flowId: z.string().check(z.minLength(1), z.maxLength(63)),
  runKey: z.string().check(z.minLength(1), z.maxLength(500)),
  rev: z.int().check(z.positive()),
  dueAt: z.string().check(z.minLength(1)),
});
export type FlowStepDue = z.output<typeof FlowStepDueSchema>;

/**
 * `flow.action.due`: an action a flow run committed was not confirmed done within its lease (a
 * crash); the flows handler performs it, once by its key.
 */
export const FlowActionDueSchema = z.object({
  itemId: key,
  kind: z.literal('flow-action'),
  customerId: id,
  flowId: z.string().check(z.minLength(1), z.maxLength(63)),
  runKey: z.string().check(z.minLength(1), z.maxLength(500)),
  at: z.string().check(z.minLength(1)),
  action: z.union([
    z.object({ kind: z.literal('email'), stepId: z.string(), key, message: z.string() }),
    z.object({ kind: z.literal('points'), stepId: z.string(), key, points: z.int(), reason: z.string() }),
    z.object({ kind: z.literal('emit'), stepId: z.string(), key, detailType: z.string(), detail: z.record(z.string(), z.unknown()) }),
    z.object({
      kind: z.literal('set'),
      stepId: z.string(),
      key,
      attributes: z.record(z.string(), z.nullable(z.union([z.string(), z.number(), z.boolean()]))),
    }),
  ]),
});
export type FlowActionDue = z.output<typeof FlowActionDueSchema>;

/** `flow.broadcast.due`: a broadcast flow's instant came (the timeline sweeper); the flows handler cuts it into slices. Internal. */
export const FlowBroadcastDueSchema = z.object({
  itemId: key,
  kind: z.literal('flow-broadcast'),
  flowId: z.string().check(z.minLength(1), z.maxLength(63)),
  at: z.string().check(z.minLength(1)),
});
export type FlowBroadcastDue = z.output<typeof FlowBroadcastDueSchema>;

/** `flow.broadcast.slice`: one partition of the member index a broadcast enumerates, handled on its own. Internal. */
export const FlowBroadcastSliceSchema = z.object({
  flowId: z.string().check(z.minLength(1), z.maxLength(63)),
  at: z.string().check(z.minLength(1)),
  /** `MM-DD`: the month-day of the members' registration (the calendar index partition). */
  monthDay: z.string().check(z.regex(/^\d{2}-\d{2}$/)),
  shard: z.int().check(z.minimum(0), z.maximum(63)),
});
export type FlowBroadcastSlice = z.output<typeof FlowBroadcastSliceSchema>;

/**
 * `flow.date.due`: the daily calendar job found a member whose birthday or anniversary (`date`,
 * this year's) is a member-date flow's offset away from `fireOn` (a local date a day ahead);
 * the flows handler sets the run to enter at the flow's local time that day. Internal.
 */
export const FlowDateDueSchema = z.object({
  flowId: z.string().check(z.minLength(1), z.maxLength(63)),
  customerId: id,
  kind: z.enum(['birthday', 'anniversary']),
  /** `YYYY-MM-DD`: the occasion this year (a 29 February birthday is the 28th in common years). */
  date: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
  /** `YYYY-MM-DD`: the member's local day the run enters on. */
  fireOn: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
  /** Years of membership, for an anniversary. */
  years: z.optional(z.int().check(z.positive())),
});
export type FlowDateDue = z.output<typeof FlowDateDueSchema>;

/**
 * What a member-date run's `{{event.…}}` variables are (a message with `trigger: flow.date`):
 * the flow, which date, the occasion's date this year and, for an anniversary, the years.
 */
export const FlowDateSchema = z.object({
  flowId: z.string(),
  kind: z.enum(['birthday', 'anniversary']),
  date: z.string(),
  years: z.nullable(z.int()),
});

/**
 * What a broadcast run's `{{event.…}}` variables are (a message with `trigger: flow.broadcast`):
 * the flow, the instant, and the campaign it announces.
 */
export const FlowBroadcastSchema = z.object({
  flowId: z.string(),
  at: z.string(),
  campaignId: z.nullable(z.string()),
  campaignName: z.nullable(z.string()),
  campaignStart: z.nullable(z.string()),
});

/**
 * `nps.answered`: a member answered an order's check-in (0–10) through the link in the mail.
 * Answering the same check-in again is a new answer (a new key, `previousScore` set); the same
 * answer posted twice is announced once. Member API, after the answer and its NPS counters are written.
 */
export const NpsAnsweredSchema = z.object({
  /** `nps:<customerId>:<orderId>:<answeredAt>`: the answer's id. */
  idempotencyKey: key,
  customerId: id,
  orderId: id,
  score: z.int().check(z.minimum(0), z.maximum(10)),
  /** 9–10 `promoter`, 7–8 `passive`, 0–6 `detractor`. */
  category: z.enum(['promoter', 'passive', 'detractor']),
  /** UTC ISO. */
  answeredAt: instant,
  /** The score this answer replaced, or null for the order's first answer. */
  previousScore: z.nullable(z.int().check(z.minimum(0), z.maximum(10))),
});
export type NpsAnswered = z.output<typeof NpsAnsweredSchema>;
