import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemberApi } from '../../functions/api/member-api';
import { createHandlers } from '../../functions/handlers/registry';
import type { BusEvent } from '../../functions/runtime/ports';
import { createTestTable } from '../support/dynamo';
import { busEvent, manualClock, testDeps } from '../support/deps';

/*
 * The timeline is written in the ledger transaction of the order or refund that changes it, and
 * the deletion is recorded in the ledger state before it cancels anything; these properties
 * check the outcome does not depend on how the bus delivers.
 */

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable('timeline-property');
});

const clock = manualClock('2026-06-01T00:00:00Z');
const deps = () => ({ ...testDeps(table.doc, table.tableName), clock });

async function publicTimeline(customerId: string) {
  const api = createMemberApi(deps());
  const response = await api({
    rawPath: `/v1/members/${customerId}/timeline`,
    requestContext: { http: { method: 'GET' } },
  } as unknown as APIGatewayProxyEventV2);
  const body = JSON.parse(String(response.body)) as { items?: unknown[] };
  return body.items ?? [];
}

const SKUS = [
  { sku: 'trail', category: 'running-shoes', unitPrice: 129_900 },
  { sku: 'road', category: 'running-shoes', unitPrice: 99_900 },
  { sku: 'jacket', category: 'jackets', unitPrice: 199_900, lifespanDays: 400 },
  { sku: 'socks', category: 'running-socks', unitPrice: 9_900 },
] as const;

const history = fc.record({
  orders: fc.array(
    fc.record({
      day: fc.integer({ min: 0, max: 100 }),
      skus: fc.uniqueArray(fc.integer({ min: 0, max: SKUS.length - 1 }), { minLength: 1, maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  refunds: fc.array(fc.record({ order: fc.nat(), whole: fc.boolean(), line: fc.nat(), day: fc.integer({ min: 0, max: 30 }) }), {
    maxLength: 3,
  }),
  deletedOnDay: fc.option(fc.integer({ min: 0, max: 110 }), { nil: undefined }),
});

type History = typeof history extends fc.Arbitrary<infer T> ? T : never;

/** The distinct events of a generated history, for one customer. */
function eventsOf(h: History, customerId: string): BusEvent[] {
  const day = (d: number, hour = 10) => new Date(Date.parse('2026-02-01T00:00:00Z') + d * 86_400_000 + hour * 3_600_000).toISOString();
  const orders = h.orders.map((o, i) => ({
    orderId: `o${i}`,
    customerId,
    placedAt: day(o.day, 10 + i),
    currency: 'SEK',
    lines: o.skus.map((s) => {
      const { sku, category, unitPrice } = SKUS[s]!;
      const lifespanDays = 'lifespanDays' in SKUS[s]! ? { lifespanDays: SKUS[s]!.lifespanDays } : {};
      return { sku, category, quantity: 1, unitPrice, name: sku, ...lifespanDays };
    }),
  }));
  const events = orders.map((o) => busEvent('order.placed', o));
  h.refunds.forEach((r, i) => {
    const order = orders[r.order % orders.length]!;
    const line = order.lines[r.line % order.lines.length]!;
    const refundedAt = new Date(Date.parse(order.placedAt) + (r.day + 1) * 86_400_000).toISOString();
    const detail = r.whole
      ? { refundId: `r${i}`, orderId: order.orderId, customerId, refundedAt, amount: order.lines.reduce((s, l) => s + l.unitPrice, 0) }
      : { refundId: `r${i}`, orderId: order.orderId, customerId, refundedAt, lines: [{ sku: line.sku, quantity: 1 }] };
    events.push(busEvent('order.refunded', detail));
  });
  if (h.deletedOnDay !== undefined) events.push(busEvent('customer.deleted', { customerId, deletedAt: day(h.deletedOnDay, 23) }));
  return events;
}

async function deliver(handlers: ReturnType<typeof createHandlers>, events: readonly BusEvent[]) {
  for (const event of events) {
    const route = event['detail-type'].replace('.', '-') as 'order-placed' | 'order-refunded' | 'customer-deleted';
    await handlers[route](event);
  }
}

let run = 0;
describe('Timeline: delivery order does not matter', () => {
  // Invariant: the timeline after duplicated, shuffled and racing deliveries equals the one after delivering each distinct event once, in the order they happened.
  it('equals the in-order timeline for any order, duplicates and concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.infiniteStream(fc.nat()), fc.integer({ min: 1, max: 3 }), async (h, seeds, lanes) => {
        const id = `tp-${++run}`;
        // The reference: each distinct event once, in business-time order, one at a time.
        const reference = eventsOf(h, `${id}-ref`).sort((a, b) => businessTime(a) - businessTime(b));
        await deliver(createHandlers(deps()), reference);

        const events = eventsOf(h, `${id}-sub`);
        const delivered = [...events, ...events.filter(() => seeds.next().value % 3 === 0)]
          .map((event) => ({ event, key: seeds.next().value }))
          .sort((a, b) => a.key - b.key)
          .map((e) => e.event);
        // Lanes are separate containers (separate snapshot caches), as concurrent Lambdas are.
        await Promise.all(
          Array.from({ length: lanes }, (_, lane) =>
            deliver(
              createHandlers(deps()),
              delivered.filter((_, i) => i % lanes === lane),
            ),
          ),
        );

        expect(comparable(await publicTimeline(`${id}-sub`))).toEqual(comparable(await publicTimeline(`${id}-ref`)));
      }),
      { numRuns: 25 },
    );
  });
});

/**
 * Everything that can still be sent must match exactly. An item the deletion cancelled is
 * compared by kind and status only: which product a cancelled reminder names (and so its due
 * time) depends on whether a refund of that order reached the timeline before the deletion did,
 * which a deletion delivered last cannot know. It is never sent either way.
 */
function comparable(items: readonly unknown[]): string[] {
  return items
    .map((item) => {
      const { kind, status } = item as { kind: string; status: string };
      return JSON.stringify(status === 'cancelled' ? { kind, status } : item);
    })
    .sort();
}

function businessTime(event: BusEvent): number {
  const d = event.detail as { placedAt?: string; refundedAt?: string; deletedAt?: string };
  return Date.parse(d.placedAt ?? d.refundedAt ?? d.deletedAt ?? '');
}
