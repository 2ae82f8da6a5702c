import type { TimelineOrderLine } from '../timeline';

/**
 * The points engine's inputs and results. A member's distinct events are stored as ledger
 * inputs and folded (fold.ts) in business-time order, so the balance after any delivery order
 * equals the fold of the distinct events — the fold *is* the specification.
 */

export type LedgerInput = OrderInput | RefundInput | ActivityInput | AdjustmentInput | RedemptionInput | ExpiryInput;

export interface OrderInput {
  readonly kind: 'order';
  readonly ref: string;
  /** Business time, ISO-8601. */
  readonly at: string;
  readonly currency: string;
  /** Name and lifespan are kept for the timeline (a refund re-plans the order); the points ignore them. */
  readonly lines: readonly TimelineOrderLine[];
  readonly discount: number;
  /** From a history import: earns points, plans no mail (kept on the entry, so a refund's re-plan stays quiet too). */
  readonly imported?: boolean;
}

export interface RefundInput {
  readonly kind: 'refund';
  readonly ref: string;
  readonly at: string;
  readonly orderRef: string;
  readonly lines?: readonly { readonly sku: string; readonly quantity: number }[];
  readonly amount?: number;
}

export interface ActivityInput {
  readonly kind: 'activity';
  readonly ref: string;
  readonly at: string;
  readonly activity: string;
}

/** Fixed points with a reason (bonuses, operator adjustments). They do not count towards tiers. */
export interface AdjustmentInput {
  readonly kind: 'adjustment';
  readonly ref: string;
  readonly at: string;
  /** Positive adds points, negative removes them (down to a negative balance if need be). */
  readonly points: number;
  readonly reason: string;
}

/** A reward a redemption bought, as issued at the time (the catalogue may change later). */
export interface RedeemedReward {
  readonly id: string;
  readonly name: string;
  readonly code: string;
  /** ISO-8601, or null when the reward does not lapse. */
  readonly validUntil: string | null;
}

/** Points spent by the member (the redemption endpoint checked the spendable balance first). */
export interface RedemptionInput {
  readonly kind: 'redemption';
  /** The client's redemptionId. */
  readonly ref: string;
  readonly at: string;
  /** The price, positive. */
  readonly points: number;
  readonly reward?: RedeemedReward;
}

/**
 * Expired points leave the balance through this entry, written by the daily ledger job: the
 * fold works out how many (every lot that expired by `at` and still had points), so a late
 * event re-prices it like any other entry. `ref` is the local date of `at`.
 */
export interface ExpiryInput {
  readonly kind: 'expiry';
  readonly ref: string;
  readonly at: string;
}

/** What priced an entry: the rule revision in force at its business time, and the campaigns and multipliers that applied. */
export interface EntryPricing {
  /** 0: the client file's base rules; i: `revisions[i - 1]` (docs/rule-changes.md). */
  readonly revision: number;
  /** Ids of the campaigns whose multiplier or bonus applied. */
  readonly campaigns: readonly string[];
  /** Orders: the tier's, each category's other than ×1, and each winning campaign's. */
  readonly multipliers?: {
    readonly tier: number;
    readonly categories: Readonly<Record<string, number>>;
    readonly campaigns: Readonly<Record<string, number>>;
  };
}

export type EntryStatus = 'applied' | 'awaiting-order';

export interface PricedEntry {
  readonly kind: LedgerInput['kind'];
  readonly ref: string;
  readonly points: number;
  /** Points counted towards tier qualification (earn rate × category multiplier; no tier, campaign or bonus points). */
  readonly qualifying: number;
  /** When the qualifying points count (a refund that came before its order counts at the order's time). */
  readonly qualifyingAt: number;
  readonly status: EntryStatus;
  readonly reason: string;
  /** For orders: the tier whose multiplier applied. */
  readonly tier?: string;
  /** For orders and activities: the rules that priced the entry (reports of campaign cost read it). */
  readonly pricing?: EntryPricing;
}

/** Points credited together: one order, activity or positive adjustment. */
export interface PointsLot {
  /** The entry key (`kind#ref`) that earned it. */
  readonly source: string;
  readonly earnedAt: number;
  readonly amount: number;
  /** What is left after debits, expiry and paying off debt. */
  readonly remaining: number;
  /** Order points are pending through the return window; everything else is spendable at once. */
  readonly spendableAt: number;
  /** The instant the lot expires (start of the month after its last valid day), or null for never. */
  readonly expiresAt: number | null;
}

export interface TierChange {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly direction: 'upgrade' | 'downgrade';
  /** Qualifying points over the 12 months that decided it. */
  readonly qualifying: number;
  /** The next review of the new status, or null at the lowest tier. */
  readonly reviewAt: number | null;
}

/** A review ahead would move the member down, as far as could be told at `at`. */
export interface TierReviewWarning {
  readonly at: number;
  readonly reviewAt: number;
  readonly tier: string;
  readonly projectedTier: string;
  /** Qualifying points counting towards the review so far. */
  readonly qualifying: number;
  /** What the current tier needs. */
  readonly required: number;
}

/** Points would expire at `expiresAt`, as far as could be told at `at`. */
export interface ExpiryWarning {
  readonly at: number;
  readonly expiresAt: number;
  readonly points: number;
  /** The balance at the time of the warning. */
  readonly balance: number;
}

/** A spend reward reached: the `count`-th multiple of its threshold, at `at`. */
export interface SpendRewardReached {
  readonly rewardId: string;
  readonly count: number;
  readonly at: number;
}

export interface TierStatus {
  readonly name: string;
  readonly multiplier: number;
  /** When the member reached this status (null: the lowest tier since the start). */
  readonly since: number | null;
  /** When it is next reviewed (null at the lowest tier). */
  readonly reviewAt: number | null;
}

export interface LedgerFold {
  /** Keyed by `entryKey(kind, ref)`. */
  readonly entries: ReadonlyMap<string, PricedEntry>;
  /** Everything the member holds, pending included: the sum of all entries. Negative when debt exceeds it. */
  readonly balance: number;
  /** Points earned, net of refunds and adjustments; redemptions and expiry do not lower it. */
  readonly lifetimePoints: number;
  /** In the order earned (FIFO). */
  readonly lots: readonly PointsLot[];
  /** Points owed: debits no lot could cover (a refund after the points were spent). */
  readonly debt: number;
  /** The status after the last input, or at `asOf` when given. */
  readonly status: TierStatus;
  readonly tierChanges: readonly TierChange[];
  readonly tierWarnings: readonly TierReviewWarning[];
  readonly expiryWarnings: readonly ExpiryWarning[];
  readonly spendRewards: readonly SpendRewardReached[];
  /** Qualifying points by the instant they count. */
  readonly contributions: readonly { readonly at: number; readonly points: number }[];
  /** The next instant after `asOf` (or the last input) at which the status or a warning changes by time alone. */
  readonly nextCheckpoint: number | null;
}

export interface FoldOptions {
  /**
   * Carry the fold forward to this instant (ms) without new inputs: reviews and warnings due by
   * then are applied, so `status` is the status at that instant. @default the last input
   */
  readonly asOf?: number;
  /**
   * The member is in the program control group (docs/measurement.md): orders and activities are
   * still recorded but earn nothing (`CONTROL_GROUP_REASON`). @default false
   */
  readonly control?: boolean;
}

export const entryKey = (kind: LedgerInput['kind'], ref: string): string => `${kind}#${ref}`;
