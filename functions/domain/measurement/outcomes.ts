import type { ProgramConfig } from '../../config/program';
import { localDateAt } from '../calendar';
import { squareForCounter } from './statistics';
import { type LedgerFold, type LedgerInput, type OrderInput, spreadDiscount } from '../points';

/**
 * A member's contribution to the report counters (docs/measurement.md), as a pure function of
 * their fold. The ledger writer stores the contribution it last counted in the member's state
 * and, in the same transaction as the ledger write, adds the difference to the counters: so the
 * counters are always the sum of every member's current contribution, whatever order events
 * came in and however often they were delivered, and a report reads counters, never members.
 *
 * Keys are `<bucket>|<field>`: bucket `D#<local date>` (per day, by business time in the
 * client's time zone), `M#<yyyy-mm>` (distinct members per month) or `ALL` (per-member totals,
 * where a sum of squares is kept for the revenue-per-member interval).
 */
export type Contribution = Readonly<Record<string, number>>;

/** Day buckets are `D#yyyy-mm-dd`, months `M#yyyy-mm`. */
export const dayBucket = (date: string): string => `D#${date}`;
export const monthBucket = (month: string): string => `M#${month}`;
export const ALL_BUCKET = 'ALL';

/** The currency revenue is counted in: the point value's, else the first earn rate's. Orders in other currencies count as orders, not revenue. */
export function reportCurrency(config: Pick<ProgramConfig, 'pointValue' | 'earnRates'>): string | undefined {
  return config.pointValue?.currency ?? Object.keys(config.earnRates)[0];
}

/** Net amount of an order (minor units): lines less the discount. */
const orderNet = (order: OrderInput) => Math.max(0, order.lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0) - order.discount);

/** Net amount a refund gives back: its amount, or its lines at their discounted price; never more than the order. */
function refundNet(order: OrderInput, refund: Extract<LedgerInput, { kind: 'refund' }>): number {
  if (refund.amount !== undefined) return refund.amount;
  const gross = order.lines.map((l) => l.unitPrice * l.quantity);
  const discounts = spreadDiscount(gross, order.discount);
  let net = 0;
  for (const r of refund.lines ?? []) {
    const i = order.lines.findIndex((l) => l.sku === r.sku);
    const line = order.lines[i];
    if (!line || line.quantity === 0) continue;
    const lineNet = (gross[i] ?? 0) - (discounts[i] ?? 0);
    net += Math.floor((lineNet * Math.min(r.quantity, line.quantity)) / line.quantity);
  }
  return net;
}

/** The member's contribution to the counters, from their fold and distinct inputs. */
export function contributionOf(
  config: Pick<ProgramConfig, 'timeZone' | 'pointValue' | 'earnRates'>,
  fold: LedgerFold,
  inputs: readonly LedgerInput[],
  /** The member's score per challenge (functions/domain/challenges.ts): participation is a score above 0. */
  challengeScores: ReadonlyMap<string, number> = new Map(),
): Contribution {
  const out = new Map<string, number>();
  const add = (bucket: string, field: string, n: number) => {
    if (n === 0) return;
    const key = `${bucket}|${field}`;
    out.set(key, (out.get(key) ?? 0) + n);
  };
  const dayOf = (ms: number) => localDateAt(ms, config.timeZone);
  const currency = reportCurrency(config);
  const orders = new Map<string, OrderInput>();
  for (const input of inputs) if (input.kind === 'order') orders.set(input.ref, input);

  // Revenue net of refunds per order (refunds counted on their own day).
  const refunded = new Map<string, number>();
  let revenue = 0;
  const activeMonths = new Set<string>();
  for (const input of inputs) {
    const at = Date.parse(input.at);
    const day = dayOf(at);
    if (input.kind === 'order') {
      add(dayBucket(day), 'orders', 1);
      activeMonths.add(day.slice(0, 7));
      if (input.currency === currency) {
        const net = orderNet(input);
        add(dayBucket(day), 'revenue', net);
        revenue += net;
      }
    } else if (input.kind === 'refund') {
      const order = orders.get(input.orderRef);
      if (!order || order.currency !== currency) continue;
      const already = refunded.get(order.ref) ?? 0;
      const back = Math.min(orderNet(order) - already, refundNet(order, input));
      if (back <= 0) continue;
      refunded.set(order.ref, already + back);
      add(dayBucket(day), 'revenue', -back);
      revenue -= back;
    }
  }
  for (const month of activeMonths) add(monthBucket(month), 'active', 1);

  // Points, by what moved them: issued (earned, refunded, adjusted), redeemed, expired. Their
  // difference is the balance, so the counters reconcile: issued − redeemed − expired = outstanding.
  let outstanding = 0;
  for (const input of inputs) {
    const entry = fold.entries.get(`${input.kind}#${input.ref}`);
    if (!entry) continue;
    const day = dayBucket(dayOf(Date.parse(input.at)));
    outstanding += entry.points;
    if (entry.kind === 'redemption') add(day, 'redeemed', -entry.points);
    else if (entry.kind === 'expiry') add(day, 'expired', -entry.points);
    else add(day, 'issued', entry.points);
    // Campaign cost: the points of each entry a campaign priced, under each campaign that priced it.
    for (const campaign of entry.pricing?.campaigns ?? []) add(day, `campaign:${campaign}`, entry.points);
  }
  for (const change of fold.tierChanges) add(dayBucket(dayOf(change.at)), change.direction === 'upgrade' ? 'upgrades' : 'downgrades', 1);

  const orderCount = orders.size;
  if (orderCount > 0) {
    add(ALL_BUCKET, 'buyers', 1);
    if (orderCount >= 2) add(ALL_BUCKET, 'repeaters', 1);
    add(ALL_BUCKET, 'revenue', revenue);
    add(ALL_BUCKET, 'revenueSq', squareForCounter(revenue)); // in (minor ÷ 100)²: see squareForCounter
  }
  add(ALL_BUCKET, 'members', 1);
  add(ALL_BUCKET, `tier:${fold.status.name}`, 1);
  // Challenge participation: the members who scored, and their points, per challenge.
  for (const [challengeId, score] of challengeScores) {
    if (score <= 0) continue;
    add(ALL_BUCKET, `challenge:${challengeId}:entrants`, 1);
    add(ALL_BUCKET, `challenge:${challengeId}:score`, score);
  }
  add(ALL_BUCKET, 'outstanding', outstanding);
  return Object.fromEntries(out);
}

/** What one write adds to each counter bucket: the new contribution less the one counted before. */
export interface CounterChange {
  readonly bucket: string;
  readonly add: Readonly<Record<string, number>>;
}

export function counterChanges(counted: Contribution, next: Contribution): CounterChange[] {
  const byBucket = new Map<string, Record<string, number>>();
  for (const key of new Set([...Object.keys(counted), ...Object.keys(next)])) {
    const delta = (next[key] ?? 0) - (counted[key] ?? 0);
    if (delta === 0) continue;
    const bar = key.indexOf('|');
    const bucket = key.slice(0, bar);
    const fields = byBucket.get(bucket) ?? {};
    fields[key.slice(bar + 1)] = delta;
    byBucket.set(bucket, fields);
  }
  return [...byBucket].map(([bucket, add]) => ({ bucket, add })).sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
}
