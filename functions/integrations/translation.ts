import * as z from 'zod/mini';
import { WEBSHOP_EVENTS, type WebshopDetailType } from '../contract/events';
import { ValidationError } from '../runtime/errors';
import type { CategorySource } from './config';

/** What the translators share: their output, the facts they remember, and category and lifespan lookup. */

/** One of Lojal's webshop events, ready for `PutEvents` (docs/events.md). */
export interface WebshopEvent {
  readonly detailType: WebshopDetailType;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** What a product webhook tells about a product, kept to find its order lines' categories and lifespans. */
export interface ProductFact {
  readonly productId: string;
  /** Shopify's `product_type`. */
  readonly productType?: string;
  readonly tags: readonly string[];
  /** WooCommerce's category slugs, in the shop's order. */
  readonly categories: readonly string[];
}

/** A refund whose order (and so its customer) is not known yet: kept until the order arrives. */
export interface ParkedRefund {
  readonly orderId: string;
  readonly refundId: string;
  /** The `order.refunded` detail without `customerId`. */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** What translators may look up; the receivers back it with the table, tests with maps. */
export interface TranslationLookups {
  product(productId: string): Promise<ProductFact | undefined>;
  /** The customer of an order seen before (Shopify's refunds name only the order). */
  customerOfOrder(orderId: string): Promise<string | undefined>;
}

/** The outcome of translating one webhook: events to put, facts to remember, or why nothing happens. */
export interface Translation {
  readonly events: readonly WebshopEvent[];
  readonly products?: readonly ProductFact[];
  readonly orders?: readonly { readonly orderId: string; readonly customerId: string }[];
  readonly parkedRefunds?: readonly ParkedRefund[];
  /** Nothing to send, and why (a guest order, a pending order, a topic Lojal does not use). */
  readonly ignored?: string;
  /** A data request (Shopify `customers/data_request`): the receiver answers with what Lojal holds. */
  readonly dataRequest?: { readonly customerId: string; readonly requestId: string };
  /** Shopify `shop/redact`: the shop uninstalled the app 48 hours ago. */
  readonly shopRedact?: { readonly shopDomain: string };
}

export const ignored = (reason: string): Translation => ({ events: [], ignored: reason });

/**
 * Checks a translated event against the contract, so a translator bug or an odd payload is
 * refused here, naming the field, instead of being dead-lettered later by the handler. The
 * detail is sent as built: fields the contract does not know yet (e.g. `marketingConsentAt`)
 * pass through for the handlers that read them.
 */
export function checked(detailType: WebshopDetailType, detail: Record<string, unknown>, prefix: string): WebshopEvent {
  const parsed = z.safeParse(WEBSHOP_EVENTS[detailType], detail);
  if (!parsed.success) throw ValidationError.fromZod(parsed.error, `${prefix}→${detailType}`);
  return { detailType, detail };
}

/** The category of a product's line by the client's rule, or undefined when the rule finds none. */
export function categoryOf(source: CategorySource, productId: string | undefined, fact: ProductFact | undefined): string | undefined {
  switch (source.from) {
    case 'product_type': {
      const type = fact?.productType?.trim();
      return type ? (source.rename[type] ?? type) : undefined;
    }
    case 'tagPrefix': {
      const tag = fact?.tags.find((t) => t.startsWith(source.prefix) && t.length > source.prefix.length);
      return tag?.slice(source.prefix.length);
    }
    case 'collection':
      if (productId === undefined) return undefined;
      return Object.entries(source.members).find(([, ids]) => ids.includes(productId))?.[0];
    case 'productCategory': {
      const slug = fact?.categories[0];
      return slug ? (source.rename[slug] ?? slug) : undefined;
    }
  }
}

/** A line's lifespan: a product tag's lifespan first, then this shop's category lifespan; else the program's (undefined). */
export function lifespanOf(
  rules: { readonly lifespanByTag: Readonly<Record<string, number>>; readonly lifespanByCategory: Readonly<Record<string, number>> },
  category: string,
  fact: ProductFact | undefined,
): number | undefined {
  for (const tag of fact?.tags ?? []) {
    const days = rules.lifespanByTag[tag];
    if (days !== undefined) return days;
  }
  return rules.lifespanByCategory[category];
}

/**
 * Lojal wants each sku once per order; shops may list one sku on two lines (e.g. with different
 * engravings). Such lines are merged: quantities added, the unit price the mean rounded down
 * (integer arithmetic, at most quantity − 1 minor units below the lines' total).
 */
export function mergeLines<L extends { sku: string; quantity: number; unitPrice: number }>(lines: readonly L[]): L[] {
  const bySku = new Map<string, { line: L; total: number }>();
  for (const line of lines) {
    const seen = bySku.get(line.sku);
    if (!seen) bySku.set(line.sku, { line: { ...line }, total: line.unitPrice * line.quantity });
    else {
      seen.total += line.unitPrice * line.quantity;
      seen.line.quantity += line.quantity;
      seen.line.unitPrice = Math.floor(seen.total / seen.line.quantity);
    }
  }
  return [...bySku.values()].map((s) => s.line);
}

/** An `order.placed` line as the translators build it. */
export interface MappedLine {
  sku: string;
  category: string;
  quantity: number;
  unitPrice: number;
  name?: string;
  lifespanDays?: number;
}

/** Drops undefined fields, so optional contract fields are absent rather than `undefined`. */
export function compact(detail: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined));
}
