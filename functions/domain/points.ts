import type { ProgramConfig } from '../config/program';
import { addMonthsUtc } from './time';

/**
 * The points engine: a pure, integer-only fold of a member's distinct events in business-time
 * order. Handlers store every distinct event as a ledger input and re-run this fold, so the
 * balance after any delivery order (duplicated, reordered, refund before order) equals the
 * fold of the distinct events — the fold *is* the specification.
 *
 * Arithmetic is in BigInt: multipliers are exact per-mille integers, the product of amount,
 * earn rate and three multipliers overflows 2^53, and rounding happens once, down, per order.
 */

export type LedgerInput = OrderInput | RefundInput | ActivityInput | AdjustmentInput;

export interface OrderInput {
  readonly kind: 'order';
  readonly ref: string;
  /** Business time, ISO-8601. */
  readonly at: string;
  readonly currency: string;
  readonly lines: readonly { readonly sku: string; readonly category: string; readonly quantity: number; readonly unitPrice: number }[];
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
  readonly points: number;
  readonly reason: string;
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

export interface LedgerFold {
  /** Keyed by `entryKey(kind, ref)`. */
  readonly entries: ReadonlyMap<string, PricedEntry>;
  readonly balance: number;
  readonly lifetimePoints: number;
}

export const entryKey = (kind: LedgerInput['kind'], ref: string): string => `${kind}#${ref}`;

const KIND_RANK: Record<LedgerInput['kind'], number> = { order: 0, refund: 1, activity: 2, adjustment: 3 };

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
  let tier = config.tiers[0]!;
  for (const t of config.tiers) if (qualifying >= t.qualifyingPoints) tier = t;
  return tier;
}

/** Qualifying points earned in the rolling 12 months before `atMs` (both ends exclusive: an order exactly 12 months ago no longer counts). */
export function qualifyingBefore(contributions: readonly { at: number; points: number }[], atMs: number): number {
  const from = addMonthsUtc(atMs, -12);
  let sum = 0;
  for (const c of contributions) if (c.at > from && c.at < atMs) sum += c.points;
  return Math.max(0, sum);
}

interface OrderState {
  readonly points: number;
  readonly qualifying: number;
  readonly lines: ReadonlyMap<string, { quantity: number; weight: bigint; net: number }>;
  readonly totalWeight: bigint;
  readonly net: number;
  readonly at: number;
  cumQty: Map<string, number>;
  cumAmount: number;
  reversedPoints: number;
  reversedQualifying: number;
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
const lcm = (a: bigint, b: bigint): bigint => (a / gcd(a, b)) * b;

/** Share of an order refunded so far, as an exact fraction clamped to 1. */
function refundedFraction(order: OrderState): { num: bigint; den: bigint } {
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

/**
 * Folds a member's distinct ledger inputs (any order; they are sorted here) into the points
 * each one is worth and the resulting balance.
 */
export function foldLedger(config: ProgramConfig, inputs: readonly LedgerInput[]): LedgerFold {
  const sorted = [...inputs].sort(compareInputs);
  const entries = new Map<string, PricedEntry>();
  const contributions: { at: number; points: number }[] = [];
  const orders = new Map<string, OrderState>();
  const awaiting = new Map<string, RefundInput[]>();
  let firstOrderSeen = false;

  const applyRefund = (refund: RefundInput, order: OrderState, effectiveAt: number) => {
    if (refund.lines) {
      for (const line of refund.lines) {
        const ordered = order.lines.get(line.sku);
        if (!ordered) continue; // a sku that was not on the order reverses nothing
        order.cumQty.set(line.sku, Math.min(ordered.quantity, (order.cumQty.get(line.sku) ?? 0) + line.quantity));
      }
    }
    if (refund.amount !== undefined) order.cumAmount = Math.min(order.net, order.cumAmount + refund.amount);
    const { num, den } = refundedFraction(order);
    const targetPoints = Number((BigInt(order.points) * num) / den);
    const targetQualifying = Number((BigInt(order.qualifying) * num) / den);
    const points = order.reversedPoints - targetPoints;
    const qualifying = order.reversedQualifying - targetQualifying;
    order.reversedPoints = targetPoints;
    order.reversedQualifying = targetQualifying;
    contributions.push({ at: effectiveAt, points: qualifying });
    entries.set(entryKey('refund', refund.ref), {
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
    switch (input.kind) {
      case 'order': {
        const rate = config.earnRates[input.currency];
        const tier = tierFor(config, qualifyingBefore(contributions, at));
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
        contributions.push({ at, points: qualifying });
        entries.set(entryKey('order', input.ref), {
          kind: 'order',
          ref: input.ref,
          points,
          qualifying,
          qualifyingAt: at,
          status: 'applied',
          reason: `order ${input.ref}`,
          tier: tier.name,
        });
        const state: OrderState = {
          points,
          qualifying,
          lines,
          totalWeight: weight,
          net: [...lines.values()].reduce((s, l) => s + l.net, 0),
          at,
          cumQty: new Map(),
          cumAmount: 0,
          reversedPoints: 0,
          reversedQualifying: 0,
        };
        orders.set(input.ref, state);
        // Refunds that came before their order (in business time) apply as soon as it exists.
        for (const refund of awaiting.get(input.ref) ?? []) applyRefund(refund, state, at);
        awaiting.delete(input.ref);
        break;
      }
      case 'refund': {
        const order = orders.get(input.orderRef);
        if (order) {
          applyRefund(input, order, at);
        } else {
          awaiting.set(input.orderRef, [...(awaiting.get(input.orderRef) ?? []), input]);
          entries.set(entryKey('refund', input.ref), {
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
        entries.set(entryKey('activity', input.ref), {
          kind: 'activity',
          ref: input.ref,
          points,
          qualifying: points,
          qualifyingAt: at,
          status: 'applied',
          reason: input.activity,
        });
        break;
      }
      case 'adjustment': {
        entries.set(entryKey('adjustment', input.ref), {
          kind: 'adjustment',
          ref: input.ref,
          points: input.points,
          qualifying: 0,
          qualifyingAt: at,
          status: 'applied',
          reason: input.reason,
        });
        break;
      }
    }
  }
  let balance = 0;
  for (const e of entries.values()) balance += e.points;
  return { entries, balance, lifetimePoints: balance };
}

/** Qualifying points in the rolling 12 months before `atMs`, from a fold. */
export function qualifyingPointsAt(fold: LedgerFold, atMs: number): number {
  return qualifyingBefore(
    [...fold.entries.values()].map((e) => ({ at: e.qualifyingAt, points: e.qualifying })),
    atMs + 1,
  );
}
