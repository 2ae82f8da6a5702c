import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import demo from '../clients/demo';
import { queryMember } from '../functions/adapters/dynamo/common';
import { ledgerSk, memberPk, STATE_SK } from '../functions/adapters/dynamo/keys';
import { LedgerStore, type StoredEntry } from '../functions/adapters/dynamo/ledger-store';
import { planLedgerCommit } from '../functions/app/record-ledger-event';
import { parseProgramConfig } from '../functions/config/program';
import { entryKey, foldLedger, type LedgerInput } from '../functions/domain/points';
import { ensureTable, localDynamoClients } from '../local/services/dynamodb';
import { benchHandlers, dynamoItemBytes, instrumentDynamo, runPool } from './instrument';

export interface HistoryBenchOptions {
  readonly endpoint: string;
  /** Ledger lengths to measure. @default [10, 100, 1 000, 10 000] */
  readonly sizes?: readonly number[];
  /** Orders measured per size from a cold container (no cached snapshot), and then from a warm one; the median kept. @default 3 */
  readonly repeats?: number;
}

/** One more order for a member whose ledger already holds `entries` entries. */
export interface HistoryFigures {
  readonly entries: number;
  /** Median of the cold orders: a container that has not seen the member, so the ledger is read. */
  readonly coldMs: number;
  /** Median of orders in a container that just handled the member (its snapshot cache holds ledgers up to 500 entries). */
  readonly warmMs: number;
  readonly roundTrips: number;
  readonly calls: Record<string, number>;
  readonly itemsRead: number;
  /** Estimated from the items returned, by DynamoDB's size rules (bench/instrument.ts). */
  readonly bytesRead: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly warmRoundTrips: number;
  readonly stateItemBytes: number;
  readonly largestEntryBytes: number;
  readonly seedSeconds: number;
}

export interface HistoryBenchResult {
  readonly sizes: readonly HistoryFigures[];
}

const HOUR = 3_600_000;

/**
 * The cost of one order as a member's history grows: each size's member gets its ledger seeded
 * in the stored shape (the entries the fold prices, 25 per BatchWriteItem, and the state the
 * planner computes, through the store's own commit), then the measured orders go through the
 * real handler, each from a handler set of its own (a cold container), then from a warm one.
 */
export async function benchHistory(options: HistoryBenchOptions): Promise<HistoryBenchResult> {
  const sizes = options.sizes ?? [10, 100, 1_000, 10_000];
  const repeats = options.repeats ?? 3;
  const config = parseProgramConfig(demo);
  const { client, doc } = localDynamoClients(options.endpoint);
  const tableName = `bench-history-${Date.now()}`;
  await ensureTable(client, tableName);
  const probe = instrumentDynamo(doc, { measureItems: true });
  // A dead-lettered order would measure a read without its write: the run stops instead.
  const deadLettered: string[] = [];
  const newHandlers = () =>
    benchHandlers('history', doc, config, tableName, async (letter) => {
      deadLettered.push(letter.error);
    });
  const order = (customerId: string, orderId: string, placedAt: string) => ({
    id: `history-${orderId}`,
    source: 'webshop',
    'detail-type': 'order.placed',
    detail: {
      orderId,
      customerId,
      placedAt,
      currency: 'SEK',
      // A small order: at 10 000 orders of the points bench's 1 497 kr, the revenue-per-member
      // sum of squares (öre²) passes Number.MAX_SAFE_INTEGER and the order is dead-lettered
      // (docs/performance.md, "Limits"); 49 kr keeps 10 000 orders under it.
      lines: [{ sku: 'sock-1', category: 'socks', quantity: 1, unitPrice: 4_900, name: 'Running socks' }],
    },
  });

  // One real order gives the stored shape every seeded entry copies.
  const now = Date.now();
  await newHandlers()['order-placed'](order('template', 'template-o', new Date(now - HOUR).toISOString()));
  const template = (await queryMember(doc, tableName, 'template', 'L#2', true))[0] as unknown as StoredEntry | undefined;
  if (template?.input.kind !== 'order') throw new Error('the template order wrote no entry');
  const templateInput = template.input;

  const results: HistoryFigures[] = [];
  for (const size of sizes) {
    const customerId = `history-${size}`;
    // Two hours apart, ending an hour ago: 10 000 entries span 833 days, inside the accepted past.
    const atOf = (i: number) => new Date(now - HOUR - (size - i) * 2 * HOUR).toISOString();
    const seeded = performance.now();
    const inputs: LedgerInput[] = Array.from({ length: size - 1 }, (_, i) => ({
      ...templateInput,
      ref: `${customerId}-o${i}`,
      at: atOf(i),
    }));
    const fold = foldLedger(config, inputs, { asOf: now });
    const items = inputs.map((input) => {
      const priced = fold.entries.get(entryKey(input.kind, input.ref));
      if (!priced) throw new Error(`the fold lost ${input.ref}`);
      return {
        ...template,
        pk: memberPk(customerId),
        sk: ledgerSk(input.at, input.kind, input.ref),
        ref: input.ref,
        at: input.at,
        input,
        delta: priced.points,
        reason: priced.reason,
        status: priced.status,
        ...(priced.pricing ? { pricing: priced.pricing } : {}),
      };
    });
    await runPool(Math.ceil(items.length / 25), 8, async (b) => {
      let requests = items.slice(b * 25, b * 25 + 25).map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
    });
    // The member's state as the write path stores it, planned by the handler's own pure planner
    // over the seeded entries. Its report counters and timeline are left out: they belong to the
    // shop's counters and the mail, not to this member's ledger read.
    const store = new LedgerStore(doc, tableName);
    const last: LedgerInput = { ...templateInput, ref: `${customerId}-o${size - 1}`, at: atOf(size - 1) };
    const snapshot = await store.read(customerId);
    const { commit } = planLedgerCommit(config, customerId, snapshot, last, new Date(now), 'event');
    const seededState = await store.commit(customerId, { ...commit, timeline: [], report: undefined });
    if (seededState !== 'committed') throw new Error(`seeding the state of ${customerId}: ${JSON.stringify(seededState)}`);
    const seedSeconds = (performance.now() - seeded) / 1000;

    let next = 0;
    const placeOne = (handlers: ReturnType<typeof newHandlers>) =>
      handlers['order-placed'](order(customerId, `${customerId}-m${next}`, new Date(now - HOUR + ++next * 1000).toISOString()));
    const cold: number[] = [];
    probe.reset();
    for (let r = 0; r < repeats; r++) {
      const handlers = newHandlers();
      const started = performance.now();
      await placeOne(handlers);
      cold.push(performance.now() - started);
    }
    const per = (n: number) => n / repeats;
    const coldTotals = {
      roundTrips: per(probe.roundTrips()),
      calls: Object.fromEntries([...probe.totals.calls].map(([k, v]) => [k, per(v)])),
      itemsRead: per(probe.totals.itemsRead),
      bytesRead: per(probe.totals.bytesRead),
      readUnits: per(probe.totals.readUnits),
      writeUnits: per(probe.totals.writeUnits),
    };
    const warmHandlers = newHandlers();
    await placeOne(warmHandlers);
    const warm: number[] = [];
    probe.reset();
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      await placeOne(warmHandlers);
      warm.push(performance.now() - started);
    }
    const warmRoundTrips = per(probe.roundTrips());

    if (deadLettered.length > 0) throw new Error(`history bench: ${deadLettered.length} orders dead-lettered: ${deadLettered[0]}`);
    const { Item: state } = await doc.send(new GetCommand({ TableName: tableName, Key: { pk: memberPk(customerId), sk: STATE_SK } }));
    results.push({
      entries: size,
      coldMs: median(cold),
      warmMs: median(warm),
      ...coldTotals,
      warmRoundTrips,
      stateItemBytes: state ? dynamoItemBytes(state) : 0,
      largestEntryBytes: Math.max(...items.map(dynamoItemBytes), 0),
      seedSeconds,
    });
  }
  client.destroy();
  return { sizes: results };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The bench's lines for `npm run bench`. */
export function formatHistoryBench(result: HistoryBenchResult): string {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const lines = [
    'history: one more order.placed for a member with N ledger entries (cold: a container that has not seen the member)',
    '  entries   cold ms   warm ms   round trips (cold, warm)   items read   bytes read    RCU + WCU       state item   seeding',
  ];
  for (const f of result.sizes) {
    lines.push(
      `  ${String(f.entries).padStart(7)} ${f.coldMs.toFixed(1).padStart(9)} ${f.warmMs.toFixed(1).padStart(9)}   ` +
        `${f.roundTrips.toFixed(2).padStart(6)}, ${f.warmRoundTrips.toFixed(2).padEnd(17)}  ${f.itemsRead.toFixed(0).padStart(9)}   ` +
        `${kb(f.bytesRead).padStart(11)}   ${f.readUnits.toFixed(1).padStart(6)} + ${f.writeUnits.toFixed(1).padEnd(5)}  ` +
        `${kb(f.stateItemBytes).padStart(9)}   ${f.seedSeconds.toFixed(1)} s`,
    );
  }
  const first = result.sizes[0];
  const last = result.sizes[result.sizes.length - 1];
  if (first && last && last !== first) {
    lines.push(
      `  ${last.entries} / ${first.entries}: ${(last.coldMs / first.coldMs).toFixed(1)}× the ms, ` +
        `${(last.roundTrips / first.roundTrips).toFixed(1)}× the round trips, ${(last.itemsRead / first.itemsRead).toFixed(0)}× the items read, ` +
        `${(last.bytesRead / first.bytesRead).toFixed(0)}× the bytes read (goal: at most 1.5×); warm ${(last.warmMs / first.warmMs).toFixed(1)}× the ms`,
    );
    lines.push(
      `  largest item at ${last.entries}: state ${kb(last.stateItemBytes)}, an entry ${kb(last.largestEntryBytes)} (limit 400 KB)`,
    );
  }
  return lines.join('\n');
}
