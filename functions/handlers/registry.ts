import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LedgerStore } from '../adapters/dynamo/ledger-store';
import { ProfileStore } from '../adapters/dynamo/profile-store';
import { recordLedgerEvent } from '../app/record-ledger-event';
import { updateProfile } from '../app/update-profile';
import type { ProgramConfig } from '../config/program';
import {
  ActivityCompletedSchema,
  CustomerDeletedSchema,
  CustomerRegisteredSchema,
  CustomerUpdatedSchema,
  OrderPlacedSchema,
  OrderRefundedSchema,
} from '../contract/events';
import type { HandlerName } from '../contract/routes';
import { ValidationError } from '../runtime/errors';
import { busEventHandler } from '../runtime/event-handler';
import type { BusEvent, Clock, DeadLetterSink, LoggerPort, MetricsPort } from '../runtime/ports';

/** Everything a handler needs; Lambda, the local copy and tests each build one. */
export interface HandlerDeps {
  readonly config: ProgramConfig;
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  readonly deadLetters: DeadLetterSink;
}

export type BusEventHandler = (event: BusEvent) => Promise<void>;

/** One handler per route (contract/routes.ts): parse → business step → effects through the stores. */
export function createHandlers(deps: HandlerDeps): Record<HandlerName, BusEventHandler> {
  const ledger = new LedgerStore(deps.dynamo, deps.tableName);
  const profiles = new ProfileStore(deps.dynamo, deps.tableName);
  const ledgerDeps = { ...deps, ledger };

  const award = async (customerId: string, input: Parameters<typeof recordLedgerEvent>[2]) => {
    const result = await recordLedgerEvent(ledgerDeps, customerId, input);
    if (result.outcome === 'duplicate') return 'duplicate' as const;
    deps.metrics.addMetric('PointsAwarded', 'Count', result.points + result.corrected);
    return 'applied' as const;
  };

  return {
    'customer-registered': busEventHandler(deps, CustomerRegisteredSchema, async (d) => {
      const { customerId, registeredAt, ...values } = d;
      return updateProfile(profiles, customerId, { type: 'set', at: Date.parse(registeredAt), values: { ...values, registeredAt } });
    }),

    'customer-updated': busEventHandler(deps, CustomerUpdatedSchema, async (d) => {
      const { customerId, updatedAt, ...values } = d;
      return updateProfile(profiles, customerId, { type: 'set', at: Date.parse(updatedAt), values });
    }),

    'customer-deleted': busEventHandler(deps, CustomerDeletedSchema, async (d) =>
      updateProfile(profiles, d.customerId, { type: 'delete', at: Date.parse(d.deletedAt) }),
    ),

    'order-placed': busEventHandler(deps, OrderPlacedSchema, async (order) => {
      if (!deps.config.earnRates[order.currency]) {
        const known = Object.keys(deps.config.earnRates).join(', ');
        throw new ValidationError('detail.currency', `${order.currency} is not a currency of this program (${known})`);
      }
      return award(order.customerId, {
        kind: 'order',
        ref: order.orderId,
        at: order.placedAt,
        currency: order.currency,
        lines: order.lines.map(({ sku, category, quantity, unitPrice }) => ({ sku, category, quantity, unitPrice })),
        discount: order.discount ?? 0,
      });
    }),

    'order-refunded': busEventHandler(deps, OrderRefundedSchema, async (refund) =>
      award(refund.customerId, {
        kind: 'refund',
        ref: refund.refundId,
        at: refund.refundedAt,
        orderRef: refund.orderId,
        ...(refund.lines ? { lines: refund.lines } : {}),
        ...(refund.amount !== undefined ? { amount: refund.amount } : {}),
      }),
    ),

    'activity-completed': busEventHandler(deps, ActivityCompletedSchema, async (activity) => {
      if (deps.config.activities[activity.activity] === undefined) {
        const known = Object.keys(deps.config.activities).join(', ') || 'none';
        throw new ValidationError('detail.activity', `${activity.activity} is not an activity of this program (${known})`);
      }
      return award(activity.customerId, { kind: 'activity', ref: activity.activityId, at: activity.occurredAt, activity: activity.activity });
    }),
  };
}
