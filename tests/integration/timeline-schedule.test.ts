import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { TimelineStore } from '../../functions/adapters/dynamo/timeline-store';
import { createMemberApi } from '../../functions/api/member-api';
import { createHandlers } from '../../functions/handlers/registry';
import { createTestTable } from '../support/dynamo';
import { arriveAfterBusinessTime, busEvent, manualClock, testDeps } from '../support/deps';

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable('timeline');
});

let n = 0;
const customer = () => `c-${++n}-${Math.random().toString(36).slice(2, 8)}`;

/** Handlers, member API and store on one table, with a clock the test moves. */
function setup(now = '2026-05-04T10:00:00Z') {
  const clock = manualClock(now);
  const deps = { ...testDeps(table.doc, table.tableName), clock };
  const handlers = createHandlers(deps);
  const api = createMemberApi(deps);
  const store = new TimelineStore(table.doc, table.tableName);
  const deliver = (detailType: Parameters<typeof busEvent>[0], detail: unknown) => {
    const key = detailType.replace('.', '-') as keyof typeof handlers;
    arriveAfterBusinessTime(clock, detail);
    return handlers[key](busEvent(detailType, detail));
  };
  const timeline = async (customerId: string) => {
    const response = await api({
      rawPath: `/v1/members/${customerId}/timeline`,
      requestContext: { http: { method: 'GET' } },
    } as unknown as APIGatewayProxyEventV2);
    return {
      status: response.statusCode,
      body: JSON.parse(String(response.body)) as { items: { dueAt: string; kind: string; ref: string; status: string }[] },
    };
  };
  return { clock, deps, deliver, timeline, store };
}

const shoes = (customerId: string, orderId: string, placedAt: string, sku = 'shoe-1', extra: object[] = []) => ({
  orderId,
  customerId,
  placedAt,
  currency: 'SEK',
  lines: [{ sku, category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' }, ...extra],
});

describe('Timeline: scheduling from webshop events', () => {
  it('an order schedules a check-in and a replacement reminder, once however often it is delivered', async () => {
    // Prepare
    const { deliver, timeline } = setup();
    const id = customer();
    const order = shoes(id, 'o1', '2026-05-04T12:00:00+02:00');

    // Act
    await deliver('order.placed', order);
    await Promise.all([deliver('order.placed', order), deliver('order.placed', order)]);

    // Assess
    const { status, body } = await timeline(id);
    expect(status).toBe(200);
    expect(body.items).toEqual([
      { dueAt: '2026-06-03T10:00:00.000Z', kind: 'checkin', ref: 'order:o1', status: 'pending' },
      { dueAt: '2027-01-29T11:00:00.000Z', kind: 'replacement', ref: 'order:o1:shoe-1', status: 'pending' },
    ]);
  });

  it('buying the same category again moves the reminder to the new purchase: one reminder, not two', async () => {
    const { deliver, timeline, clock } = setup();
    const id = customer();
    await deliver('order.placed', shoes(id, 'o1', '2026-05-04T12:00:00+02:00'));
    clock.set('2026-07-01T10:00:00Z');
    await deliver('order.placed', shoes(id, 'o2', '2026-07-01T12:00:00+02:00', 'shoe-2'));

    const reminders = (await timeline(id)).body.items.filter((i) => i.kind === 'replacement');
    expect(reminders).toEqual([{ dueAt: '2027-03-28T10:00:00.000Z', kind: 'replacement', ref: 'order:o2:shoe-2', status: 'pending' }]);
    // Each order keeps its own check-in.
    expect((await timeline(id)).body.items.filter((i) => i.kind === 'checkin')).toHaveLength(2);
  });

  it('an older order delivered after a newer one does not take the reminder back', async () => {
    const { deliver, timeline, clock } = setup('2026-07-01T10:00:00Z');
    const id = customer();
    await deliver('order.placed', shoes(id, 'o2', '2026-07-01T12:00:00+02:00', 'shoe-2'));
    await deliver('order.placed', shoes(id, 'o1', '2026-05-04T12:00:00+02:00'));
    clock.set('2026-07-02T10:00:00Z');

    const reminders = (await timeline(id)).body.items.filter((i) => i.kind === 'replacement');
    expect(reminders.map((r) => r.ref)).toEqual(['order:o2:shoe-2']);
  });

  it('duplicate and reordered deliveries of three orders, all at once, leave one reminder from the latest', async () => {
    const { deliver, timeline } = setup('2026-07-01T10:00:00Z');
    const id = customer();
    const orders = [
      shoes(id, 'o1', '2026-05-04T12:00:00+02:00', 'shoe-1'),
      shoes(id, 'o2', '2026-06-01T12:00:00+02:00', 'shoe-2'),
      shoes(id, 'o3', '2026-06-20T12:00:00+02:00', 'shoe-3'),
    ];
    const deliveries = [orders[2], orders[0], orders[1], orders[0], orders[2], orders[1]];
    await Promise.all(deliveries.map((o) => deliver('order.placed', o)));

    const items = (await timeline(id)).body.items;
    expect(items.filter((i) => i.kind === 'replacement').map((r) => r.ref)).toEqual(['order:o3:shoe-3']);
    expect(
      items
        .filter((i) => i.kind === 'checkin')
        .map((r) => r.ref)
        .sort(),
    ).toEqual(['order:o1', 'order:o2', 'order:o3']);
  });

  it('a refund of the whole line cancels its reminder; a partial one does not until the rest follows', async () => {
    const { deliver, timeline } = setup();
    const id = customer();
    const order = {
      ...shoes(id, 'o1', '2026-05-04T12:00:00+02:00'),
      lines: [{ sku: 'shoe-1', category: 'running-shoes', quantity: 2, unitPrice: 100_000 }],
    };
    await deliver('order.placed', order);

    await deliver('order.refunded', {
      refundId: 'r1',
      orderId: 'o1',
      customerId: id,
      refundedAt: '2026-05-06T10:00:00Z',
      lines: [{ sku: 'shoe-1', quantity: 1 }],
    });
    expect((await timeline(id)).body.items.map((i) => i.status)).toEqual(['pending', 'pending']);

    await deliver('order.refunded', {
      refundId: 'r2',
      orderId: 'o1',
      customerId: id,
      refundedAt: '2026-05-07T10:00:00Z',
      lines: [{ sku: 'shoe-1', quantity: 1 }],
    });
    // Both pairs returned: the reminder and, as nothing of the order is left, the check-in go.
    expect((await timeline(id)).body.items.map((i) => [i.kind, i.status])).toEqual([
      ['checkin', 'cancelled'],
      ['replacement', 'cancelled'],
    ]);
  });

  it('refunding one of two shoes keeps a reminder, now for the other one', async () => {
    const { deliver, timeline } = setup();
    const id = customer();
    const order = shoes(id, 'o1', '2026-05-04T12:00:00+02:00', 'shoe-trail', [
      { sku: 'shoe-road', category: 'running-shoes', quantity: 1, unitPrice: 99_900, lifespanDays: 300 },
    ]);
    await deliver('order.placed', order);
    await deliver('order.refunded', {
      refundId: 'r1',
      orderId: 'o1',
      customerId: id,
      refundedAt: '2026-05-06T10:00:00Z',
      lines: [{ sku: 'shoe-trail', quantity: 1 }],
    });

    const items = (await timeline(id)).body.items;
    expect(items.filter((i) => i.kind === 'replacement')).toEqual([
      { dueAt: '2027-02-28T11:00:00.000Z', kind: 'replacement', ref: 'order:o1:shoe-road', status: 'pending' },
    ]);
    expect(items.find((i) => i.kind === 'checkin')?.status).toBe('pending');
  });

  it('a full refund that arrives before its order cancels what the order schedules', async () => {
    const { deliver, timeline } = setup();
    const id = customer();
    await deliver('order.refunded', { refundId: 'r1', orderId: 'o1', customerId: id, refundedAt: '2026-05-06T10:00:00Z', amount: 129_900 });
    await deliver('order.placed', shoes(id, 'o1', '2026-05-04T12:00:00+02:00'));

    expect((await timeline(id)).body.items.map((i) => i.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('a full refund delivered at the same moment as its order always cancels what the order schedules', async () => {
    const { deliver, timeline } = setup();
    const ids = Array.from({ length: 8 }, customer);
    await Promise.all(
      ids.flatMap((id) => [
        deliver('order.placed', shoes(id, 'o1', '2026-05-04T12:00:00+02:00')),
        deliver('order.refunded', {
          refundId: 'r1',
          orderId: 'o1',
          customerId: id,
          refundedAt: '2026-05-06T10:00:00Z',
          lines: [{ sku: 'shoe-1', quantity: 1 }],
        }),
      ]),
    );
    for (const id of ids) expect((await timeline(id)).body.items.map((i) => i.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('a deletion delivered at the same moment as an earlier order always cancels what the order schedules', async () => {
    const { deliver, timeline } = setup();
    const ids = Array.from({ length: 8 }, customer);
    await Promise.all(
      ids.flatMap((id) => [
        deliver('order.placed', shoes(id, 'o1', '2026-05-04T12:00:00+02:00')),
        deliver('customer.deleted', { customerId: id, deletedAt: '2026-05-04T11:00:00Z' }),
      ]),
    );
    for (const id of ids) expect((await timeline(id)).body.items.map((i) => i.status)).toEqual(['cancelled', 'cancelled']);
  });

  it("a refund for an older order leaves the newer order's reminder alone", async () => {
    const { deliver, timeline } = setup('2026-07-01T10:00:00Z');
    const id = customer();
    await deliver('order.placed', shoes(id, 'o1', '2026-06-10T12:00:00+02:00'));
    await deliver('order.placed', shoes(id, 'o2', '2026-06-20T12:00:00+02:00', 'shoe-2'));
    await deliver('order.refunded', { refundId: 'r1', orderId: 'o1', customerId: id, refundedAt: '2026-06-25T10:00:00Z', amount: 129_900 });

    const items = (await timeline(id)).body.items;
    expect(items.filter((i) => i.kind === 'replacement')).toMatchObject([{ ref: 'order:o2:shoe-2', status: 'pending' }]);
    expect(items.filter((i) => i.kind === 'checkin').map((i) => [i.ref, i.status])).toEqual([
      ['order:o1', 'cancelled'],
      ['order:o2', 'pending'],
    ]);
  });

  it('customer.deleted cancels everything pending, also an earlier order delivered after it, but not a later order', async () => {
    const { deliver, timeline, clock } = setup('2026-07-01T10:00:00Z');
    const id = customer();
    await deliver('order.placed', shoes(id, 'o1', '2026-06-01T12:00:00+02:00'));
    await deliver('customer.deleted', { customerId: id, deletedAt: '2026-06-30T10:00:00Z' });
    await deliver('customer.deleted', { customerId: id, deletedAt: '2026-06-30T10:00:00Z' });
    // Placed before the deletion, delivered after it.
    await deliver('order.placed', shoes(id, 'o0', '2026-06-15T12:00:00+02:00', 'sock', []));
    expect((await timeline(id)).body.items.map((i) => i.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);

    // The customer comes back and buys again.
    clock.set('2026-07-10T10:00:00Z');
    await deliver('order.placed', shoes(id, 'o2', '2026-07-10T12:00:00+02:00', 'shoe-2'));
    const pending = (await timeline(id)).body.items.filter((i) => i.status === 'pending').map((i) => i.ref);
    expect(pending).toEqual(['order:o2', 'order:o2:shoe-2']);
  });

  it('a history import is recorded as skipped and never enters the due index', async () => {
    const { deliver, timeline, store } = setup('2026-07-01T10:00:00Z');
    const id = customer();
    await deliver('order.placed', shoes(id, 'o-old', '2024-03-01T12:00:00+01:00'));

    expect((await timeline(id)).body.items.map((i) => i.status)).toEqual(['skipped', 'skipped']);
    const stored = await store.list(id, true);
    expect(stored.every((i) => !('duePk' in i))).toBe(true);
  });

  it("plans in the customer's own time zone once their profile has one", async () => {
    const { deliver, timeline } = setup();
    const id = customer();
    await deliver('customer.registered', {
      customerId: id,
      email: 'ada@example.com',
      registeredAt: '2026-01-01T10:00:00Z',
      timeZone: 'America/New_York',
    });
    // 03:00 in New York: the check-in moves to 08:00 there (12:00Z), not to 08:00 in Stockholm.
    await deliver('order.placed', shoes(id, 'o1', '2026-05-04T07:00:00Z'));
    expect((await timeline(id)).body.items[0]).toMatchObject({ kind: 'checkin', dueAt: '2026-06-03T12:00:00.000Z' });
  });

  it('plans in the time zone of the newest profile change, whichever arrived first', async () => {
    const { deliver, timeline } = setup();
    const id = customer();
    // The move to New York (February) overtakes the registration in Tokyo (January), and an
    // older update to London arrives last: New York wins, as it does in the profile.
    await deliver('customer.updated', { customerId: id, updatedAt: '2026-02-01T10:00:00Z', timeZone: 'America/New_York' });
    await deliver('customer.registered', {
      customerId: id,
      email: 'bo@example.com',
      registeredAt: '2026-01-01T10:00:00Z',
      timeZone: 'Asia/Tokyo',
    });
    await deliver('customer.updated', { customerId: id, updatedAt: '2026-01-15T10:00:00Z', timeZone: 'Europe/London' });
    await deliver('order.placed', shoes(id, 'o1', '2026-05-04T07:00:00Z'));
    expect((await timeline(id)).body.items[0]).toMatchObject({ kind: 'checkin', dueAt: '2026-06-03T12:00:00.000Z' });
  });

  it('an unknown member has no timeline (404)', async () => {
    const { timeline } = setup();
    const { status, body } = await timeline(customer());
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: { code: 'NotFound' } });
  });
});
