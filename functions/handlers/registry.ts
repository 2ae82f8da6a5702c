import { LedgerStore } from '../adapters/dynamo/ledger-store';
import { rulesAt } from '../domain/points';
import type { AccountFact } from '../domain/account-pool';
import { MemberErasure } from '../adapters/dynamo/member-erasure';
import { ProfileStore } from '../adapters/dynamo/profile-store';
import { TimelineStore } from '../adapters/dynamo/timeline-store';
import { awardOccasionBonus } from '../app/award-occasion-bonus';
import { LedgerCache } from '../app/ledger-cache';
import { recordLedgerEvent, recordMembership } from '../app/record-ledger-event';
import { cancelCustomerTimeline } from '../app/cancel-timeline';
import { checkedAttributes, updateProfile } from '../app/update-profile';
import {
  ActivityCompletedSchema,
  CustomerDeletedSchema,
  CustomerRegisteredSchema,
  CustomerUpdatedSchema,
  OrderPlacedSchema,
  OrderRefundedSchema,
} from '../contract/events';
import { CustomerAnniversarySchema, CustomerBirthdaySchema } from '../contract/lojal-events';
import type { HandlerName } from '../contract/routes';
import { ValidationError } from '../runtime/errors';
import { busEventHandler } from '../runtime/event-handler';
import { createFlowsHandler } from './flows-handler';
import { createEmailHandlers, type EmailHandlerName, type EmailPorts } from './email-handlers';
import type { BusEvent, DeadLetterSink, LojalDeps } from '../runtime/ports';
import type { EventPublisher } from '../runtime/event-publisher';
import { consentInstant } from '../domain/consent-instant';
import type { AttributeChange } from '../domain/attributes';

/** Everything a handler needs; Lambda, the local copy and tests each build one. */
export interface HandlerDeps extends LojalDeps {
  readonly deadLetters: DeadLetterSink;
  /** The mail queue (and link signer) for the email handlers and the member API; absent where nothing mails. */
  readonly email?: EmailPorts;
  /** Lojal's own events from handlers (`customer.unsubscribed`); absent where nothing announces. */
  readonly events?: EventPublisher;
}

export type BusEventHandler = (event: BusEvent) => Promise<void>;

/** One handler per route (contract/routes.ts): parse → business step → effects through the stores. */
export function createHandlers(deps: HandlerDeps): Record<HandlerName, BusEventHandler> {
  return { ...createEmailHandlers(deps), ...createMemberHandlers(deps), flows: createFlowsHandler(deps) };
}

/** The routes that are not mail (points, profiles, the timeline): what one Lambda of theirs builds, without the mail handlers. */
export type MemberHandlerName = Exclude<HandlerName, EmailHandlerName | 'flows'>;

/** The handlers of the member's points, profile and timeline, sharing one set of stores and one ledger cache. */
export function createMemberHandlers(deps: HandlerDeps): Record<MemberHandlerName, BusEventHandler> {
  const ledger = new LedgerStore(deps.dynamo, deps.tableName);
  const profiles = new ProfileStore(deps.dynamo, deps.tableName);
  const erasure = new MemberErasure(deps.dynamo, deps.tableName);
  // Wall-clock TTL: the cache is about this container's memory, not business time.
  const ledgerDeps = { ...deps, ledger, cache: new LedgerCache(() => Date.now()) };

  // Orders and refunds write their timeline changes in the ledger transaction; only a deletion
  // cancels the timeline on its own, after recording itself in the ledger state.
  const timelineDeps = { ...deps, timeline: new TimelineStore(deps.dynamo, deps.tableName) };

  const profileOptions = { clientTimeZone: deps.config.timeZone };
  const bonusDeps = { ...ledgerDeps, profiles };

  // With B2B pooling, an account named by an event is a fact from that event's business time on:
  // the ledger pools each entry on the account of its time (functions/domain/account-pool.ts).
  const pooling = deps.config.accounts.pooling === 'pool';
  const accountFact = (accountId: string | undefined, at: string): { account?: AccountFact } =>
    pooling && accountId !== undefined ? { account: { accountId, at } } : {};
  const award = async (customerId: string, input: Parameters<typeof recordLedgerEvent>[2], options: { account?: AccountFact } = {}) => {
    const result = await recordLedgerEvent(ledgerDeps, customerId, input, options);
    if (result.outcome === 'duplicate') return 'duplicate' as const;
    deps.metrics.addMetric('PointsAwarded', 'Count', result.points + result.corrected);
    const scheduled = result.timeline.filter(
      (c) => c.type === 'schedule' && c.cancelledBecause === undefined && c.item.status === 'pending',
    ).length;
    const cancelled = result.timeline.filter(
      (c) => c.type === 'cancel' || (c.type === 'schedule' && c.cancelledBecause !== undefined),
    ).length;
    if (scheduled > 0) deps.metrics.addMetric('TimelineItemsScheduled', 'Count', scheduled);
    if (cancelled > 0) deps.metrics.addMetric('TimelineItemsCancelled', 'Count', cancelled);
    return 'applied' as const;
  };

  const declaredAttributes = (given: AttributeChange | undefined) => checkedAttributes(deps.config.attributes, given);

  return {
    'customer-registered': busEventHandler(deps, CustomerRegisteredSchema, async (d) => {
      const { customerId, registeredAt, marketingConsentAt, imported: _imported, attributes, ...values } = d;
      const consentAt = consentInstant(marketingConsentAt, deps.clock.now());
      const outcome = await updateProfile(
        profiles,
        customerId,
        { type: 'set', at: Date.parse(registeredAt), values: { ...values, registeredAt }, consentAt, ...declaredAttributes(attributes) },
        profileOptions,
      );
      // Also on a duplicate: an earlier attempt may have failed between the two writes.
      await recordMembership(ledgerDeps, customerId, {
        joinedAt: registeredAt,
        ...(values.timeZone !== undefined ? { timeZone: { value: values.timeZone, at: registeredAt } } : {}),
        ...accountFact(values.accountId, registeredAt),
      });
      return outcome;
    }),

    'customer-updated': busEventHandler(deps, CustomerUpdatedSchema, async (d) => {
      const { customerId, updatedAt, marketingConsentAt, attributes, ...values } = d;
      const consentAt = consentInstant(marketingConsentAt, deps.clock.now());
      const outcome = await updateProfile(
        profiles,
        customerId,
        { type: 'set', at: Date.parse(updatedAt), values, consentAt, ...declaredAttributes(attributes) },
        profileOptions,
      );
      // The ledger state keeps the time zone the member's orders are planned in (newest change
      // wins) and, with pooling, the account the member belongs to from this change on.
      const account = accountFact(values.accountId, updatedAt);
      if (values.timeZone !== undefined || account.account !== undefined)
        await recordMembership(ledgerDeps, customerId, {
          ...(values.timeZone !== undefined ? { timeZone: { value: values.timeZone, at: updatedAt } } : {}),
          ...account,
        });
      return outcome;
    }),

    'customer-deleted': busEventHandler(deps, CustomerDeletedSchema, async (d) => {
      const outcome = await updateProfile(profiles, d.customerId, { type: 'delete', at: Date.parse(d.deletedAt) }, profileOptions);
      // Recorded in the ledger state first: the member leaves every challenge, and an order
      // whose ledger write comes after this writes its timeline cancelled (cancel-timeline.ts).
      await recordMembership(ledgerDeps, d.customerId, { leftAt: d.deletedAt });
      await cancelCustomerTimeline(timelineDeps, d.customerId, d.deletedAt);
      // Last, so it also scrubs what the steps above left (product names in cancelled items);
      // on a redelivery it runs again and finds nothing left to change.
      const erased = await erasure.erase(d.customerId);
      if (erased.scrubbed + erased.deleted > 0) deps.metrics.addMetric('ErasedItems', 'Count', erased.scrubbed + erased.deleted);
      return outcome;
    }),

    'order-placed': busEventHandler(deps, OrderPlacedSchema, async (order) => {
      // The rules in force at the order's business time decide (a revision may add a currency).
      const { earnRates } = rulesAt(deps.config, Date.parse(order.placedAt)).rules;
      if (!Object.hasOwn(earnRates, order.currency)) {
        const known = Object.keys(earnRates).join(', ');
        throw new ValidationError('detail.currency', `${order.currency} is not a currency of this program (${known})`);
      }
      return award(
        order.customerId,
        {
          kind: 'order',
          ref: order.orderId,
          at: order.placedAt,
          currency: order.currency,
          // Name and lifespan are for the timeline (a refund re-plans the order from its entry).
          lines: order.lines.map(({ sku, category, quantity, unitPrice, name, lifespanDays }) => ({
            sku,
            category,
            quantity,
            unitPrice,
            ...(name !== undefined ? { name } : {}),
            ...(lifespanDays !== undefined ? { lifespanDays } : {}),
          })),
          discount: order.discount ?? 0,
          ...(order.imported === true ? { imported: true } : {}),
        },
        accountFact(order.accountId, order.placedAt),
      );
    }),

    'order-refunded': busEventHandler(deps, OrderRefundedSchema, async (refund) => {
      return award(refund.customerId, {
        kind: 'refund',
        ref: refund.refundId,
        at: refund.refundedAt,
        orderRef: refund.orderId,
        ...(refund.lines ? { lines: refund.lines } : {}),
        ...(refund.amount !== undefined ? { amount: refund.amount } : {}),
      });
    }),

    'activity-completed': busEventHandler(deps, ActivityCompletedSchema, async (activity) => {
      // Object.hasOwn: an activity named `constructor` or `__proto__` is unknown, not the object's own machinery.
      const { activities } = rulesAt(deps.config, Date.parse(activity.occurredAt)).rules;
      if (!Object.hasOwn(activities, activity.activity)) {
        const known = Object.keys(activities).join(', ') || 'none';
        throw new ValidationError('detail.activity', `${activity.activity} is not an activity of this program (${known})`);
      }
      return award(activity.customerId, {
        kind: 'activity',
        ref: activity.activityId,
        at: activity.occurredAt,
        activity: activity.activity,
      });
    }),

    // Lojal's own events from the daily calendar job: the bonus comes from the configuration,
    // never from the event, and is awarded once per member and year.
    'customer-anniversary': busEventHandler(deps, CustomerAnniversarySchema, async (a) =>
      awardOccasionBonus(bonusDeps, {
        customerId: a.customerId,
        occasion: 'anniversary',
        date: a.date,
        points: deps.config.anniversaryBonus,
        reason: `membership anniversary, ${a.years} ${a.years === 1 ? 'year' : 'years'}`,
      }),
    ),

    'customer-birthday': busEventHandler(deps, CustomerBirthdaySchema, async (b) =>
      awardOccasionBonus(bonusDeps, {
        customerId: b.customerId,
        occasion: 'birthday',
        date: b.date,
        points: deps.config.birthdayBonus,
        reason: 'birthday',
      }),
    ),
  };
}
