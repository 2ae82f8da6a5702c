import { isConditionFailure, queryMember } from './common';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PlannedItem, TimelineOrder, TimelineRefund, TimelineStatus } from '../../domain/timeline';
import {
  checkinSk,
  dueMonth,
  duePk,
  dueShard,
  memberPk,
  orderFactsPrefix,
  orderFactsSk,
  refundFactsSk,
  reminderSk,
  TIMELINE_PREFIX,
} from './keys';

/** A timeline item as stored under its member. */
export type StoredTimelineItem = Omit<PlannedItem, 'status'> & {
  readonly pk: string;
  readonly sk: string;
  readonly status: TimelineStatus;
  readonly scheduledAt: string;
  readonly updatedAt: string;
  readonly sentAt?: string;
  /** Why it was cancelled or skipped. */
  readonly reason?: string;
  /** While claimed: the sweep holding it and until when. */
  readonly claimToken?: string;
  readonly leaseUntil?: string;
  /** How many times a sweep claimed it. */
  readonly attempts?: number;
};

/** The order as the timeline was planned from it, kept so a refund can re-plan it. */
export interface OrderFacts {
  readonly order: TimelineOrder;
  /** The time zone the plan used, so a re-plan computes the same send times. */
  readonly timeZone: string;
}

export const timelineSkOf = (item: Pick<PlannedItem, 'kind' | 'orderId' | 'product'>): string =>
  item.kind === 'checkin' ? checkinSk(item.orderId) : reminderSk(item.product?.category ?? '');

/**
 * A planned item as stored: under its member, and in the `due` index while pending. Exported
 * for bulk loads (tests, benchmarks) that batch-write items; the store writes the same shape.
 */
export function timelineRecord(item: PlannedItem, now: Date): Record<string, unknown> {
  const pk = memberPk(item.customerId);
  const sk = timelineSkOf(item);
  const nowIso = now.toISOString();
  const record: Record<string, unknown> = { pk, sk, type: 'timeline', ...item, scheduledAt: nowIso, updatedAt: nowIso };
  if (item.status === 'pending') {
    // An overdue item goes into the current month's bucket, never into one the sweeper has
    // already left behind; its sort key (the due time) still makes the next sweep take it.
    const visitAt = item.dueAt > nowIso ? item.dueAt : nowIso;
    record.duePk = duePk(dueMonth(visitAt), dueShard(pk, sk));
    record.dueSk = item.dueAt;
  } else {
    record.reason = 'due more than 7 days before it was scheduled';
  }
  return record;
}

const ACTIVE = { ':pending': 'pending', ':claimed': 'claimed' } as const;


/**
 * The DynamoDB adapter for members' timelines (the handlers' side; the sweeper's side is
 * `DueItemStore`). Every write is a single conditional write, so duplicates and reordered
 * deliveries settle on the same items.
 */
export class TimelineStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Writes an order's check-in unless it exists: the first delivery of an order schedules it,
   * later ones change nothing. Returns whether this call wrote it.
   */
  async scheduleCheckin(item: PlannedItem, now: Date): Promise<boolean> {
    return this.put(timelineRecord(item, now), 'attribute_not_exists(pk)');
  }

  /**
   * Writes a replacement reminder into its category's slot unless the slot holds one from the
   * same or a newer purchase: a repurchase moves the reminder (whatever state the old one was
   * in), while a duplicate or an older order arriving late changes nothing.
   */
  async scheduleReminder(item: PlannedItem, now: Date): Promise<boolean> {
    return this.put(timelineRecord(item, now), 'attribute_not_exists(pk) OR anchor < :anchor', { ':anchor': item.anchor });
  }

  /** Replaces a still-pending item planned from the same purchase (a refund changed its plan). */
  async replacePending(item: PlannedItem, now: Date): Promise<boolean> {
    return this.put(timelineRecord(item, now), 'anchor = :anchor AND #status = :pending', { ':anchor': item.anchor, ':pending': 'pending' }, { '#status': 'status' });
  }

  /**
   * Cancels an item that has not been sent. `anchor` limits it to the item planned from one
   * purchase; `placedUpTo` (UTC ISO) to purchases up to an instant. A claimed item is cancelled
   * too: its sweeper then fails to mark it sent, and a sweeper that died never resends it.
   */
  async cancel(customerId: string, sk: string, reason: string, now: Date, only: { anchor?: string; placedUpTo?: string } = {}): Promise<boolean> {
    const conditions = ['#status IN (:pending, :claimed)'];
    const values: Record<string, unknown> = { ...ACTIVE, ':cancelled': 'cancelled', ':reason': reason, ':now': now.toISOString() };
    if (only.anchor !== undefined) {
      conditions.push('anchor = :anchor');
      values[':anchor'] = only.anchor;
    }
    if (only.placedUpTo !== undefined) {
      conditions.push('placedAt <= :placedUpTo');
      values[':placedUpTo'] = only.placedUpTo;
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: memberPk(customerId), sk },
          UpdateExpression: 'SET #status = :cancelled, reason = :reason, updatedAt = :now REMOVE duePk, dueSk, leaseUntil, claimToken',
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Every timeline item of a member, in key order (one paginated Query). */
  async list(customerId: string, consistent = false): Promise<StoredTimelineItem[]> {
    return (await this.query(customerId, TIMELINE_PREFIX, consistent)) as unknown as StoredTimelineItem[];
  }

  /** Records the facts an order's timeline was planned from; a duplicate changes nothing. */
  async recordOrder(customerId: string, facts: OrderFacts, now: Date): Promise<void> {
    const item = { pk: memberPk(customerId), sk: orderFactsSk(facts.order.orderId), type: 'order-facts', ...facts, recordedAt: now.toISOString() };
    await this.put(item, 'attribute_not_exists(pk)');
  }

  /** Records a refund of an order, whether or not the order has arrived; a duplicate changes nothing. */
  async recordRefund(customerId: string, orderId: string, refund: TimelineRefund, now: Date): Promise<void> {
    const item = { pk: memberPk(customerId), sk: refundFactsSk(orderId, refund.refundId), type: 'refund-facts', refund, recordedAt: now.toISOString() };
    await this.put(item, 'attribute_not_exists(pk)');
  }

  /** An order's facts (if it has arrived) and every refund recorded for it, strongly consistent, in one Query. */
  async readOrder(customerId: string, orderId: string): Promise<{ facts?: OrderFacts; refunds: TimelineRefund[] }> {
    let facts: OrderFacts | undefined;
    const refunds: TimelineRefund[] = [];
    for (const item of await this.query(customerId, orderFactsPrefix(orderId), true)) {
      if (item.type === 'order-facts') facts = { order: item.order as TimelineOrder, timeZone: item.timeZone as string };
      else if (item.type === 'refund-facts') refunds.push(item.refund as TimelineRefund);
    }
    return { ...(facts ? { facts } : {}), refunds };
  }

  private async put(
    item: Record<string, unknown>,
    condition: string,
    values?: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ...(values ? { ExpressionAttributeValues: values } : {}),
          ...(names ? { ExpressionAttributeNames: names } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private query(customerId: string, prefix: string, consistent: boolean): Promise<Record<string, unknown>[]> {
    return queryMember(this.doc, this.tableName, customerId, prefix, consistent);
  }
}
