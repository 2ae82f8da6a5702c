import { beforeAll, describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { parseProgramConfig } from '../../functions/config/program';
import { createHandlers } from '../../functions/handlers/registry';
import { busEvent, demoConfig, testDeps } from '../support/deps';
import { createTestTable } from '../support/dynamo';

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable('rules');
});

/** The change: from 1 April 2026, 2 points per SEK and running shoes ×3. */
const revised = parseProgramConfig({
  ...demo,
  revisions: [
    {
      effectiveFrom: '2026-04-01T00:00:00+02:00',
      earnRates: { SEK: { points: 2, per: 100 } },
      categoryMultipliers: { 'running-shoes': 3 },
    },
  ],
});
const shoes = (customerId: string, orderId: string, placedAt: string, unitPrice = 100_000) =>
  busEvent('order.placed', {
    orderId,
    customerId,
    placedAt,
    currency: 'SEK',
    lines: [{ sku: 'TR3', category: 'running-shoes', quantity: 1, unitPrice }],
  });
const review = (customerId: string, activityId: string, occurredAt: string) =>
  busEvent('activity.completed', { activityId, customerId, activity: 'review', occurredAt });

describe('Handlers: rule changes never rewrite the past', () => {
  it('an order priced before a rule change keeps its points when a later event arrives under the new rules', async () => {
    const id = `c-${Math.random().toString(36).slice(2, 10)}`;
    // Deployed with the old rules: the order earns 1 000 SEK × 1 × 2.
    await createHandlers(testDeps(table.doc, table.tableName, demoConfig))['order-placed'](shoes(id, 'ko1', '2026-03-01T10:00:00+01:00'));
    // Redeployed with the revision: a review after it, a new order, and a late order from before the change.
    const handlers = createHandlers(testDeps(table.doc, table.tableName, revised));
    await handlers['activity-completed'](review(id, 'ka1', '2026-04-05T10:00:00+02:00'));
    await handlers['order-placed'](shoes(id, 'ko2', '2026-04-06T10:00:00+02:00'));
    await handlers['order-placed'](shoes(id, 'ko3', '2026-03-15T10:00:00+01:00', 10_000));

    const { entries, corrections, state } = await new LedgerStore(table.doc, table.tableName).read(id);
    const delta = (ref: string) => entries.find((e) => e.ref === ref)?.delta;
    expect(delta('ko1')).toBe(2000);
    expect(delta('ka1')).toBe(50);
    expect(delta('ko2')).toBe(1000 * 2 * 3);
    expect(delta('ko3')).toBe(200);
    expect(corrections).toEqual([]);
    expect(state?.balance).toBe(2000 + 50 + 6000 + 200);
    expect(entries.find((e) => e.ref === 'ko2')?.pricing).toMatchObject({
      revision: 1,
      multipliers: { categories: { 'running-shoes': 3 } },
    });
    expect(entries.find((e) => e.ref === 'ko3')?.pricing).toMatchObject({ revision: 0 });
  });
});
