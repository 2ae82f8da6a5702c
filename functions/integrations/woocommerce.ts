import * as z from 'zod';
import { ValidationError } from '../runtime/errors';
import type { WooCommerceIntegration } from './config';
import { toMinorUnits } from './money';
import {
  categoryOf,
  checked,
  compact,
  ignored,
  lifespanOf,
  type MappedLine,
  mergeLines,
  type Translation,
  type TranslationLookups,
  type WebshopEvent,
} from './translation';

/**
 * WooCommerce's webhook payloads (the REST API v3 resource as the body; topic in
 * `X-WC-Webhook-Topic`) → Lojal's events. WooCommerce sends no refund webhook: refunds appear
 * in `order.updated` as `refunds: [{ id, total: "-10.00" }]`, each one an `order.refunded`
 * whose id makes a repeated update harmless.
 * https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks
 */

const wooId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);
const money = z.union([z.string(), z.number()]);
/** WooCommerce's `_gmt` times carry no offset ("2017-03-22T16:28:02"); they are UTC. */
const gmtTime = z
  .string()
  .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/, 'must be a GMT time such as 2017-03-22T16:28:02')
  .transform((t) => `${t}Z`);
const Meta = z.array(z.object({ key: z.string(), value: z.unknown() })).default([]);
const Term = z.array(z.object({ slug: z.string() })).default([]);

const LineItem = z.object({
  id: wooId,
  name: z.string().nullish(),
  product_id: wooId,
  variation_id: wooId.nullish(),
  quantity: z.number().int().nonnegative(),
  sku: z.string().nullish(),
  subtotal: money,
  subtotal_tax: money.default('0'),
  total: money,
  total_tax: money.default('0'),
});

const Order = z.object({
  id: wooId,
  status: z.string(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code'),
  customer_id: z.number().int().nonnegative(),
  date_created_gmt: gmtTime,
  date_paid_gmt: gmtTime.nullish(),
  date_modified_gmt: gmtTime,
  line_items: z.array(LineItem),
  refunds: z.array(z.object({ id: wooId, total: money })).default([]),
});

const Customer = z.object({
  id: wooId,
  email: z.string().nullish(),
  first_name: z.string().nullish(),
  date_created_gmt: gmtTime.nullish(),
  date_modified_gmt: gmtTime.nullish(),
  meta_data: Meta,
});

const Product = z.object({ id: wooId, categories: Term, tags: Term });

export const WOOCOMMERCE_TOPICS = [
  'order.created',
  'order.updated',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'product.created',
  'product.updated',
] as const;

function parse<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const result = schema.safeParse(payload);
  if (!result.success) throw ValidationError.fromZod(result.error, 'payload');
  return result.data;
}

/**
 * Translates one WooCommerce webhook delivery.
 * @throws ValidationError naming the payload field that cannot be mapped
 */
export async function translateWooCommerce(
  topic: string,
  payload: unknown,
  mapping: WooCommerceIntegration,
  lookups: TranslationLookups,
  now: Date,
): Promise<Translation> {
  const id = (raw: string) => `${mapping.idPrefix}${raw}`;
  switch (topic) {
    case 'order.created':
    case 'order.updated': {
      const order = parse(Order, payload);
      if (order.customer_id === 0) return ignored('a guest order has no customer to award');
      // A refunded order was paid first; its refunds below take the points back.
      if (!mapping.paidStatuses.includes(order.status) && order.status !== 'refunded')
        return ignored(`an order in status ${order.status.slice(0, 30)} is not paid`);
      return translateOrder(order, mapping, lookups, id);
    }
    case 'customer.created':
    case 'customer.updated': {
      const customer = parse(Customer, payload);
      const consent = consentOf(customer, mapping);
      const profile = compact({ email: customer.email || undefined, firstName: customer.first_name || undefined, ...consent });
      if (topic === 'customer.created') {
        if (!customer.email) throw new ValidationError('payload.email', 'a member needs an email address');
        if (!customer.date_created_gmt) throw new ValidationError('payload.date_created_gmt', 'is required');
        return {
          events: [
            checked('customer.registered', { customerId: id(customer.id), registeredAt: customer.date_created_gmt, ...profile }, 'payload'),
          ],
        };
      }
      const updatedAt = customer.date_modified_gmt ?? customer.date_created_gmt;
      if (!updatedAt) throw new ValidationError('payload.date_modified_gmt', 'is required');
      return { events: [checked('customer.updated', { customerId: id(customer.id), updatedAt, ...profile }, 'payload')] };
    }
    case 'customer.deleted': {
      const { id: customerId } = parse(z.object({ id: wooId }), payload);
      return { events: [checked('customer.deleted', { customerId: id(customerId), deletedAt: now.toISOString() }, 'payload')] };
    }
    case 'product.created':
    case 'product.updated': {
      const product = parse(Product, payload);
      return {
        events: [],
        products: [{ productId: product.id, categories: product.categories.map((c) => c.slug), tags: product.tags.map((t) => t.slug) }],
      };
    }
    default:
      return ignored(`Lojal does not use the topic ${topic.slice(0, 60)}`);
  }
}

const TRUTHY = new Set(['yes', '1', 'true', 'on']);

function consentOf(customer: z.output<typeof Customer>, mapping: WooCommerceIntegration): Record<string, unknown> {
  if (mapping.consentMetaKey === undefined) return {};
  const meta = customer.meta_data.find((m) => m.key === mapping.consentMetaKey);
  if (!meta) return {};
  const yes = TRUTHY.has(String(meta.value).toLowerCase());
  // WooCommerce records no consent instant; the profile's modification time is the best one there is.
  return { marketingConsent: yes, ...(yes && customer.date_modified_gmt ? { marketingConsentAt: customer.date_modified_gmt } : {}) };
}

async function translateOrder(
  order: z.output<typeof Order>,
  mapping: WooCommerceIntegration,
  lookups: TranslationLookups,
  id: (raw: string) => string,
): Promise<Translation> {
  const { currency } = order;
  const exponents = mapping.money.currencyExponents;
  const withTax = mapping.money.taxes === 'include';
  const lines: MappedLine[] = [];
  let discount = 0;
  for (const [i, line] of order.line_items.entries()) {
    if (line.quantity === 0) continue;
    const at = `payload.line_items[${i}]`;
    const fact = await lookups.product(line.product_id);
    const category = categoryOf(mapping.categories, line.product_id, fact) ?? mapping.defaultCategory;
    if (category === null) {
      throw new ValidationError(
        `${at}.product_id`,
        `no category for product ${line.product_id} by ${mapping.categories.from}, and no defaultCategory`,
      );
    }
    const minor = (value: string | number, field: string) => toMinorUnits(value, currency, `${at}.${field}`, exponents);
    // `subtotal` is before coupons, `total` after; both without tax, which is given beside them.
    const listPrice = minor(line.subtotal, 'subtotal') + (withTax ? minor(line.subtotal_tax, 'subtotal_tax') : 0);
    const paid = minor(line.total, 'total') + (withTax ? minor(line.total_tax, 'total_tax') : 0);
    if (listPrice < 0 || paid < 0) throw new ValidationError(`${at}.total`, 'must not be negative');
    discount += Math.max(0, listPrice - paid);
    const lifespanDays = lifespanOf(mapping, category, fact);
    const sku =
      line.sku?.trim() ||
      (line.variation_id && line.variation_id !== '0' ? `variation-${line.variation_id}` : `product-${line.product_id}`);
    lines.push({
      sku,
      category,
      quantity: line.quantity,
      unitPrice: Math.floor(listPrice / line.quantity),
      ...(line.name ? { name: line.name.slice(0, 300) } : {}),
      ...(lifespanDays !== undefined ? { lifespanDays } : {}),
    });
  }
  if (lines.length === 0) return ignored('an order without quantities');
  const merged = mergeLines(lines);
  const gross = merged.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);
  const orderId = id(order.id);
  const customerId = id(String(order.customer_id));
  const events: WebshopEvent[] = [
    checked(
      'order.placed',
      compact({
        orderId,
        customerId,
        placedAt: order.date_paid_gmt ?? order.date_created_gmt,
        currency,
        lines: merged,
        discount: mapping.money.discounts === 'net' && discount > 0 ? Math.min(gross, discount) : undefined,
      }),
      'payload',
    ),
  ];
  for (const [i, refund] of order.refunds.entries()) {
    // WooCommerce lists a refund's total as a negative amount.
    const amount = -toMinorUnits(refund.total, currency, `payload.refunds[${i}].total`, exponents);
    if (amount <= 0) continue;
    events.push(
      checked(
        'order.refunded',
        { refundId: id(`refund-${refund.id}`), orderId, customerId, refundedAt: order.date_modified_gmt, amount },
        `payload.refunds[${i}]`,
      ),
    );
  }
  return { events, orders: [{ orderId, customerId }] };
}
