import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { parseProgramConfig } from '../../functions/config/program';
import { exportMemberData } from '../../functions/adapters/dynamo/integration-store';
import type { LocalCopy } from '../../local/local-copy';
import { localDynamoClients } from '../../local/services/dynamodb';
import { localEventBridge, startTestLocalCopy } from '../support/local-copy';

/*
 * Shopify's native EventBridge delivery on the local copy: events put with the client's partner
 * source run the partner translator, whose Lojal events go through the same rules as a
 * webshop's. Payloads: tests/fixtures/shopify (sources in tests/fixtures/README.md).
 */

const PARTNER = 'aws.partner/shopify.com/1234567/lojal';
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'shopify', name), 'utf8'));
const config = parseProgramConfig({
  ...demo,
  integrations: {
    shopify: {
      partnerEventSource: PARTNER,
      categories: { from: 'product_type', rename: { 'Running Shoes': 'running-shoes', Socks: 'running-socks' } },
    },
  },
});

let local: LocalCopy;
let eventBridge: EventBridgeClient;

async function putPartner(topic: string, payload: unknown, webhookId: string) {
  const answer = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: PARTNER,
          DetailType: 'shopifyWebhook',
          Detail: JSON.stringify({
            metadata: { 'X-Shopify-Topic': topic, 'X-Shopify-Webhook-Id': webhookId, 'X-Shopify-Shop-Domain': 'demo-sport.myshopify.com' },
            payload,
          }),
        },
      ],
    }),
  );
  expect(answer.FailedEntryCount).toBe(0);
  await local.settle();
}

async function ledger(customerId: string) {
  const response = await fetch(`${local.urls.api}/v1/members/${customerId}/ledger`);
  return { status: response.status, body: (await response.json()) as { items?: { delta: number; reason: string; ref: string }[] } };
}

beforeAll(async () => {
  local = await startTestLocalCopy('shopify-eb', '2026-12-01T09:00:00Z', { config, schedules: () => [] });
  eventBridge = localEventBridge(local);
});
afterAll(() => local?.stop());

describe('Local copy: Shopify through the EventBridge partner source', () => {
  it('a refund that arrives before its order waits, and is applied when the order comes', async () => {
    await putPartner('products/update', { id: 632910392, product_type: 'Running Shoes', tags: 'trail' }, 'w-p1');
    await putPartner('products/update', { id: 921728736, product_type: 'Socks', tags: '' }, 'w-p2');
    await putPartner('refunds/create', fixture('refunds-create.json'), 'w-r1');
    expect((await ledger('207119551')).status).toBe(404);

    await putPartner('customers/create', fixture('customers-create.json'), 'w-c1');
    await putPartner('orders/paid', fixture('orders-paid.json'), 'w-o1');
    const { body } = await ledger('207119551');
    const refs = body.items?.map((i) => i.ref) ?? [];
    expect(refs).toContain('order:450789469');
    expect(refs).toContain('refund:929361464');
    expect(local.deadLetters.list()).toEqual([]);
  });

  it('a duplicated delivery (the same webhook id, or the same order again) changes nothing', async () => {
    const before = await ledger('207119551');
    await putPartner('orders/paid', fixture('orders-paid.json'), 'w-o1');
    await putPartner('orders/paid', fixture('orders-paid.json'), 'w-o1-retry');
    await putPartner('refunds/create', fixture('refunds-create.json'), 'w-r1');
    expect(await ledger('207119551')).toEqual(before);
  });

  it('a payload that cannot be mapped is dead-lettered, naming the field, and writes nothing', async () => {
    const order = fixture('orders-paid.json');
    await putPartner(
      'orders/paid',
      { ...order, id: 1, customer: { id: 5 }, line_items: [{ id: 1, product_id: 1, quantity: 1, price: '1,5' }] },
      'w-bad',
    );
    const letters = local.deadLetters.list();
    expect(letters.map((l) => l.error)).toEqual([expect.stringMatching(/^payload\.line_items\[0\]\.product_id: no category/)]);
    expect((await ledger('5')).status).toBe(404);
  });

  it('customers/redact erases the personal data and keeps the anonymous ledger', async () => {
    const dynamo = localDynamoClients(local.urls.dynamoDb);
    expect(JSON.stringify(await exportMemberData(dynamo.doc, local.tableName, '207119551'))).toContain('anna@example.com');
    await putPartner('customers/redact', fixture('customers-redact.json'), 'w-x1');
    const held = await exportMemberData(dynamo.doc, local.tableName, '207119551');
    expect(JSON.stringify(held)).not.toContain('anna@example.com');
    expect(held.items.length).toBeGreaterThan(0);
    dynamo.doc.destroy();
  });
});
