import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import demo from '../clients/demo';
import { FlowStore } from '../functions/adapters/dynamo/flow-store';
import { LedgerStore } from '../functions/adapters/dynamo/ledger-store';
import { ProfileStore } from '../functions/adapters/dynamo/profile-store';
import { type FlowDeps, onFlowEvent, onFlowWake } from '../functions/app/run-flows';
import { timelineSweeperJob } from '../functions/app/sweep-due-items';
import { parseProgramConfig, type ProgramConfig } from '../functions/config/program';
import type { EventPublisher, LojalEvent } from '../functions/runtime/event-publisher';
import { type Clock, noMetrics, silentLogger } from '../functions/runtime/ports';
import { ensureTable, localDynamoClients } from '../local/services/dynamodb';
import { instrumentDynamo, runPool } from './instrument';

export interface FlowBenchOptions {
  readonly endpoint: string;
  /** order.placed events per flow count. @default 1 000 */
  readonly events?: number;
  /** Runs seeded and woken for the due-step figures. @default 2 000 */
  readonly waking?: number;
  /** Requests in flight. @default 16 */
  readonly concurrency?: number;
}

export interface FlowIntake {
  readonly flows: number;
  readonly eventsPerSecond: number;
  /** The same transactions written raw (run + wake-up + counters per flow), per second of events. */
  readonly rawEventsPerSecond: number;
  readonly ratio: number;
  readonly roundTripsPerEvent: number;
  readonly calls: Record<string, number>;
}

export interface FlowBenchResult {
  readonly events: number;
  readonly intake: readonly FlowIntake[];
  readonly wake: {
    readonly steps: number;
    /** `due` index items the sweeps read per run woken (the aim is 1.0). */
    readonly indexItemsReadPerStep: number;
    /** Every DynamoDB request of the handler per step: read the run, commit, strike the action from the outbox. */
    readonly handlerRoundTripsPerStep: number;
    /** The handler's time per step with `concurrency` in flight (elapsed × in flight / steps). */
    readonly msPerStep: number;
    /** Capacity the handler's calls consumed per step, as DynamoDB Local reports it (the cost model reads these). */
    readonly readUnitsPerStep: number;
    readonly writeUnitsPerStep: number;
    readonly calls: Record<string, number>;
  };
}

/** `count` flows listening to order.placed, each waiting 14 days before an emit step (to a publisher that answers at once). */
function configWith(count: number): ProgramConfig {
  const flows = Array.from({ length: count }, (_, i) => ({
    id: `f${i}`,
    name: `flow ${i}`,
    trigger: { event: 'order.placed' },
    key: 'orderId',
    steps: [
      { id: 'settle', wait: 'P14D' },
      { id: 'tell', emit: 'bench.thanks' },
    ],
  }));
  return parseProgramConfig({ ...demo, flows }, `bench (${count} flows)`);
}

/**
 * The flow engine against DynamoDB Local: order.placed events into 0, 10 and 50 flows (the
 * engine's share of an event, not the points handler's), against raw transactions writing the
 * same items; then runs waiting in the due index woken by the sweeper.
 */
export async function benchFlows(options: FlowBenchOptions): Promise<FlowBenchResult> {
  const events = options.events ?? 1_000;
  const waking = options.waking ?? 2_000;
  const concurrency = options.concurrency ?? 16;
  const { doc } = localDynamoClients(options.endpoint);
  const meter = instrumentDynamo(doc);
  let now = Date.parse('2026-06-01T10:00:00Z');
  const clock: Clock = { now: () => new Date(now) };

  const depsFor = async (config: ProgramConfig, tableName: string): Promise<FlowDeps> => {
    const ledger = new LedgerStore(doc, tableName);
    return {
      config,
      flows: new FlowStore(doc, tableName),
      ledger,
      profiles: new ProfileStore(doc, tableName),
      ledgerDeps: { config, ledger, clock, logger: silentLogger, metrics: noMetrics },
      publisher: { publish: async () => ({ failed: [] }) },
      clock,
      logger: silentLogger,
      metrics: noMetrics,
    };
  };
  const order = (i: number) => ({
    id: `e${i}`,
    detailType: 'order.placed',
    detail: { orderId: `o${i}`, customerId: `m${i % 500}`, placedAt: new Date(now - 60_000).toISOString(), currency: 'SEK', lines: [] },
  });

  const intake: FlowIntake[] = [];
  for (const count of [0, 10, 50]) {
    const tableName = `bench-flows-${count}-${Date.now()}`;
    await ensureTable(doc, tableName);
    const deps = await depsFor(configWith(count), tableName);
    meter.reset();
    const ms = await runPool(events, concurrency, async (i) => {
      const e = order(i);
      await onFlowEvent(deps, String(e.detail.customerId), e);
    });
    const calls = Object.fromEntries(meter.totals.calls);
    const roundTrips = meter.roundTrips() / events;
    // The same items, written as bare transactions: per flow, the run, its wake-up and its counters.
    const rawTable = `bench-flows-raw-${count}-${Date.now()}`;
    await ensureTable(doc, rawTable);
    const rawMs = await runPool(events, concurrency, async (i) => {
      for (let f = 0; f < count; f++) {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: rawTable,
                  Item: { pk: `MEMBER#m${i % 500}`, sk: `FR#f${f}#o${i}`, rev: 1, status: 'active' },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: { TableName: rawTable, Item: { pk: `MEMBER#m${i % 500}`, sk: `FW#f${f}#o${i}`, duePk: 'DUE#2026-06#00', dueSk: 'x' } },
              },
              {
                Update: {
                  TableName: rawTable,
                  Key: { pk: `REPORT#FLOW#f${f}#${i % 8}`, sk: 'DAY#2026-06-01' },
                  UpdateExpression: 'ADD entered :one',
                  ExpressionAttributeValues: { ':one': 1 },
                },
              },
            ],
          }),
        );
      }
    });
    const eventsPerSecond = events / (ms / 1000);
    const rawEventsPerSecond = count === 0 ? Number.NaN : events / (rawMs / 1000);
    intake.push({
      flows: count,
      eventsPerSecond,
      rawEventsPerSecond,
      ratio: eventsPerSecond / rawEventsPerSecond,
      roundTripsPerEvent: roundTrips,
      calls,
    });
  }

  // Wake-ups: `waking` runs of one flow wait 14 days; the sweeper finds them, the handler moves each.
  const tableName = `bench-flows-wake-${Date.now()}`;
  await ensureTable(doc, tableName);
  const deps = await depsFor(configWith(1), tableName);
  await runPool(waking, concurrency, async (i) => {
    const e = order(i);
    await onFlowEvent(deps, String(e.detail.customerId), e);
  });
  now += 15 * 86_400_000;
  const woken: LojalEvent[] = [];
  const publisher: EventPublisher = { publish: async (batch) => (woken.push(...batch), { failed: [] }) };
  const sweeper = timelineSweeperJob(
    { config: deps.config, dynamo: doc, tableName, clock, logger: silentLogger, metrics: noMetrics },
    publisher,
  );
  let indexRead = 0;
  for (let report = await sweeper.sweep(); ; report = await sweeper.sweep()) {
    indexRead += report.read;
    if (report.claimed === 0) break;
  }
  meter.reset();
  const wakeMs = await runPool(woken.length, concurrency, async (i) => {
    const detail = woken[i]?.detail as { customerId: string; flowId: string; runKey: string; rev: number };
    await onFlowWake(deps, detail);
  });
  const calls = Object.fromEntries(meter.totals.calls);
  const engineTrips = meter.roundTrips();
  return {
    events,
    intake,
    wake: {
      steps: woken.length,
      indexItemsReadPerStep: indexRead / Math.max(1, woken.length),
      handlerRoundTripsPerStep: engineTrips / Math.max(1, woken.length),
      msPerStep: (wakeMs * concurrency) / Math.max(1, woken.length),
      readUnitsPerStep: meter.totals.readUnits / Math.max(1, woken.length),
      writeUnitsPerStep: meter.totals.writeUnits / Math.max(1, woken.length),
      calls,
    },
  };
}
