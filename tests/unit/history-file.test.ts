import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IntegrationsSchema } from '../../functions/integrations/config';
import { translateShopify } from '../../functions/integrations/shopify';
import { planHistory, readNdjson, readOrdersCsv, readProducts } from '../../scripts/history-file';

/* The history import's pure half. Shopify and WooCommerce records are the documented sample payloads in tests/fixtures (sources in its README). */

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', name), 'utf8')) as Record<string, unknown>;
const now = new Date('2026-12-03T08:00:00Z');
const integrations = IntegrationsSchema.parse({
  shopify: { categories: { from: 'product_type', rename: { 'Running Shoes': 'running-shoes' } }, defaultCategory: 'other' },
  woocommerce: { idPrefix: 'woo-' },
});
const ndjson = (...values: unknown[]) => values.map((v) => JSON.stringify(v)).join('\n');
const order = (orderId: string, placedAt = '2025-11-28T10:00:00+01:00') => ({
  orderId,
  customerId: 'c-1',
  placedAt,
  currency: 'SEK',
  lines: [{ sku: 'TR3-42', category: 'running-shoes', quantity: 1, unitPrice: 129900 }],
});

describe('Function: planHistory (lojal format)', () => {
  it('marks orders and registrations imported, and takes refunds and updates as they are', async () => {
    const { records } = readNdjson(
      ndjson(
        { detailType: 'customer.registered', detail: { customerId: 'c-1', email: 'a@example.com', registeredAt: '2025-01-01T00:00:00Z' } },
        order('o-1'),
        {
          detailType: 'order.refunded',
          detail: { refundId: 'r-1', orderId: 'o-1', customerId: 'c-1', refundedAt: '2025-12-01T00:00:00Z', amount: 100 },
        },
      ),
    );
    const plan = await planHistory(records, { format: 'lojal', integrations, now });
    expect(plan.errors).toEqual([]);
    expect(plan.source).toBe('webshop');
    expect(plan.counts).toEqual({ records: 3, orders: 1, refunds: 1, customers: 1, ignored: 0 });
    expect(plan.events.map((e) => [e.detailType, e.detail.imported])).toEqual([
      ['customer.registered', true],
      ['order.placed', true],
      ['order.refunded', undefined],
    ]);
  });

  it('names every bad line and its field, so a file is refused whole', async () => {
    const text = [
      JSON.stringify(order('o-1')),
      '{"orderId": "o-2",',
      JSON.stringify({ ...order('o-3'), currency: 'sek' }),
      JSON.stringify(order('o-1')),
      '',
      JSON.stringify(order('o-4', '2027-06-01T00:00:00Z')),
      JSON.stringify({ detailType: 'customer.deleted', detail: {} }),
    ].join('\n');
    const read = readNdjson(text);
    expect(read.errors).toEqual([expect.stringMatching(/^line 2: not JSON/)]);
    const plan = await planHistory(read.records, { format: 'lojal', integrations, now });
    expect(plan.errors).toEqual([
      'line 3: detail.currency: must be an ISO-4217 code',
      'line 4: orderId o-1 is already on line 1',
      expect.stringMatching(/^line 6: detail\.placedAt: must not be more than 5 minutes ahead/),
      expect.stringMatching(/^line 7: detailType: must be one of order.placed/),
    ]);
  });
});

describe('Function: readOrdersCsv', () => {
  it('groups the rows of an order into one order.placed, numbers in minor units', async () => {
    const csv = [
      'orderId,customerId,placedAt,currency,sku,category,quantity,unitPrice,name,discount',
      'o-1,c-1,2025-11-28T10:00:00+01:00,SEK,TR3-42,running-shoes,1,129900,"Trail Runner 3, blue",1000',
      'o-1,c-1,2025-11-28T10:00:00+01:00,SEK,SOCK,running-socks,2,14900,,1000',
      'o-2,c-2,2025-11-29T10:00:00+01:00,SEK,SOCK,running-socks,1,14900,,',
    ].join('\r\n');
    const read = readOrdersCsv(csv);
    expect(read.errors).toEqual([]);
    expect(read.records).toEqual([
      {
        where: 'line 2',
        value: {
          orderId: 'o-1',
          customerId: 'c-1',
          placedAt: '2025-11-28T10:00:00+01:00',
          currency: 'SEK',
          discount: 1000,
          lines: [
            { sku: 'TR3-42', category: 'running-shoes', quantity: 1, unitPrice: 129900, name: 'Trail Runner 3, blue' },
            { sku: 'SOCK', category: 'running-socks', quantity: 2, unitPrice: 14900 },
          ],
        },
      },
      expect.objectContaining({ where: 'line 4' }),
    ]);
    const plan = await planHistory(read.records, { format: 'lojal', integrations, now });
    expect(plan.errors).toEqual([]);
    expect(plan.counts.orders).toBe(2);
  });

  it('refuses rows that disagree with their order, missing columns and fractions of a minor unit', async () => {
    const header = 'orderId,customerId,placedAt,currency,sku,category,quantity,unitPrice';
    expect(
      readOrdersCsv(`${header}\no-1,c-1,2025-11-28T10:00:00Z,SEK,A,x,1,100\no-1,c-2,2025-11-28T10:00:00Z,SEK,B,x,1,100\n`).errors,
    ).toEqual(["line 3: customerId: differs from the order's first row (line 2)"]);
    expect(readOrdersCsv('orderId,customerId\no-1,c-1\n').errors).toEqual([
      'line 1: missing column placedAt, currency, sku, category, quantity, unitPrice (needs orderId, customerId, placedAt, currency, sku, category, quantity, unitPrice)',
    ]);
    const read = readOrdersCsv(`${header}\no-1,c-1,2025-11-28T10:00:00Z,SEK,A,x,1,10.5\n`);
    expect((await planHistory(read.records, { format: 'lojal', integrations, now })).errors).toEqual([
      expect.stringMatching(/^line 2: detail\.lines\[0\]\.unitPrice: /),
    ]);
  });
});

describe('Function: planHistory (shopify and woocommerce formats)', () => {
  it('a Shopify Admin REST order with its refunds maps as its webhooks do, marked imported', async () => {
    const refund = fixture('shopify/refunds-create.json');
    const products = await readProducts(
      readNdjson(ndjson({ id: 632910392, product_type: 'Running Shoes', tags: 'trail' })).records,
      'shopify',
      integrations,
    );
    const { records } = readNdjson(
      ndjson(
        { ...fixture('shopify/orders-paid.json'), refunds: [refund] },
        { ...fixture('shopify/orders-paid.json'), id: 450789470, financial_status: 'voided' },
      ),
    );
    const plan = await planHistory(records, { format: 'shopify', integrations, products: products.facts, now });
    expect(plan.errors).toEqual([]);
    expect(plan.counts).toMatchObject({ orders: 1, refunds: 1, ignored: 1 });
    expect(plan.ignored).toEqual([{ where: 'line 2', reason: 'an order with financial_status voided is not paid' }]);

    // The same translator as the webhook receiver: the order's event is the webhook's, plus `imported`.
    const lookups = {
      product: async (id: string) => products.facts.find((p) => p.productId === id),
      customerOfOrder: async () => '207119551',
    };
    const live = await translateShopify('orders/paid', fixture('shopify/orders-paid.json'), integrations.shopify!, lookups, now);
    expect(plan.events[0]).toEqual({ detailType: 'order.placed', detail: { ...live.events[0]?.detail, imported: true } });
    expect(plan.events[0]?.detail.lines).toContainEqual(expect.objectContaining({ sku: 'TR3-42', category: 'running-shoes' }));
    expect(plan.events[1]).toMatchObject({
      detailType: 'order.refunded',
      detail: { refundId: '929361464', orderId: '450789469', customerId: '207119551' },
    });
  });

  it('a WooCommerce v3 order takes its category from the products file and its refund from refunds[]', async () => {
    const products = await readProducts(
      readNdjson(ndjson(fixture('woocommerce/product-updated.json'))).records,
      'woocommerce',
      integrations,
    );
    const { records } = readNdjson(
      ndjson(fixture('woocommerce/order-updated.json'), { ...fixture('woocommerce/order-updated.json'), id: 728, customer_id: 0 }),
    );
    const plan = await planHistory(records, {
      format: 'woocommerce',
      integrations: IntegrationsSchema.parse({ woocommerce: { idPrefix: 'woo-', defaultCategory: 'other' } }),
      products: products.facts,
      now,
    });
    expect(plan.errors).toEqual([]);
    expect(plan.ignored).toEqual([{ where: 'line 2', reason: 'a guest order has no customer to award' }]);
    expect(plan.events.map((e) => e.detailType)).toEqual(['order.placed', 'order.refunded']);
    expect(plan.events[0]?.detail).toMatchObject({ orderId: 'woo-727', customerId: 'woo-26', imported: true });
    expect(plan.events[0]?.detail.lines).toContainEqual(expect.objectContaining({ sku: 'TR3-42', category: 'running-shoes' }));
  });

  it('names the payload field an order cannot be mapped by, and refuses a format the client file does not configure', async () => {
    const { records } = readNdjson(ndjson(fixture('woocommerce/order-updated.json')));
    // No products and no defaultCategory: the line has no category.
    expect((await planHistory(records, { format: 'woocommerce', integrations, now })).errors).toEqual([
      expect.stringMatching(/^line 1: payload\.line_items\[0\]\.product_id: no category for product 93/),
    ]);
    await expect(planHistory(records, { format: 'woocommerce', integrations: IntegrationsSchema.parse({}), now })).rejects.toThrow(
      'integrations.woocommerce: is not configured',
    );
  });

  it('the reconciliation leaves imported off, so missed live orders are mailed as they would have been', async () => {
    const { records } = readNdjson(ndjson(order('o-1')));
    const plan = await planHistory(records, { format: 'lojal', integrations, now, imported: false });
    expect(plan.events[0]?.detail.imported).toBeUndefined();
  });
});
