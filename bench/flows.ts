import { BatchWriteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import demo from '../clients/demo';
import { AudienceStore, audienceRecord } from '../functions/adapters/dynamo/audience-store';
import { FlowStore } from '../functions/adapters/dynamo/flow-store';
import { LedgerStore } from '../functions/adapters/dynamo/ledger-store';
import { ProfileStore } from '../functions/adapters/dynamo/profile-store';
import { type FlowDeps, onBroadcastDue, onBroadcastSlice, onFlowEvent, onFlowWake } from '../functions/app/run-flows';
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
  /**
   * Registered members a broadcast enumerates. @default 10 000: DynamoDB Local commits some 50–150
   * transactions a second here, so 200 000 would take the better part of an hour; the reads and
   * round trips per member do not depend on the size.
   */
  readonly audience?: number;
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
  readonly broadcast: {
    readonly members: number;
    readonly seedSeconds: number;
    readonly slices: number;
    /** Members enumerated and entered per second, all slices handled 16 at a time. */
    readonly membersPerSecond: number;
    /** `audience` index items read per member enumerated (the aim is 1.0). */
    readonly indexItemsReadPerMember: number;
    /** Members the slices read from the index (every registered member), and how many of them the audience admitted. */
    readonly enumerated: number;
    /** Every item any call returned (index pages, runs, facts), per member enumerated: 1.0 plus the entered members' run reads. */
    readonly itemsReadPerMember: number;
    /** Every DynamoDB request per member entered (the index page's share, the run's read, the commit, the outbox). */
    readonly roundTripsPerMember: number;
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
  // A broadcast: `audience` registered members in the audience index, half of them consenting,
  // to a broadcast whose audience is `marketingConsent: [true]`; every slice handled once.
  const audienceSize = options.audience ?? 10_000;
  const broadcastTable = `bench-flows-broadcast-${Date.now()}`;
  await ensureTable(doc, broadcastTable);
  const seedStarted = performance.now();
  const registrations = Array.from({ length: audienceSize }, (_, i) => {
    const date = new Date(Date.UTC(2024, 0, 1) + (i % 366) * 86_400_000).toISOString().slice(0, 10);
    const values = { registeredAt: `${date}T10:00:00Z`, timeZone: 'UTC', marketingConsent: i % 2 === 0 };
    return audienceRecord({ customerId: `bm${i}`, values, fieldAt: {} }, 'UTC') as Record<string, unknown>;
  });
  await runPool(Math.ceil(registrations.length / 25), concurrency, async (b) => {
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [broadcastTable]: registrations.slice(b * 25, b * 25 + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const broadcastConfig = parseProgramConfig(
    {
      ...demo,
      flows: [
        {
          id: 'news',
          name: 'news',
          trigger: { schedule: { at: '2026-06-20T08:00:00Z' } },
          audience: { marketingConsent: [true] },
          steps: [{ id: 'tell', emit: 'bench.news' }],
        },
      ],
    },
    'bench (broadcast)',
  );
  const slices: LojalEvent[] = [];
  // A client of its own that counts the items every call returns (too costly for the throughput figures above).
  const counted = localDynamoClients(options.endpoint).doc;
  const itemMeter = instrumentDynamo(counted, { measureItems: true });
  const broadcastDeps: FlowDeps = {
    ...(await depsFor(broadcastConfig, broadcastTable)),
    flows: new FlowStore(counted, broadcastTable),
    ledger: new LedgerStore(counted, broadcastTable),
    profiles: new ProfileStore(counted, broadcastTable),
    members: new AudienceStore(counted, broadcastTable),
  };
  now = Date.parse('2026-06-20T08:01:00Z');
  await onBroadcastDue(
    { ...broadcastDeps, publisher: { publish: async (batch) => (slices.push(...batch), { failed: [] }) } },
    {
      flowId: 'news',
      at: '2026-06-20T08:00:00.000Z',
    },
  );
  itemMeter.reset();
  let sliceIndexRead = 0;
  let enumerated = 0;
  const counting: FlowDeps = {
    ...broadcastDeps,
    members: {
      page: async (...args: Parameters<AudienceStore['page']>) => {
        const page = await (broadcastDeps.members as AudienceStore).page(...args);
        sliceIndexRead += page.read;
        enumerated += page.members.length;
        return page;
      },
    },
  };
  let entered = 0;
  const broadcastMs = await runPool(slices.length, concurrency, async (i) => {
    const detail = slices[i]?.detail as { flowId: string; at: string; monthDay: string; shard: number };
    const report = await onBroadcastSlice(counting, detail);
    entered += report.committed; // not `entered += await …`: that reads `entered` before the await
  });

  return {
    broadcast: {
      members: entered,
      seedSeconds,
      slices: slices.length,
      membersPerSecond: entered / (broadcastMs / 1000),
      indexItemsReadPerMember: sliceIndexRead / Math.max(1, enumerated),
      enumerated,
      itemsReadPerMember: itemMeter.totals.itemsRead / Math.max(1, enumerated),
      roundTripsPerMember: itemMeter.roundTrips() / Math.max(1, entered),
    },
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
