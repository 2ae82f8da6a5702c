import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import demo from '../clients/demo';
import { parseProgramConfig } from '../functions/config/program';
import { timelineRecord } from '../functions/adapters/dynamo/timeline-store';
import { planOrderTimeline } from '../functions/domain/timeline';
import { ensureTable, localDynamoClients } from '../local/services/dynamodb';
import { benchHandlers, instrumentDynamo, runPool } from './instrument';

export interface PointsBenchOptions {
  readonly endpoint: string;
  /** @default 2000 */
  readonly orders?: number;
  /** Orders are spread over this many members, so each member's ledger grows. @default 400 */
  readonly members?: number;
  /** @default 16 */
  readonly concurrency?: number;
}

export interface HandlerFigures {
  readonly perSecond: number;
  /** Against raw transactions of the points' shape (entry + state). */
  readonly ratio: number;
  /** Against raw transactions of the same items the handler writes (entry + state + check-in + reminder). */
  readonly ratioSameItems: number;
  readonly roundTrips: number;
  readonly calls: Record<string, number>;
  readonly readUnits: number;
  readonly writeUnits: number;
}

export interface PointsBenchResult {
  readonly orders: number;
  readonly members: number;
  readonly concurrency: number;
  /** Raw transactions of the points' shape: a ledger entry and the member state. */
  readonly rawTransactionsPerSecond: number;
  /** Raw transactions of the whole order's shape: entry, state, the check-in and the reminder the handler writes with them. */
  readonly rawOrderTransactionsPerSecond: number;
  /** Members' second and later orders: the container's snapshot cache usually holds them. */
  readonly returning: HandlerFigures;
  /** Every order from a new member: the ledger must be read first. */
  readonly firstOrders: HandlerFigures;
}

/**
 * order.placed through the real handler against DynamoDB Local, beside raw TransactWriteItems
 * on the same server in the same run: of the points' shape (a ledger entry and the member
 * state), and of the whole order's (the same with the check-in and reminder the handler writes
 * in its transaction), so the ratio shows both what the timeline costs and the handler's own overhead.
 */
export async function benchPoints(options: PointsBenchOptions): Promise<PointsBenchResult> {
  const orders = options.orders ?? 2000;
  const members = options.members ?? 400;
  const concurrency = options.concurrency ?? 16;
  const config = parseProgramConfig(demo);
  const { client, doc } = localDynamoClients(options.endpoint);
  const tableName = `bench-points-${Date.now()}`;
  await ensureTable(client, tableName);
  const probe = instrumentDynamo(doc);
  // A dead-lettered order costs no write and would flatter the rate: the run stops instead.
  const handlers = benchHandlers('points', doc, config, tableName);
  const order = (i: number, memberCount = members, prefix = 'm') => ({
    id: `bench-${i}`,
    source: 'webshop',
    'detail-type': 'order.placed',
    detail: {
      orderId: `o-${i}`,
      customerId: `${prefix}-${i % memberCount}`,
      // In business-time order per member, as a live shop sends them; modulo a million, so the
      // first orders (1 000 000 + i) and the warm-up stay in the past the event bounds accept.
      placedAt: new Date(Date.parse('2026-01-01T00:00:00Z') + (i % 1_000_000) * 60_000).toISOString(),
      currency: 'SEK',
      lines: [
        { sku: 'shoe-1', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' },
        { sku: 'sock-1', category: 'socks', quantity: 2, unitPrice: 9_900 },
      ],
    },
  });

  const measureHandler = async (first: number, count: number, memberCount: number, prefix: string) => {
    probe.reset();
    const ms = await runPool(count, concurrency, (i) => handlers['order-placed'](order(first + i, memberCount, prefix)));
    return {
      perSecond: (count / ms) * 1000,
      calls: Object.fromEntries([...probe.totals.calls].map(([k, v]) => [k, v / count])),
      roundTrips: probe.roundTrips() / count,
      readUnits: probe.totals.readUnits / count,
      writeUnits: probe.totals.writeUnits / count,
    };
  };

  const raw = (i: number) =>
    doc
      .send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: { pk: `RAW#${i % members}`, sk: `L#${i}`, type: 'entry', delta: 2796, input: order(i).detail },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: tableName, Item: { pk: `RAW#${i % members}`, sk: 'L#~STATE', balance: i, version: i } } },
          ],
        }),
      )
      .then(() => undefined);
  // The order's whole transaction since the timeline moved into it: the same entry and state,
  // and the check-in and reminder items exactly as the handler builds them.
  const planned = planOrderTimeline(
    { orderId: 'o', customerId: 'c', placedAt: '2026-01-01T00:00:00Z', lines: order(0).detail.lines },
    { config, now: Date.parse('2026-01-01T00:00:00Z') },
  );
  const timelineItems = [planned.checkin, ...planned.reminders].flatMap((item) =>
    item ? [timelineRecord(item, new Date('2026-01-01T00:00:00Z'))] : [],
  );
  const rawOrder = (i: number) =>
    doc
      .send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: { pk: `RAWO#${i % members}`, sk: `L#${i}`, type: 'entry', delta: 2796, input: order(i).detail },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: tableName, Item: { pk: `RAWO#${i % members}`, sk: 'L#~STATE', balance: i, version: i } } },
            ...timelineItems.map((item) => ({
              Put: {
                TableName: tableName,
                Item: { ...item, pk: `RAWO#${i % members}`, sk: `${String(item.sk)}#${i}` },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            })),
          ],
        }),
      )
      .then(() => undefined);
  const rawPerSecond = async (first: number) => (orders / (await runPool(orders, concurrency, (i) => raw(first + i)))) * 1000;
  const rawOrderPerSecond = async (first: number) => (orders / (await runPool(orders, concurrency, (i) => rawOrder(first + i)))) * 1000;

  // Warm both paths up (JIT, connections) on members the measurement does not use.
  await runPool(200, concurrency, (i) => handlers['order-placed'](order(10_000_000 + i, 10_000_000, 'warm')));
  await runPool(200, concurrency, (i) => raw(10_000_000 + i));
  await runPool(200, concurrency, (i) => rawOrder(10_000_000 + i));
  // Raw before and after the handler, averaged, so neither side gets the warmer server.
  const rawBefore = await rawPerSecond(0);
  const rawOrderBefore = await rawOrderPerSecond(0);
  const returning = await measureHandler(0, orders, members, 'member');
  const firstOrders = await measureHandler(1_000_000, Math.min(orders, 1000), 1_000_000, 'new');
  const rawOrderAfter = await rawOrderPerSecond(orders);
  const rawAfter = await rawPerSecond(orders);
  const rawTransactionsPerSecond = (rawBefore + rawAfter) / 2;
  const rawOrderTransactionsPerSecond = (rawOrderBefore + rawOrderAfter) / 2;
  client.destroy();
  return {
    orders,
    members,
    concurrency,
    rawTransactionsPerSecond,
    rawOrderTransactionsPerSecond,
    returning: {
      ...returning,
      ratio: returning.perSecond / rawTransactionsPerSecond,
      ratioSameItems: returning.perSecond / rawOrderTransactionsPerSecond,
    },
    firstOrders: {
      ...firstOrders,
      ratio: firstOrders.perSecond / rawTransactionsPerSecond,
      ratioSameItems: firstOrders.perSecond / rawOrderTransactionsPerSecond,
    },
  };
}
