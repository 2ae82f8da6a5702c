import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { parseProgramConfig } from '../../functions/config/program';
import { webhookSignature } from '../../functions/integrations/signatures';
import type { LocalCopy } from '../../local/local-copy';
import { LojalClient } from '../../sdk';
import { startTestLocalCopy } from '../support/local-copy';

/*
 * The HTTPS webhook receivers on the local copy: Shopify and WooCommerce deliveries signed
 * with the local secret, through the same receiver as behind API Gateway. Payloads:
 * tests/fixtures (sources in tests/fixtures/README.md).
 */

const raw = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', name));
const config = parseProgramConfig({
  ...demo,
  integrations: {
    shopify: {
      webhooks: true,
      categories: { from: 'product_type', rename: { 'Running Shoes': 'running-shoes', Socks: 'running-socks' } },
      defaultCategory: 'other',
    },
    woocommerce: { idPrefix: 'woo-', defaultCategory: 'other' },
  },
});

let local: LocalCopy;

async function post(path: string, headers: Record<string, string>, body: Buffer) {
  const response = await fetch(`${local.urls.api}${path}`, { method: 'POST', headers, body });
  const answer = { status: response.status, body: (await response.json()) as Record<string, unknown> };
  await local.settle();
  return answer;
}

const shopify = (topic: string, body: Buffer, id: string, secret = local.webhookSecret) =>
  post(
    '/webhooks/shopify',
    {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-webhook-id': id,
      'x-shopify-hmac-sha256': webhookSignature(body, secret),
    },
    body,
  );

async function ledgerRefs(customerId: string) {
  const response = await fetch(`${local.urls.api}/v1/members/${customerId}/ledger`);
  if (response.status !== 200) return response.status;
  return ((await response.json()) as { items: { ref: string }[] }).items.map((i) => i.ref);
}

beforeAll(async () => {
  local = await startTestLocalCopy('webhooks', '2026-12-01T09:00:00Z', { config, schedules: () => [] });
});
afterAll(() => local?.stop());

describe('Local copy: Shopify and WooCommerce webhooks', () => {
  it('a Shopify customer and a paid order, signed with the local secret, become a member with points', async () => {
    expect((await shopify('customers/create', raw('shopify/customers-create.json'), 'lw-c1')).status).toBe(200);
    expect((await shopify('orders/paid', raw('shopify/orders-paid.json'), 'lw-o1')).body).toMatchObject({ status: 'applied' });
    expect(await ledgerRefs('207119551')).toContain('order:450789469');
    expect(local.deadLetters.list()).toEqual([]);
  });

  it('a wrong signature is 401 and leaves no member behind', async () => {
    const body = Buffer.from(raw('shopify/customers-create.json').toString('utf8').replace('207119551', '207119552'));
    expect((await shopify('customers/create', body, 'lw-c2', 'wrong-secret')).status).toBe(401);
    expect(await ledgerRefs('207119552')).toBe(404);
  });

  it('WooCommerce: the activation ping, then a signed order.updated with its refund', async () => {
    expect(
      (await post('/webhooks/woocommerce', { 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from('webhook_id=3'))).body,
    ).toEqual({ status: 'ping' });
    const customer = raw('woocommerce/customer-created.json');
    const sign = (topic: string, id: string, body: Buffer) => ({
      'content-type': 'application/json',
      'x-wc-webhook-topic': topic,
      'x-wc-webhook-delivery-id': id,
      'x-wc-webhook-signature': webhookSignature(body, local.webhookSecret),
    });
    expect((await post('/webhooks/woocommerce', sign('customer.created', 'lwd-1', customer), customer)).status).toBe(200);
    const order = raw('woocommerce/order-updated.json');
    expect((await post('/webhooks/woocommerce', sign('order.updated', 'lwd-2', order), order)).body).toMatchObject({ events: 2 });
    expect(await ledgerRefs('woo-26')).toEqual(expect.arrayContaining(['order:woo-727', 'refund:woo-refund-726']));
  });

  it('an unmappable payload is listed among the dead letters, naming the field', async () => {
    const body = Buffer.from(JSON.stringify({ id: 1, created_at: 'yesterday', currency: 'SEK', line_items: [] }));
    expect((await shopify('orders/paid', body, 'lw-bad')).body).toMatchObject({ status: 'rejected', field: 'payload.created_at' });
    expect(local.deadLetters.list().map((l) => [l.source, l.field])).toEqual([['lojal.webhook/shopify', 'payload.created_at']]);
  });
});

describe('Local copy: the typed client', () => {
  it('sends a registration and an order that the local copy awards', async () => {
    const lojal = new LojalClient({
      clientConfig: { endpoint: local.urls.api, region: 'eu-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    });
    const registered = await lojal.customerRegistered({
      customerId: 'sdk-1',
      email: 'sdk@example.com',
      registeredAt: '2026-11-30T10:00:00+01:00',
    });
    const placed = await lojal.orderPlaced({
      orderId: 'sdk-o-1',
      customerId: 'sdk-1',
      placedAt: '2026-11-30T11:00:00+01:00',
      currency: 'SEK',
      lines: [{ sku: 'TR3-42', category: 'running-shoes', quantity: 1, unitPrice: 129900 }],
    });
    expect([registered, placed]).toEqual([
      { sent: 1, failed: [] },
      { sent: 1, failed: [] },
    ]);
    await local.settle();
    const member = (await (await fetch(`${local.urls.api}/v1/members/sdk-1`)).json()) as { balance: number };
    expect(member.balance).toBe(2598);
  });
});
