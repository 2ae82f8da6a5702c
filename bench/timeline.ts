import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import demo from '../clients/demo';
import { timelineRecord } from '../functions/adapters/dynamo/timeline-store';
import { createMemberApi } from '../functions/api/member-api';
import { timelineSweeperJob } from '../functions/app/sweep-due-items';
import { parseProgramConfig } from '../functions/config/program';
import type { PlannedItem } from '../functions/domain/timeline';
import type { EventPublisher } from '../functions/runtime/event-publisher';
import { type Clock, noMetrics, silentLogger } from '../functions/runtime/ports';
import { ensureTable, localDynamoClients } from '../local/services/dynamodb';
import { instrumentDynamo, runPool } from './instrument';

export interface TimelineBenchOptions {
  /** A running DynamoDB Local; the bench makes its own table there. */
  readonly endpoint: string;
  /** Timeline items scheduled in all. @default 200 000 */
  readonly scheduled?: number;
  /** Of which due during the swept day (the rest fall due over the following 270 days). @default 20 000 */
  readonly due?: number;
  /** The simulated day is swept every this many minutes. @default 60 */
  readonly sweepEveryMinutes?: number;
  /** Items on the timeline of the member whose timeline is queried. @default 20 */
  readonly timelineItems?: number;
  /** Timeline queries timed. @default 500 */
  readonly timelineQueries?: number;
  /** Timeline queries in flight. @default 8 */
  readonly concurrency?: number;
}

export interface TimelineBenchResult {
  readonly scheduled: number;
  readonly due: number;
  readonly seedSeconds: number;
  readonly sweep: {
    readonly sweeps: number;
    readonly emitted: number;
    /** Index items the sweeps read (`ScannedCount`). */
    readonly itemsRead: number;
    /** The aim is at most 1.1. */
    readonly itemsReadPerEmitted: number;
    /** Every DynamoDB request of the sweeps (Queries of empty shards, the watermark, claims, marks) per item emitted. */
    readonly roundTripsPerEmitted: number;
    readonly calls: Record<string, number>;
    readonly readUnitsPerEmitted: number;
    readonly writeUnitsPerEmitted: number;
    /** Emitted items per second of sweeping, with a publisher that answers at once. */
    readonly emittedPerSecond: number;
  };
  readonly timeline: {
    readonly items: number;
    /** Items the Query read per item returned. */
    readonly itemsReadPerItem: number;
    readonly queriesPerSecond: number;
    readonly p50Ms: number;
    readonly p95Ms: number;
  };
}

const DAY_MS = 86_400_000;
const DAY = Date.parse('2026-06-10T00:00:00Z');
/** Items not due during the day start a minute after its last sweep. */
const LATER = DAY + DAY_MS + 60_000;

/**
 * The timeline sweeper against DynamoDB Local: `due` items spread over one day among
 * `scheduled` items, swept as the deployed schedule would (every `sweepEveryMinutes` here
 * rather than every minute, to keep the run short; the reads per item do not depend on it),
 * then the member API's timeline query for one member.
 *
 * @example
 * const figures = await benchTimeline({ endpoint: dynamo.endpoint, scheduled: 20_000, due: 2_000 });
 */
export async function benchTimeline(options: TimelineBenchOptions): Promise<TimelineBenchResult> {
  const scheduled = options.scheduled ?? 200_000;
  const due = Math.min(options.due ?? 20_000, scheduled);
  const sweepEvery = (options.sweepEveryMinutes ?? 60) * 60_000;
  const timelineItems = options.timelineItems ?? 20;
  const timelineQueries = options.timelineQueries ?? 500;

  const { client, doc } = localDynamoClients(options.endpoint);
  const tableName = `bench-timeline-${Date.now()}`;
  await ensureTable(client, tableName);
  try {
    // Prepare: the due items over the day, the others over the next 270 days, and one member's timeline.
    const seededAt = new Date(DAY - DAY_MS);
    const items: PlannedItem[] = [];
    for (let i = 0; i < scheduled; i++) {
      const dueAt =
        i < due ? DAY + Math.floor(((i + 0.5) * DAY_MS) / due) : LATER + Math.floor(((i - due) * 270 * DAY_MS) / (scheduled - due));
      items.push(checkin(`b${i}`, `o${i}`, dueAt));
    }
    for (let i = 0; i < timelineItems; i++) items.push(checkin('member', `m${i}`, LATER + i * 7 * DAY_MS));
    const seedStarted = performance.now();
    await load(doc, tableName, items, seededAt);
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    // Act: sweep the day.
    const probe = instrumentDynamo(doc);
    const scanned = countScanned(doc);
    let now = DAY;
    const clock: Clock = { now: () => new Date(now) };
    let emitted = 0;
    const publisher: EventPublisher = {
      async publish(events) {
        emitted += events.length;
        return { failed: [] };
      },
    };
    const job = timelineSweeperJob(
      { dynamo: doc, tableName, config: parseProgramConfig(demo), clock, logger: silentLogger, metrics: noMetrics },
      publisher,
      {
        budgetMs: 10 * 60_000,
      },
    );
    let sweeps = 0;
    let itemsRead = 0;
    let sweepMillis = 0;
    for (now = DAY + sweepEvery; now <= DAY + DAY_MS; now += sweepEvery) {
      const started = performance.now();
      const report = await job.sweep();
      sweepMillis += performance.now() - started;
      itemsRead += report.read;
      sweeps++;
    }
    const calls = Object.fromEntries(probe.totals.calls);
    const sweep = {
      sweeps,
      emitted,
      itemsRead,
      itemsReadPerEmitted: itemsRead / Math.max(1, emitted),
      roundTripsPerEmitted: probe.roundTrips() / Math.max(1, emitted),
      calls,
      readUnitsPerEmitted: probe.totals.readUnits / Math.max(1, emitted),
      writeUnitsPerEmitted: probe.totals.writeUnits / Math.max(1, emitted),
      emittedPerSecond: emitted / (sweepMillis / 1000),
    };

    // Act: the member API's timeline, as a member's app would ask for it.
    scanned.reset();
    const api = createMemberApi({
      config: parseProgramConfig(demo),
      dynamo: doc,
      tableName,
      clock,
      logger: silentLogger,
      metrics: noMetrics,
    });
    const request = {
      rawPath: '/v1/members/member/timeline',
      requestContext: { http: { method: 'GET' } },
    } as unknown as APIGatewayProxyEventV2;
    const latencies: number[] = [];
    let returned = 0;
    const elapsed = await runPool(timelineQueries, options.concurrency ?? 8, async () => {
      const started = performance.now();
      const response = await api(request);
      latencies.push(performance.now() - started);
      returned += (JSON.parse(String(response.body)) as { items: unknown[] }).items.length;
    });
    latencies.sort((a, b) => a - b);
    const timeline = {
      items: returned / timelineQueries,
      itemsReadPerItem: scanned.items() / Math.max(1, returned),
      queriesPerSecond: timelineQueries / (elapsed / 1000),
      p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
      p95Ms: latencies[Math.floor(latencies.length * 0.95)] ?? 0,
    };
    return { scheduled, due, seedSeconds, sweep, timeline };
  } finally {
    doc.destroy();
    client.destroy();
  }
}

function checkin(customerId: string, orderId: string, dueMs: number): PlannedItem {
  const placedAt = new Date(dueMs - 30 * DAY_MS).toISOString();
  return {
    kind: 'checkin',
    itemId: `checkin:${orderId}`,
    customerId,
    orderId,
    placedAt,
    anchor: `${placedAt}#${orderId}`,
    dueAt: new Date(dueMs).toISOString(),
    status: 'pending',
    ageDays: 30,
    timeZone: 'Europe/Stockholm',
    products: [{ sku: 'shoe-1', category: 'running-shoes', name: 'Trail Runner 3' }],
  };
}

/** Seeds items as the store stores them, 25 per BatchWriteItem. */
async function load(doc: DynamoDBDocumentClient, tableName: string, items: readonly PlannedItem[], now: Date): Promise<void> {
  const batches = Math.ceil(items.length / 25);
  await runPool(batches, 8, async (b) => {
    let requests = items.slice(b * 25, b * 25 + 25).map((item) => ({ PutRequest: { Item: timelineRecord(item, now) } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  });
}

/** Adds up `ScannedCount` of every Query: the items DynamoDB read, before any filter. */
function countScanned(doc: DynamoDBDocumentClient) {
  let items = 0;
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'QueryCommand') items += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
      return result;
    },
    { step: 'initialize', name: 'benchScannedCount' },
  );
  return {
    items: () => items,
    reset: () => {
      items = 0;
    },
  };
}
