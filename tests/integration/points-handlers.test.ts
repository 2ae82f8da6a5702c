import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { memberPk } from '../../functions/adapters/dynamo/keys';
import { ProfileStore } from '../../functions/adapters/dynamo/profile-store';
import { createHandlers } from '../../functions/handlers/registry';
import { createTestTable } from '../support/dynamo';
import { busEvent, testDeps } from '../support/deps';
import { injectFault, throttlingError, timeoutError } from '../support/faults';

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable('handlers');
});

let n = 0;
const customer = () => `c-${++n}-${Math.random().toString(36).slice(2, 8)}`;
const placed = (customerId: string, orderId: string, unitPrice: number, placedAt = '2026-03-01T10:00:00+01:00') => ({
  orderId,
  customerId,
  placedAt,
  currency: 'SEK',
  lines: [{ sku: 'shoe-1', category: 'running-shoes', quantity: 1, unitPrice, name: 'Trail Runner 3' }],
});

async function itemsOf(customerId: string) {
  const { Items } = await table.doc.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': memberPk(customerId) },
    }),
  );
  return Items ?? [];
}

async function balanceOf(customerId: string) {
  return (await new LedgerStore(table.doc, table.tableName).read(customerId)).state?.balance;
}

describe('Handlers: points', () => {
  it('an order earns its points once, however often it is delivered', async () => {
    const deps = testDeps(table.doc, table.tableName);
    const handlers = createHandlers(deps);
    const id = customer();
    const event = busEvent('order.placed', placed(id, 'o1', 129_900));
    await handlers['order-placed'](event);
    await handlers['order-placed'](event);
    await Promise.all([handlers['order-placed'](event), handlers['order-placed'](event)]);
    expect(await balanceOf(id)).toBe(2598);
    expect((await itemsOf(id)).filter((i) => i.type === 'entry')).toHaveLength(1);
    expect(deps.metricsSeen.get('DuplicateEvents')).toBe(3);
  });

  it('a refund that arrives before its order is applied when the order comes', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName));
    const id = customer();
    await handlers['order-refunded'](
      busEvent('order.refunded', { refundId: 'r1', orderId: 'o1', customerId: id, refundedAt: '2026-03-03T10:00:00Z', amount: 64_950 }),
    );
    expect(await balanceOf(id)).toBe(0);
    await handlers['order-placed'](busEvent('order.placed', placed(id, 'o1', 129_900)));
    expect(await balanceOf(id)).toBe(2598 - 1299);
  });

  it('a late earlier order re-prices the later order it lifted into a higher tier', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName));
    const id = customer();
    // Arrives first, but was placed second: priced at Red (×1) until the earlier order shows up.
    await handlers['order-placed'](busEvent('order.placed', placed(id, 'o2', 100_000, '2026-02-01T10:00:00Z')));
    expect(await balanceOf(id)).toBe(2000);
    await handlers['order-placed'](busEvent('order.placed', placed(id, 'o1', 300_000, '2026-01-01T10:00:00Z')));
    // o1: 6000 points → Silver; o2 becomes 2000 × 1.5.
    expect(await balanceOf(id)).toBe(6000 + 3000);
    const correction = (await itemsOf(id)).find((i) => i.type === 'correction');
    expect(correction).toMatchObject({ delta: 1000, deltas: { 'order#o2': 1000 } });
  });

  it('an order for a customer whose registration has not arrived still earns points; the profile fills in later', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName));
    const id = customer();
    await handlers['order-placed'](busEvent('order.placed', placed(id, 'o1', 10_000)));
    expect(await balanceOf(id)).toBe(200);
    await handlers['customer-registered'](
      busEvent('customer.registered', {
        customerId: id,
        email: 'anna@example.com',
        registeredAt: '2026-01-01T09:00:00+01:00',
        firstName: 'Anna',
      }),
    );
    const profile = await new ProfileStore(table.doc, table.tableName).get(id);
    expect(profile?.profile.values).toMatchObject({ email: 'anna@example.com', firstName: 'Anna', marketingConsent: false });
    expect(await balanceOf(id)).toBe(200);
  });

  it('activities earn their configured points', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName));
    const id = customer();
    await handlers['activity-completed'](
      busEvent('activity.completed', { activityId: 'a1', customerId: id, activity: 'referral', occurredAt: '2026-03-01T10:00:00Z' }),
    );
    expect(await balanceOf(id)).toBe(250);
  });
});

describe('Handlers: customers', () => {
  it('an older update never overwrites a newer one, whatever the arrival order', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName));
    const id = customer();
    await handlers['customer-updated'](
      busEvent('customer.updated', { customerId: id, updatedAt: '2026-05-02T10:00:00Z', firstName: 'Newer' }),
    );
    await handlers['customer-updated'](
      busEvent('customer.updated', { customerId: id, updatedAt: '2026-05-01T10:00:00Z', firstName: 'Older', locale: 'en' }),
    );
    await handlers['customer-registered'](
      busEvent('customer.registered', { customerId: id, email: 'a@example.com', registeredAt: '2026-01-01T10:00:00Z', firstName: 'First' }),
    );
    const profile = await new ProfileStore(table.doc, table.tableName).get(id);
    expect(profile?.profile.values).toMatchObject({ firstName: 'Newer', locale: 'en', email: 'a@example.com' });
  });

  it('customer.deleted erases personal data and keeps the anonymous ledger', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName));
    const id = customer();
    await handlers['customer-registered'](
      busEvent('customer.registered', {
        customerId: id,
        email: 'b@example.com',
        registeredAt: '2026-01-01T10:00:00Z',
        firstName: 'Bo',
        birthday: '1990-04-02',
        locale: 'sv-SE',
      }),
    );
    await handlers['order-placed'](busEvent('order.placed', placed(id, 'o1', 10_000)));
    await handlers['customer-deleted'](busEvent('customer.deleted', { customerId: id, deletedAt: '2026-06-01T10:00:00Z' }));
    // A stale update from before the deletion must not bring the data back.
    await handlers['customer-updated'](
      busEvent('customer.updated', { customerId: id, updatedAt: '2026-05-01T10:00:00Z', email: 'old@example.com' }),
    );
    const items = await itemsOf(id);
    const profile = items.find((i) => i.sk === 'PROFILE');
    expect(profile).toBeDefined();
    expect(profile).not.toHaveProperty('email');
    expect(profile).not.toHaveProperty('firstName');
    expect(profile).not.toHaveProperty('birthday');
    // The language and registration date single a person out too (docs/security.md, "Erasure").
    expect(profile).not.toHaveProperty('locale');
    expect(profile).not.toHaveProperty('registeredAt');
    expect(JSON.stringify(items)).not.toMatch(/example\.com|Bo"|1990/);
    expect(await balanceOf(id)).toBe(200);
  });
});

describe('Handlers: bad input', () => {
  const cases: [string, string, (id: string) => unknown, string][] = [
    ['a missing field', 'order.placed', (id) => ({ ...placed(id, 'o1', 100), placedAt: undefined }), 'detail.placedAt'],
    [
      'a wrong type',
      'order.placed',
      (id) => ({ ...placed(id, 'o1', 100), lines: [{ sku: 's', category: 'c', quantity: 1, unitPrice: '9.90' }] }),
      'detail.lines[0].unitPrice',
    ],
    ['an unknown currency', 'order.placed', (id) => ({ ...placed(id, 'o1', 100), currency: 'EUR' }), 'detail.currency'],
    [
      'an unknown activity',
      'activity.completed',
      (id) => ({ activityId: 'a', customerId: id, activity: 'dance', occurredAt: '2026-01-01T00:00:00Z' }),
      'detail.activity',
    ],
    [
      'a refund with neither lines nor amount',
      'order.refunded',
      (id) => ({ refundId: 'r', orderId: 'o', customerId: id, refundedAt: '2026-01-01T00:00:00Z' }),
      'detail.lines',
    ],
    [
      'a time without offset',
      'customer.registered',
      (id) => ({ customerId: id, email: 'x@example.com', registeredAt: '2026-01-01 10:00' }),
      'detail.registeredAt',
    ],
  ];

  it.each(cases)('%s is dead-lettered with an error naming the field, and writes nothing', async (_, detailType, detail, field) => {
    const deps = testDeps(table.doc, table.tableName);
    const handlers = createHandlers(deps);
    const id = customer();
    const handler = {
      'order.placed': handlers['order-placed'],
      'activity.completed': handlers['activity-completed'],
      'order.refunded': handlers['order-refunded'],
      'customer.registered': handlers['customer-registered'],
    }[detailType]!;
    const event = busEvent(detailType, detail(id));
    await handler(event);
    expect(deps.deadLettered).toHaveLength(1);
    expect(deps.deadLettered[0]).toMatchObject({ detailType, field, event });
    expect(deps.deadLettered[0]?.error).toContain(field);
    expect(await itemsOf(id)).toEqual([]);
    expect(deps.metricsSeen.get('EventsRejected')).toBe(1);
  });
});

describe('Handlers: faults', () => {
  it('a throttle in the middle of a handler leaves no partial write, and the retry completes once', async () => {
    const { doc, tableName } = await createTestTable('faults');
    const deps = testDeps(doc, tableName);
    const handlers = createHandlers(deps);
    const id = customer();
    await handlers['order-placed'](busEvent('order.placed', placed(id, 'o0', 10_000, '2026-01-01T10:00:00Z')));
    // The read succeeds; the transaction is refused (the SDK's own retries are exhausted too).
    const fault = injectFault(doc, { command: 'TransactWriteItemsCommand', when: 'before', times: 1, error: throttlingError });
    const event = busEvent('order.placed', placed(id, 'o1', 50_000));
    await expect(handlers['order-placed'](event)).rejects.toThrow(/throughput/);
    expect(fault.remaining()).toBe(0);
    expect(await new LedgerStore(doc, tableName).read(id)).toMatchObject({ state: { balance: 200 } });
    await handlers['order-placed'](event); // Lambda's retry
    expect(await new LedgerStore(doc, tableName).read(id)).toMatchObject({ state: { balance: 1200, version: 2 } });
  });

  it('a timeout after the transaction committed is retried as a duplicate, not a second award', async () => {
    const { doc, tableName } = await createTestTable('faults');
    const handlers = createHandlers(testDeps(doc, tableName));
    const id = customer();
    injectFault(doc, { command: 'TransactWriteItemsCommand', when: 'after', times: 1, error: timeoutError });
    const event = busEvent('order.placed', placed(id, 'o1', 50_000));
    await expect(handlers['order-placed'](event)).rejects.toThrow(/hang up/);
    await handlers['order-placed'](event);
    const snapshot = await new LedgerStore(doc, tableName).read(id);
    expect(snapshot.state).toMatchObject({ balance: 1000, version: 1 });
    expect(snapshot.entries).toHaveLength(1);
  });

  it('concurrent events for one member all land, each once', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName));
    const id = customer();
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        handlers['activity-completed'](
          busEvent('activity.completed', {
            activityId: `a${i}`,
            customerId: id,
            activity: 'review',
            occurredAt: `2026-03-${String(i + 1).padStart(2, '0')}T10:00:00Z`,
          }),
        ),
      ),
    );
    expect(await balanceOf(id)).toBe(12 * 50);
  });
});
