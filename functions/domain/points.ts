import type { ProgramConfig } from '../config/program';
import type { TimelineOrderLine } from './timeline';
import { addMonthsUtc, DAY_MS } from './time';
import { instantOfWallTime, wallTimeAt } from './zoned-time';

/**
 * The points engine: a pure, integer-only fold of a member's distinct events in business-time
 * order. Handlers store every distinct event as a ledger input and re-run this fold, so the
 * balance after any delivery order (duplicated, reordered, refund before order) equals the
 * fold of the distinct events — the fold *is* the specification.
 *
 * Arithmetic is in BigInt: multipliers are exact per-mille integers, the product of amount,
 * earn rate and three multipliers overflows 2^53, and rounding happens once, down, per order.
 *
 * Besides the points of each entry the fold keeps, in the same single pass:
 * - **lots**: every credit is a lot (earned when, spendable from when, expires when, how much is
 *   left). Debits take from lots oldest first; a refund first takes back its own order's lot.
 *   What no lot can cover becomes debt, which later credits pay off first. So
 *   `balance = Σ lot.remaining − debt`, and debt is only ever owed when no lot has points left.
 * - **tier status**: raised at once when qualifying points over the rolling 12 months reach a
 *   higher tier; lowered only at the review on the anniversary of the last upgrade or review,
 *   to the tier the qualifying points of the 12 months before the review support.
 * - **warnings** computed at their own instant from what was known then: a tier review that
 *   would move the member down, points about to expire.
 * - **spend**: net amounts per currency once the return window has passed, for spend rewards.
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
}

export const entryKey = (kind: LedgerInput['kind'], ref: string): string => `${kind}#${ref}`;

/** At one instant, expiry comes first (the points were valid up to it), redemptions last. */
const KIND_RANK: Record<LedgerInput['kind'], number> = { expiry: 0, order: 1, refund: 2, activity: 3, adjustment: 4, redemption: 5 };

/** Business-time order; ties broken by kind, then reference, so the fold is deterministic. */
export function compareInputs(a: LedgerInput, b: LedgerInput): number {
  return (
    Date.parse(a.at) - Date.parse(b.at) ||
    KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
    (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)
  );
}

/** Per-mille integer of a multiplier the config schema guarantees exact to three decimals. */
export const toMilli = (multiplier: number): bigint => BigInt(Math.round(multiplier * 1000));

/** Spreads an order-level discount over lines pro rata to their gross, exactly (largest remainder). */
export function spreadDiscount(gross: readonly number[], discount: number): number[] {
  const total = gross.reduce((s, g) => s + g, 0);
  if (discount === 0 || total === 0) return gross.map(() => 0);
  const d = BigInt(Math.min(discount, total));
  const t = BigInt(total);
  const shares = gross.map((g) => (d * BigInt(g)) / t);
  const remainders = gross.map((g, i) => ({ i, r: (d * BigInt(g)) % t }));
  let left = Number(d - shares.reduce((s, x) => s + x, 0n));
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left-- <= 0) break;
    shares[i] = (shares[i] ?? 0n) + 1n;
  }
  return shares.map(Number);
}

/** The tier for an amount of qualifying points: the highest whose threshold is reached. */
export function tierFor(config: ProgramConfig, qualifying: number) {
  return config.tiers[tierIndexFor(config, qualifying)]!;
}

function tierIndexFor(config: ProgramConfig, qualifying: number): number {
  let index = 0;
  config.tiers.forEach((t, i) => {
    if (qualifying >= t.qualifyingPoints) index = i;
  });
  return index;
}

/** Qualifying points earned in the rolling 12 months before `atMs` (both ends exclusive: an order exactly 12 months ago no longer counts). */
export function qualifyingBefore(contributions: readonly { at: number; points: number }[], atMs: number): number {
  const from = addMonthsUtc(atMs, -12);
  let sum = 0;
  for (const c of contributions) if (c.at > from && c.at < atMs) sum += c.points;
  return Math.max(0, sum);
}

/**
 * When points earned at `earnedAt` expire: they are valid through the end of the month
 * `months` after the month they were earned in (client's time zone), and expire at the start
 * of the next month. Null when the program's points never expire.
 */
export function expiryOf(config: ProgramConfig, earnedAt: number): number | null {
  if (config.pointsExpiryMonths === null) return null;
  // Every UTC offset is a whole number of quarter hours, so the local month cannot change within
  // a quarter hour: memoise by it (the time-zone arithmetic is most of a long ledger's fold).
  const key = `${config.timeZone}|${config.pointsExpiryMonths}|${Math.floor(earnedAt / QUARTER_HOUR_MS)}`;
  let expiresAt = expiryMemo.get(key);
  if (expiresAt === undefined) {
    const w = wallTimeAt(earnedAt, config.timeZone);
    expiresAt = instantOfWallTime({ year: w.year, month: w.month + config.pointsExpiryMonths + 1, day: 1, hour: 0, minute: 0 }, config.timeZone);
    if (expiryMemo.size >= 50_000) expiryMemo.clear();
    expiryMemo.set(key, expiresAt);
  }
  return expiresAt;
}

const QUARTER_HOUR_MS = 15 * 60_000;
const expiryMemo = new Map<string, number>();

interface OrderState {
  readonly ref: string;
  readonly points: number;
  readonly qualifying: number;
  readonly currency: string;
  readonly lines: ReadonlyMap<string, { quantity: number; weight: bigint; net: number }>;
  readonly totalWeight: bigint;
  readonly net: number;
  readonly at: number;
  /** End of the return window: order points become spendable and spend counts. */
  readonly settlesAt: number;
  readonly lot: Lot | undefined;
  cumQty: Map<string, number>;
  cumAmount: number;
  reversedPoints: number;
  /** Qualifying reversal already counted (refunds within the return window count at the order's time). */
  reversedQualifying: number;
  refundedNet: number;
}

interface Lot {
  readonly source: string;
  readonly earnedAt: number;
  readonly amount: number;
  remaining: number;
  readonly spendableAt: number;
  readonly expiresAt: number | null;
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
const lcm = (a: bigint, b: bigint): bigint => (a / gcd(a, b)) * b;

/** Share of an order refunded so far, as an exact fraction clamped to 1. */
function refundedFraction(order: Pick<OrderState, 'lines' | 'totalWeight' | 'net' | 'cumQty' | 'cumAmount'>): { num: bigint; den: bigint } {
  const lines = [...order.lines.entries()];
  let lineNum = 0n;
  let lineDen = 1n;
  if (lines.some(([sku]) => (order.cumQty.get(sku) ?? 0) > 0)) {
    // Weight each line by its exact points; fall back to net amount, then quantity, for free lines.
    const weightOf =
      order.totalWeight > 0n
        ? (l: { weight: bigint }) => l.weight
        : order.net > 0
          ? (l: { net: number }) => BigInt(l.net)
          : (l: { quantity: number }) => BigInt(l.quantity);
    const total = lines.reduce((s, [, l]) => s + weightOf(l), 0n);
    const qlcm = lines.reduce((m, [, l]) => lcm(m, BigInt(l.quantity)), 1n);
    lineNum = lines.reduce((s, [sku, l]) => s + weightOf(l) * BigInt(order.cumQty.get(sku) ?? 0) * (qlcm / BigInt(l.quantity)), 0n);
    lineDen = total * qlcm;
    if (lineDen === 0n) {
      lineNum = 0n;
      lineDen = 1n;
    }
  }
  const amountNum = order.net > 0 ? BigInt(order.cumAmount) : 0n;
  const amountDen = order.net > 0 ? BigInt(order.net) : 1n;
  let num = lineNum * amountDen + amountNum * lineDen;
  const den = lineDen * amountDen;
  if (num > den) num = den;
  return { num, den };
}

/** Adds a refund's lines or amount to an order's cumulative refund, never beyond what was ordered. */
function accumulateRefund(order: Pick<OrderState, 'lines' | 'net' | 'cumQty' | 'cumAmount'>, refund: RefundInput): void {
  if (refund.lines) {
    for (const line of refund.lines) {
      const ordered = order.lines.get(line.sku);
      if (!ordered) continue; // a sku that was not on the order reverses nothing
      order.cumQty.set(line.sku, Math.min(ordered.quantity, (order.cumQty.get(line.sku) ?? 0) + line.quantity));
    }
  }
  if (refund.amount !== undefined) order.cumAmount = Math.min(order.net, order.cumAmount + refund.amount);
}

/** Net amount refunded so far (minor units): refunded lines at their net price, plus refunded amounts, at most the order's net. */
function refundedNetOf(order: Pick<OrderState, 'lines' | 'net' | 'cumQty' | 'cumAmount'>): number {
  let byLines = 0;
  for (const [sku, line] of order.lines) byLines += Math.floor((line.net * (order.cumQty.get(sku) ?? 0)) / line.quantity);
  return Math.min(order.net, byLines + order.cumAmount);
}

/**
 * Folds a member's distinct ledger inputs (any order; they are sorted here) into the points
 * each one is worth, the resulting balance, lots, tier status and warnings.
 */
export function foldLedger(config: ProgramConfig, inputs: readonly LedgerInput[], options: FoldOptions = {}): LedgerFold {
  // Parse each time once: sorting with Date.parse in the comparator dominates a long ledger's fold.
  const sorted = inputs
    .map((input) => ({ input, at: Date.parse(input.at) }))
    .sort((a, b) => a.at - b.at || KIND_RANK[a.input.kind] - KIND_RANK[b.input.kind] || (a.input.ref < b.input.ref ? -1 : a.input.ref > b.input.ref ? 1 : 0))
    .map((s) => s.input);
  const entries = new Map<string, PricedEntry>();
  const contributions: { at: number; points: number }[] = [];
  const orders = new Map<string, OrderState>();
  const awaiting = new Map<string, RefundInput[]>();
  const lots: Lot[] = [];
  const tiers = config.tiers;
  const windowMs = config.returnWindowDays * DAY_MS;
  const tierWarningMs = config.tierReviewWarningDays * DAY_MS;
  const expiryWarningMs = config.expiryWarningDays * DAY_MS;
  const tracksSpend = config.spendRewards.length > 0;
  let firstOrderSeen = false;
  let running = 0;
  let debt = 0;

  // Tier status: an index into config.tiers, when it was reached and when it is next reviewed.
  let status = 0;
  let since: number | null = null;
  let reviewAt: number | null = null;
  let reviewWarned = false;
  const tierChanges: TierChange[] = [];
  const tierWarnings: TierReviewWarning[] = [];
  // Expiry boundaries that hold lots, and whether their warning instant has passed.
  const boundaries = new Map<number, boolean>();
  const expiryWarnings: ExpiryWarning[] = [];
  const spend: { at: number; currency: string; delta: number }[] = [];

  // Refunds by the order they refund, to see ahead which fall inside the order's return window.
  const refundsByOrder = new Map<string, RefundInput[]>();
  for (const input of sorted) {
    if (input.kind === 'refund') refundsByOrder.set(input.orderRef, [...(refundsByOrder.get(input.orderRef) ?? []), input]);
  }

  const setEntry = (key: string, entry: PricedEntry) => {
    running += entry.points - (entries.get(key)?.points ?? 0);
    entries.set(key, entry);
  };

  const credit = (source: string, amount: number, earnedAt: number, spendableAt: number): Lot | undefined => {
    if (amount <= 0) return undefined;
    const paid = Math.min(debt, amount);
    debt -= paid;
    const lot: Lot = { source, earnedAt, amount, remaining: amount - paid, spendableAt, expiresAt: expiryOf(config, earnedAt) };
    lots.push(lot);
    if (lot.expiresAt !== null && !boundaries.has(lot.expiresAt)) boundaries.set(lot.expiresAt, false);
    return lot;
  };

  /**
   * Takes `amount` points: from `own` first, then spendable lots oldest first, then pending ones,
   * then as debt. (A lot past its expiry whose expiry entry is not written yet may still be
   * taken; once the entry is written it sorts before the debit and takes the lot first, so the
   * final state does not depend on when the job ran. The redemption check counts no expired lot.)
   */
  const debit = (amount: number, at: number, own?: Lot) => {
    let left = amount;
    const take = (lot: Lot) => {
      const n = Math.min(lot.remaining, left);
      lot.remaining -= n;
      left -= n;
    };
    if (own) take(own);
    for (const lot of lots) {
      if (left === 0) break;
      if (lot.spendableAt <= at) take(lot);
    }
    for (const lot of lots) {
      if (left === 0) break;
      take(lot);
    }
    debt += left;
  };

  const qualifyingThrough = (atMs: number) => qualifyingBefore(contributions, atMs + 1);

  const raiseStatus = (at: number) => {
    const q = qualifyingThrough(at);
    const target = tierIndexFor(config, q);
    if (target <= status) return;
    const next = addMonthsUtc(at, 12);
    tierChanges.push({ at, from: tiers[status]!.name, to: tiers[target]!.name, direction: 'upgrade', qualifying: q, reviewAt: next });
    status = target;
    since = at;
    reviewAt = next;
    reviewWarned = false;
  };

  type Step = { readonly at: number; readonly kind: 'review-warning' | 'review' | 'expiry-warning'; readonly expiresAt?: number };

  /** The next time-driven step: a review warning, a review, or an expiry warning. */
  const nextStep = (): Step | undefined => {
    let best: Step | undefined;
    if (reviewAt !== null) {
      if (tierWarningMs > 0 && !reviewWarned) best = { at: reviewAt - tierWarningMs, kind: 'review-warning' };
      if (!best || reviewAt < best.at) best = { at: reviewAt, kind: 'review' };
    }
    if (expiryWarningMs > 0) {
      for (const [expiresAt, warned] of boundaries) {
        if (!warned && (!best || expiresAt - expiryWarningMs < best.at)) best = { at: expiresAt - expiryWarningMs, kind: 'expiry-warning', expiresAt };
      }
    }
    return best;
  };

  const runStep = (step: Step) => {
    switch (step.kind) {
      case 'review-warning': {
        reviewWarned = true;
        const review = reviewAt!;
        const q = qualifyingBefore(contributions, review);
        const projected = tierIndexFor(config, q);
        if (projected < status) {
          tierWarnings.push({
            at: step.at,
            reviewAt: review,
            tier: tiers[status]!.name,
            projectedTier: tiers[projected]!.name,
            qualifying: q,
            required: tiers[status]!.qualifyingPoints,
          });
        }
        break;
      }
      case 'review': {
        const q = qualifyingBefore(contributions, step.at);
        const target = tierIndexFor(config, q);
        if (target < status) {
          const next = target > 0 ? addMonthsUtc(step.at, 12) : null;
          tierChanges.push({ at: step.at, from: tiers[status]!.name, to: tiers[target]!.name, direction: 'downgrade', qualifying: q, reviewAt: next });
          status = target;
          since = step.at;
        }
        reviewAt = status > 0 ? addMonthsUtc(step.at, 12) : null;
        reviewWarned = false;
        break;
      }
      case 'expiry-warning': {
        const expiresAt = step.expiresAt!;
        boundaries.set(expiresAt, true);
        let points = 0;
        for (const lot of lots) if (lot.expiresAt !== null && lot.expiresAt <= expiresAt) points += lot.remaining;
        if (points > 0) expiryWarnings.push({ at: step.at, expiresAt, points, balance: running });
        break;
      }
    }
  };

  const advanceTo = (until: number) => {
    for (let step = nextStep(); step && step.at <= until; step = nextStep()) runStep(step);
  };

  const applyRefund = (refund: RefundInput, order: OrderState, effectiveAt: number) => {
    accumulateRefund(order, refund);
    const { num, den } = refundedFraction(order);
    const targetPoints = Number((BigInt(order.points) * num) / den);
    const targetQualifying = Number((BigInt(order.qualifying) * num) / den);
    const points = order.reversedPoints - targetPoints;
    // Reversals already counted at the order's time (refunds within the return window) count once.
    const qualifying = Math.min(0, order.reversedQualifying - targetQualifying);
    order.reversedPoints = targetPoints;
    order.reversedQualifying = Math.max(order.reversedQualifying, targetQualifying);
    if (qualifying !== 0) contributions.push({ at: effectiveAt, points: qualifying });
    if (points < 0) debit(-points, effectiveAt, order.lot);
    if (tracksSpend) {
      const refunded = refundedNetOf(order);
      if (refunded > order.refundedNet) {
        spend.push({ at: Math.max(effectiveAt, order.settlesAt), currency: order.currency, delta: order.refundedNet - refunded });
        order.refundedNet = refunded;
      }
    }
    setEntry(entryKey('refund', refund.ref), {
      kind: 'refund',
      ref: refund.ref,
      points,
      qualifying,
      qualifyingAt: effectiveAt,
      status: 'applied',
      reason: `refund of order ${refund.orderRef}`,
    });
  };

  for (const input of sorted) {
    const at = Date.parse(input.at);
    advanceTo(at);
    switch (input.kind) {
      case 'order': {
        const rate = config.earnRates[input.currency];
        const tier = tiers[status]!;
        const tierMilli = toMilli(tier.multiplier);
        const activeCampaigns = config.campaigns.filter((c) => Date.parse(c.start) <= at && at < Date.parse(c.end));
        const matches = (c: (typeof activeCampaigns)[number], category: string) => !c.categories || c.categories.includes(category);
        const gross = input.lines.map((l) => l.unitPrice * l.quantity);
        const discounts = spreadDiscount(gross, input.discount);
        const lines = new Map<string, { quantity: number; weight: bigint; net: number }>();
        let weight = 0n;
        let base = 0n;
        input.lines.forEach((line, i) => {
          const net = (gross[i] ?? 0) - (discounts[i] ?? 0);
          const category = toMilli(config.categoryMultipliers[line.category] ?? 1);
          // Overlapping campaigns do not stack: the highest multiplier applies to a line.
          const campaign = activeCampaigns
            .filter((c) => c.multiplier !== undefined && matches(c, line.category))
            .reduce((m, c) => (toMilli(c.multiplier!) > m ? toMilli(c.multiplier!) : m), 1000n);
          const w = rate ? BigInt(net) * BigInt(rate.points) * category * campaign * tierMilli : 0n;
          weight += w;
          base += rate ? BigInt(net) * BigInt(rate.points) * category : 0n;
          lines.set(line.sku, { quantity: line.quantity, weight: w, net });
        });
        const per = BigInt(rate?.per ?? 1);
        const bonuses =
          activeCampaigns
            .filter((c) => c.bonusPoints !== undefined && input.lines.some((l) => matches(c, l.category)))
            .reduce((s, c) => s + (c.bonusPoints ?? 0), 0) + (firstOrderSeen ? 0 : config.firstOrderBonus);
        firstOrderSeen = true;
        const points = Number(weight / (per * 1_000_000_000n)) + bonuses;
        const qualifying = Number(base / (per * 1000n));
        const net = [...lines.values()].reduce((s, l) => s + l.net, 0);
        const settlesAt = at + windowMs;

        // Refunds within the return window (and any that came before the order) take back
        // qualifying points as if never earned: a returned order never lifts a tier.
        const probe = { lines, totalWeight: weight, net, cumQty: new Map<string, number>(), cumAmount: 0 };
        for (const refund of refundsByOrder.get(input.ref) ?? []) if (Date.parse(refund.at) <= settlesAt) accumulateRefund(probe, refund);
        const probed = refundedFraction(probe);
        const inWindow = Number((BigInt(qualifying) * probed.num) / probed.den);
        contributions.push({ at, points: qualifying - inWindow });

        const key = entryKey('order', input.ref);
        setEntry(key, { kind: 'order', ref: input.ref, points, qualifying, qualifyingAt: at, status: 'applied', reason: `order ${input.ref}`, tier: tier.name });
        const state: OrderState = {
          ref: input.ref,
          points,
          qualifying,
          currency: input.currency,
          lines,
          totalWeight: weight,
          net,
          at,
          settlesAt,
          lot: credit(key, points, at, settlesAt),
          cumQty: new Map(),
          cumAmount: 0,
          reversedPoints: 0,
          reversedQualifying: inWindow,
          refundedNet: 0,
        };
        orders.set(input.ref, state);
        if (tracksSpend && net > 0) spend.push({ at: settlesAt, currency: input.currency, delta: net });
        // Refunds that came before their order (in business time) apply as soon as it exists.
        for (const refund of awaiting.get(input.ref) ?? []) applyRefund(refund, state, at);
        awaiting.delete(input.ref);
        raiseStatus(at);
        break;
      }
      case 'refund': {
        const order = orders.get(input.orderRef);
        if (order) {
          applyRefund(input, order, at);
        } else {
          awaiting.set(input.orderRef, [...(awaiting.get(input.orderRef) ?? []), input]);
          setEntry(entryKey('refund', input.ref), {
            kind: 'refund',
            ref: input.ref,
            points: 0,
            qualifying: 0,
            qualifyingAt: at,
            status: 'awaiting-order',
            reason: `refund of order ${input.orderRef} (order not received yet)`,
          });
        }
        break;
      }
      case 'activity': {
        const points = config.activities[input.activity] ?? 0;
        contributions.push({ at, points });
        const key = entryKey('activity', input.ref);
        setEntry(key, { kind: 'activity', ref: input.ref, points, qualifying: points, qualifyingAt: at, status: 'applied', reason: input.activity });
        credit(key, points, at, at);
        raiseStatus(at);
        break;
      }
      case 'adjustment': {
        const key = entryKey('adjustment', input.ref);
        setEntry(key, { kind: 'adjustment', ref: input.ref, points: input.points, qualifying: 0, qualifyingAt: at, status: 'applied', reason: input.reason });
        if (input.points > 0) credit(key, input.points, at, at);
        else if (input.points < 0) debit(-input.points, at);
        break;
      }
      case 'redemption': {
        setEntry(entryKey('redemption', input.ref), {
          kind: 'redemption',
          ref: input.ref,
          points: -input.points,
          qualifying: 0,
          qualifyingAt: at,
          status: 'applied',
          reason: input.reward ? `redeemed ${input.reward.name}` : 'redeemed points',
        });
        debit(input.points, at);
        break;
      }
      case 'expiry': {
        let expired = 0;
        for (const lot of lots) {
          if (lot.expiresAt !== null && lot.expiresAt <= at && lot.remaining > 0) {
            expired += lot.remaining;
            lot.remaining = 0;
          }
        }
        setEntry(entryKey('expiry', input.ref), {
          kind: 'expiry',
          ref: input.ref,
          points: 0 - expired, // never -0
          qualifying: 0,
          qualifyingAt: at,
          status: 'applied',
          reason: 'points expired',
        });
        break;
      }
    }
  }
  if (options.asOf !== undefined) advanceTo(options.asOf);
  const next = nextStep();

  let lifetimePoints = 0;
  for (const e of entries.values()) if (e.kind !== 'redemption' && e.kind !== 'expiry') lifetimePoints += e.points;
  const tier = tiers[status]!;
  return {
    entries,
    balance: running,
    lifetimePoints,
    lots: lots.map((l) => ({ ...l })),
    debt,
    status: { name: tier.name, multiplier: tier.multiplier, since, reviewAt },
    tierChanges,
    tierWarnings,
    expiryWarnings,
    spendRewards: tracksSpend ? spendRewardsReached(config, spend) : [],
    contributions,
    nextCheckpoint: next ? next.at : null,
  };
}

/**
 * Each spend reward reached, in business time: net spend per currency (orders once their return
 * window has passed, less refunds) and every new multiple of the reward's threshold. A refund
 * that takes spend back below a multiple already reached does not reach it again later: the
 * count only rises past its highest mark.
 */
function spendRewardsReached(config: ProgramConfig, spend: readonly { at: number; currency: string; delta: number }[]): SpendRewardReached[] {
  const reached: SpendRewardReached[] = [];
  for (const reward of config.spendRewards) {
    const moves = spend.filter((s) => s.currency === reward.currency).sort((a, b) => a.at - b.at);
    let total = 0;
    let count = 0;
    for (let i = 0; i < moves.length; ) {
      const at = moves[i]!.at;
      // Everything at one instant first (a refund within the window lands with its order's spend).
      for (; i < moves.length && moves[i]!.at === at; i++) total += moves[i]!.delta;
      const multiples = Math.floor(total / reward.everyMinor);
      while (count < multiples) reached.push({ rewardId: reward.id, count: ++count, at });
    }
  }
  return reached.sort((a, b) => a.at - b.at || (a.rewardId < b.rewardId ? -1 : a.rewardId > b.rewardId ? 1 : a.count - b.count));
}

/** Qualifying points in the rolling 12 months before `atMs`, from a fold. */
export function qualifyingPointsAt(fold: LedgerFold, atMs: number): number {
  return qualifyingBefore(fold.contributions, atMs + 1);
}

/**
 * Points that can be spent at `atMs`: lots past their return window and not yet expired (the
 * ledger job's expiry entry may still be on its way), less any debt (negative then).
 */
export function spendableAt(fold: LedgerFold, atMs: number): number {
  let sum = 0;
  for (const lot of fold.lots) if (lot.spendableAt <= atMs && (lot.expiresAt === null || lot.expiresAt > atMs)) sum += lot.remaining;
  return sum - fold.debt;
}

/** Order points still in their return window at `atMs`, by the instant they become spendable. */
export function pendingAt(fold: LedgerFold, atMs: number): { points: number; spendableAt: number }[] {
  const byTime = new Map<number, number>();
  for (const lot of fold.lots) {
    if (lot.spendableAt > atMs && lot.remaining > 0) byTime.set(lot.spendableAt, (byTime.get(lot.spendableAt) ?? 0) + lot.remaining);
  }
  return [...byTime].sort(([a], [b]) => a - b).map(([spendableAt, points]) => ({ points, spendableAt }));
}

/** The next expiry after `atMs` and how many points it would take if nothing else happened, or null. */
export function nextExpiry(fold: LedgerFold, atMs: number): { points: number; expiresAt: number } | null {
  let next: number | null = null;
  for (const lot of fold.lots) {
    if (lot.remaining > 0 && lot.expiresAt !== null && lot.expiresAt > atMs && (next === null || lot.expiresAt < next)) next = lot.expiresAt;
  }
  if (next === null) return null;
  let points = 0;
  for (const lot of fold.lots) if (lot.expiresAt !== null && lot.expiresAt <= next) points += lot.remaining;
  return { points, expiresAt: next };
}

/** The latest expiry instant at or before `atMs` that still has points to take, or null: the daily job then writes an expiry entry. */
export function expiryDue(fold: LedgerFold, atMs: number): number | null {
  let due: number | null = null;
  for (const lot of fold.lots) {
    if (lot.remaining > 0 && lot.expiresAt !== null && lot.expiresAt <= atMs && (due === null || lot.expiresAt > due)) due = lot.expiresAt;
  }
  return due;
}
