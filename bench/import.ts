import demo from '../clients/demo';
import { parseProgramConfig } from '../functions/config/program';
import { startLocalCopy } from '../local/local-copy';
import { ensureTable, localDynamoClients } from '../local/services/dynamodb';
import { LojalClient } from '../sdk';
import type { HistoryRecord } from '../scripts/history-file';
import { importHistory } from '../scripts/history-import';
import { benchHandlers, runPool } from './instrument';

export interface ImportBenchOptions {
  readonly endpoint: string;
  /** Shopify orders in the file. @default 2000 */
  readonly orders?: number;
  /** @default 400 */
  readonly members?: number;
}

export interface ImportBenchResult {
  readonly orders: number;
  readonly members: number;
  /** Planning (parse, translate, validate) of the whole file, orders per second. */
  readonly planPerSecond: number;
  /** The whole import: plan, PutEvents through the typed client into the local copy, every route's handlers done. */
  readonly importPerSecond: number;
  /** The order.placed handler alone on the same orders, in the same DynamoDB Local, 16 in flight. */
  readonly handlerPerSecond: number;
  readonly ratio: number;
  /** Events the import refused or dead-lettered (0 expected). */
  readonly lost: number;
}

const START = Date.parse('2026-01-01T00:00:00Z');

/** A Shopify Admin REST order, as `npm run import -- --format shopify` reads a line. */
function shopifyOrder(i: number, members: number) {
  return {
    id: 5_000_000 + i,
    created_at: new Date(START + i * 60_000).toISOString(),
    currency: 'SEK',
    taxes_included: true,
    total_discounts: '0.00',
    customer: { id: 9_000_000 + (i % members) },
    line_items: [
      { id: 1, product_id: 1001, sku: 'TR3-42', title: 'Trail Runner 3', quantity: 1, price: '1299.00', tax_lines: [{ price: '259.80' }] },
      { id: 2, product_id: 1002, sku: 'SOCK', title: 'Running socks', quantity: 2, price: '149.00', tax_lines: [{ price: '59.60' }] },
    ],
  };
}

/**
 * `npm run bench -- --only=import`: a Shopify history file imported into a local copy (the
 * demo client's routes: points, timeline, flows, profile) through the typed client's PutEvents,
 * timed to the last handler, beside the order.placed handler alone on the same orders.
 */
export async function benchImport(options: ImportBenchOptions): Promise<ImportBenchResult> {
  const orders = options.orders ?? 2000;
  const members = options.members ?? 400;
  const config = parseProgramConfig({
    ...demo,
    integrations: { shopify: { categories: { from: 'tagPrefix', prefix: 'category:' }, defaultCategory: 'running-shoes' } },
  });
  const records: HistoryRecord[] = Array.from({ length: orders }, (_, i) => ({ where: `line ${i + 1}`, value: shopifyOrder(i, members) }));
  const options_ = { format: 'shopify' as const, integrations: config.integrations, now: new Date() };

  const local = await startLocalCopy({
    config,
    port: 0,
    sesPort: 0,
    dynamoDbEndpoint: options.endpoint,
    tableName: `bench-import-${Date.now()}`,
    clock: { start: new Date(), frozen: true },
    schedules: () => [],
  });
  let importPerSecond: number;
  let planPerSecond: number;
  let lost: number;
  let events: readonly { detailType: string; detail: Record<string, unknown> }[];
  try {
    const client = new LojalClient({
      clientConfig: { endpoint: local.urls.api, region: 'eu-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    });
    const planStarted = performance.now();
    const dry = await importHistory(() => client, records, { ...options_, dryRun: true });
    planPerSecond = orders / ((performance.now() - planStarted) / 1000);
    events = dry.plan.events;
    const started = performance.now();
    const report = await importHistory(() => client, records, options_);
    await local.settle();
    importPerSecond = orders / ((performance.now() - started) / 1000);
    lost = report.failed.length + local.deadLetters.list().length;
  } finally {
    await local.stop();
  }

  // The order handler alone, on the same events, in a table of its own.
  const { client, doc } = localDynamoClients(options.endpoint);
  const tableName = `bench-import-handler-${Date.now()}`;
  await ensureTable(client, tableName);
  const handlers = benchHandlers('import', doc, config, tableName);
  const ms = await runPool(events.length, 16, async (i) => {
    const e = events[i];
    if (e) await handlers['order-placed']({ id: `b-${i}`, source: 'webshop', 'detail-type': e.detailType, detail: e.detail });
  });
  const handlerPerSecond = (orders / ms) * 1000;
  return { orders, members, planPerSecond, importPerSecond, handlerPerSecond, ratio: importPerSecond / handlerPerSecond, lost };
}
