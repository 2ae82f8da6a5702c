import * as z from 'zod';
import { ValidationError } from '../runtime/errors';
import type { ShopifyIntegration } from './config';
import { toMinorUnits } from './money';
import {
  categoryOf,
  type MappedLine,
  checked,
  compact,
  ignored,
  lifespanOf,
  mergeLines,
  type ProductFact,
  type Translation,
  type TranslationLookups,
} from './translation';

/**
 * Shopify's webhook payloads (REST Admin API shape, the same body over HTTPS and inside the
 * EventBridge `detail.payload`) → Lojal's events. Only the fields Lojal reads are parsed;
 * Shopify adds fields between API versions, and those pass unread.
 * https://shopify.dev/docs/api/webhooks
 */

/** Shopify ids are 64-bit integers in JSON; they are used as text. */
const shopifyId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);
const money = z.union([z.string(), z.number()]);
const time = z.iso.datetime({ offset: true });

const TaxLine = z.object({ price: money });
const LineItem = z.object({
  id: shopifyId,
  product_id: shopifyId.nullish(),
  variant_id: shopifyId.nullish(),
  sku: z.string().nullish(),
  title: z.string().nullish(),
  quantity: z.number().int().nonnegative(),
  price: money,
  tax_lines: z.array(TaxLine).default([]),
});

const EmailMarketingConsent = z.object({
  state: z.string(),
  consent_updated_at: time.nullish(),
});

const Customer = z.object({
  id: shopifyId,
  email: z.string().nullish(),
  first_name: z.string().nullish(),
  created_at: time.nullish(),
  updated_at: time.nullish(),
  email_marketing_consent: EmailMarketingConsent.nullish(),
});

const Order = z.object({
  id: shopifyId,
  created_at: time,
  processed_at: time.nullish(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code'),
  taxes_included: z.boolean().default(false),
  total_discounts: money.default('0'),
  customer: z.object({ id: shopifyId }).nullish(),
  line_items: z.array(LineItem).min(1),
});

const Refund = z.object({
  id: shopifyId,
  order_id: shopifyId,
  created_at: time,
  processed_at: time.nullish(),
  refund_line_items: z
    .array(z.object({ quantity: z.number().int().nonnegative(), line_item: LineItem.pick({ id: true, variant_id: true, sku: true }) }))
    .default([]),
  transactions: z.array(z.object({ kind: z.string(), status: z.string(), amount: money, currency: z.string().nullish() })).default([]),
});

const Product = z.object({
  id: shopifyId,
  product_type: z.string().nullish(),
  /** A comma-separated list in REST payloads. */
  tags: z.union([z.string(), z.array(z.string())]).nullish(),
});

const CustomerRedact = z.object({ shop_domain: z.string(), customer: z.object({ id: shopifyId }) });
const DataRequest = z.object({
  shop_domain: z.string(),
  customer: z.object({ id: shopifyId }),
  data_request: z.object({ id: shopifyId }),
});
const ShopRedact = z.object({ shop_domain: z.string() });

/** The topics the translator knows; a subscription to any other is answered and ignored. */
export const SHOPIFY_TOPICS = [
  'orders/create',
  'orders/paid',
  'refunds/create',
  'customers/create',
  'customers/update',
  'customers/redact',
  'customers/data_request',
  'shop/redact',
  'products/create',
  'products/update',
] as const;

function parse<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const result = schema.safeParse(payload);
  if (!result.success) throw ValidationError.fromZod(result.error, 'payload');
  return result.data;
}

/** A line's sku as Lojal sees it: the shop's sku, else the variant, else the line, so refunds find it again. */
function skuOf(line: { id: string; variant_id?: string | null | undefined; sku?: string | null | undefined }): string {
  const sku = line.sku?.trim();
  if (sku) return sku;
  return line.variant_id ? `variant-${line.variant_id}` : `line-${line.id}`;
}

export function tagsOf(tags: string | readonly string[] | null | undefined): string[] {
  if (tags === null || tags === undefined) return [];
  const list = typeof tags === 'string' ? tags.split(',') : tags;
  return list.map((t) => t.trim()).filter((t) => t.length > 0);
}

/**
 * Translates one Shopify webhook. `now` is the receipt time (a redact carries none of its own).
 * @throws ValidationError naming the payload field that cannot be mapped
 */
export async function translateShopify(
  topic: string,
  payload: unknown,
  mapping: ShopifyIntegration,
  lookups: TranslationLookups,
  now: Date,
): Promise<Translation> {
  const id = (raw: string) => `${mapping.idPrefix}${raw}`;
  switch (topic) {
    case 'orders/create':
    case 'orders/paid': {
      if (topic !== mapping.orderTopic) return ignored(`orders are taken from ${mapping.orderTopic}`);
      const order = parse(Order, payload);
      if (!order.customer) return ignored('a guest order has no customer to award');
      return translateOrder(order, mapping, lookups, id);
    }
    case 'refunds/create': {
      const refund = parse(Refund, payload);
      const lines = mergeLines(
        refund.refund_line_items
          .filter((r) => r.quantity > 0)
          .map((r) => ({ sku: skuOf(r.line_item), quantity: r.quantity, unitPrice: 0 })),
      ).map(({ sku, quantity }) => ({ sku, quantity }));
      const detail: Record<string, unknown> = {
        refundId: id(refund.id),
        orderId: id(refund.order_id),
        refundedAt: refund.processed_at ?? refund.created_at,
      };
      if (lines.length > 0) detail.lines = lines;
      else {
        // A refund without lines (shipping, an appeasement) is the money that went back.
        const refunded = refund.transactions
          .map((t, i) => ({ t, i }))
          .filter(({ t }) => t.kind === 'refund' && t.status === 'success')
          .reduce(
            (sum, { t, i }) =>
              sum + toMinorUnits(t.amount, t.currency ?? 'XXX', `payload.transactions[${i}].amount`, mapping.money.currencyExponents),
            0,
          );
        if (refunded <= 0) return ignored('a refund with neither lines nor money (e.g. a restock)');
        detail.amount = refunded;
      }
      const customerId = await lookups.customerOfOrder(id(refund.order_id));
      if (customerId === undefined) {
        // Shopify's refund names the order only; it is kept until the order tells whose it is.
        checked('order.refunded', { ...detail, customerId: 'pending' }, 'payload');
        return { events: [], parkedRefunds: [{ orderId: id(refund.order_id), refundId: id(refund.id), detail }] };
      }
      return { events: [checked('order.refunded', { ...detail, customerId }, 'payload')] };
    }
    case 'customers/create':
    case 'customers/update': {
      const customer = parse(Customer, payload);
      const consent = consentOf(customer, mapping);
      const profile = compact({ email: customer.email ?? undefined, firstName: customer.first_name ?? undefined, ...consent });
      if (topic === 'customers/create') {
        if (!customer.email) throw new ValidationError('payload.email', 'a member needs an email address');
        if (!customer.created_at) throw new ValidationError('payload.created_at', 'is required');
        return {
          events: [
            checked('customer.registered', { customerId: id(customer.id), registeredAt: customer.created_at, ...profile }, 'payload'),
          ],
        };
      }
      const updatedAt = customer.updated_at ?? customer.created_at;
      if (!updatedAt) throw new ValidationError('payload.updated_at', 'is required');
      return { events: [checked('customer.updated', { customerId: id(customer.id), updatedAt, ...profile }, 'payload')] };
    }
    case 'customers/redact': {
      const redact = parse(CustomerRedact, payload);
      return { events: [checked('customer.deleted', { customerId: id(redact.customer.id), deletedAt: now.toISOString() }, 'payload')] };
    }
    case 'customers/data_request': {
      const request = parse(DataRequest, payload);
      return { events: [], dataRequest: { customerId: id(request.customer.id), requestId: request.data_request.id } };
    }
    case 'shop/redact':
      return { events: [], shopRedact: { shopDomain: parse(ShopRedact, payload).shop_domain } };
    case 'products/create':
    case 'products/update': {
      const product = parse(Product, payload);
      const fact: ProductFact = {
        productId: product.id,
        tags: tagsOf(product.tags),
        categories: [],
        ...(product.product_type ? { productType: product.product_type } : {}),
      };
      return { events: [], products: [fact] };
    }
    default:
      return ignored(`Lojal does not use the topic ${topic.slice(0, 60)}`);
  }
}

function consentOf(customer: z.output<typeof Customer>, mapping: ShopifyIntegration): Record<string, unknown> {
  if (mapping.consent === 'none' || !customer.email_marketing_consent) return {};
  const { state, consent_updated_at } = customer.email_marketing_consent;
  const subscribed = state === 'subscribed';
  // The instant of consent lets a re-subscription win over an earlier recorded opt-out (docs/events.md).
  return { marketingConsent: subscribed, ...(subscribed && consent_updated_at ? { marketingConsentAt: consent_updated_at } : {}) };
}

async function translateOrder(
  order: z.output<typeof Order>,
  mapping: ShopifyIntegration,
  lookups: TranslationLookups,
  id: (raw: string) => string,
): Promise<Translation> {
  const { currency } = order;
  const exponents = mapping.money.currencyExponents;
  const lines: MappedLine[] = [];
  for (const [i, line] of order.line_items.entries()) {
    if (line.quantity === 0) continue; // a line edited away before payment
    const at = `payload.line_items[${i}]`;
    const fact = line.product_id ? await lookups.product(line.product_id) : undefined;
    const category = categoryOf(mapping.categories, line.product_id ?? undefined, fact) ?? mapping.defaultCategory;
    if (category === null) {
      throw new ValidationError(
        `${at}.product_id`,
        `no category for product ${line.product_id ?? '(none)'} by ${mapping.categories.from}, and no defaultCategory`,
      );
    }
    let total = toMinorUnits(line.price, currency, `${at}.price`, exponents) * line.quantity;
    const tax = line.tax_lines.reduce((sum, t, j) => sum + toMinorUnits(t.price, currency, `${at}.tax_lines[${j}].price`, exponents), 0);
    if (order.taxes_included && mapping.money.taxes === 'exclude') total -= tax;
    if (!order.taxes_included && mapping.money.taxes === 'include') total += tax;
    if (total < 0) throw new ValidationError(`${at}.tax_lines`, 'tax exceeds the line');
    const lifespanDays = lifespanOf(mapping, category, fact);
    lines.push({
      sku: skuOf(line),
      category,
      quantity: line.quantity,
      unitPrice: Math.floor(total / line.quantity),
      ...(line.title ? { name: line.title.slice(0, 300) } : {}),
      ...(lifespanDays !== undefined ? { lifespanDays } : {}),
    });
  }
  if (lines.length === 0) return ignored('an order without quantities');
  const merged = mergeLines(lines);
  const gross = merged.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);
  const discount =
    mapping.money.discounts === 'net'
      ? Math.min(gross, toMinorUnits(order.total_discounts, currency, 'payload.total_discounts', exponents))
      : 0;
  const customerId = id(order.customer?.id ?? '');
  const orderId = id(order.id);
  const detail = compact({
    orderId,
    customerId,
    placedAt: order.processed_at ?? order.created_at,
    currency,
    lines: merged,
    discount: discount > 0 ? discount : undefined,
  });
  return { events: [checked('order.placed', detail, 'payload')], orders: [{ orderId, customerId }] };
}
