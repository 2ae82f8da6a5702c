import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { ProfileStore } from '../../functions/adapters/dynamo/profile-store';
import { adjustPoints, operatorRef } from '../../functions/app/adjust-points';
import { sweepMemberLedger } from '../../functions/app/ledger-sweeper';
import { redeemPoints } from '../../functions/app/redeem-points';
import { entryKey, expiryDue, foldLedger, type LedgerInput } from '../../functions/domain/points';
import { createHandlers } from '../../functions/handlers/registry';
import { ConflictError, NotFoundError } from '../../functions/runtime/errors';
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
        fc.record({
          item: fc.constantFrom(...SKUS),
          quantity: fc.integer({ min: 1, max: 3 }),
          unitPrice: fc.integer({ min: 0, max: 400_000 }),
        }),
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
  fc.record({ at: time, activity: fc.constantFrom('review', 'referral') }).map(
    ({ at, activity }) =>
      (customerId: string): Generated => ({
        detailType: 'activity.completed',
        detail: { activityId: `a${i}`, customerId, activity, occurredAt: at },
        input: { kind: 'activity', ref: `a${i}`, at, activity },
      }),
  );

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
    .tuple(fc.tuple(...history.map(() => fc.integer({ min: 1, max: 3 }))), fc.infiniteStream(fc.integer({ min: 1, max: 3 })))
    .chain(([copies, batchSizes]) => {
      const deliveries = history.flatMap((_make, i) => Array.from({ length: copies[i] ?? 1 }, () => i));
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
          return {
            'order.placed': handlers['order-placed'],
            'order.refunded': handlers['order-refunded'],
            'activity.completed': handlers['activity-completed'],
          }[events[order[k]!]!.detailType];
        };
        const it = batchSizes[Symbol.iterator]();
        for (let i = 0; i < order.length; ) {
          const size = it.next().value as number;
          const batch = Array.from({ length: Math.min(size, order.length - i) }, (_, j) => i + j);
          i += size;
          await Promise.all(batch.map((k) => handlerFor(k)(bus[order[k]!]!)));
        }

        const expected = foldLedger(
          demoConfig,
          events.map((e) => e.input),
        );
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

  /** A member's writes besides webshop events: operator adjustments, redemptions, and the ledger job (expiry, notices). */
  type Operation =
    | { readonly kind: 'adjustment'; readonly adjustmentId: string; readonly points: number }
    | { readonly kind: 'redemption'; readonly redemptionId: string; readonly points: number }
    | { readonly kind: 'job' };

  const operationsArb = fc
    .record({
      adjustments: fc.integer({ min: 0, max: 2 }),
      redemptions: fc.integer({ min: 0, max: 3 }),
      jobs: fc.integer({ min: 1, max: 2 }),
    })
    .chain(({ adjustments, redemptions, jobs }) =>
      fc.tuple(
        fc.tuple(...Array.from({ length: adjustments }, () => fc.integer({ min: -3000, max: 3000 }).filter((p) => p !== 0))),
        fc.tuple(...Array.from({ length: redemptions }, () => fc.integer({ min: 1, max: 4000 }))),
        fc.constant(jobs),
      ),
    )
    .map(([adjustments, redemptions, jobs]): Operation[] => [
      ...adjustments.map((points, i) => ({ kind: 'adjustment' as const, adjustmentId: `j${i}`, points })),
      ...redemptions.map((points, i) => ({ kind: 'redemption' as const, redemptionId: `x${i}`, points })),
      ...Array.from({ length: jobs }, () => ({ kind: 'job' as const })),
    ]);

  const mixedArb = fc.tuple(historyArb, operationsArb).chain(([history, operations]) =>
    fc
      .tuple(
        fc.tuple(...history.map(() => fc.integer({ min: 1, max: 2 }))),
        fc.tuple(...operations.map((o) => (o.kind === 'job' ? fc.constant(1) : fc.integer({ min: 1, max: 2 })))),
        fc.infiniteStream(fc.integer({ min: 1, max: 3 })),
      )
      .chain(([copies, opCopies, batchSizes]) => {
        const deliveries = [
          ...history.flatMap((_, i) => Array.from({ length: copies[i] ?? 1 }, () => ({ event: i }))),
          ...operations.flatMap((_, i) => Array.from({ length: opCopies[i] ?? 1 }, () => ({ operation: i }))),
        ];
        return fc
          .shuffledSubarray(deliveries, { minLength: deliveries.length })
          .map((order) => ({ history, operations, order, batchSizes }));
      }),
  );

  // With redemptions, adjustments and the ledger job racing the events, the stored state is the fold of the distinct inputs the ledger holds, each generated one exactly once, and nothing is left past its expiry.
  it('redemptions, adjustments and the ledger job racing duplicated events still give the fold of the distinct inputs', async () => {
    await fc.assert(
      fc.asyncProperty(mixedArb, async ({ history, operations, order, batchSizes }) => {
        const customerId = `mix-${++run}-${Math.random().toString(36).slice(2, 8)}`;
        const events = history.map((make) => make(customerId));
        const bus: BusEvent[] = events.map((e) => busEvent(e.detailType, e.detail));
        const deps = testDeps(table.doc, table.tableName);
        const ledger = new LedgerStore(table.doc, table.tableName);
        const useCases = { ...deps, ledger, profiles: new ProfileStore(table.doc, table.tableName) };
        const handlers = createHandlers(deps);
        const publisher = { publish: async () => ({ failed: [] }) };
        const answers = new Map<string, unknown>();

        const deliver = async (d: { event?: number; operation?: number }) => {
          if (d.event !== undefined) {
            const e = events[d.event]!;
            const handler = {
              'order.placed': handlers['order-placed'],
              'order.refunded': handlers['order-refunded'],
              'activity.completed': handlers['activity-completed'],
            }[e.detailType];
            return handler(bus[d.event]!);
          }
          const op = operations[d.operation!]!;
          if (op.kind === 'job') return void (await sweepMemberLedger(useCases, publisher, customerId));
          if (op.kind === 'adjustment') {
            const outcome = await adjustPoints(
              useCases,
              { adjustmentId: op.adjustmentId, customerId, points: op.points, reason: 'generated' },
              { allowNewMembers: true },
            );
            expect(['applied', 'already-applied']).toContain(outcome);
            return;
          }
          try {
            const { redemption } = await redeemPoints(useCases, customerId, { redemptionId: op.redemptionId, points: op.points });
            // A redemption answered twice answers the same.
            const first = answers.get(op.redemptionId);
            if (first) expect(redemption).toEqual(first);
            answers.set(op.redemptionId, redemption);
          } catch (error) {
            // Refused: too few spendable points, or no member yet (the redemption came before any event).
            if (error instanceof NotFoundError) return;
            if (!(error instanceof ConflictError) || error.code !== 'InsufficientPoints') throw error;
          }
        };
        const sizes = batchSizes[Symbol.iterator]();
        for (let i = 0; i < order.length; ) {
          const size = sizes.next().value as number;
          await Promise.all(order.slice(i, i + size).map(deliver));
          i += size;
        }
        await sweepMemberLedger(useCases, publisher, customerId);

        const snapshot = await ledger.read(customerId);
        const stored = snapshot.entries.map((e) => e.input);
        const now = deps.clock.now().getTime();
        // Every generated event and adjustment is in the ledger once; besides them only redemptions that went through and expiry.
        const adjustments = operations.flatMap((o): LedgerInput[] =>
          o.kind === 'adjustment'
            ? [
                {
                  kind: 'adjustment',
                  ref: operatorRef(o.adjustmentId),
                  at: new Date(now).toISOString(),
                  points: o.points,
                  reason: 'generated',
                },
              ]
            : [],
        );
        const extra = stored.filter((input) => input.kind === 'redemption' || input.kind === 'expiry');
        expect(
          extra
            .filter((input) => input.kind === 'redemption')
            .map((input) => input.ref)
            .sort(),
        ).toEqual([...answers.keys()].sort());
        const expected = foldLedger(demoConfig, [...events.map((e) => e.input), ...adjustments, ...extra], { asOf: now });
        expect(stored).toHaveLength(events.length + adjustments.length + extra.length);
        expect(foldLedger(demoConfig, stored, { asOf: now }).entries).toEqual(expected.entries);
        expect(snapshot.state?.balance).toBe(expected.balance);
        expect(snapshot.state?.lifetimePoints).toBe(expected.lifetimePoints);
        const ledgerSum = snapshot.entries.reduce((s, e) => s + e.delta, 0) + snapshot.corrections.reduce((s, c) => s + c.delta, 0);
        expect(ledgerSum).toBe(expected.balance);
        expect(expiryDue(expected, now)).toBeNull();
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 20), seed: process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined },
    );
  });
});
