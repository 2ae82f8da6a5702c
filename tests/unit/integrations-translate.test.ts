import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShopifyIntegrationSchema, WooCommerceIntegrationSchema } from '../../functions/integrations/config';
import { toMinorUnits } from '../../functions/integrations/money';
import { translateShopify } from '../../functions/integrations/shopify';
import type { ProductFact, TranslationLookups } from '../../functions/integrations/translation';
import { translateWooCommerce } from '../../functions/integrations/woocommerce';
import { ValidationError } from '../../functions/runtime/errors';

// Fixtures: tests/fixtures/README.md names the documentation each shape is taken from.
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', name), 'utf8'));
const now = new Date('2026-12-01T12:00:00Z');

function lookups(products: ProductFact[] = [], orders: Record<string, string> = {}): TranslationLookups {
  return {
    product: async (id) => products.find((p) => p.productId === id),
    customerOfOrder: async (id) => orders[id],
  };
}

const shoes: ProductFact = {
  productId: '632910392',
  productType: 'Running Shoes',
  tags: ['category:running-shoes', 'trail'],
  categories: [],
};
const socks: ProductFact = { productId: '921728736', productType: 'Socks', tags: ['category:running-socks'], categories: [] };
const shopify = ShopifyIntegrationSchema.parse({
  categories: { from: 'product_type', rename: { 'Running Shoes': 'running-shoes', Socks: 'running-socks' } },
  lifespanByTag: { trail: 200 },
});

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(error)}`);
  return error;
}

describe('Function: toMinorUnits', () => {
  it('converts by the currency exponent: SEK 2, JPY 0, KWD 3', () => {
    expect(toMinorUnits('129.90', 'SEK', 'f')).toBe(12990);
    expect(toMinorUnits('0.29', 'SEK', 'f')).toBe(29);
    expect(toMinorUnits('1000', 'JPY', 'f')).toBe(1000);
    expect(toMinorUnits('12.345', 'KWD', 'f')).toBe(12345);
    expect(toMinorUnits('-149.00', 'SEK', 'f')).toBe(-14900);
    expect(toMinorUnits('10.500', 'SEK', 'f')).toBe(1050);
  });

  it('refuses digits the currency does not have, naming the field', () => {
    expect(() => toMinorUnits('10.5', 'JPY', 'payload.price')).toThrow('payload.price: has more decimals than JPY has (0)');
    expect(() => toMinorUnits('1,50', 'SEK', 'payload.price')).toThrow(/^payload.price: must be a decimal amount/);
  });

  it('takes a client exponent over the built-in one', () => {
    expect(toMinorUnits('1.5', 'XTS', 'f', { XTS: 1 })).toBe(15);
  });

  // Invariant: an amount written with the currency's exponent converts back to exactly its integer minor units.
  it('round-trips every written amount exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 12 }),
        fc.constantFrom(['SEK', 2], ['JPY', 0], ['KWD', 3]),
        (minor, [currency, exponent]) => {
          const text =
            exponent === 0
              ? String(minor)
              : `${Math.floor(minor / 10 ** exponent)}.${String(minor % 10 ** exponent).padStart(exponent, '0')}`;
          expect(toMinorUnits(text, currency, 'f')).toBe(minor);
        },
      ),
    );
  });
});

describe('Function: translateShopify', () => {
  it('maps orders/paid to order.placed: categories by product_type, prices without tax, the discount net', async () => {
    const result = await translateShopify('orders/paid', fixture('shopify/orders-paid.json'), shopify, lookups([shoes, socks]), now);
    expect(result.events).toEqual([
      {
        detailType: 'order.placed',
        detail: {
          orderId: '450789469',
          customerId: '207119551',
          placedAt: '2026-11-28T10:00:05+01:00',
          currency: 'SEK',
          lines: [
            { sku: 'TR3-42', category: 'running-shoes', quantity: 1, unitPrice: 103920, name: 'Trail Runner 3', lifespanDays: 200 },
            { sku: 'variant-457924702', category: 'running-socks', quantity: 1, unitPrice: 11920, name: 'Running socks' },
          ],
          discount: 10000,
        },
      },
    ]);
    expect(result.orders).toEqual([{ orderId: '450789469', customerId: '207119551' }]);
  });

  it("prices an order by its currency's own exponent: JPY 0, KWD 3, SEK 2", async () => {
    const order = fixture('shopify/orders-paid.json');
    const lines = order.line_items as Record<string, unknown>[];
    const priced = async (currency: string, prices: string[], taxes: string[], discount: string) => {
      const payload = {
        ...order,
        currency,
        total_discounts: discount,
        line_items: lines.map((l, i) => ({ ...l, price: prices[i], tax_lines: [{ price: taxes[i] }] })),
      };
      const result = await translateShopify('orders/paid', payload, shopify, lookups([shoes, socks]), now);
      const detail = result.events[0]?.detail as { lines: { unitPrice: number }[]; discount?: number };
      return [detail.lines.map((l) => l.unitPrice), detail.discount];
    };
    // The fixture's taxes are included in its prices: the client's default counts prices without tax.
    expect(await priced('JPY', ['15000', '2000'], ['3000', '400'], '1000')).toEqual([[12000, 1600], 1000]);
    expect(await priced('KWD', ['40.500', '5.250'], ['8.100', '1.050'], '2.125')).toEqual([[32400, 4200], 2125]);
    expect(await priced('SEK', ['1299.00', '149.00'], ['259.80', '29.80'], '100.00')).toEqual([[103920, 11920], 10000]);
    await expect(priced('JPY', ['15000.5', '2000'], ['0', '0'], '0')).rejects.toThrow(
      'payload.line_items[0].price: has more decimals than JPY has (0)',
    );
  });

  it('counts taxes and discounts as the client wants', async () => {
    const gross = ShopifyIntegrationSchema.parse({ ...shopify, money: { taxes: 'include', discounts: 'gross' } });
    const result = await translateShopify('orders/paid', fixture('shopify/orders-paid.json'), gross, lookups([shoes, socks]), now);
    const detail = result.events[0]?.detail;
    expect(detail?.lines).toMatchObject([{ unitPrice: 129900 }, { unitPrice: 14900 }]);
    expect(detail).not.toHaveProperty('discount');
  });

  it('finds categories by tag prefix or by collection', async () => {
    const byTag = ShopifyIntegrationSchema.parse({ categories: { from: 'tagPrefix', prefix: 'category:' } });
    const tagged = await translateShopify('orders/paid', fixture('shopify/orders-paid.json'), byTag, lookups([shoes, socks]), now);
    expect(tagged.events[0]?.detail.lines).toMatchObject([{ category: 'running-shoes' }, { category: 'running-socks' }]);
    const byCollection = ShopifyIntegrationSchema.parse({
      categories: { from: 'collection', members: { 'running-shoes': ['632910392'], 'running-socks': ['921728736'] } },
    });
    const collected = await translateShopify('orders/paid', fixture('shopify/orders-paid.json'), byCollection, lookups(), now);
    expect(collected.events[0]?.detail.lines).toMatchObject([{ category: 'running-shoes' }, { category: 'running-socks' }]);
  });

  it('rejects a line whose category cannot be found, naming the line, unless a default is set', async () => {
    const error = await rejection(translateShopify('orders/paid', fixture('shopify/orders-paid.json'), shopify, lookups([shoes]), now));
    expect(error.field).toBe('payload.line_items[1].product_id');
    const withDefault = ShopifyIntegrationSchema.parse({ ...shopify, defaultCategory: 'other' });
    const result = await translateShopify('orders/paid', fixture('shopify/orders-paid.json'), withDefault, lookups([shoes]), now);
    expect(result.events[0]?.detail.lines).toMatchObject([{ category: 'running-shoes' }, { category: 'other' }]);
  });

  it('rejects a price that is not a decimal amount, naming the field', async () => {
    const order = fixture('shopify/orders-paid.json');
    const bad = { ...order, line_items: [{ ...(order.line_items as object[])[0], price: 'free' }] };
    const error = await rejection(translateShopify('orders/paid', bad, shopify, lookups([shoes]), now));
    expect(error.field).toBe('payload.line_items[0].price');
  });

  it('takes orders from the topic the client chose only', async () => {
    const result = await translateShopify('orders/create', fixture('shopify/orders-paid.json'), shopify, lookups([shoes, socks]), now);
    expect(result.events).toEqual([]);
    expect(result.ignored).toMatch(/orders\/paid/);
  });

  it('ignores a guest order', async () => {
    const result = await translateShopify(
      'orders/paid',
      { ...fixture('shopify/orders-paid.json'), customer: null },
      shopify,
      lookups([shoes, socks]),
      now,
    );
    expect(result.ignored).toMatch(/guest/);
  });

  it('maps refunds/create by line, with the sku the order used, once the order is known', async () => {
    const result = await translateShopify(
      'refunds/create',
      fixture('shopify/refunds-create.json'),
      shopify,
      lookups([], { '450789469': '207119551' }),
      now,
    );
    expect(result.events).toEqual([
      {
        detailType: 'order.refunded',
        detail: {
          refundId: '929361464',
          orderId: '450789469',
          customerId: '207119551',
          refundedAt: '2026-11-30T14:00:00+01:00',
          lines: [{ sku: 'variant-457924702', quantity: 1 }],
        },
      },
    ]);
  });

  it('parks a refund that arrives before its order', async () => {
    const result = await translateShopify('refunds/create', fixture('shopify/refunds-create.json'), shopify, lookups(), now);
    expect(result.events).toEqual([]);
    expect(result.parkedRefunds).toEqual([
      {
        orderId: '450789469',
        refundId: '929361464',
        detail: {
          refundId: '929361464',
          orderId: '450789469',
          refundedAt: '2026-11-30T14:00:00+01:00',
          lines: [{ sku: 'variant-457924702', quantity: 1 }],
        },
      },
    ]);
  });

  it('maps a refund without lines to its money', async () => {
    const refund = { ...fixture('shopify/refunds-create.json'), refund_line_items: [] };
    const result = await translateShopify('refunds/create', refund, shopify, lookups([], { '450789469': '207119551' }), now);
    expect(result.events[0]?.detail).toMatchObject({ amount: 14900 });
    expect(result.events[0]?.detail).not.toHaveProperty('lines');
  });

  it('maps customers/create with email_marketing_consent and its instant', async () => {
    const result = await translateShopify('customers/create', fixture('shopify/customers-create.json'), shopify, lookups(), now);
    expect(result.events).toEqual([
      {
        detailType: 'customer.registered',
        detail: {
          customerId: '207119551',
          registeredAt: '2026-11-28T09:55:00+01:00',
          email: 'anna@example.com',
          firstName: 'Anna',
          marketingConsent: true,
          marketingConsentAt: '2026-11-28T09:55:00+01:00',
        },
      },
    ]);
  });

  it('maps customers/update with a withdrawn consent and no consent instant', async () => {
    const customer = {
      ...fixture('shopify/customers-create.json'),
      updated_at: '2026-11-29T08:00:00+01:00',
      email_marketing_consent: { state: 'unsubscribed', consent_updated_at: '2026-11-29T08:00:00+01:00' },
    };
    const result = await translateShopify('customers/update', customer, shopify, lookups(), now);
    expect(result.events[0]).toEqual({
      detailType: 'customer.updated',
      detail: {
        customerId: '207119551',
        updatedAt: '2026-11-29T08:00:00+01:00',
        email: 'anna@example.com',
        firstName: 'Anna',
        marketingConsent: false,
      },
    });
  });

  it('maps customers/redact to customer.deleted at receipt, and names the data request and shop redact', async () => {
    const redact = await translateShopify('customers/redact', fixture('shopify/customers-redact.json'), shopify, lookups(), now);
    expect(redact.events).toEqual([{ detailType: 'customer.deleted', detail: { customerId: '207119551', deletedAt: now.toISOString() } }]);
    const request = await translateShopify(
      'customers/data_request',
      fixture('shopify/customers-data-request.json'),
      shopify,
      lookups(),
      now,
    );
    expect(request.dataRequest).toEqual({ customerId: '207119551', requestId: '9999' });
    const shop = await translateShopify('shop/redact', fixture('shopify/shop-redact.json'), shopify, lookups(), now);
    expect(shop.shopRedact).toEqual({ shopDomain: 'demo-sport.myshopify.com' });
  });

  it('remembers products from products/update, tags split from the comma list', async () => {
    const result = await translateShopify(
      'products/update',
      { id: 632910392, product_type: 'Running Shoes', tags: 'trail, category:running-shoes' },
      shopify,
      lookups(),
      now,
    );
    expect(result.products).toEqual([
      { productId: '632910392', productType: 'Running Shoes', tags: ['trail', 'category:running-shoes'], categories: [] },
    ]);
  });

  it('prefixes ids when the client serves several shops from one Lojal', async () => {
    const prefixed = ShopifyIntegrationSchema.parse({ ...shopify, idPrefix: 'se-' });
    const result = await translateShopify('customers/redact', fixture('shopify/customers-redact.json'), prefixed, lookups(), now);
    expect(result.events[0]?.detail.customerId).toBe('se-207119551');
  });
});

describe('Function: translateWooCommerce', () => {
  const woo = WooCommerceIntegrationSchema.parse({ consentMetaKey: 'newsletter_opt_in', money: { taxes: 'include' } });
  const products: ProductFact[] = [
    { productId: '93', tags: ['trail'], categories: ['running-shoes'] },
    { productId: '22', tags: [], categories: ['running-socks'] },
  ];

  it('maps order.updated to order.placed and each refund to order.refunded', async () => {
    const result = await translateWooCommerce('order.updated', fixture('woocommerce/order-updated.json'), woo, lookups(products), now);
    expect(result.events).toEqual([
      {
        detailType: 'order.placed',
        detail: {
          orderId: '727',
          customerId: '26',
          placedAt: '2026-11-28T09:00:10Z',
          currency: 'SEK',
          lines: [
            { sku: 'TR3-42', category: 'running-shoes', quantity: 1, unitPrice: 129900, name: 'Trail Runner 3' },
            { sku: 'variation-23', category: 'running-socks', quantity: 2, unitPrice: 14900, name: 'Running socks' },
          ],
          discount: 10000,
        },
      },
      {
        detailType: 'order.refunded',
        detail: { refundId: 'refund-726', orderId: '727', customerId: '26', refundedAt: '2026-11-30T14:00:00Z', amount: 14900 },
      },
    ]);
  });

  it('ignores an order that is not paid yet', async () => {
    const result = await translateWooCommerce(
      'order.created',
      { ...fixture('woocommerce/order-updated.json'), status: 'pending', refunds: [] },
      woo,
      lookups(products),
      now,
    );
    expect(result.ignored).toMatch(/pending/);
  });

  it('rejects a time without the GMT shape, naming the field', async () => {
    const error = await rejection(
      translateWooCommerce(
        'order.updated',
        { ...fixture('woocommerce/order-updated.json'), date_modified_gmt: 'yesterday' },
        woo,
        lookups(products),
        now,
      ),
    );
    expect(error.field).toBe('payload.date_modified_gmt');
  });

  it('maps customer.created with consent from the configured meta key', async () => {
    const result = await translateWooCommerce('customer.created', fixture('woocommerce/customer-created.json'), woo, lookups(), now);
    expect(result.events).toEqual([
      {
        detailType: 'customer.registered',
        detail: {
          customerId: '26',
          registeredAt: '2026-11-28T08:55:00Z',
          email: 'anna@example.com',
          firstName: 'Anna',
          marketingConsent: true,
          marketingConsentAt: '2026-11-28T08:55:00Z',
        },
      },
    ]);
  });

  it('maps customer.deleted and remembers product categories', async () => {
    const deleted = await translateWooCommerce('customer.deleted', { id: 26 }, woo, lookups(), now);
    expect(deleted.events).toEqual([{ detailType: 'customer.deleted', detail: { customerId: '26', deletedAt: now.toISOString() } }]);
    const product = await translateWooCommerce('product.updated', fixture('woocommerce/product-updated.json'), woo, lookups(), now);
    expect(product.products).toEqual([{ productId: '93', categories: ['running-shoes'], tags: ['trail'] }]);
  });
});
