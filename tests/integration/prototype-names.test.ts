import { beforeAll, describe, expect, it } from 'vitest';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { createHandlers } from '../../functions/handlers/registry';
import { busEvent, testDeps } from '../support/deps';
import { createTestTable } from '../support/dynamo';

/* Issue 13: keys of event data are data. Names Object.prototype carries must behave like any unknown name. */

const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable('proto');
});

describe('Handlers: prototype names as data', () => {
  it.each(PROTOTYPE_NAMES)('an order line in category %s earns like any unknown category', async (category) => {
    const deps = testDeps(table.doc, table.tableName);
    const id = `c-${category}-${Math.random().toString(36).slice(2, 8)}`;
    await createHandlers(deps)['order-placed'](
      busEvent('order.placed', {
        orderId: 'o1',
        customerId: id,
        placedAt: '2026-03-01T10:00:00+01:00',
        currency: 'SEK',
        lines: [{ sku: 's1', category, quantity: 1, unitPrice: 12_300 }],
      }),
    );
    expect(deps.deadLettered).toEqual([]);
    expect((await new LedgerStore(table.doc, table.tableName).read(id)).state?.balance).toBe(123);
  });

  it.each(PROTOTYPE_NAMES)('an activity named %s is rejected as unknown, naming the field, once, writing nothing', async (activity) => {
    const deps = testDeps(table.doc, table.tableName);
    const id = `c-a-${Math.random().toString(36).slice(2, 8)}`;
    await createHandlers(deps)['activity-completed'](
      busEvent('activity.completed', { activityId: 'a1', customerId: id, activity, occurredAt: '2026-03-01T10:00:00Z' }),
    );
    expect(deps.deadLettered).toHaveLength(1);
    expect(deps.deadLettered[0]).toMatchObject({ field: 'detail.activity' });
    expect(deps.deadLettered[0]?.error).toContain('is not an activity of this program');
    expect((await new LedgerStore(table.doc, table.tableName).read(id)).entries).toEqual([]);
  });
});
