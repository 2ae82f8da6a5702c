import { advanceWatermark, conditionalWrite, isConditionFailure, readWatermark } from './common';
import { type DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DueIndex, type DueIndexPage, type DueKey } from './due-index';
import { broadcastKey, dueMonth, duePk, dueShard, SWEEP_WATERMARK_KEY } from './keys';
import type { StoredTimelineItem } from './timeline-store';
import { cancellationReasons, runGuardedTransaction } from './transactions';

/** The base-table key of a timeline item, as the `due` index returns it. */
export type ItemKey = DueKey;

export type DuePage = DueIndexPage;

/** DynamoDB's limit of actions in one `TransactWriteItems`. */
const MAX_TRANSACTION_ITEMS = 100;

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

  /**
   * Marks claimed items sent, up to 100 in one transaction (one round trip where each item was
   * one), each conditioned on this sweep's claim like `markSent`. An item cancelled or replaced
   * meanwhile fails its condition and cancels the transaction; the cancellation names it, so it
   * is left out and the rest written again. A cancellation without a failed condition (another
   * writer touched one of the items at that moment) falls back to one write per item.
   * Returns the keys that were not marked because the claim was gone.
   *
   * A transaction costs twice the write units of the same plain writes: the sweep trades them
   * for round trips (docs/performance.md).
   */
  async markAllSent(keys: readonly ItemKey[], token: string, now: Date): Promise<ItemKey[]> {
    const values = { ':sent': 'sent', ':now': now.toISOString() };
    const set = 'SET #status = :sent, sentAt = :now, updatedAt = :now';
    const chunks: ItemKey[][] = [];
    for (let start = 0; start < keys.length; start += MAX_TRANSACTION_ITEMS) chunks.push(keys.slice(start, start + MAX_TRANSACTION_ITEMS));
    const lost: ItemKey[] = [];
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending = chunk;
        while (pending.length > 0) {
          if (pending.length === 1) {
            const [key] = pending as [ItemKey];
            if (!(await this.markSent(key, token, now))) lost.push(key);
            return;
          }
          try {
            await this.doc.send(
              new TransactWriteCommand({ TransactItems: pending.map((key) => ({ Update: this.finishUpdate(key, token, set, values) })) }),
            );
            return;
          } catch (error) {
            const reasons = cancellationReasons(error);
            if (!reasons) throw error;
            const failed = new Set(pending.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed'));
            if (failed.size === 0) {
              for (const key of pending) if (!(await this.markSent(key, token, now))) lost.push(key);
              return;
            }
            lost.push(...failed);
            pending = pending.filter((key) => !failed.has(key));
          }
        }
      }),
    );
    return lost;
  }

  /**
   * Marks a claimed item skipped (too late to send) and takes it out of the index, with the
   * mail log's line for the mail it will never ask for (`logEntry`), in one transaction
   * conditioned on the claim; false (nothing written) if the claim was lost.
   */
  async markSkipped(key: ItemKey, token: string, now: Date, reason: string, logEntry: Record<string, unknown>): Promise<boolean> {
    const update = this.finishUpdate(key, token, 'SET #status = :skipped, reason = :reason, updatedAt = :now', {
      ':skipped': 'skipped',
      ':reason': reason,
      ':now': now.toISOString(),
    });
    const outcome = await runGuardedTransaction(
      this.doc,
      [
        { item: { Update: update }, failsAs: 'lost' as const },
        { item: { Put: { TableName: this.tableName, Item: logEntry } }, failsAs: 'lost' as const },
      ],
      'lost',
    );
    return outcome === 'committed';
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

  /**
   * Puts a broadcast's due item unless it exists (sent or not): the sweeper then claims and emits
   * it at its instant like any due item, once. True when this call created it.
   */
  async ensureBroadcast(flowId: string, at: string, now: Date): Promise<boolean> {
    return conditionalWrite(this.doc, new PutCommand({ ...this.broadcastPut(flowId, at, now) }));
  }

  /**
   * Marks a recurring broadcast's occurrence sent and puts its next occurrence's due item, in
   * ONE transaction conditioned on this sweep's claim: a crash leaves either both or neither,
   * so no occurrence is lost or fired twice. A next item that exists already (put by a cold
   * start's `ensureBroadcast`) is left as it is and the occurrence is marked sent alone.
   * False when the claim was lost (nothing written).
   */
  async markSentAndSchedule(key: ItemKey, token: string, now: Date, next: { flowId: string; at: string }): Promise<boolean> {
    const values = { ':sent': 'sent', ':now': now.toISOString() };
    const sent = this.finishUpdate(key, token, 'SET #status = :sent, sentAt = :now, updatedAt = :now', values);
    const outcome = await runGuardedTransaction(
      this.doc,
      [
        { item: { Update: sent }, failsAs: 'lost' as const },
        { item: { Put: this.broadcastPut(next.flowId, next.at, now) }, failsAs: 'next-exists' as const },
      ],
      'lost',
    );
    if (outcome === 'next-exists') return this.markSent(key, token, now);
    return outcome === 'committed';
  }

  /** A broadcast occurrence's due item, put only where none is. */
  private broadcastPut(flowId: string, at: string, now: Date) {
    const key = broadcastKey(flowId, at);
    const nowIso = now.toISOString();
    // Never into a month the sweeper has left behind: an overdue broadcast goes into the current month.
    const visitAt = at > nowIso ? at : nowIso;
    return {
      TableName: this.tableName,
      Item: {
        ...key,
        type: 'flow-broadcast',
        kind: 'flow-broadcast',
        itemId: `broadcast:${flowId}:${at}`,
        flowId,
        at,
        dueAt: at,
        status: 'pending',
        scheduledAt: nowIso,
        updatedAt: nowIso,
        duePk: duePk(dueMonth(visitAt), dueShard(key.pk, key.sk)),
        dueSk: at,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  async readWatermark(): Promise<string | undefined> {
    return readWatermark(this.doc, this.tableName, { key: SWEEP_WATERMARK_KEY, field: 'month' }) as Promise<string | undefined>;
  }

  /** Moves the watermark forward; never back, whichever of two runs writes last. */
  async advanceWatermark(value: string, now: Date): Promise<void> {
    await advanceWatermark(this.doc, this.tableName, { key: SWEEP_WATERMARK_KEY, field: 'month' }, value, now);
  }

  private async finish(key: ItemKey, token: string, set: string, values: Record<string, unknown>): Promise<boolean> {
    return conditionalWrite(this.doc, new UpdateCommand(this.finishUpdate(key, token, set, values)));
  }

  /** The update that settles a claimed item (sent, skipped) and takes it out of the index, conditioned on the claim. */
  private finishUpdate(key: ItemKey, token: string, set: string, values: Record<string, unknown>) {
    return {
      TableName: this.tableName,
      Key: key,
      UpdateExpression: `${set} REMOVE duePk, dueSk, leaseUntil, claimToken`,
      ConditionExpression: 'claimToken = :token',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ...values, ':token': token },
    };
  }
}
