import type { ProfileStore } from '../adapters/dynamo/profile-store';
import { checkinSk, reminderSk } from '../adapters/dynamo/keys';
import type { OrderFacts, TimelineStore } from '../adapters/dynamo/timeline-store';
import type { ProgramConfig } from '../config/program';
import { type PlannedItem, planOrderTimeline, type TimelineOrder, type TimelineRefund } from '../domain/timeline';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';

export interface TimelineDeps {
  readonly config: ProgramConfig;
  readonly timeline: TimelineStore;
  readonly profiles: ProfileStore;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
}

/**
 * Schedules an order's check-in and replacement reminders (domain/timeline.ts decides what and
 * when). Safe to repeat and to run in any order with the order's refunds and the customer's
 * deletion:
 *
 * - The items are written first and the order's facts last, then the refunds are read; a
 *   refund records itself first and then reads the facts. With strongly consistent reads at
 *   least one of the two sees the other, so a refund that overtakes its order still cancels.
 * - The profile is read again after writing for the same reason: a deletion that raced with the
 *   order cancels its items here or finds them there.
 * - The customer's time zone comes from their profile; an order that arrives before the
 *   customer's registration (or a profile without one) is planned in the client's time zone,
 *   and a time zone set later does not move items already scheduled.
 */
export async function scheduleOrderTimeline(deps: TimelineDeps, order: TimelineOrder): Promise<void> {
  const now = deps.clock.now();
  const stored = await deps.profiles.get(order.customerId);
  const timeZone = stored?.profile.values.timeZone ?? deps.config.timeZone;
  const plan = planOrderTimeline(order, { config: deps.config, customerTimeZone: timeZone, now: now.getTime() });

  const written = await Promise.all(plan.reminders.map((reminder) => deps.timeline.scheduleReminder(reminder, now)));
  if (plan.checkin) written.push(await deps.timeline.scheduleCheckin(plan.checkin, now));
  const scheduled = written.filter(Boolean).length;
  if (scheduled > 0) deps.metrics.addMetric('TimelineItemsScheduled', 'Count', scheduled);

  const facts: OrderFacts = { order: factsOf(order), timeZone };
  await deps.timeline.recordOrder(order.customerId, facts, now);
  const recorded = await deps.timeline.readOrder(order.customerId, order.orderId);
  if (recorded.refunds.length > 0) await reconcileRefunds(deps, recorded.facts ?? facts, recorded.refunds);

  const after = await deps.profiles.get(order.customerId);
  const deletedAt = after?.profile.deletedAt;
  if (deletedAt !== undefined && deletedAt >= Date.parse(order.placedAt)) {
    await cancelCustomerTimeline(deps, order.customerId, new Date(deletedAt).toISOString());
  }
}

/**
 * Applies a refund to its order's timeline: a line refunded in full loses its replacement
 * reminder (another line of the same category takes over if there is one), an order refunded
 * in full loses its check-in. A refund that arrives before its order is recorded and applied
 * when the order comes.
 */
export async function cancelRefundedTimeline(
  deps: TimelineDeps,
  refund: TimelineRefund & { readonly orderId: string; readonly customerId: string },
): Promise<void> {
  const { refundId, lines, amount } = refund;
  await deps.timeline.recordRefund(
    refund.customerId,
    refund.orderId,
    { refundId, ...(lines ? { lines } : {}), ...(amount !== undefined ? { amount } : {}) },
    deps.clock.now(),
  );
  const { facts, refunds } = await deps.timeline.readOrder(refund.customerId, refund.orderId);
  if (facts) await reconcileRefunds(deps, facts, refunds);
}

/**
 * Cancels every item not yet sent that was planned from a purchase up to `deletedAt` (UTC
 * ISO). An older deletion delivered late leaves a returning customer's newer orders alone.
 */
export async function cancelCustomerTimeline(deps: TimelineDeps, customerId: string, deletedAt: string): Promise<void> {
  const now = deps.clock.now();
  const upTo = new Date(deletedAt).toISOString();
  const items = await deps.timeline.list(customerId, true);
  const active = items.filter((i) => (i.status === 'pending' || i.status === 'claimed') && i.placedAt <= upTo);
  const cancelled = await Promise.all(
    active.map((i) => deps.timeline.cancel(customerId, i.sk, 'the customer was deleted', now, { placedUpTo: upTo })),
  );
  const count = cancelled.filter(Boolean).length;
  if (count > 0) deps.metrics.addMetric('TimelineItemsCancelled', 'Count', count);
}

/** Re-plans an order with its refunds and moves the stored items to the new plan, touching only items from this purchase. */
async function reconcileRefunds(deps: TimelineDeps, facts: OrderFacts, refunds: readonly TimelineRefund[]): Promise<void> {
  const now = deps.clock.now();
  const context = { config: deps.config, customerTimeZone: facts.timeZone, now: now.getTime() };
  const before = planOrderTimeline(facts.order, context);
  const after = planOrderTimeline(facts.order, { ...context, refunds });
  const { customerId } = facts.order;
  let cancelled = 0;

  const settle = async (was: PlannedItem | undefined, becomes: PlannedItem | undefined, sk: string, reason: string) => {
    if (!was) return;
    if (!becomes) {
      if (await deps.timeline.cancel(customerId, sk, reason, now, { anchor: was.anchor })) cancelled++;
    } else if (planKey(was) !== planKey(becomes)) {
      await deps.timeline.replacePending(becomes, now);
    }
  };

  await settle(before.checkin, after.checkin, checkinSk(facts.order.orderId), 'the order was refunded in full');
  await Promise.all(
    before.reminders.map((reminder) => {
      const category = reminder.product?.category ?? '';
      const replanned = after.reminders.find((r) => r.product?.category === category);
      return settle(reminder, replanned, reminderSk(category), 'the product was refunded');
    }),
  );
  if (cancelled > 0) deps.metrics.addMetric('TimelineItemsCancelled', 'Count', cancelled);
}

const planKey = (item: PlannedItem): string => JSON.stringify([item.dueAt, item.product ?? null, item.products ?? null]);

/** The order as the timeline needs it: no market, account or other fields. */
function factsOf(order: TimelineOrder): TimelineOrder {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    placedAt: order.placedAt,
    lines: order.lines.map(({ sku, category, quantity, unitPrice, name, lifespanDays }) => ({
      sku,
      category,
      quantity,
      unitPrice,
      ...(name !== undefined ? { name } : {}),
      ...(lifespanDays !== undefined ? { lifespanDays } : {}),
    })),
    ...(order.discount !== undefined ? { discount: order.discount } : {}),
  };
}
