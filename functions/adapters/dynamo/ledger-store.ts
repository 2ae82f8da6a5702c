import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { LedgerInput } from '../../domain/points';
import { correctionSk, LEDGER_END, LEDGER_PREFIX, ledgerSk, memberPk, STATE_SK } from './keys';

/** A ledger entry as stored: the event's normalized input and the points it was first credited with. */
export interface StoredEntry {
  readonly type: 'entry';
  readonly sk: string;
  readonly kind: LedgerInput['kind'];
  readonly ref: string;
  readonly at: string;
  readonly input: LedgerInput;
  readonly delta: number;
  readonly reason: string;
  readonly status: string;
  readonly recordedAt: string;
}

/** Points moved between entries after a late event re-priced earlier-recorded ones. */
export interface StoredCorrection {
  readonly type: 'correction';
  readonly sk: string;
  readonly at: string;
  /** The entry whose arrival caused the correction. */
  readonly ref: string;
  readonly delta: number;
  /** Per corrected entry key (`kind#ref`), the points added or removed. */
  readonly deltas: Record<string, number>;
  readonly reason: string;
  readonly recordedAt: string;
}

export interface MemberState {
  readonly balance: number;
  readonly lifetimePoints: number;
  readonly version: number;
  readonly updatedAt: string;
}

export interface LedgerSnapshot {
  readonly entries: StoredEntry[];
  readonly corrections: StoredCorrection[];
  readonly state: MemberState | undefined;
}

export type CommitOutcome = 'committed' | 'duplicate' | 'conflict';

export interface LedgerCommit {
  readonly entry: Omit<StoredEntry, 'type' | 'sk'>;
  readonly correction?: Omit<StoredCorrection, 'type' | 'sk'>;
  readonly state: Omit<MemberState, 'version'>;
  /** The state version the commit was computed from (0 when the member had none). */
  readonly expectedVersion: number;
}

/**
 * The DynamoDB adapter for a member's ledger. Only this module builds ledger requests.
 */
export class LedgerStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Reads every ledger entry, correction and the state of a member, strongly consistent, in one paginated Query. */
  async read(customerId: string): Promise<LedgerSnapshot> {
    const entries: StoredEntry[] = [];
    const corrections: StoredCorrection[] = [];
    let state: MemberState | undefined;
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': memberPk(customerId), ':prefix': LEDGER_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: cursor,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.sk === STATE_SK) state = item as unknown as MemberState;
        else if (item.type === 'correction') corrections.push(item as unknown as StoredCorrection);
        else if (item.type === 'entry') entries.push(item as unknown as StoredEntry);
      }
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return { entries, corrections, state };
  }

  /**
   * Writes a new entry, its corrections and the new state in ONE transaction. The entry is
   * guarded by `attribute_not_exists` (a redelivered event is a duplicate, not an error) and
   * the state by its version (a concurrent event for the same member makes us recompute).
   */
  async commit(customerId: string, commit: LedgerCommit): Promise<CommitOutcome> {
    const pk = memberPk(customerId);
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Put: {
          TableName: this.tableName,
          Item: { pk, sk: ledgerSk(commit.entry.at, commit.entry.kind, commit.entry.ref), type: 'entry', ...commit.entry },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    if (commit.correction) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { pk, sk: correctionSk(commit.correction.at, commit.correction.ref), type: 'correction', ...commit.correction },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    items.push({
      Put: {
        TableName: this.tableName,
        Item: { pk, sk: STATE_SK, type: 'state', customerId, ...commit.state, version: commit.expectedVersion + 1 },
        ConditionExpression: commit.expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#v = :v',
        ...(commit.expectedVersion === 0
          ? {}
          : { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': commit.expectedVersion } }),
      },
    });
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return 'committed';
    } catch (error) {
      if (error instanceof TransactionCanceledException || (error as { name?: string }).name === 'TransactionCanceledException') {
        const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) return 'conflict';
        // TransactionConflict: another transaction touched the same items at the same moment.
        if (reasons.some((r) => r.Code === 'TransactionConflict')) return 'conflict';
      }
      throw error;
    }
  }

  /** Ledger entries and corrections, newest first, one page at a time. */
  async page(customerId: string, limit: number, cursor?: Record<string, unknown>) {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': memberPk(customerId), ':from': LEDGER_PREFIX, ':to': LEDGER_END },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    );
    return {
      items: (page.Items ?? []) as unknown as (StoredEntry | StoredCorrection)[],
      cursor: page.LastEvaluatedKey,
    };
  }
}
