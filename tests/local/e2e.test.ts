import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCopy } from '../../local/local-copy';
import { startTestLocalCopy } from '../support/local-copy';

/*
 * The local copy as a webshop developer uses it: the real EventBridge SDK, the real handlers
 * and member API, DynamoDB Local, and the clock moved forward. One story, step by step.
 */

const START = '2026-11-28T09:00:00Z';

let local: LocalCopy;
let eventBridge: EventBridgeClient;

const api = async (path: string, init?: RequestInit) => {
  const response = await fetch(`${local.urls.api}${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const moveClock = (body: unknown) =>
  api('/_local/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const put = async (detailType: string, detail: unknown) => {
  const result = await eventBridge.send(
    new PutEventsCommand({ Entries: [{ Source: 'webshop', DetailType: detailType, Detail: JSON.stringify(detail) }] }),
  );
  expect(result.FailedEntryCount).toBe(0);
  // Delivery is asynchronous, as in AWS: wait for it before reading.
  await moveClock({ advance: 'PT0S' });
};

const order = {
  orderId: 'o-1001',
  customerId: 'c-42',
  placedAt: '2026-11-28T10:00:00+01:00',
  currency: 'SEK',
  lines: [
    { sku: 'TR3-42', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' },
    { sku: 'SOCK-1', category: 'socks', quantity: 1, unitPrice: 9_950 },
  ],
};

beforeAll(async () => {
  local = await startTestLocalCopy('e2e', START);
  eventBridge = new EventBridgeClient({
    endpoint: local.urls.api,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  eventBridge?.destroy();
  await local?.stop();
});

describe('The local copy, end to end with the real handlers', () => {
  it('a registered customer is a Red member without points', async () => {
    await put('customer.registered', { customerId: 'c-42', email: 'ada@example.com', registeredAt: START, firstName: 'Ada' });
    const member = await api('/v1/members/c-42');
    expect(member).toEqual({ status: 200, body: expect.objectContaining({ customerId: 'c-42', balance: 0, tier: 'Red' }) });
  });

  it('an order earns 1 point per whole SEK, twice that for running shoes', async () => {
    await put('order.placed', order);
    expect((await api('/v1/members/c-42')).body).toMatchObject({ balance: 2598 + 99, lifetimePoints: 2598 + 99 });
  });

  it('the same order delivered twice counts once', async () => {
    await put('order.placed', order);
    expect((await api('/v1/members/c-42')).body).toMatchObject({ balance: 2697 });
  });

  it('a refund takes back the points of the refunded line', async () => {
    // Business times are bounded by the clock (issue 12.4): the refund arrives once made.
    await moveClock({ to: '2026-11-29T11:00:00Z' });
    await put('order.refunded', {
      refundId: 'r-1',
      orderId: 'o-1001',
      customerId: 'c-42',
      refundedAt: '2026-11-29T12:00:00+01:00',
      lines: [{ sku: 'SOCK-1', quantity: 1 }],
    });
    expect((await api('/v1/members/c-42')).body).toMatchObject({ balance: 2598 });
  });

  it('the ledger shows the refund and the order, newest first', async () => {
    const { status, body } = await api('/v1/members/c-42/ledger');
    expect(status).toBe(200);
    const items = body.items as { delta: number }[];
    expect(items.map((i) => i.delta)).toEqual([-99, 2697]);
  });

  it('a malformed order is dead-lettered with the field named and changes nothing', async () => {
    await put('order.placed', { ...order, orderId: 'o-bad', lines: [{ ...order.lines[0], unitPrice: 'a lot' }] });
    const { body } = await api('/_local/dead-letters');
    expect(body.items).toEqual([
      expect.objectContaining({
        detailType: 'order.placed',
        source: 'webshop',
        error: expect.stringContaining('detail.lines[0].unitPrice'),
      }),
    ]);
    expect((await api('/v1/members/c-42')).body).toMatchObject({ balance: 2598 });
  });

  it('an unknown member is a 404', async () => {
    expect(await api('/v1/members/nobody')).toEqual({ status: 404, body: { error: { code: 'NotFound', message: expect.any(String) } } });
  });

  it('a month later the sweeper sends the check-in, and the clock answers once it is done', async () => {
    const moved = await moveClock({ advance: 'P31D' });
    expect(moved.status).toBe(200);
    expect(moved.body.failures).toEqual([]);
    expect((moved.body.runs as Record<string, number>)['timeline-sweeper']).toBeGreaterThanOrEqual(1);
    const { body } = await api('/v1/members/c-42/timeline');
    expect(body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'checkin', status: 'sent' })]));
  });
});
