import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import demo from '../clients/demo';
import { LedgerStore } from '../functions/adapters/dynamo/ledger-store';
import { parseProgramConfig } from '../functions/config/program';
import { startLocalCopy } from '../local/local-copy';
import { ensureTable, localDynamoClients } from '../local/services/dynamodb';
import { benchHandlers, runPool } from './instrument';

export interface EndToEndBenchOptions {
  /** A running DynamoDB Local the local copy uses (a table of its own). */
  readonly dynamoEndpoint: string;
  /** @default 2 000 */
  readonly events?: number;
  /** The orders are spread over this many members. @default 400 */
  readonly members?: number;
  /** PutEvents calls in flight, and handler calls in flight for the handler's own rate. @default 8 */
  readonly concurrency?: number;
}

export interface EndToEndBenchResult {
  readonly events: number;
  readonly members: number;
  readonly concurrency: number;
  /** Events PutEvents accepted per second (10 entries per call, as the API allows). */
  readonly acceptedPerSecond: number;
  /** Events per second from the first PutEvents to the clock barrier's answer: every handler done, the ledger written. */
  readonly appliedPerSecond: number;
  /** The order handler called directly on the same events, in the same run, against the same DynamoDB Local. */
  readonly handlerPerSecond: number;
  /** Ledger entries found after the barrier, of `events` sent: the check that "applied" means written. */
  readonly entriesWritten: number;
  readonly deadLetters: number;
}

/**
 * The whole local copy under load: order.placed events through its PutEvents endpoint with the
 * real EventBridge client, then the clock barrier (`POST /_local/clock {"advance":"PT0S"}`),
 * which answers once all accepted work is done. Beside it, the order handler's own rate on the
 * same events, so the ratio says what the bus, the HTTP server and the other handlers cost.
 */
export async function benchEndToEnd(options: EndToEndBenchOptions): Promise<EndToEndBenchResult> {
  const events = options.events ?? 2_000;
  const members = options.members ?? 400;
  const concurrency = options.concurrency ?? 8;
  const config = parseProgramConfig(demo);
  const now = Date.now();
  const detail = (i: number, prefix: string) => ({
    orderId: `${prefix}-o${i}`,
    customerId: `${prefix}-${i % members}`,
    // In business-time order per member, the last an hour ago (the local clock is frozen at now).
    placedAt: new Date(now - 3_600_000 - (events - i) * 1000).toISOString(),
    currency: 'SEK',
    lines: [
      { sku: 'shoe-1', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' },
      { sku: 'sock-1', category: 'socks', quantity: 2, unitPrice: 9_900 },
    ],
  });

  const local = await startLocalCopy({
    config,
    port: 0,
    sesPort: 0,
    dynamoDbEndpoint: options.dynamoEndpoint,
    tableName: `bench-e2e-${now}`,
    clock: { start: new Date(now), frozen: true },
  });
  try {
    const bus = new EventBridgeClient({
      endpoint: local.urls.api,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const barrier = async () => {
      const response = await fetch(`${local.urls.api}/_local/clock`, { method: 'POST', body: JSON.stringify({ advance: 'PT0S' }) });
      if (!response.ok) throw new Error(`the clock barrier answered ${response.status}`);
    };
    const put = async (prefix: string, first: number, count: number) => {
      const Entries: PutEventsRequestEntry[] = Array.from({ length: count }, (_, k) => ({
        Source: 'webshop',
        DetailType: 'order.placed',
        Detail: JSON.stringify(detail(first + k, prefix)),
      }));
      const result = await bus.send(new PutEventsCommand({ Entries }));
      if ((result.FailedEntryCount ?? 0) > 0) throw new Error(`PutEvents refused ${result.FailedEntryCount} entries`);
    };
    // Warm-up on members the measurement does not use (JIT, connections, the table's first writes).
    await runPool(20, concurrency, (b) => put('warm', b * 10, 10));
    await barrier();

    const batches = Math.ceil(events / 10);
    const started = performance.now();
    const acceptedMs = await runPool(batches, concurrency, (b) => put('e2e', b * 10, Math.min(10, events - b * 10)));
    await barrier();
    const appliedMs = performance.now() - started;

    const { doc, client } = localDynamoClients(options.dynamoEndpoint);
    // Read from the table itself: "applied" means the ledger entry is there.
    const ledger = new LedgerStore(doc, local.tableName);
    let entriesWritten = 0;
    await runPool(members, 8, async (m) => {
      const { entries } = await ledger.read(`e2e-${m}`);
      entriesWritten += entries.filter((e) => e.ref.startsWith('e2e-o')).length;
    });
    const deadLetters = local.deadLetters.list().length;

    // The order handler alone on the same events, on a table of its own in the same DynamoDB Local.
    const tableName = `bench-e2e-handler-${now}`;
    await ensureTable(client, tableName);
    const handlers = benchHandlers('end-to-end', doc, config, tableName);
    const event = (i: number, prefix: string) => ({
      id: `${prefix}-${i}`,
      source: 'webshop',
      'detail-type': 'order.placed',
      detail: detail(i, prefix),
    });
    await runPool(200, concurrency, (i) => handlers['order-placed'](event(i, 'warm')));
    const handlerMs = await runPool(events, concurrency, (i) => handlers['order-placed'](event(i, 'e2e')));
    client.destroy();
    bus.destroy();
    return {
      events,
      members,
      concurrency,
      acceptedPerSecond: (events / acceptedMs) * 1000,
      appliedPerSecond: (events / appliedMs) * 1000,
      handlerPerSecond: (events / handlerMs) * 1000,
      entriesWritten,
      deadLetters,
    };
  } finally {
    await local.stop();
  }
}

export function formatEndToEndBench(r: EndToEndBenchResult): string {
  const fmt = (n: number) => n.toFixed(1);
  return [
    `end to end: ${r.events} order.placed through the local copy's PutEvents (real EventBridge client, 10 per call, ${r.concurrency} calls in flight, ${r.members} members)`,
    `  accepted by PutEvents              ${fmt(r.acceptedPerSecond)} events/s`,
    `  fully applied (clock barrier)      ${fmt(r.appliedPerSecond)} events/s  (${r.entriesWritten} of ${r.events} ledger entries found after it, ${r.deadLetters} dead letters)`,
    `  order handler alone, same events   ${fmt(r.handlerPerSecond)} events/s  (${r.concurrency} in flight)`,
    `  applied / handler alone            ${(r.appliedPerSecond / r.handlerPerSecond).toFixed(2)}`,
  ].join('\n');
}
