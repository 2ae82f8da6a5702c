import { advanceWatermark, conditionalWrite, isConditionFailure, readWatermark } from './common';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DueIndex, type DueKey } from './due-index';
import { MAIL_RELEASE_WATERMARK_KEY, mailDuePk, mailDueShard } from './mail-keys';
import type { MailRecord } from './mail-records';

/** The base-table key of a mail record, as the `due` index returns it. */
export type MailKey = DueKey;

/**
 * The release job's side of deferred mail: the `MAILDUE#<month>#<shard>` partitions of the
 * `due` index (the timeline's index; the timeline sweeper reads only `DUE#…`, so neither sees
 * the other's items) and the handing back of a deferred mail to the queue under a lease.
 */
export class DeferredMailStore {
  private readonly index: DueIndex;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.index = new DueIndex(doc, tableName);
  }

  /** Deferred mail of a month and shard whose time has come (`dueSk <= now`), earliest first. */
  async page(month: string, shard: number, nowIso: string, limit: number, cursor?: Record<string, unknown>) {
    const { keys, cursor: next } = await this.index.page(mailDuePk(month, shard), nowIso, limit, cursor);
    return { keys, ...(next ? { cursor: next } : {}) };
  }

  /** The earliest deferred mail of a month and shard (one index item read). */
  async earliest(month: string, shard: number): Promise<string | undefined> {
    return this.index.earliest(mailDuePk(month, shard));
  }

  /**
   * Takes a deferred mail whose time has come for one release: re-indexes it at `leaseUntil`
   * (where the next runs find it only if the sender never picks it up) and returns it with
   * its job. Undefined when it is no longer deferred or not due (the index lags the table).
   */
  async take(key: MailKey, now: Date, leaseUntil: Date): Promise<MailRecord | undefined> {
    const lease = leaseUntil.toISOString();
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET duePk = :duePk, dueSk = :lease, releasedAt = :now, releases = if_not_exists(releases, :zero) + :one',
          ConditionExpression: '#status = :deferred AND dueSk <= :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':deferred': 'deferred',
            ':duePk': mailDuePk(lease.slice(0, 7), mailDueShard(key.pk, key.sk)),
            ':lease': lease,
            ':now': now.toISOString(),
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes as MailRecord | undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Gives up on a deferred mail that was released again and again without being sent. */
  async abandon(key: MailKey, reason: string, now: Date): Promise<void> {
    // A failed condition: it was sent, settled or claimed meanwhile, so there is nothing to give up.
    await conditionalWrite(
      this.doc,
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET #status = :failed, reason = :reason, updatedAt = :now REMOVE duePk, dueSk',
        ConditionExpression: '#status = :deferred',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'failed', ':deferred': 'deferred', ':reason': reason, ':now': now.toISOString() },
      }),
    );
  }

  async readWatermark(): Promise<string | undefined> {
    return readWatermark(this.doc, this.tableName, { key: MAIL_RELEASE_WATERMARK_KEY, field: 'month' }) as Promise<string | undefined>;
  }

  /** Moves the watermark forward; never back, whichever of two runs writes last. */
  async advanceWatermark(value: string, now: Date): Promise<void> {
    await advanceWatermark(this.doc, this.tableName, { key: MAIL_RELEASE_WATERMARK_KEY, field: 'month' }, value, now);
  }
}
