import { advanceWatermark, conditionalWrite, isConditionFailure, readWatermark } from './common';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DueIndex, type DueIndexPage, type DueKey } from './due-index';
import { dueMonth, duePk, dueShard, SWEEP_WATERMARK_KEY } from './keys';
import type { StoredTimelineItem } from './timeline-store';

/** The base-table key of a timeline item, as the `due` index returns it. */
export type ItemKey = DueKey;

export type DuePage = DueIndexPage;

/**
 * The DynamoDB adapter for the sweeper's side of the timeline: the sparse `due` index and the
 * claim → sent life cycle of an item. `dueSk` always says when to look at an item next: its
 * due time while pending, its lease expiry while claimed, its retry time after a failed send.
 */
export class DueItemStore {
  private readonly index: DueIndex;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.index = new DueIndex(doc, tableName);
  }

  /** One page of the items of a bucket and shard to look at up to `nowIso`, earliest first. */
  async page(month: string, shard: number, nowIso: string, limit: number, cursor?: Record<string, unknown>): Promise<DuePage> {
    return this.index.page(duePk(month, shard), nowIso, limit, cursor);
  }

  /** The earliest `dueSk` in a bucket and shard, if any (one item read). */
  async earliest(month: string, shard: number): Promise<string | undefined> {
    return this.index.earliest(duePk(month, shard));
  }

  /**
   * Claims an item for one sweep: a pending item that is due, or a claimed one whose lease ran
   * out (its sweeper died). The condition makes the claim exclusive, so of two sweepers that
   * read the same item only one gets it; and checking `dueAt` means an item rescheduled after
   * the (eventually consistent) index was read is not claimed early. The item is re-indexed at
   * its lease expiry, where the next sweeps find it only if this one never marks it sent.
   * Returns the claimed item, or undefined when someone else has it or it changed.
   */
  async claim(key: ItemKey, claim: { token: string; now: Date; leaseUntil: Date }): Promise<StoredTimelineItem | undefined> {
    const now = claim.now.toISOString();
    const leaseUntil = claim.leaseUntil.toISOString();
    // Not conditionalWrite: the claim answers with the item it claimed (ReturnValues), which a yes/no cannot carry.
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression:
            'SET #status = :claimed, claimToken = :token, leaseUntil = :lease, claimedAt = :now, duePk = :duePk, dueSk = :lease, attempts = if_not_exists(attempts, :zero) + :one',
          ConditionExpression: '(#status = :pending AND dueAt <= :now) OR (#status = :claimed AND leaseUntil <= :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':claimed': 'claimed',
            ':token': claim.token,
            ':lease': leaseUntil,
            ':now': now,
            ':duePk': duePk(dueMonth(leaseUntil), dueShard(key.pk, key.sk)),
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes as StoredTimelineItem | undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Marks a claimed item sent and takes it out of the index; false if it was cancelled or replaced meanwhile. */
  async markSent(key: ItemKey, token: string, now: Date): Promise<boolean> {
    return this.finish(key, token, 'SET #status = :sent, sentAt = :now, updatedAt = :now', { ':sent': 'sent', ':now': now.toISOString() });
  }

  /** Marks a claimed item skipped (too late to send) and takes it out of the index. */
  async markSkipped(key: ItemKey, token: string, now: Date, reason: string): Promise<boolean> {
    return this.finish(key, token, 'SET #status = :skipped, reason = :reason, updatedAt = :now', {
      ':skipped': 'skipped',
      ':reason': reason,
      ':now': now.toISOString(),
    });
  }

  /** Gives a claimed item back as pending, to be looked at again at `retryAt` (its send failed). */
  async release(key: ItemKey, token: string, retryAt: Date, now: Date): Promise<boolean> {
    const retry = retryAt.toISOString();
    return conditionalWrite(
      this.doc,
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET #status = :pending, duePk = :duePk, dueSk = :retry, updatedAt = :now REMOVE leaseUntil, claimToken',
        ConditionExpression: 'claimToken = :token',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'pending',
          ':duePk': duePk(dueMonth(retry), dueShard(key.pk, key.sk)),
          ':retry': retry,
          ':now': now.toISOString(),
          ':token': token,
        },
      }),
    );
  }

  async readWatermark(): Promise<string | undefined> {
    return readWatermark(this.doc, this.tableName, { key: SWEEP_WATERMARK_KEY, field: 'month' }) as Promise<string | undefined>;
  }

  /** Moves the watermark forward; never back, whichever of two runs writes last. */
  async advanceWatermark(value: string, now: Date): Promise<void> {
    await advanceWatermark(this.doc, this.tableName, { key: SWEEP_WATERMARK_KEY, field: 'month' }, value, now);
  }

  private async finish(key: ItemKey, token: string, set: string, values: Record<string, unknown>): Promise<boolean> {
    return conditionalWrite(
      this.doc,
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `${set} REMOVE duePk, dueSk, leaseUntil, claimToken`,
        ConditionExpression: 'claimToken = :token',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...values, ':token': token },
      }),
    );
  }
}
