import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWebhookSecret, staticWebhookSecrets } from '../../functions/adapters/secrets/webhook-secrets';
import { IntegrationsSchema } from '../../functions/integrations/config';
import { signatureMatches, webhookSignature } from '../../functions/integrations/signatures';
import { createWebhookHttpHandler } from '../../functions/integrations/webhook-http';
import { createWebhookReceiver, type WebhookRequest, WebhookSecretMissingError } from '../../functions/integrations/webhook-receiver';
import type { DeadLetter } from '../../functions/runtime/ports';
import { noMetrics, silentLogger } from '../../functions/runtime/ports';
import { MapIntegrationMemory, recordingSend } from '../support/integration-memory';

// Payloads: tests/fixtures (the documentation each shape follows is named in tests/fixtures/README.md).
const raw = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', name));
const SHOPIFY_SECRET = 'shpss_test_secret';
const WOO_SECRET = 'woo-test-secret';
const now = new Date('2026-12-01T12:00:00Z');

const integrations = IntegrationsSchema.parse({
  shopify: {
    webhooks: true,
    categories: { from: 'product_type', rename: { 'Running Shoes': 'running-shoes', Socks: 'running-socks' } },
    defaultCategory: 'other',
  },
  woocommerce: { defaultCategory: 'other' },
});

function receiver(secrets: Parameters<typeof staticWebhookSecrets>[0] = { shopify: SHOPIFY_SECRET, woocommerce: WOO_SECRET }) {
  const memory = new MapIntegrationMemory();
  const { send, sent } = recordingSend();
  const deadLetters: DeadLetter[] = [];
  const receive = createWebhookReceiver({
    integrations,
    memory,
    send,
    clock: { now: () => now },
    logger: silentLogger,
    metrics: noMetrics,
    exportMember: async (customerId) => ({ customerId, items: [{ kind: 'PROFILE', email: 'anna@example.com' }] }),
    secrets: staticWebhookSecrets(secrets),
    deadLetters: { deadLetter: async (letter) => void deadLetters.push(letter) },
  });
  return { receive, memory, sent, deadLetters };
}

function shopify(topic: string, body: Buffer, webhookId: string, secret = SHOPIFY_SECRET): WebhookRequest {
  return {
    body,
    headers: {
      'x-shopify-topic': topic,
      'x-shopify-webhook-id': webhookId,
      'x-shopify-shop-domain': 'demo-sport.myshopify.com',
      'x-shopify-hmac-sha256': webhookSignature(body, secret),
    },
  };
}

function woo(topic: string, body: Buffer, deliveryId: string, secret = WOO_SECRET): WebhookRequest {
  return {
    body,
    headers: {
      'x-wc-webhook-topic': topic,
      'x-wc-webhook-delivery-id': deliveryId,
      'x-wc-webhook-source': 'https://shop.example.com/',
      'x-wc-webhook-signature': webhookSignature(body, secret),
    },
  };
}

describe('Function: signatureMatches', () => {
  it('accepts the base64 HMAC-SHA256 of the exact body, and nothing else', () => {
    const body = Buffer.from('{"id":1}');
    const signature = webhookSignature(body, 's3cret');
    expect(signatureMatches(body, signature, ['s3cret'])).toBe(true);
    expect(signatureMatches(Buffer.from('{"id": 1}'), signature, ['s3cret'])).toBe(false);
    expect(signatureMatches(body, signature, ['other'])).toBe(false);
    expect(signatureMatches(body, undefined, ['s3cret'])).toBe(false);
    expect(signatureMatches(body, 'short', ['s3cret'])).toBe(false);
  });

  it('accepts any secret of a rotation list', () => {
    const body = Buffer.from('{}');
    expect(signatureMatches(body, webhookSignature(body, 'new'), ['old', 'new'])).toBe(true);
  });
});

describe('Function: parseWebhookSecret', () => {
  it('reads a string or a list per platform, an empty value as none', () => {
    expect(parseWebhookSecret('{"shopify":"","woocommerce":["a","b"]}')).toEqual({ shopify: [], woocommerce: ['a', 'b'] });
    expect(() => parseWebhookSecret('nope')).toThrow(/not JSON/);
  });
});

describe('Function: createWebhookReceiver (Shopify)', () => {
  it('a signed orders/paid becomes order.placed on the client bus', async () => {
    const { receive, sent } = receiver();
    const answer = await receive('shopify', shopify('orders/paid', raw('shopify/orders-paid.json'), 'w-1'));
    expect(answer).toEqual({ status: 200, body: { status: 'applied', events: 1, parked: 0 } });
    expect(sent.map((s) => [s.source, s.event.detailType, s.event.detail.orderId])).toEqual([['webshop', 'order.placed', '450789469']]);
  });

  it('a wrong signature is 401 and reads nothing', async () => {
    const { receive, sent, memory } = receiver();
    const request = shopify('orders/paid', raw('shopify/orders-paid.json'), 'w-1', 'not-the-secret');
    expect((await receive('shopify', request)).status).toBe(401);
    const unsigned = { ...request, headers: { ...request.headers, 'x-shopify-hmac-sha256': undefined } };
    expect((await receive('shopify', unsigned)).status).toBe(401);
    // A body changed after signing (one byte) fails too.
    const signed = shopify('orders/paid', raw('shopify/orders-paid.json'), 'w-1');
    const tampered = { ...signed, body: Buffer.from(signed.body.toString('utf8').replace('450789469', '450789460')) };
    expect((await receive('shopify', tampered)).status).toBe(401);
    expect(sent).toEqual([]);
    expect(memory.deliveries.size).toBe(0);
  });

  it('the same webhook id twice is handled once', async () => {
    const { receive, sent } = receiver();
    await receive('shopify', shopify('orders/paid', raw('shopify/orders-paid.json'), 'w-1'));
    const again = await receive('shopify', shopify('orders/paid', raw('shopify/orders-paid.json'), 'w-1'));
    expect(again.body).toEqual({ status: 'duplicate' });
    expect(sent).toHaveLength(1);
  });

  it('a refund that arrives before its order waits, and goes out with the order', async () => {
    const { receive, sent } = receiver();
    const refund = await receive('shopify', shopify('refunds/create', raw('shopify/refunds-create.json'), 'w-r'));
    expect(refund.body).toEqual({ status: 'applied', events: 0, parked: 1 });
    await receive('shopify', shopify('orders/paid', raw('shopify/orders-paid.json'), 'w-o'));
    expect(sent.map((s) => s.event.detailType)).toEqual(['order.placed', 'order.refunded']);
    expect(sent[1]?.event.detail.customerId).toBe('207119551');
  });

  it('customers/redact becomes customer.deleted; shop/redact is acknowledged', async () => {
    const { receive, sent } = receiver();
    expect((await receive('shopify', shopify('customers/redact', raw('shopify/customers-redact.json'), 'w-x'))).status).toBe(200);
    expect(sent.map((s) => s.event)).toEqual([
      { detailType: 'customer.deleted', detail: { customerId: '207119551', deletedAt: now.toISOString() } },
    ]);
    const shop = await receive('shopify', shopify('shop/redact', raw('shopify/shop-redact.json'), 'w-s'));
    expect(shop).toEqual({ status: 200, body: { status: 'shopRedact' } });
  });

  it('customers/data_request answers with, and keeps, what Lojal holds for the customer', async () => {
    const { receive, memory } = receiver();
    const answer = await receive('shopify', shopify('customers/data_request', raw('shopify/customers-data-request.json'), 'w-d'));
    expect(answer.body).toMatchObject({ status: 'exported', requestId: '9999', export: { customerId: '207119551' } });
    expect(memory.dataRequests.get('shopify/9999')).toMatchObject({ customerId: '207119551', data: { items: [{ kind: 'PROFILE' }] } });
  });

  it('an unmappable payload is a dead letter naming the field, answered 200 so the shop does not retry it', async () => {
    const { receive, sent, deadLetters } = receiver();
    const order = JSON.parse(raw('shopify/orders-paid.json').toString('utf8'));
    order.line_items[0].price = '12,90';
    const answer = await receive('shopify', shopify('orders/paid', Buffer.from(JSON.stringify(order)), 'w-bad'));
    expect(answer).toMatchObject({ status: 200, body: { status: 'rejected', field: 'payload.line_items[0].price' } });
    expect(sent).toEqual([]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      detailType: 'orders/paid',
      source: 'lojal.webhook/shopify',
      field: 'payload.line_items[0].price',
      event: { detail: { metadata: { topic: 'orders/paid', deliveryId: 'w-bad' }, payload: { id: 450789469 } } },
    });
  });

  it('a body that is not JSON is a dead letter naming the body', async () => {
    const { receive, deadLetters } = receiver();
    const answer = await receive('shopify', shopify('orders/paid', Buffer.from('id=1'), 'w-nj'));
    expect(answer.body).toMatchObject({ status: 'rejected', field: 'body' });
    expect(deadLetters[0]?.event.detail).toMatchObject({ payload: 'id=1' });
  });

  it('with no secret configured for the platform, fails (500 from the HTTP door) instead of letting the webhook in', async () => {
    const { receive } = receiver({ woocommerce: WOO_SECRET });
    await expect(receive('shopify', shopify('orders/paid', raw('shopify/orders-paid.json'), 'w-1'))).rejects.toBeInstanceOf(
      WebhookSecretMissingError,
    );
  });
});

describe('Function: createWebhookReceiver (WooCommerce)', () => {
  it('answers the activation ping without a signature, and writes nothing', async () => {
    const { receive, sent, memory } = receiver();
    const answer = await receive('woocommerce', { headers: {}, body: Buffer.from('webhook_id=15') });
    expect(answer).toEqual({ status: 200, body: { status: 'ping' } });
    expect(sent).toEqual([]);
    expect(memory.deliveries.size).toBe(0);
  });

  it('an unsigned body that is not a ping is 401', async () => {
    const { receive } = receiver();
    expect(
      (await receive('woocommerce', { headers: { 'x-wc-webhook-topic': 'order.updated' }, body: raw('woocommerce/order-updated.json') }))
        .status,
    ).toBe(401);
  });

  it('order.updated with a refund: the order and its refund, once per delivery id', async () => {
    const { receive, sent } = receiver();
    const answer = await receive('woocommerce', woo('order.updated', raw('woocommerce/order-updated.json'), 'd-1'));
    expect(answer.body).toEqual({ status: 'applied', events: 2, parked: 0 });
    expect(sent.map((s) => [s.event.detailType, s.event.detail.orderId])).toEqual([
      ['order.placed', '727'],
      ['order.refunded', '727'],
    ]);
    expect(sent[1]?.event.detail).toMatchObject({ refundId: 'refund-726', amount: 14900 });
    expect((await receive('woocommerce', woo('order.updated', raw('woocommerce/order-updated.json'), 'd-1'))).body).toEqual({
      status: 'duplicate',
    });
    expect(sent).toHaveLength(2);
  });

  it('a Shopify signature on the WooCommerce door is refused', async () => {
    const { receive } = receiver();
    const body = raw('woocommerce/order-updated.json');
    expect((await receive('woocommerce', woo('order.updated', body, 'd-2', SHOPIFY_SECRET))).status).toBe(401);
  });
});

describe('Function: createWebhookHttpHandler', () => {
  it('takes the base64 body API Gateway may send back to its bytes, and hides unexpected errors', async () => {
    const { receive } = receiver();
    const http = createWebhookHttpHandler(receive, silentLogger);
    const request = shopify('orders/paid', raw('shopify/orders-paid.json'), 'w-http');
    const event = {
      rawPath: '/webhooks/shopify',
      requestContext: { http: { method: 'POST' } },
      headers: request.headers,
      body: request.body.toString('base64'),
      isBase64Encoded: true,
    } as unknown as Parameters<typeof http>[0];
    expect(await http(event)).toMatchObject({ statusCode: 200 });
    const failing = createWebhookHttpHandler(async () => {
      throw new Error('table down: secret detail');
    }, silentLogger);
    const answer = await failing(event);
    expect(answer).toMatchObject({ statusCode: 500 });
    expect(String(answer.body)).not.toContain('secret detail');
  });
});
