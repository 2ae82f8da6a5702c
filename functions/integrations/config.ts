import * as z from 'zod';

/**
 * How a client's webshop platform maps onto Lojal's events (Shopify and WooCommerce), as data in the
 * client file: `integrations: { shopify?: {...}, woocommerce?: {...} }`. The translators in
 * this folder read only this; nothing about a shop's catalogue is hard-coded.
 */

const category = z.string().min(1).max(100);
const days = z.number().int().positive();
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as SEK');

/**
 * Where a line's Lojal category comes from. Shopify's and WooCommerce's order lines carry no
 * category themselves, so the product facts come from the product webhooks (`products/create`,
 * `products/update`; `product.created`, `product.updated`), which the receivers keep.
 */
export const CategorySourceSchema = z.discriminatedUnion('from', [
  /** Shopify's `product_type`, optionally renamed (`{ 'Running Shoes': 'running-shoes' }`); unlisted types are used as they are. */
  z.object({ from: z.literal('product_type'), rename: z.record(z.string(), category).default({}) }),
  /** The first product tag starting with `prefix` (`category:running-shoes` → `running-shoes`). */
  z.object({ from: z.literal('tagPrefix'), prefix: z.string().min(1) }),
  /**
   * A collection's products: category → the product ids of that collection (Shopify's order
   * webhooks name no collections, so the membership is listed here, as exported from the admin).
   */
  z.object({ from: z.literal('collection'), members: z.record(category, z.array(z.string().min(1)).min(1)) }),
  /** WooCommerce's product categories: the first category slug, optionally renamed. */
  z.object({ from: z.literal('productCategory'), rename: z.record(z.string(), category).default({}) }),
]);

const MoneyRulesSchema = z.object({
  /**
   * `net`: an order's discounts reduce what earns points (sent as the order's `discount`);
   * `gross`: points on the list price. @default 'net'
   */
  discounts: z.enum(['net', 'gross']).default('net'),
  /** `exclude`: points on prices without tax; `include`: with tax. @default 'exclude' */
  taxes: z.enum(['exclude', 'include']).default('exclude'),
  /**
   * Minor-unit exponents beyond ISO 4217's usual ones (SEK 2, JPY 0, KWD 3 are built in), for
   * converting the shop's decimal strings into integer minor units. @default {}
   */
  currencyExponents: z.record(currency, z.number().int().min(0).max(4)).default({}),
});

const CommonSchema = {
  categories: CategorySourceSchema,
  /** When no category can be found for a line: this category, or (null) the event is rejected naming the line. @default null */
  defaultCategory: category.nullable().default(null),
  /** Lifespans by product tag (a tag's value wins over the category's lifespan in the program). @default {} */
  lifespanByTag: z.record(z.string().min(1), days).default({}),
  /** Lifespans by category for this shop only, beside the program's `lifespans`. @default {} */
  lifespanByCategory: z.record(category, days).default({}),
  money: MoneyRulesSchema.default({ discounts: 'net', taxes: 'exclude', currencyExponents: {} }),
  /** Prefixed to the shop's customer and order ids (e.g. `shop1-`), when one Lojal serves several shops. @default '' */
  idPrefix: z.string().max(20).default(''),
  /** The Source the translated events are put on the client bus with; must be one of `allowedSources`. @default 'webshop' */
  source: z.string().min(1).default('webshop'),
};

export const ShopifyIntegrationSchema = z.object({
  ...CommonSchema,
  /** Which topic is an order: `orders/paid` (points once the money is in) or `orders/create`. @default 'orders/paid' */
  orderTopic: z.enum(['orders/paid', 'orders/create']).default('orders/paid'),
  /**
   * The Shopify partner event source for the native EventBridge delivery, e.g.
   * `aws.partner/shopify.com/1234567/lojal`; the stack adds its rules on that partner bus.
   * @default none (webhooks only)
   */
  partnerEventSource: z
    .string()
    .regex(/^aws\.partner\/shopify\.com\/\d+\/[A-Za-z0-9._-]+$/, 'must be aws.partner/shopify.com/<app id>/<name>')
    .optional(),
  /** Turn on the HTTPS receiver (`POST /webhooks/shopify`), verified with the secret in Secrets Manager. @default false */
  webhooks: z.boolean().default(false),
  /** Which customer field says yes to marketing mail. @default 'email_marketing_consent' */
  consent: z.enum(['email_marketing_consent', 'none']).default('email_marketing_consent'),
});

export const WooCommerceIntegrationSchema = z.object({
  ...CommonSchema,
  categories: CategorySourceSchema.default({ from: 'productCategory', rename: {} }),
  /** Order statuses that mean paid: an order reaching one is `order.placed`. @default ['processing', 'completed'] */
  paidStatuses: z.array(z.string().min(1)).min(1).default(['processing', 'completed']),
  /** A customer `meta_data` key whose truthy value (`yes`, `1`, `true`) is marketing consent. @default none (no consent from the shop) */
  consentMetaKey: z.string().min(1).optional(),
});

export const IntegrationsSchema = z
  .object({
    shopify: ShopifyIntegrationSchema.optional(),
    woocommerce: WooCommerceIntegrationSchema.optional(),
  })
  .default({});

export type ShopifyIntegration = z.output<typeof ShopifyIntegrationSchema>;
export type WooCommerceIntegration = z.output<typeof WooCommerceIntegrationSchema>;
export type Integrations = z.output<typeof IntegrationsSchema>;
export type CategorySource = z.output<typeof CategorySourceSchema>;
export type MoneyRules = z.output<typeof MoneyRulesSchema>;
