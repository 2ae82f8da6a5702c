import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { entryKey, foldLedger, type LedgerInput } from '../../functions/domain/points';
import { createHandlers } from '../../functions/handlers/registry';
import type { BusEvent } from '../../functions/runtime/ports';
import { createTestTable } from '../support/dynamo';
import { busEvent, demoConfig, testDeps } from '../support/deps';

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable('property');
});

const SKUS = [
  { sku: 'shoe-1', category: 'running-shoes' },
  { sku: 'shoe-2', category: 'running-shoes' },
  { sku: 'sock-1', category: 'socks' },
  { sku: 'cap-1', category: 'caps' },
];
const START = Date.parse('2025-01-01T00:00:00Z');
const TWO_YEARS = 730 * 86_400_000;
const time = fc.integer({ min: 0, max: TWO_YEARS }).map((t) => new Date(START + t).toISOString());

interface Generated {
  detailType: 'order.placed' | 'order.refunded' | 'activity.completed';
  detail: Record<string, unknown>;
  input: LedgerInput;
}

const orderArb = (i: number) =>
  fc
    .record({
      at: time,
      lines: fc.uniqueArray(
        fc.record({ item: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 3 }), unitPrice: fc.integer({ min: 0, max: 400_000 }) }),
        { minLength: 1, maxLength: 3, selector: (l) => l.item.sku },
      ),
      discountShare: fc.integer({ min: 0, max: 100 }),
    })
    .map(({ at, lines, discountShare }) => {
      const gross = lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
      const discount = Math.floor((gross * discountShare) / 400);
      const wire = lines.map((l) => ({ sku: l.item.sku, category: l.item.category, quantity: l.quantity, unitPrice: l.unitPrice }));
      return (customerId: string): Generated => ({
        detailType: 'order.placed',
        detail: { orderId: `o${i}`, customerId, placedAt: at, currency: 'SEK', lines: wire, discount },
        input: { kind: 'order', ref: `o${i}`, at, currency: 'SEK', lines: wire, discount },
      });
    });

const refundArb = (i: number, orders: number) =>
  fc
    .record({
      at: time,
      order: fc.integer({ min: 0, max: orders }), // `orders` itself names an order that never comes
      byLines: fc.boolean(),
      sku: fc.constantFrom(...SKUS.map((s) => s.sku)),
      quantity: fc.integer({ min: 1, max: 3 }),
      amount: fc.integer({ min: 1, max: 500_000 }),
    })
    .map(({ at, order, byLines, sku, quantity, amount }) => (customerId: string): Generated => {
      const body = byLines ? { lines: [{ sku, quantity }] } : { amount };
      return {
        detailType: 'order.refunded',
        detail: { refundId: `r${i}`, orderId: `o${order}`, customerId, refundedAt: at, ...body },
        input: { kind: 'refund', ref: `r${i}`, at, orderRef: `o${order}`, ...body },
      };
    });

const activityArb = (i: number) =>
  fc.record({ at: time, activity: fc.constantFrom('review', 'referral') }).map(({ at, activity }) => (customerId: string): Generated => ({
    detailType: 'activity.completed',
    detail: { activityId: `a${i}`, customerId, activity, occurredAt: at },
    input: { kind: 'activity', ref: `a${i}`, at, activity },
  }));

const historyArb = fc
  .record({ orders: fc.integer({ min: 1, max: 5 }), refunds: fc.integer({ min: 0, max: 3 }), activities: fc.integer({ min: 0, max: 2 }) })
  .chain(({ orders, refunds, activities }) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: orders }, (_, i) => orderArb(i))),
      fc.tuple(...Array.from({ length: refunds }, (_, i) => refundArb(i, orders))),
      fc.tuple(...Array.from({ length: activities }, (_, i) => activityArb(i))),
    ),
  )
  .map(([o, r, a]) => [...o, ...r, ...a]);

/** Each distinct event delivered 1–3 times, in any order, some deliveries racing each other. */
const deliveryArb = historyArb.chain((history) =>
  fc
    .tuple(
      fc.tuple(...history.map(() => fc.integer({ min: 1, max: 3 }))),
      fc.infiniteStream(fc.integer({ min: 1, max: 3 })),
    )
    .chain(([copies, batchSizes]) => {
      const deliveries = history.flatMap((make, i) => Array.from({ length: copies[i] ?? 1 }, () => i));
      return fc.shuffledSubarray(deliveries, { minLength: deliveries.length }).map((order) => ({ history, order, batchSizes }));
    }),
);

let run = 0;

describe('Property: exactly-once points', () => {
  // For every history, delivering each event 1–3 times in any order gives the fold of the distinct events.
  it('duplicated and reordered deliveries give the same balance as once-only, in-order delivery', async () => {
    await fc.assert(
      fc.asyncProperty(deliveryArb, async ({ history, order, batchSizes }) => {
        const customerId = `prop-${++run}-${Math.random().toString(36).slice(2, 8)}`;
        const events = history.map((make) => make(customerId));
        const bus: BusEvent[] = events.map((e) => busEvent(e.detailType, e.detail));
        // Two containers, each with its own snapshot cache, so stale caches are exercised too.
        const containers = [createHandlers(testDeps(table.doc, table.tableName)), createHandlers(testDeps(table.doc, table.tableName))];
        const handlerFor = (k: number) => {
          const handlers = containers[k % 2]!;
          return { 'order.placed': handlers['order-placed'], 'order.refunded': handlers['order-refunded'], 'activity.completed': handlers['activity-completed'] }[
            events[order[k]!]!.detailType
          ];
        };
        const it = batchSizes[Symbol.iterator]();
        for (let i = 0; i < order.length; ) {
          const size = it.next().value as number;
          const batch = Array.from({ length: Math.min(size, order.length - i) }, (_, j) => i + j);
          i += size;
          await Promise.all(batch.map((k) => handlerFor(k)(bus[order[k]!]!)));
        }

        const expected = foldLedger(demoConfig, events.map((e) => e.input));
        const snapshot = await new LedgerStore(table.doc, table.tableName).read(customerId);
        expect(snapshot.state?.balance).toBe(expected.balance);
        expect(snapshot.state?.lifetimePoints).toBe(expected.lifetimePoints);
        expect(snapshot.entries).toHaveLength(events.length);
        // The ledger explains the balance: entries plus corrections add up, per event and in total.
        const credited = new Map(snapshot.entries.map((e) => [entryKey(e.kind, e.ref), e.delta]));
        for (const c of snapshot.corrections) for (const [k, d] of Object.entries(c.deltas)) credited.set(k, (credited.get(k) ?? 0) + d);
        for (const [k, entry] of expected.entries) expect(credited.get(k), k).toBe(entry.points);
        const ledgerSum = snapshot.entries.reduce((s, e) => s + e.delta, 0) + snapshot.corrections.reduce((s, c) => s + c.delta, 0);
        expect(ledgerSum).toBe(expected.balance);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40), seed: process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined },
    );
  });
});
