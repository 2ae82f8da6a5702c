import { ownEntry } from '../../config/lookup';
import type { ProgramConfig } from '../../config/program';
import { DAY_MS } from '../time';
import { type Lot, LotBook } from './lot-book';
import { sortInputs } from './ordering';
import { CONTROL_GROUP_REASON, priceOrder, withoutPoints } from './price-order';
import { rulesAt } from './rules';
import { type OrderState, qualifyingRefundedInWindow, refundedNetOf, reverseRefund } from './refunds';
import { type SpendMove, spendRewardsReached } from './spend';
import { TierClock } from './tier-clock';
import {
  type ActivityInput,
  type AdjustmentInput,
  entryKey,
  type ExpiryInput,
  type FoldOptions,
  type LedgerFold,
  type LedgerInput,
  type OrderInput,
  type PricedEntry,
  type RedemptionInput,
  type RefundInput,
} from './types';

/**
 * The points engine: a pure, integer-only fold of a member's distinct events in business-time
 * order. Handlers store every distinct event as a ledger input and re-run this fold, so the
 * balance after any delivery order (duplicated, reordered, refund before order) equals the
 * fold of the distinct events. Arithmetic is in BigInt (see price-order.ts); rounding happens
 * once, down, per order. Lots live in the LotBook, tier status and warnings in the TierClock;
 * spend (net per currency once the return window has passed) feeds the spend rewards.
 */

interface FoldOrder extends OrderState {
  /** The order's own lot: its refunds take from it first. */
  readonly lot: Lot | undefined;
}

/** Everything one fold accumulates; each `apply*` below changes it for one input. */
class FoldState {
  readonly entries = new Map<string, PricedEntry>();
  readonly contributions: { at: number; points: number }[] = [];
  readonly orders = new Map<string, FoldOrder>();
  /** Refunds that came before their order (in business time), by the order they wait for. */
  readonly awaiting = new Map<string, RefundInput[]>();
  /** Every refund by the order it refunds, to see ahead which fall inside the order's return window. */
  readonly refundsByOrder = new Map<string, RefundInput[]>();
  /** Null when the program has no spend rewards (nothing to track). */
  readonly spend: SpendMove[] | null;
  readonly book: LotBook;
  readonly clock: TierClock;
  readonly windowMs: number;
  firstOrderSeen = false;
  /** A program control-group member: recorded, earning nothing. */
  control = false;
  /** The sum of every entry's points. */
  balance = 0;

  constructor(readonly config: ProgramConfig) {
    this.spend = config.spendRewards.length > 0 ? [] : null;
    this.windowMs = config.returnWindowDays * DAY_MS;
    this.book = new LotBook(config, (expiresAt) => this.clock.trackExpiry(expiresAt));
    this.clock = new TierClock(config, { contributions: this.contributions, book: this.book, balance: () => this.balance });
  }

  setEntry(entry: PricedEntry): string {
    const key = entryKey(entry.kind, entry.ref);
    this.balance += entry.points - (this.entries.get(key)?.points ?? 0);
    this.entries.set(key, entry);
    return key;
  }
}

const applied = (input: LedgerInput, at: number, points: number, qualifying: number, reason: string): PricedEntry => ({
  kind: input.kind,
  ref: input.ref,
  points,
  qualifying,
  qualifyingAt: at,
  status: 'applied',
  reason,
});

function applyOrder(s: FoldState, input: OrderInput, at: number): void {
  // Priced by the rules in force at the order's own business time, however late it arrives.
  const { revision, rules } = rulesAt(s.config, at);
  const tier = s.clock.tierAt(at);
  const full = priceOrder(rules, input, tier, !s.firstOrderSeen);
  const priced = s.control ? withoutPoints(full) : full;
  s.firstOrderSeen = true;
  const settlesAt = at + s.windowMs;
  const inWindow = qualifyingRefundedInWindow(priced, priced.qualifying, s.refundsByOrder.get(input.ref) ?? [], settlesAt);
  s.contributions.push({ at, points: priced.qualifying - inWindow });
  const key = s.setEntry({
    ...applied(
      input,
      at,
      priced.points,
      priced.qualifying,
      s.control ? `order ${input.ref} (${CONTROL_GROUP_REASON})` : `order ${input.ref}`,
    ),
    tier: tier.name,
    pricing: { revision, campaigns: priced.campaigns, multipliers: priced.multipliers },
  });
  const order: FoldOrder = {
    ...priced,
    ref: input.ref,
    currency: input.currency,
    at,
    settlesAt,
    lot: s.book.credit(key, priced.points, at, settlesAt),
    cumQty: new Map(),
    cumAmount: 0,
    reversedPoints: 0,
    reversedQualifying: inWindow,
    refundedNet: 0,
  };
  s.orders.set(input.ref, order);
  if (s.spend && priced.net > 0) s.spend.push({ at: settlesAt, currency: input.currency, delta: priced.net });
  // Refunds that came before their order (in business time) apply as soon as it exists.
  for (const refund of s.awaiting.get(input.ref) ?? []) refundOrder(s, refund, order, at);
  s.awaiting.delete(input.ref);
  s.clock.raise(at);
}

function refundOrder(s: FoldState, refund: RefundInput, order: FoldOrder, effectiveAt: number): void {
  const { points, qualifying } = reverseRefund(order, refund);
  if (qualifying !== 0) s.contributions.push({ at: effectiveAt, points: qualifying });
  if (points < 0) s.book.debit(-points, effectiveAt, order.lot);
  if (s.spend) {
    const refunded = refundedNetOf(order);
    if (refunded > order.refundedNet) {
      s.spend.push({ at: Math.max(effectiveAt, order.settlesAt), currency: order.currency, delta: order.refundedNet - refunded });
      order.refundedNet = refunded;
    }
  }
  s.setEntry(applied(refund, effectiveAt, points, qualifying, `refund of order ${refund.orderRef}`));
}

function applyRefund(s: FoldState, input: RefundInput, at: number): void {
  const order = s.orders.get(input.orderRef);
  if (order) {
    refundOrder(s, input, order, at);
    return;
  }
  s.awaiting.set(input.orderRef, [...(s.awaiting.get(input.orderRef) ?? []), input]);
  s.setEntry({ ...applied(input, at, 0, 0, `refund of order ${input.orderRef} (order not received yet)`), status: 'awaiting-order' });
}

function applyActivity(s: FoldState, input: ActivityInput, at: number): void {
  const { revision, rules } = rulesAt(s.config, at);
  const points = s.control ? 0 : (ownEntry(rules.activities, input.activity) ?? 0);
  s.contributions.push({ at, points });
  const reason = s.control ? `${input.activity} (${CONTROL_GROUP_REASON})` : input.activity;
  const key = s.setEntry({ ...applied(input, at, points, points, reason), pricing: { revision, campaigns: [] } });
  s.book.credit(key, points, at, at);
  s.clock.raise(at);
}

function applyAdjustment(s: FoldState, input: AdjustmentInput, at: number): void {
  const key = s.setEntry(applied(input, at, input.points, 0, input.reason));
  if (input.points > 0) s.book.credit(key, input.points, at, at);
  else if (input.points < 0) s.book.debit(-input.points, at);
}

function applyRedemption(s: FoldState, input: RedemptionInput, at: number): void {
  s.setEntry(applied(input, at, -input.points, 0, input.reward ? `redeemed ${input.reward.name}` : 'redeemed points'));
  s.book.debit(input.points, at);
}

function applyExpiry(s: FoldState, input: ExpiryInput, at: number): void {
  const expired = s.book.expire(at);
  s.setEntry(applied(input, at, 0 - expired, 0, 'points expired')); // 0 - x: never -0
}

function apply(s: FoldState, input: LedgerInput, at: number): void {
  switch (input.kind) {
    case 'order':
      applyOrder(s, input, at);
      return;
    case 'refund':
      applyRefund(s, input, at);
      return;
    case 'activity':
      applyActivity(s, input, at);
      return;
    case 'adjustment':
      applyAdjustment(s, input, at);
      return;
    case 'redemption':
      applyRedemption(s, input, at);
      return;
    case 'expiry':
      applyExpiry(s, input, at);
      return;
  }
}

/**
 * Folds a member's distinct ledger inputs (any order; they are sorted here) into the points
 * each one is worth, the resulting balance, lots, tier status and warnings.
 */
export function foldLedger(config: ProgramConfig, inputs: readonly LedgerInput[], options: FoldOptions = {}): LedgerFold {
  const sorted = sortInputs(inputs);
  const s = new FoldState(config);
  s.control = options.control === true;
  for (const { input } of sorted) {
    if (input.kind === 'refund') s.refundsByOrder.set(input.orderRef, [...(s.refundsByOrder.get(input.orderRef) ?? []), input]);
  }
  for (const { input, at } of sorted) {
    s.clock.advanceTo(at);
    apply(s, input, at);
  }
  if (options.asOf !== undefined) s.clock.advanceTo(options.asOf);
  const last = options.asOf ?? sorted[sorted.length - 1]?.at ?? Number.NEGATIVE_INFINITY;
  let lifetimePoints = 0;
  for (const e of s.entries.values()) if (e.kind !== 'redemption' && e.kind !== 'expiry') lifetimePoints += e.points;
  return {
    entries: s.entries,
    balance: s.balance,
    lifetimePoints,
    lots: s.book.snapshot(),
    debt: s.book.debt,
    status: s.clock.statusAt(last),
    tierChanges: s.clock.changes,
    tierWarnings: s.clock.tierWarnings,
    expiryWarnings: s.clock.expiryWarnings,
    spendRewards: s.spend && !s.control ? spendRewardsReached(config, s.spend) : [],
    contributions: s.contributions,
    nextCheckpoint: s.clock.nextCheckpoint(),
  };
}
