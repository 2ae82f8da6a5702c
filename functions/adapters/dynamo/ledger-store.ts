import { queryMember } from './common';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { MemberView } from '../../domain/member-view';
import type { AccountFact, PoolChange } from '../../domain/account-pool';
import type { EntryPricing, LedgerInput } from '../../domain/points';
import { slotOf, type TimelineChange } from '../../domain/timeline';
import type { MeasurementGroup } from '../../domain/measurement/groups';
import type { Contribution, CounterChange } from '../../domain/measurement/outcomes';
import { counterUpdate, reportShard } from './report-counters';
import { timelineWrite } from './timeline-store';
import { type GuardedWrite, runGuardedTransaction } from './transactions';
import {
  boardPk,
  boardSk,
  challengeScoreSk,
  correctionSk,
  DUE_SHARDS,
  LEDGER_END,
  LEDGER_PREFIX,
  accountKey,
  ledgerSk,
  memberPk,
  redemptionSk,
  rewardStockKey,
  STATE_SK,
  wakePk,
  wakeShard,
} from './keys';

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
  /** For an order: the time zone its timeline was planned in, so a refund re-plans it the same way. */
  readonly timeZone?: string;
  /** For orders and activities: the rule revision, campaigns and multipliers that first priced it. */
  readonly pricing?: EntryPricing;
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
  /** The notice watermark (UTC ISO): every notice due at or before it has been sent. Absent: none sent yet. */
  readonly wokeAt?: string;
  /** When the ledger job next has work for this member (UTC ISO); indexed in `due`. Absent: none. */
  readonly wakeAt?: string;
  /** With `accounts.pooling: 'pool'`: the B2B account the member belongs to now (the newest of `accountFacts`). */
  readonly accountId?: string;
  /** With pooling: the member's account facts in business time (functions/domain/account-pool.ts). */
  readonly accountFacts?: readonly AccountFact[];
  /** With pooling: the points this member has added so far to each account's pool. */
  readonly pooled?: Readonly<Record<string, number>>;
  /** When the member registered (UTC ISO), from `customer.registered`: decides `entrants: 'joined'` challenges. */
  readonly joinedAt?: string;
  /** When the member was deleted (UTC ISO): they take part in no challenge from then on. */
  readonly leftAt?: string;
  /** The customer's time zone from their profile, and the business time of the change that set it (newest wins). */
  readonly timeZone?: string;
  readonly timeZoneAt?: string;
  /** The figures the member API shows, as of this write and valid until `view.validUntil` (functions/domain/member-view.ts). */
  readonly view?: MemberView;
  /** The member's score per challenge as last written to its leaderboard item (absent: 0). */
  readonly challengeScores?: Record<string, number>;
  /** The member's contribution to the report counters as last added to them (functions/domain/measurement/outcomes.ts). */
  readonly measured?: Contribution;
}

/** A B2B account's pool (`accounts.pooling: 'pool'`): the sum of every contribution of its members. */
export interface AccountState {
  readonly accountId: string;
  readonly pooledPoints: number;
  readonly members: string[];
}

/** A redemption's idempotency record: the request, as a hash, and the answer it got. */
export interface StoredRedemption {
  readonly redemptionId: string;
  readonly requestHash: string;
  readonly response: Record<string, unknown>;
  readonly createdAt: string;
}

export interface LedgerSnapshot {
  readonly entries: StoredEntry[];
  readonly corrections: StoredCorrection[];
  readonly state: MemberState | undefined;
}

/**
 * - `duplicate`: the entry already exists (a redelivered event);
 * - `conflict`: the state moved on since it was read (recompute and try again);
 * - `redemption-exists`: a redemption with this id was recorded meanwhile (answer from its record);
 * - `sold-out`: the reward's stock is used up;
 * - `{ moved }`: a timeline slot moved on (a newer purchase holds it, its item was sent): write
 *   again without that change.
 */
export type CommitOutcome = 'committed' | 'duplicate' | 'conflict' | 'redemption-exists' | 'sold-out' | { readonly moved: string };

export interface LedgerCommit {
  /** Absent for a state-only write (the ledger job moving the member's watermark). */
  readonly entry?: Omit<StoredEntry, 'type' | 'sk'>;
  readonly correction?: Omit<StoredCorrection, 'type' | 'sk'>;
  readonly state: Omit<MemberState, 'version'>;
  /** The state version the commit was computed from (0 when the member had none). */
  readonly expectedVersion: number;
  /** With pooling: what this commit adds to (or takes from) each account's pool, and the member joining or leaving its list. */
  readonly accounts?: readonly PoolChange[];
  /** Timeline changes the entry causes (an order's check-in and reminders, what a refund cancels), each conditional. */
  readonly timeline?: readonly TimelineChange[];
  /** Challenge scores that changed: each rewrites the member's leaderboard item (0 takes it off the board). */
  readonly challenges?: readonly { readonly challengeId: string; readonly score: number }[];
  /** The report counters this write changes (functions/domain/measurement/outcomes.ts): one `ADD` per bucket. */
  readonly report?: { readonly group: MeasurementGroup; readonly changes: readonly CounterChange[] };
  /** A redemption's idempotency record, and the reward stock it takes one of, in the same transaction. */
  readonly redemption?: {
    readonly record: Omit<StoredRedemption, 'createdAt'>;
    /** Taken only while fewer than `limit` have been redeemed. */
    readonly stock?: { readonly rewardId: string; readonly limit: number };
  };
}

/** A member whose ledger wake-up is due, from the `due` index. */
export interface DueMember {
  readonly customerId: string;
  readonly wakeAt: string;
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
    for (const item of await queryMember(this.doc, this.tableName, customerId, LEDGER_PREFIX, true)) {
      if (item.sk === STATE_SK) state = item as unknown as MemberState;
      else if (item.type === 'correction') corrections.push(item as unknown as StoredCorrection);
      else if (item.type === 'entry') entries.push(item as unknown as StoredEntry);
    }
    return { entries, corrections, state };
  }

  /**
   * Writes a new entry, its corrections and the new state in ONE transaction. The entry is
   * guarded by `attribute_not_exists` (a redelivered event is a duplicate, not an error) and
   * the state by its version (a concurrent event for the same member makes us recompute). A
   * redemption adds its idempotency record (new ids only) and, for a reward with a stock, one
   * more redeemed (only below the limit), so no balance is overdrawn and no stock oversold.
   * The writes are in the order that decides the outcome: the first failed condition wins.
   */
  async commit(customerId: string, commit: LedgerCommit): Promise<CommitOutcome> {
    const t = { tableName: this.tableName, pk: memberPk(customerId), customerId };
    const writes: LedgerWrite[] = [
      ...(commit.entry ? [entryWrite(t, commit.entry)] : []),
      ...(commit.correction ? [correctionWrite(t, commit.correction)] : []),
      stateWrite(t, commit.state, commit.expectedVersion),
      ...(commit.redemption ? redemptionWrites(t, commit.redemption, commit.state.updatedAt) : []),
      ...(commit.accounts ?? []).map((change) => accountWrite(t, change)),
      ...(commit.challenges ?? []).map((c) => challengeScoreWrite(t, c, commit.state.updatedAt)),
      ...(commit.timeline ?? []).map((change) => timelineChangeWrite(t, change, commit.state.updatedAt)),
      ...(commit.report?.changes ?? []).map(
        (change): LedgerWrite => ({
          failsAs: 'conflict',
          item: counterUpdate(t.tableName, commit.report?.group ?? 'treated', reportShard(customerId), change),
        }),
      ),
    ];
    return runGuardedTransaction(this.doc, writes, 'conflict');
  }

  /** The member's state alone (one item), strongly consistent; undefined when the member has none. */
  async readState(customerId: string): Promise<MemberState | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: STATE_SK }, ConsistentRead: true }),
    );
    return Item as MemberState | undefined;
  }

  /** A redemption's idempotency record, if one was written. */
  async readRedemption(customerId: string, redemptionId: string): Promise<StoredRedemption | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: memberPk(customerId), sk: redemptionSk(redemptionId) },
        ConsistentRead: true,
      }),
    );
    return Item as StoredRedemption | undefined;
  }

  /** A B2B account's pool, or undefined when none of its members has contributed yet. */
  async readAccount(accountId: string, consistent = true): Promise<AccountState | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: accountKey(accountId), ConsistentRead: consistent }),
    );
    if (!Item) return undefined;
    const members = Item.members instanceof Set ? [...(Item.members as Set<string>)] : [];
    return { accountId, pooledPoints: Number(Item.pooledPoints ?? 0), members: members.sort() };
  }

  /** How many of a reward have been redeemed so far, across members. */
  async rewardsRedeemed(rewardId: string): Promise<number> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: rewardStockKey(rewardId), ConsistentRead: true }),
    );
    return Number(Item?.issued ?? 0);
  }

  /** Members of one index shard whose wake-up is due at `nowIso`, earliest first, a page at a time. */
  async dueMembers(shard: number, nowIso: string, limit: number, cursor?: Record<string, unknown>) {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'due',
        KeyConditionExpression: 'duePk = :pk AND dueSk <= :now',
        ExpressionAttributeValues: { ':pk': wakePk(shard), ':now': nowIso },
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    );
    const members: DueMember[] = (page.Items ?? []).map((item) => ({
      customerId: String(item.pk).slice(memberPk('').length),
      wakeAt: String(item.dueSk),
    }));
    return { members, read: page.ScannedCount ?? members.length, cursor: page.LastEvaluatedKey };
  }

  /** The earliest wake-up of any member (UTC ISO), or undefined when no member waits for anything. */
  async earliestWake(): Promise<string | undefined> {
    const firsts = await Promise.all(
      Array.from({ length: DUE_SHARDS }, async (_, shard) => {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'due',
            KeyConditionExpression: 'duePk = :pk',
            ExpressionAttributeValues: { ':pk': wakePk(shard) },
            Limit: 1,
          }),
        );
        const first = page.Items?.[0]?.dueSk;
        return typeof first === 'string' ? first : undefined;
      }),
    );
    return firsts.filter((f): f is string => f !== undefined).sort()[0];
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

type LedgerWrite = GuardedWrite<Exclude<CommitOutcome, 'committed'>>;

/** What every ledger write of one member's commit needs. */
interface Target {
  readonly tableName: string;
  readonly pk: string;
  readonly customerId: string;
}

/** The entry itself, new only: a redelivered event is a duplicate. */
function entryWrite(t: Target, entry: NonNullable<LedgerCommit['entry']>): LedgerWrite {
  return {
    failsAs: 'duplicate',
    item: {
      Put: {
        TableName: t.tableName,
        Item: { pk: t.pk, sk: ledgerSk(entry.at, entry.kind, entry.ref), type: 'entry', ...entry },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  };
}

/** The points a late event moved between earlier entries; its key is the event's, so it is written once. */
function correctionWrite(t: Target, correction: NonNullable<LedgerCommit['correction']>): LedgerWrite {
  return {
    failsAs: 'conflict',
    item: {
      Put: {
        TableName: t.tableName,
        Item: { pk: t.pk, sk: correctionSk(correction.at, correction.ref), type: 'correction', ...correction },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  };
}

/** The member's state, guarded by the version it was computed from: the member's one writer. */
function stateWrite(t: Target, commitState: LedgerCommit['state'], expectedVersion: number): LedgerWrite {
  const { wakeAt, ...state } = commitState;
  return {
    failsAs: 'conflict',
    item: {
      Put: {
        TableName: t.tableName,
        Item: {
          pk: t.pk,
          sk: STATE_SK,
          type: 'state',
          customerId: t.customerId,
          ...state,
          version: expectedVersion + 1,
          // Sparse: a member with nothing ahead is not in the index at all.
          ...(wakeAt !== undefined ? { wakeAt, duePk: wakePk(wakeShard(t.customerId)), dueSk: wakeAt } : {}),
        },
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#v = :v',
        ...(expectedVersion === 0
          ? {}
          : { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': expectedVersion } }),
      },
    },
  };
}

/** A redemption's idempotency record (new ids only) and, for a reward with a stock, one more redeemed below the limit. */
function redemptionWrites(t: Target, redemption: NonNullable<LedgerCommit['redemption']>, now: string): LedgerWrite[] {
  const { record, stock } = redemption;
  const writes: LedgerWrite[] = [
    {
      failsAs: 'redemption-exists',
      item: {
        Put: {
          TableName: t.tableName,
          Item: { pk: t.pk, sk: redemptionSk(record.redemptionId), type: 'redemption', ...record, createdAt: now },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
  ];
  if (stock) {
    writes.push({
      failsAs: 'sold-out',
      item: {
        Update: {
          TableName: t.tableName,
          Key: rewardStockKey(stock.rewardId),
          UpdateExpression: 'SET #issued = if_not_exists(#issued, :zero) + :one, #type = :type',
          ConditionExpression: 'attribute_not_exists(#issued) OR #issued < :limit',
          ExpressionAttributeNames: { '#issued': 'issued', '#type': 'type' },
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':limit': stock.limit, ':type': 'reward-stock' },
        },
      },
    });
  }
  return writes;
}

/**
 * A change to one account's pool and member list. ADD commutes, and the entry's and state's
 * conditions guard the whole transaction: a redelivered event or a stale read adds nothing.
 */
function accountWrite(t: Target, change: PoolChange): LedgerWrite {
  const members = change.membership === 'join' ? ', #members :member' : '';
  const leave = change.membership === 'leave' ? ' DELETE #members :member' : '';
  return {
    failsAs: 'conflict',
    item: {
      Update: {
        TableName: t.tableName,
        Key: accountKey(change.accountId),
        UpdateExpression: `ADD #pooled :delta${members} SET #type = :type, #accountId = :accountId${leave}`,
        ExpressionAttributeNames: {
          '#pooled': 'pooledPoints',
          '#type': 'type',
          '#accountId': 'accountId',
          ...(change.membership ? { '#members': 'members' } : {}),
        },
        ExpressionAttributeValues: {
          ':delta': change.delta,
          ':type': 'account',
          ':accountId': change.accountId,
          ...(change.membership ? { ':member': new Set([t.customerId]) } : {}),
        },
      },
    },
  };
}

/**
 * The member's leaderboard item for one challenge (0 takes it off the board). Unconditional:
 * the state's version condition makes the whole transaction the member's one writer, so a
 * score item is only ever replaced by a newer fold's score.
 */
function challengeScoreWrite(
  t: Target,
  { challengeId, score }: { readonly challengeId: string; readonly score: number },
  now: string,
): LedgerWrite {
  const key = { pk: t.pk, sk: challengeScoreSk(challengeId) };
  const item =
    score > 0
      ? {
          Put: {
            TableName: t.tableName,
            Item: {
              ...key,
              type: 'challenge-score',
              challengeId,
              customerId: t.customerId,
              score,
              updatedAt: now,
              boardPk: boardPk(challengeId),
              boardSk: boardSk(score, t.customerId),
            },
          },
        }
      : { Delete: { TableName: t.tableName, Key: key } };
  return { failsAs: 'conflict', item };
}

/** A conditional timeline change: when its slot moved on, the commit is retried without it. */
function timelineChangeWrite(t: Target, change: TimelineChange, now: string): LedgerWrite {
  return { failsAs: { moved: slotOf(change.item) }, item: timelineWrite(t.tableName, change, new Date(now)) };
}
