import { lcm } from './arithmetic';
import type { PricedLine } from './price-order';
import type { RefundInput } from './types';

/** What a refund needs of its order: the priced lines and how much has been refunded so far. */
export interface RefundableOrder {
  readonly lines: ReadonlyMap<string, PricedLine>;
  readonly totalWeight: bigint;
  readonly net: number;
  /** Quantity refunded so far, per sku. */
  readonly cumQty: Map<string, number>;
  /** Amount refunded so far (refunds by amount). */
  cumAmount: number;
}

/** An order in the fold: its price, refunds so far and what they have taken back. */
export interface OrderState extends RefundableOrder {
  readonly ref: string;
  readonly points: number;
  readonly qualifying: number;
  readonly currency: string;
  readonly at: number;
  /** End of the return window: order points become spendable and spend counts. */
  readonly settlesAt: number;
  reversedPoints: number;
  /** Qualifying reversal already counted (refunds within the return window count at the order's time). */
  reversedQualifying: number;
  refundedNet: number;
}

/** Share of an order refunded so far, as an exact fraction clamped to 1. */
export function refundedFraction(order: RefundableOrder): { num: bigint; den: bigint } {
  const lines = [...order.lines.entries()];
  let lineNum = 0n;
  let lineDen = 1n;
  if (lines.some(([sku]) => (order.cumQty.get(sku) ?? 0) > 0)) {
    // Weight each line by its exact points; fall back to net amount, then quantity, for free lines.
    const weightOf =
      order.totalWeight > 0n
        ? (l: PricedLine) => l.weight
        : order.net > 0
          ? (l: PricedLine) => BigInt(l.net)
          : (l: PricedLine) => BigInt(l.quantity);
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
export function accumulateRefund(order: RefundableOrder, refund: RefundInput): void {
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
export function refundedNetOf(order: RefundableOrder): number {
  let byLines = 0;
  for (const [sku, line] of order.lines) byLines += Math.floor((line.net * (order.cumQty.get(sku) ?? 0)) / line.quantity);
  return Math.min(order.net, byLines + order.cumAmount);
}

/** `share` × (num / den), rounded down: the exact part of an order's points a refunded fraction takes. */
const partOf = (share: number, { num, den }: { num: bigint; den: bigint }) => Number((BigInt(share) * num) / den);

/**
 * Qualifying points of an order that refunds within its return window (or before the order)
 * take back as if never earned: a returned order never lifts a tier.
 */
export function qualifyingRefundedInWindow(
  order: Omit<RefundableOrder, 'cumQty' | 'cumAmount'>,
  qualifying: number,
  refunds: readonly RefundInput[],
  settlesAt: number,
): number {
  const probe: RefundableOrder = { lines: order.lines, totalWeight: order.totalWeight, net: order.net, cumQty: new Map(), cumAmount: 0 };
  for (const refund of refunds) if (Date.parse(refund.at) <= settlesAt) accumulateRefund(probe, refund);
  return partOf(qualifying, refundedFraction(probe));
}

/**
 * Applies a refund to its order: returns the points it takes back now (≤ 0) and the qualifying
 * points (≤ 0) not already counted at the order's time, and records them on the order.
 */
export function reverseRefund(order: OrderState, refund: RefundInput): { points: number; qualifying: number } {
  accumulateRefund(order, refund);
  const fraction = refundedFraction(order);
  const targetPoints = partOf(order.points, fraction);
  const targetQualifying = partOf(order.qualifying, fraction);
  const points = order.reversedPoints - targetPoints;
  // Reversals already counted at the order's time (refunds within the return window) count once.
  const qualifying = Math.min(0, order.reversedQualifying - targetQualifying);
  order.reversedPoints = targetPoints;
  order.reversedQualifying = Math.max(order.reversedQualifying, targetQualifying);
  return { points, qualifying };
}
