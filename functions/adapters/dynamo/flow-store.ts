import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { FlowAction } from '../../domain/flows/plan';
import type { FlowRun, Transition } from '../../domain/flows/engine';
import { queryMember, sumShardedCounters } from './common';
import {
  dueMonth,
  duePk,
  dueShard,
  FLOW_COUNTER_SHARDS,
  FLOW_RUN_PREFIX,
  flowActionSk,
  flowCounterPk,
  flowCounterSk,
  flowRunPrefix,
  flowRunSk,
  flowWakeSk,
  memberPk,
} from './keys';
import { type GuardedWrite, runGuardedTransaction, type TransactItem } from './transactions';

/**
 * The DynamoDB adapter of the flow engine (docs/flows.md). Everything of a run lives in its
 * member's partition:
 * - `FR#<flow>#<run key>`: the run (functions/domain/flows/engine.ts, `FlowRun`), with `rev`;
 * - `FW#<flow>#<run key>`: its wake-up, a due item in the timeline sweeper's sharded `due`
 *   index (`kind: 'flow'`), which the sweeper turns into `flow.step.due`;
 * - `FX#<action key>`: an action a transition committed (the outbox), indexed as due a lease
 *   later, so a crash before the action is done is recovered by the sweeper (`flow.action.due`).
 * Counters are `REPORT#FLOW#<flow>#<shard>` / `DAY#<yyyy-mm-dd>`, added in the same transaction.
 */

/** How long an action may take inline before the sweeper performs it instead. */
export const ACTION_LEASE_MS = 2 * 60_000;

/** An action as the outbox and `flow.action.due` carry it. */
export interface StoredFlowAction {
  readonly customerId: string;
  readonly flowId: string;
  readonly runKey: string;
  readonly action: FlowAction;
  readonly at: string;
}

export type CommitOutcome = 'committed' | 'conflict';

export interface FlowDayCounters {
  readonly day: string;
  readonly counters: Record<string, number>;
}

export class FlowStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** A run, read consistently (a transition is computed from it). */
  async run(customerId: string, flowId: string, runKey: string): Promise<FlowRun | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: flowRunSk(flowId, runKey) }, ConsistentRead: true }),
    );
    return Item ? toRun(Item) : undefined;
  }

  /** Every run of one flow for a member (one Query). */
  async runsOf(customerId: string, flowId: string): Promise<FlowRun[]> {
    return (await queryMember(this.doc, this.tableName, customerId, flowRunPrefix(flowId), true)).map(toRun);
  }

  /** Every run of a member, of every flow: what an event decides from (consistent), and the member API. */
  async allRuns(customerId: string, consistent = false): Promise<FlowRun[]> {
    return (await queryMember(this.doc, this.tableName, customerId, FLOW_RUN_PREFIX, consistent)).map(toRun);
  }

  /**
   * Writes a transition as ONE transaction: the run (conditioned on the revision it was computed
   * from, or on not existing), its wake-up, the outbox of its actions and the flow's counters. A
   * run waiting for an event needs no item of its own: an event reads all the member's runs in
   * one Query (`allRuns`) and finds the waiting ones among them. `conflict` when the run moved
   * meanwhile: read it again and recompute.
   */
  async commit(prior: FlowRun | undefined, t: Transition, now: Date): Promise<CommitOutcome> {
    const pk = memberPk(t.run.customerId);
    const nowIso = now.toISOString();
    const { run } = t;
    const writes: GuardedWrite<CommitOutcome>[] = [
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: { pk, sk: flowRunSk(run.flowId, run.runKey), type: 'flow-run', ...run, updatedAt: nowIso },
            ...(prior
              ? { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': prior.rev } }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        },
        failsAs: 'conflict',
      },
    ];
    const plain = (item: TransactItem) => writes.push({ item, failsAs: 'conflict' });

    const wakeKey = { pk, sk: flowWakeSk(run.flowId, run.runKey) };
    if (run.waiting) {
      const dueAt = run.waiting.until;
      const visitAt = dueAt > nowIso ? dueAt : nowIso;
      plain({
        Put: {
          TableName: this.tableName,
          Item: {
            ...wakeKey,
            type: 'flow-wake',
            kind: 'flow',
            itemId: `${run.flowId}:${run.runKey}:${run.entry}:${run.rev}`,
            customerId: run.customerId,
            flowId: run.flowId,
            runKey: run.runKey,
            entry: run.entry,
            rev: run.rev,
            stepId: run.waiting.stepId,
            dueAt,
            status: 'pending',
            scheduledAt: nowIso,
            updatedAt: nowIso,
            duePk: duePk(dueMonth(visitAt), dueShard(wakeKey.pk, wakeKey.sk)),
            dueSk: dueAt,
          },
        },
      });
    } else if (prior?.waiting) plain({ Delete: { TableName: this.tableName, Key: wakeKey } });

    const recoverAt = new Date(now.getTime() + ACTION_LEASE_MS).toISOString();
    for (const action of t.actions) {
      const key = { pk, sk: flowActionSk(action.key) };
      const stored: StoredFlowAction = { customerId: run.customerId, flowId: run.flowId, runKey: run.runKey, action, at: nowIso };
      plain({
        Put: {
          TableName: this.tableName,
          Item: {
            ...key,
            type: 'flow-action',
            kind: 'flow-action',
            itemId: action.key,
            ...stored,
            dueAt: recoverAt,
            status: 'pending',
            scheduledAt: nowIso,
            updatedAt: nowIso,
            duePk: duePk(dueMonth(recoverAt), dueShard(key.pk, key.sk)),
            dueSk: recoverAt,
          },
        },
      });
    }

    const names = Object.keys(t.counters);
    if (names.length > 0) {
      const attributeNames: Record<string, string> = {};
      const values: Record<string, number> = {};
      const adds = names.map((name, i) => {
        attributeNames[`#c${i}`] = name;
        values[`:c${i}`] = t.counters[name] ?? 0;
        return `#c${i} :c${i}`;
      });
      plain({
        Update: {
          TableName: this.tableName,
          Key: { pk: flowCounterPk(run.flowId, dueShard(pk, run.runKey) % FLOW_COUNTER_SHARDS), sk: flowCounterSk(nowIso.slice(0, 10)) },
          UpdateExpression: `ADD ${adds.join(', ')}`,
          ExpressionAttributeNames: attributeNames,
          ExpressionAttributeValues: values,
        },
      });
    }
    return runGuardedTransaction(this.doc, writes, 'conflict');
  }

  /** The action is done: its outbox item goes (a redelivered recovery then finds nothing to do). */
  async actionDone(customerId: string, key: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: flowActionSk(key) } }));
  }

  /** Whether the action is still in the outbox (not yet confirmed done). */
  async actionPending(customerId: string, key: string): Promise<boolean> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: flowActionSk(key) }, ConsistentRead: true }),
    );
    return Item !== undefined;
  }

  /** A flow's counters per day (UTC) from `from` to `to` (yyyy-mm-dd, both included), the shards added up. */
  async counters(flowId: string, from: string, to: string): Promise<FlowDayCounters[]> {
    const pks = Array.from({ length: FLOW_COUNTER_SHARDS }, (_, shard) => flowCounterPk(flowId, shard));
    const byDay = await sumShardedCounters(this.doc, this.tableName, pks, flowCounterSk(from), flowCounterSk(to), false);
    return [...byDay].sort(([a], [b]) => a.localeCompare(b)).map(([sk, counters]) => ({ day: sk.slice('DAY#'.length), counters }));
  }
}

function toRun(item: Record<string, unknown>): FlowRun {
  const { pk: _pk, sk: _sk, type: _type, updatedAt: _u, ...run } = item;
  return run as unknown as FlowRun;
}
