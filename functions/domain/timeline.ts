import type { ProgramConfig } from '../config/program';
import type { LojalDetailType } from '../contract/events';
import { DAY_MS } from './time';
import { addLocalDays, instantOfWallTime, wallTimeAt } from './zoned-time';

/**
 * A member's timeline: the check-in and replacement reminders an order schedules, as a pure
 * function of the order, the refunds known for it, the client's configuration and the clock.
 * Handlers store what `planOrderTimeline` returns; the sweeper emits what falls due.
 *
 * Decisions (PRODUCT.md is silent on them):
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
      status: isStale(due, now) ? 'skipped' : 'pending',
      ageDays: days,
      timeZone,
      ...extra,
    };
  };

  let checkin: PlannedItem | undefined;
  if (lines.length > 0 && !refunded.all) {
    const delay = Math.min(...lines.map((l) => config.checkin.categoryDelayDays[l.category] ?? config.checkin.delayDays));
    const products = lines.slice(0, MAX_CHECKIN_PRODUCTS).map(productRef);
    checkin = item('checkin', `checkin:${order.orderId}`, delay, { products });
  }

  const byCategory = new Map<string, { line: TimelineOrderLine; lifespan: number }>();
  for (const line of lines) {
    const lifespan = line.lifespanDays ?? config.lifespans[line.category];
    if (lifespan === undefined) continue;
    const best = byCategory.get(line.category);
    if (!best || lifespan < best.lifespan || (lifespan === best.lifespan && line.sku < best.line.sku)) {
      byCategory.set(line.category, { line, lifespan });
    }
  }
  const reminders = [...byCategory.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([category, { line, lifespan }]) =>
      item('replacement', `replacement:${category}:${order.orderId}`, lifespan, { product: productRef(line) }),
    );

  return { ...(checkin ? { checkin } : {}), reminders };
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
  readonly detailType: Extract<LojalDetailType, 'checkin.due' | 'product.aged'>;
  readonly detail: Readonly<Record<string, unknown>>;
}

/**
 * The event a due item becomes: what an email needs, and no personal data (the mailer reads
 * the profile itself). `itemId` with `dueAt` identifies the send for consumers that dedupe.
 */
export function dueEventFor(item: DueItem): DueEvent {
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
