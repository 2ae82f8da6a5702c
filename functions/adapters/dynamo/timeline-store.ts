import { conditionalWrite, queryMember } from './common';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PlannedItem, TimelineChange, TimelineStatus } from '../../domain/timeline';
import { checkinSk, dueMonth, duePk, dueShard, memberPk, reminderSk, TIMELINE_PREFIX } from './keys';

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

/** A conditional write of one timeline item, as a `TransactWriteItems` element (or a single write). */
export type TimelineWrite = TimelinePut | TimelineUpdate;
interface TimelinePut {
  readonly Put: {
    TableName: string;
    Item: Record<string, unknown>;
    ConditionExpression: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  };
}
interface TimelineUpdate {
  readonly Update: {
    TableName: string;
    Key: { pk: string; sk: string };
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  };
}

/** Takes an item that has not been sent out of the due index as cancelled, if `conditions` hold. */
function cancelWrite(
  tableName: string,
  key: { pk: string; sk: string },
  reason: string,
  now: Date,
  only: { anchor?: string; placedUpTo?: string },
): TimelineUpdate {
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
  return {
    Update: {
      TableName: tableName,
      Key: key,
      // A claimed item is cancelled too: its sweeper then fails to mark it sent, and a sweeper that died never resends it.
      UpdateExpression: 'SET #status = :cancelled, reason = :reason, updatedAt = :now REMOVE duePk, dueSk, leaseUntil, claimToken',
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * The one definition of how a timeline change (functions/domain/timeline.ts) is written: every
 * write is conditional, so duplicates and reordered deliveries settle on the same items.
 * - schedule a check-in: only into an empty slot (the first delivery of an order writes it);
 * - schedule a reminder: only over a reminder from an older purchase, whatever its state (a
 *   repurchase moves it), never over the same or a newer one (a late older order);
 * - replace: only the still-pending item of the same purchase;
 * - cancel: only the item of the same purchase, and only before it was sent.
 */
export function timelineWrite(tableName: string, change: TimelineChange, now: Date): TimelineWrite {
  const { item } = change;
  const record = timelineRecord(item, now);
  const key = { pk: String(record.pk), sk: String(record.sk) };
  switch (change.type) {
    case 'schedule': {
      if (change.cancelledBecause !== undefined) {
        delete record.duePk;
        delete record.dueSk;
        Object.assign(record, { status: 'cancelled', reason: change.cancelledBecause });
      }
      return item.kind === 'checkin'
        ? { Put: { TableName: tableName, Item: record, ConditionExpression: 'attribute_not_exists(pk)' } }
        : {
            Put: {
              TableName: tableName,
              Item: record,
              ConditionExpression: 'attribute_not_exists(pk) OR anchor < :anchor',
              ExpressionAttributeValues: { ':anchor': item.anchor },
            },
          };
    }
    case 'replace':
      return {
        Put: {
          TableName: tableName,
          Item: record,
          ConditionExpression: 'anchor = :anchor AND #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':anchor': item.anchor, ':pending': 'pending' },
        },
      };
    case 'cancel':
      return cancelWrite(tableName, key, change.reason, now, { anchor: item.anchor });
  }
}

/**
 * The DynamoDB adapter for members' timelines (the handlers' side; the sweeper's side is
 * `DueItemStore`). Orders and refunds change the timeline inside the member's ledger
 * transaction (`timelineWrite`, used by ledger-store.ts); this store reads it and cancels it.
 */
export class TimelineStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Cancels an item that has not been sent. `anchor` limits it to the item planned from one
   * purchase; `placedUpTo` (UTC ISO) to purchases up to an instant. Returns whether it did.
   */
  async cancel(
    customerId: string,
    sk: string,
    reason: string,
    now: Date,
    only: { anchor?: string; placedUpTo?: string } = {},
  ): Promise<boolean> {
    return conditionalWrite(
      this.doc,
      new UpdateCommand(cancelWrite(this.tableName, { pk: memberPk(customerId), sk }, reason, now, only).Update),
    );
  }

  /** Every timeline item of a member, in key order (one paginated Query). */
  async list(customerId: string, consistent = false): Promise<StoredTimelineItem[]> {
    return (await this.query(customerId, TIMELINE_PREFIX, consistent)) as unknown as StoredTimelineItem[];
  }

  private query(customerId: string, prefix: string, consistent: boolean): Promise<Record<string, unknown>[]> {
    return queryMember(this.doc, this.tableName, customerId, prefix, consistent);
  }
}
