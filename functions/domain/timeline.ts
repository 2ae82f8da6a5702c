import { ownEntry } from '../config/lookup';
import type { ProgramConfig } from '../config/program';
import type { LojalDetailType } from '../contract/events';
import { DAY_MS } from './time';
import { addLocalDays, instantOfWallTime, wallTimeAt } from './zoned-time';

/**
 * A member's timeline: the check-in and replacement reminders an order schedules, as a pure
 * function of the order, the refunds known for it, the client's configuration and the clock.
 * Handlers store what `planOrderTimeline` returns; the sweeper emits what falls due.
 *
 * Decisions (the contract is silent on them):
 * - **One check-in per order**, at the shortest delay that applies to any of its lines
 *   (`checkin.categoryDelayDays[category]`, else `checkin.delayDays`): the customer hears from
 *   the shop once per purchase, as soon as the quickest product has had time to prove itself.
 * - **One replacement reminder per category**: per order, the line whose lifespan ends first
 *   (`line.lifespanDays`, else `lifespans[category]`; ties by sku); per customer, the reminder
 *   counted from the latest purchase (by `placedAt`, then order id) wins, so buying running
 *   shoes again moves the reminder instead of adding a second one.
 * - **Days are local calendar days** in the time zone used for quiet hours: a purchase at 14:00
 *   is checked in on at 14:00 thirty days later, whether or not summer time began in between.
 * - **Quiet hours** are read on the customer's clock (their `timeZone`, else the client's): a
 *   send time inside them moves to their end, the customer's local morning.
 * - **Staleness**: an item due more than 7 days before the moment it is scheduled (a history
 *   import, a very late event) is recorded as `skipped`, never sent.
 * - **Refunds**: a line whose quantity is refunded in full no longer counts; an order refunded
 *   in full (every line, or amounts adding up to its net total) keeps no check-in either.
 */

export type TimelineKind = 'checkin' | 'replacement';
/** `claimed` is internal (a sweeper is sending it); the member API shows it as `pending`. */
export type TimelineStatus = 'pending' | 'claimed' | 'sent' | 'cancelled' | 'skipped';
export type PublicTimelineStatus = Exclude<TimelineStatus, 'claimed'>;

/** Items due longer ago than this when scheduled (or swept) are skipped, not sent. */
export const STALE_AFTER_MS = 7 * DAY_MS;

export interface TimelineOrderLine {
  readonly sku: string;
  readonly category: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly name?: string;
  readonly lifespanDays?: number;
}

/** The facts of an `order.placed` event the timeline needs. */
export interface TimelineOrder {
  readonly orderId: string;
  readonly customerId: string;
  /** ISO-8601 with offset. */
  readonly placedAt: string;
  readonly lines: readonly TimelineOrderLine[];
  readonly discount?: number;
}

/** The facts of an `order.refunded` event the timeline needs. */
export interface TimelineRefund {
  readonly refundId: string;
  readonly lines?: readonly { readonly sku: string; readonly quantity: number }[];
  readonly amount?: number;
}

export type TimelineConfig = Pick<ProgramConfig, 'checkin' | 'lifespans' | 'quietHours' | 'timeZone'>;

export interface PlanContext {
  readonly config: TimelineConfig;
  /** The customer's IANA time zone when their profile has one; the client's is used otherwise. */
  readonly customerTimeZone?: string | undefined;
  /** When the plan is made (epoch ms): decides staleness. */
  readonly now: number;
  /** Refunds known for this order. @default none */
  readonly refunds?: readonly TimelineRefund[];
  /** The order came from a history import (`imported: true`): its items are recorded `skipped`, never sent. @default false */
  readonly imported?: boolean;
}

export interface ProductRef {
  readonly sku: string;
  readonly category: string;
  readonly name?: string;
}

/** One scheduled item, as planned (and as stored, with a status the store moves on). */
export interface PlannedItem {
  readonly kind: TimelineKind;
  /** Stable per scheduled instance (`checkin:<orderId>`, `replacement:<category>:<orderId>`): consumers of the emitted event dedupe on it. */
  readonly itemId: string;
  readonly customerId: string;
  readonly orderId: string;
  /** UTC ISO. */
  readonly placedAt: string;
  /** `<placedAt UTC ISO>#<orderId>`: orders purchases, so a newer one replaces an older one's reminder and never the other way round. */
  readonly anchor: string;
  /** When to send, UTC ISO, already moved out of quiet hours. */
  readonly dueAt: string;
  readonly status: 'pending' | 'skipped';
  /** Days after the purchase the item is about: the check-in delay or the product lifespan. */
  readonly ageDays: number;
  /** The time zone the send time was computed in. */
  readonly timeZone: string;
  /** For replacement reminders: the product that is wearing out. */
  readonly product?: ProductRef;
  /** For check-ins: what was bought (at most `MAX_CHECKIN_PRODUCTS`). */
  readonly products?: readonly ProductRef[];
}

export interface OrderTimeline {
  readonly checkin?: PlannedItem;
  /** At most one per category. */
  readonly reminders: readonly PlannedItem[];
}

/** A check-in mail names a handful of products, not a 500-line B2B order. */
export const MAX_CHECKIN_PRODUCTS = 20;
/**
 * Replacement reminders one order schedules at most (the categories with the shortest
 * lifespans first): its timeline is written in the member's ledger transaction, which holds at
 * most 100 items, and no one wants fifty reminders from one purchase.
 */
export const MAX_REMINDERS_PER_ORDER = 50;

export const anchorOf = (placedAt: string, orderId: string): string => `${new Date(placedAt).toISOString()}#${orderId}`;

/** Plans an order's check-in and replacement reminders. */
export function planOrderTimeline(order: TimelineOrder, context: PlanContext): OrderTimeline {
  const { config, now } = context;
  const timeZone = context.customerTimeZone ?? config.timeZone;
  const placedMs = Date.parse(order.placedAt);
  const placedAt = new Date(placedMs).toISOString();
  const anchor = anchorOf(order.placedAt, order.orderId);
  const refunded = refundedLines(order, context.refunds ?? []);
  const lines = order.lines.filter((l) => !refunded.skus.has(l.sku));

  const item = (kind: TimelineKind, itemId: string, days: number, extra: Pick<PlannedItem, 'product' | 'products'>): PlannedItem => {
    const due = sendTimeOutsideQuietHours(addLocalDays(placedMs, days, timeZone), config.quietHours, timeZone);
    return {
      kind,
      itemId,
      customerId: order.customerId,
      orderId: order.orderId,
      placedAt,
      anchor,
      dueAt: new Date(due).toISOString(),
      status: context.imported === true || isStale(due, now) ? 'skipped' : 'pending',
      ageDays: days,
      timeZone,
      ...extra,
    };
  };

  let checkin: PlannedItem | undefined;
  if (lines.length > 0 && !refunded.all) {
    const delay = Math.min(...lines.map((l) => ownEntry(config.checkin.categoryDelayDays, l.category) ?? config.checkin.delayDays));
    const products = lines.slice(0, MAX_CHECKIN_PRODUCTS).map(productRef);
    checkin = item('checkin', `checkin:${order.orderId}`, delay, { products });
  }

  const byCategory = new Map<string, { line: TimelineOrderLine; lifespan: number }>();
  for (const line of lines) {
    const lifespan = line.lifespanDays ?? ownEntry(config.lifespans, line.category);
    if (lifespan === undefined) continue;
    const best = byCategory.get(line.category);
    if (!best || lifespan < best.lifespan || (lifespan === best.lifespan && line.sku < best.line.sku)) {
      byCategory.set(line.category, { line, lifespan });
    }
  }
  const reminders = [...byCategory.entries()]
    .sort(([a, x], [b, y]) => x.lifespan - y.lifespan || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_REMINDERS_PER_ORDER)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([category, { line, lifespan }]) =>
      item('replacement', `replacement:${category}:${order.orderId}`, lifespan, { product: productRef(line) }),
    );

  return { ...(checkin ? { checkin } : {}), reminders };
}

/**
 * One change to a member's timeline, decided from the member's ledger and written in the same
 * transaction as the ledger entry that causes it (functions/app/record-ledger-event.ts), so an
 * order, its refunds and the member's deletion are applied one after the other whatever order
 * they arrive in. The adapter turns each into a conditional write; a condition that fails means
 * the slot has moved on (a newer purchase holds it, the item was sent) and the change is dropped.
 */
export type TimelineChange =
  /**
   * Put the item in its slot: a check-in only into an empty slot, a reminder only over an older
   * purchase's (a repurchase moves the reminder). With `cancelledBecause` it is written cancelled.
   */
  | { readonly type: 'schedule'; readonly item: PlannedItem; readonly cancelledBecause?: string }
  /** Replace the pending item planned from the same purchase (a refund changed the plan). */
  | { readonly type: 'replace'; readonly item: PlannedItem }
  /** Cancel the item planned from this purchase unless it was sent. */
  | { readonly type: 'cancel'; readonly item: PlannedItem; readonly reason: string };

/** The slot an item occupies: one check-in per order, one reminder per member and category. */
export const slotOf = (item: Pick<PlannedItem, 'kind' | 'orderId' | 'product'>): string =>
  item.kind === 'checkin' ? `checkin#${item.orderId}` : `replacement#${item.product?.category ?? ''}`;

const REFUND_REASON = { checkin: 'the order was refunded in full', replacement: 'the product was refunded' } as const;
const planKey = (item: PlannedItem): string => JSON.stringify([item.dueAt, item.product ?? null, item.products ?? null]);

function pairBySlot(before: OrderTimeline, after: OrderTimeline): { was: PlannedItem; becomes: PlannedItem | undefined }[] {
  const next = new Map([...(after.checkin ? [after.checkin] : []), ...after.reminders].map((i) => [slotOf(i), i]));
  return [...(before.checkin ? [before.checkin] : []), ...before.reminders].map((was) => ({ was, becomes: next.get(slotOf(was)) }));
}

/**
 * What an arriving order writes: its plan, with what refunds that came first (in the ledger
 * already) took away written as cancelled, and everything written cancelled when the member
 * was deleted at or after the purchase. An item too stale to send stays `skipped`.
 */
export function orderTimelineChanges(order: TimelineOrder, context: PlanContext & { readonly deletedAt?: number }): TimelineChange[] {
  const before = planOrderTimeline(order, { ...context, refunds: [] });
  const after = (context.refunds?.length ?? 0) > 0 ? planOrderTimeline(order, context) : before;
  const deleted = context.deletedAt !== undefined && context.deletedAt >= Date.parse(order.placedAt);
  return pairBySlot(before, after).map(({ was, becomes }): TimelineChange => {
    if (was.status === 'pending' && deleted) return { type: 'schedule', item: was, cancelledBecause: 'the customer was deleted' };
    if (was.status === 'pending' && !becomes) return { type: 'schedule', item: was, cancelledBecause: REFUND_REASON[was.kind] };
    return { type: 'schedule', item: becomes ?? was };
  });
}

/**
 * What a refund of an order already in the ledger changes: items the refund takes away are
 * cancelled, items it moves (another line of the category takes over) are replaced, both only
 * while they still belong to this purchase.
 */
export function refundTimelineChanges(order: TimelineOrder, context: PlanContext, refund: TimelineRefund): TimelineChange[] {
  const before = planOrderTimeline(order, context);
  const after = planOrderTimeline(order, { ...context, refunds: [...(context.refunds ?? []), refund] });
  const changes: TimelineChange[] = [];
  for (const { was, becomes } of pairBySlot(before, after)) {
    if (!becomes) changes.push({ type: 'cancel', item: was, reason: REFUND_REASON[was.kind] });
    else if (planKey(was) !== planKey(becomes)) changes.push({ type: 'replace', item: becomes });
  }
  return changes;
}

function productRef(line: TimelineOrderLine): ProductRef {
  return { sku: line.sku, category: line.category, ...(line.name !== undefined ? { name: line.name } : {}) };
}

/** True when an item due at `dueMs` is more than 7 days late at `nowMs`. */
export function isStale(dueMs: number, nowMs: number): boolean {
  return nowMs - dueMs > STALE_AFTER_MS;
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Moves a send time that falls inside quiet hours to their end on the customer's clock. The
 * window may span midnight (21:00–08:00) or not (12:00–13:00); equal start and end mean none.
 */
export function sendTimeOutsideQuietHours(instant: number, quietHours: TimelineConfig['quietHours'], timeZone: string): number {
  if (!quietHours) return instant;
  const start = minutesOf(quietHours.start);
  const end = minutesOf(quietHours.end);
  if (start === end) return instant;
  const wall = wallTimeAt(instant, timeZone);
  const minute = wall.hour * 60 + wall.minute;
  const wraps = start > end;
  const quiet = wraps ? minute >= start || minute < end : minute >= start && minute < end;
  if (!quiet) return instant;
  // In the evening part of a window that spans midnight, the window ends tomorrow morning.
  const dayOffset = wraps && minute >= start ? 1 : 0;
  return instantOfWallTime(
    { year: wall.year, month: wall.month, day: wall.day + dayOffset, hour: Math.floor(end / 60), minute: end % 60 },
    timeZone,
  );
}

/**
 * Which lines the refunds return in full. Line refunds add up per sku (two refunds of one pair
 * each return a line of two); amount refunds that together reach the order's net total return
 * everything.
 */
export function refundedLines(order: TimelineOrder, refunds: readonly TimelineRefund[]): { skus: Set<string>; all: boolean } {
  const quantity = new Map<string, number>();
  let amount = 0;
  for (const refund of refunds) {
    if (refund.amount !== undefined) amount += refund.amount;
    for (const line of refund.lines ?? []) quantity.set(line.sku, (quantity.get(line.sku) ?? 0) + line.quantity);
  }
  const net = order.lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0) - (order.discount ?? 0);
  const byAmount = amount > 0 && amount >= net;
  const skus = new Set(order.lines.filter((l) => byAmount || (quantity.get(l.sku) ?? 0) >= l.quantity).map((l) => l.sku));
  return { skus, all: skus.size === order.lines.length };
}

export const publicStatus = (status: TimelineStatus): PublicTimelineStatus => (status === 'claimed' ? 'pending' : status);

/** A due item as the sweeper reads it back from the store. */
export type DueItem = Omit<PlannedItem, 'status'> & { readonly status: TimelineStatus };

export interface DueEvent {
  readonly detailType: Extract<
    LojalDetailType,
    'checkin.due' | 'product.aged' | 'flow.step.due' | 'flow.action.due' | 'flow.broadcast.due'
  >;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Due items of the flow engine share the sweeper (functions/adapters/dynamo/flow-store.ts): a wake-up or an action to recover. */
const FLOW_DUE_FIELDS = {
  flow: ['itemId', 'kind', 'customerId', 'flowId', 'runKey', 'rev', 'dueAt'],
  'flow-action': ['itemId', 'kind', 'customerId', 'flowId', 'runKey', 'at', 'action'],
  'flow-broadcast': ['itemId', 'kind', 'flowId', 'at'],
} as const;

const FLOW_DUE_TYPES = { flow: 'flow.step.due', 'flow-action': 'flow.action.due', 'flow-broadcast': 'flow.broadcast.due' } as const;

/** Whether a due item belongs to the flow engine (the sweeper never skips those as stale: the engine decides). */
export const isFlowDueItem = (item: { readonly kind: string }): boolean => Object.hasOwn(FLOW_DUE_FIELDS, item.kind);

/**
 * The event a due item becomes: what an email needs, and no personal data (the mailer reads
 * the profile itself). `itemId` with `dueAt` identifies the send for consumers that dedupe.
 */
export function dueEventFor(item: DueItem): DueEvent {
  const kind = (item as { readonly kind: string }).kind;
  if (kind === 'flow' || kind === 'flow-action' || kind === 'flow-broadcast') {
    const raw = item as unknown as Record<string, unknown>;
    const fields: readonly string[] = FLOW_DUE_FIELDS[kind];
    return {
      detailType: FLOW_DUE_TYPES[kind],
      detail: Object.fromEntries(fields.filter((f) => raw[f] !== undefined).map((f) => [f, raw[f]])),
    };
  }
  const common = {
    itemId: item.itemId,
    kind: item.kind,
    customerId: item.customerId,
    orderId: item.orderId,
    placedAt: item.placedAt,
    dueAt: item.dueAt,
    ageDays: item.ageDays,
  };
  if (item.kind === 'checkin') {
    const first = item.products?.[0];
    return {
      detailType: 'checkin.due',
      detail: {
        ...common,
        ...(first ? { sku: first.sku, category: first.category, productName: first.name ?? null } : {}),
        products: (item.products ?? []).map((p) => ({ sku: p.sku, category: p.category, productName: p.name ?? null })),
      },
    };
  }
  return {
    detailType: 'product.aged',
    detail: {
      ...common,
      sku: item.product?.sku ?? null,
      category: item.product?.category ?? null,
      productName: item.product?.name ?? null,
    },
  };
}
