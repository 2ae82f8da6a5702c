import { parse } from 'csv-parse/sync';
import * as z from 'zod/mini';
import { WEBSHOP_EVENTS, type WebshopDetailType } from '../functions/contract/events';
import { assertBusinessTimesBounded } from '../functions/domain/business-time';
import type { Integrations } from '../functions/integrations/config';
import { IntegrationNotConfiguredError } from '../functions/integrations/ingest';
import { translateShopify } from '../functions/integrations/shopify';
import type { ProductFact, Translation, TranslationLookups, WebshopEvent } from '../functions/integrations/translation';
import { translateWooCommerce } from '../functions/integrations/woocommerce';
import { ValidationError } from '../functions/runtime/errors';

/**
 * The history import's pure half (`npm run import`, docs/integrations.md): a file's records →
 * Lojal's webshop events, every record validated before anything is sent, so a file with one
 * bad line out of thousands is refused whole. Shopify and WooCommerce records go through the
 * same translators as their webhooks (functions/integrations/), so a history order earns what
 * the same order earns live; the reconciliation (`npm run reconcile`) feeds the REST API's
 * answers through here too.
 */

export const IMPORT_FORMATS = ['lojal', 'shopify', 'woocommerce'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One record of a file, with where it is, for errors the operator can find (`line 12`, `order 727`). */
export interface HistoryRecord {
  readonly where: string;
  readonly value: unknown;
}

export interface RecordsRead {
  readonly records: HistoryRecord[];
  /** Problems found while reading (not JSON, a CSV row that disagrees with its order). */
  readonly errors: string[];
}

export interface HistoryOptions {
  readonly format: ImportFormat;
  /** The client file's `integrations` (the Shopify or WooCommerce mapping). */
  readonly integrations: Integrations;
  /** Product facts for the category and lifespan rules (Shopify's and WooCommerce's order lines name no category). @default none */
  readonly products?: readonly ProductFact[];
  /**
   * Marks orders and registrations `imported: true`: points are earned, no mail about the past
   * is sent (the timeline's items are `skipped`, flows start no run, no welcome). The
   * reconciliation sends missed live events and leaves it off. @default true
   */
  readonly imported?: boolean;
  /** Lojal's clock: business times more than a few minutes after it are refused, as the handlers would. */
  readonly now: Date;
}

export interface HistoryCounts {
  readonly records: number;
  readonly orders: number;
  readonly refunds: number;
  readonly customers: number;
  readonly ignored: number;
}

export interface HistoryPlan {
  /** The events to send, in the file's order. Send nothing while `errors` has any. */
  readonly events: WebshopEvent[];
  /** The `Source` to send them with: the mapping's `source`, `webshop` for Lojal's own format. */
  readonly source: string;
  readonly counts: HistoryCounts;
  /** Records that map to nothing (a guest order, an unpaid one), and why. */
  readonly ignored: { readonly where: string; readonly reason: string }[];
  readonly errors: string[];
}

/** Reads NDJSON: one JSON object per line; blank lines are skipped. Lines are counted from 1. */
export function readNdjson(text: string): RecordsRead {
  const records: HistoryRecord[] = [];
  const errors: string[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      if (raw.trim() === '') return;
      const where = `line ${i + 1}`;
      try {
        records.push({ where, value: JSON.parse(raw) as unknown });
      } catch (error) {
        errors.push(`${where}: not JSON (${(error as Error).message.slice(0, 80)})`);
      }
    });
  return { records, errors };
}

/** The columns of Lojal's CSV: one row per order line, rows of one order together (`orderId` groups them). */
export const ORDER_CSV_COLUMNS = ['orderId', 'customerId', 'placedAt', 'currency', 'sku', 'category', 'quantity', 'unitPrice'] as const;
const ORDER_FIELDS = ['customerId', 'placedAt', 'currency', 'discount', 'market', 'accountId'] as const;
const LINE_FIELDS = ['sku', 'category', 'quantity', 'unitPrice', 'name', 'lifespanDays'] as const;
const NUMERIC = new Set(['quantity', 'unitPrice', 'discount', 'lifespanDays']);

/**
 * Reads Lojal's order CSV (a header line; `name`, `lifespanDays`, `discount`, `market` and
 * `accountId` optional; amounts in minor units) into `order.placed` details, one record per
 * order named by its first row's line. Rows of one order must agree on the order's fields.
 *
 * @example
 * orderId,customerId,placedAt,currency,sku,category,quantity,unitPrice,name
 * o-1001,c-42,2025-11-28T10:00:00+01:00,SEK,TR3-42,running-shoes,1,129900,Trail Runner 3
 */
export function readOrdersCsv(text: string): RecordsRead {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { columns: true, bom: true, skip_empty_lines: true, trim: true, info: true }) as typeof rows;
  } catch (error) {
    return { records: [], errors: [`not a CSV file: ${(error as Error).message}`] };
  }
  const header = (parse(text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '', { trim: true })[0] ?? []) as string[];
  const missing = ORDER_CSV_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0)
    return { records: [], errors: [`line 1: missing column ${missing.join(', ')} (needs ${ORDER_CSV_COLUMNS.join(', ')})`] };

  const value = (field: string, raw: string | undefined): unknown => {
    if (raw === undefined || raw === '') return undefined;
    // Whole numbers only: "10.5" or "1e3" stay text, so the contract refuses them naming the field.
    return NUMERIC.has(field) && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  };
  const orders = new Map<string, { where: string; detail: Record<string, unknown>; lines: Record<string, unknown>[] }>();
  const errors: string[] = [];
  for (const { record, info } of rows) {
    const where = `line ${info.lines}`;
    const orderId = record.orderId ?? '';
    if (orderId === '') {
      errors.push(`${where}: orderId: is required`);
      continue;
    }
    const own = Object.fromEntries(ORDER_FIELDS.map((f) => [f, value(f, record[f])]).filter(([, v]) => v !== undefined));
    const line = Object.fromEntries(LINE_FIELDS.map((f) => [f, value(f, record[f])]).filter(([, v]) => v !== undefined));
    const order = orders.get(orderId);
    if (!order) {
      orders.set(orderId, { where, detail: { orderId, ...own }, lines: [line] });
      continue;
    }
    const differs = ORDER_FIELDS.find((f) => own[f] !== order.detail[f]);
    if (differs) errors.push(`${where}: ${differs}: differs from the order's first row (${order.where})`);
    else order.lines.push(line);
  }
  return { records: [...orders.values()].map((o) => ({ where: o.where, value: { ...o.detail, lines: o.lines } })), errors };
}

/** Lojal's format: a line is an `order.placed` detail, or `{ "detailType": …, "detail": … }` for the other webshop events. */
const Envelope = z.object({ detailType: z.string(), detail: z.unknown() });

/** What the history import sends; a customer's later changes come from the shop's own doors. */
const IMPORTABLE: readonly WebshopDetailType[] = ['order.placed', 'order.refunded', 'customer.registered', 'customer.updated'];

/** The key each event is idempotent on: one file names each at most once. */
function keyOf(event: WebshopEvent): string | undefined {
  const d = event.detail;
  if (event.detailType === 'order.placed') return `orderId ${String(d.orderId)}`;
  if (event.detailType === 'order.refunded') return `refundId ${String(d.refundId)}`;
  if (event.detailType === 'customer.registered') return `customerId ${String(d.customerId)}`;
  return undefined;
}

/** Shopify `financial_status` values of an order whose money never came in. */
const UNPAID_SHOPIFY = new Set(['pending', 'authorized', 'voided', 'expired']);

const isOrder = (value: unknown) => typeof value === 'object' && value !== null && 'line_items' in value;

export interface ProductFactsRead {
  readonly facts: ProductFact[];
  readonly errors: string[];
}

/**
 * Product payloads (Shopify's REST `Product`, WooCommerce's v3 product; one per line) → the
 * facts the category rules read, through the translators' product topics.
 */
export async function readProducts(
  records: readonly HistoryRecord[],
  format: 'shopify' | 'woocommerce',
  integrations: Integrations,
): Promise<ProductFactsRead> {
  const facts: ProductFact[] = [];
  const errors: string[] = [];
  const none: TranslationLookups = { product: async () => undefined, customerOfOrder: async () => undefined };
  const { shopify, woocommerce } = mappingsFor(format, integrations);
  for (const { where, value } of records) {
    try {
      const translation = shopify
        ? await translateShopify('products/update', value, shopify, none, new Date(0))
        : woocommerce
          ? await translateWooCommerce('product.updated', value, woocommerce, none, new Date(0))
          : undefined;
      facts.push(...(translation?.products ?? []));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push(`${where}: ${error.field}: ${error.reason}`);
    }
  }
  return { facts, errors };
}

/** The mapping the format needs. @throws IntegrationNotConfiguredError when the client file has none */
function mappingsFor(format: ImportFormat, integrations: Integrations): Integrations {
  if (format === 'shopify' && !integrations.shopify)
    throw new IntegrationNotConfiguredError('integrations.shopify', 'is not configured in the client file (docs/integrations.md)');
  if (format === 'woocommerce' && !integrations.woocommerce)
    throw new IntegrationNotConfiguredError('integrations.woocommerce', 'is not configured in the client file (docs/integrations.md)');
  return format === 'shopify'
    ? { shopify: integrations.shopify }
    : format === 'woocommerce'
      ? { woocommerce: integrations.woocommerce }
      : {};
}

/**
 * Translates and validates every record. The translation is pure: the lookups are the file's
 * own products and the orders met so far, so a Shopify order's embedded refunds find their
 * customer. Every problem is collected, each naming its record and field.
 * @throws IntegrationNotConfiguredError when the client file has no mapping for the format
 */
export async function planHistory(records: readonly HistoryRecord[], options: HistoryOptions): Promise<HistoryPlan> {
  const { format, now } = options;
  const imported = options.imported ?? true;
  const products = new Map((options.products ?? []).map((p) => [p.productId, p]));
  const customers = new Map<string, string>();
  const lookups: TranslationLookups = {
    product: async (id) => products.get(id),
    customerOfOrder: async (id) => customers.get(id),
  };
  const { shopify, woocommerce: woo } = mappingsFor(format, options.integrations);

  /** One record → its translations (a Shopify order and each of its refunds). */
  const translate = async (value: unknown): Promise<Translation[]> => {
    if (shopify) {
      if (!isOrder(value)) return [await translateShopify('customers/create', value, shopify, lookups, now)];
      // A webhook for `orders/paid` comes only once the money is in; an export lists every order.
      const status = (value as { financial_status?: unknown }).financial_status;
      if (shopify.orderTopic === 'orders/paid' && typeof status === 'string' && UNPAID_SHOPIFY.has(status))
        return [{ events: [], ignored: `an order with financial_status ${status.slice(0, 30)} is not paid` }];
      const order = await translateShopify(shopify.orderTopic, value, shopify, lookups, now);
      for (const o of order.orders ?? []) customers.set(o.orderId, o.customerId);
      // The Admin REST order carries its refunds; each is the `refunds/create` payload Shopify sends.
      const refunds = (value as { refunds?: unknown }).refunds;
      const out = [order];
      if (Array.isArray(refunds))
        for (const [i, refund] of refunds.entries()) {
          try {
            out.push(await translateShopify('refunds/create', refund, shopify, lookups, now));
          } catch (error) {
            if (error instanceof ValidationError)
              throw new ValidationError(error.field.replace(/^payload/, `payload.refunds[${i}]`), error.reason);
            throw error;
          }
        }
      return out;
    }
    if (woo) {
      // A WooCommerce order carries its refunds (`refunds[]`), which the translator maps.
      return [await translateWooCommerce(isOrder(value) ? 'order.updated' : 'customer.created', value, woo, lookups, now)];
    }
    const envelope = Envelope.safeParse(value);
    const detailType = (envelope.success ? envelope.data.detailType : 'order.placed') as WebshopDetailType;
    const detail = envelope.success ? envelope.data.detail : value;
    if (!IMPORTABLE.includes(detailType))
      throw new ValidationError('detailType', `must be one of ${IMPORTABLE.join(', ')}, got ${String(detailType).slice(0, 40)}`);
    const parsed = z.safeParse(WEBSHOP_EVENTS[detailType], detail);
    if (!parsed.success) throw ValidationError.fromZod(parsed.error, 'detail');
    return [{ events: [{ detailType, detail: detail as Record<string, unknown> }] }];
  };

  const events: WebshopEvent[] = [];
  const errors: string[] = [];
  const ignored: { where: string; reason: string }[] = [];
  const seen = new Map<string, string>();
  const counts = { records: records.length, orders: 0, refunds: 0, customers: 0, ignored: 0 };
  for (const { where, value } of records) {
    let translations: Translation[];
    try {
      translations = await translate(value);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push(`${where}: ${error.field}: ${error.reason}`);
      continue;
    }
    for (const t of translations) {
      if (t.ignored !== undefined && t.events.length === 0) {
        counts.ignored++;
        ignored.push({ where, reason: t.ignored });
      }
      if (t.parkedRefunds?.length) {
        counts.ignored += t.parkedRefunds.length;
        ignored.push({ where, reason: 'a refund of an order that was not imported' });
      }
      for (const event of t.events) {
        try {
          assertBusinessTimesBounded(event.detail, now, undefined, 'detail');
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          errors.push(`${where}: ${error.field}: ${error.reason}`);
          continue;
        }
        const key = keyOf(event);
        const first = key === undefined ? undefined : seen.get(key);
        if (key !== undefined && first !== undefined) {
          errors.push(`${where}: ${key} is already on ${first}`);
          continue;
        }
        if (key !== undefined) seen.set(key, where);
        const marked =
          imported && (event.detailType === 'order.placed' || event.detailType === 'customer.registered')
            ? { detailType: event.detailType, detail: { ...event.detail, imported: true } }
            : event;
        events.push(marked);
        if (event.detailType === 'order.placed') counts.orders++;
        else if (event.detailType === 'order.refunded') counts.refunds++;
        else counts.customers++;
      }
    }
  }
  const source = shopify?.source ?? woo?.source ?? 'webshop';
  return { events, source, counts, ignored, errors };
}
