import type { LojalClient } from '../sdk';
import type { Integrations } from '../functions/integrations/config';
import { readProducts } from './history-file';
import { type ImportReport, importHistory } from './history-import';
import { ordersModifiedAfter, productsById, type WooCommerceRestOptions } from './woocommerce-rest';

/**
 * WooCommerce disables a webhook after 5 failed deliveries, and its orders stop arriving.
 * The reconciliation (`npm run reconcile`, docs/integrations.md) fetches every order modified
 * since a time from the shop's REST API, with the products its lines name, and feeds them
 * through the history import's translation and sending: the same `order.updated` translator
 * as the webhook, so an order or refund Lojal already has is a no-op (idempotent on orderId
 * and refundId) and a missed one is applied. Its orders are not marked `imported`: they are
 * live orders whose webhook failed, so their check-in and flows run as they would have (an
 * item already more than 7 days late is skipped, as for any late event).
 */

export interface ReconcileOptions {
  readonly integrations: Integrations;
  readonly since: Date;
  readonly now: Date;
  readonly dryRun?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ReconcileReport extends ImportReport {
  /** Orders the shop listed (after removing repeats across pages). */
  readonly fetched: number;
}

export async function reconcileWooCommerce(
  rest: WooCommerceRestOptions,
  makeClient: (source: string) => LojalClient,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  // An order modified while the pages are read may be listed twice: the last one read wins.
  const byId = new Map<string, unknown>();
  for (const order of await ordersModifiedAfter(rest, options.since)) byId.set(String((order as { id?: unknown }).id), order);
  const productIds = new Set<string>();
  for (const order of byId.values()) {
    const lines = (order as { line_items?: { product_id?: unknown }[] }).line_items ?? [];
    for (const line of lines) if (line.product_id !== undefined && String(line.product_id) !== '0') productIds.add(String(line.product_id));
  }
  const products = await readProducts(
    (await productsById(rest, [...productIds])).map((p) => ({ where: `product ${String((p as { id?: unknown }).id)}`, value: p })),
    'woocommerce',
    options.integrations,
  );
  const records = [...byId].map(([id, value]) => ({ where: `order ${id}`, value }));
  const report = await importHistory(makeClient, records, {
    format: 'woocommerce',
    integrations: options.integrations,
    products: products.facts,
    imported: false,
    refuseWhole: false,
    now: options.now,
    ...(options.dryRun !== undefined ? { dryRun: options.dryRun } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return { ...report, plan: { ...report.plan, errors: [...products.errors, ...report.plan.errors] }, fetched: byId.size };
}
