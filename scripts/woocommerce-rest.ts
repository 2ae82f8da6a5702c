/**
 * The few WooCommerce REST API v3 reads the reconciliation needs, over HTTPS with Basic auth
 * (the consumer key and secret as user and password, as WooCommerce documents for HTTPS):
 * https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-https
 */

export interface WooCommerceRestOptions {
  /** The shop's address, e.g. `https://shop.example.com` (the API is under `/wp-json/wc/v3`). */
  readonly shopUrl: string;
  readonly consumerKey: string;
  readonly consumerSecret: string;
  /** Resources per page, at most 100 (WooCommerce's limit). @default 100 */
  readonly perPage?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** The shop answered with an error (a wrong key is 401, a missing permission 403); the status and WooCommerce's `code` are kept. */
export class WooCommerceRestError extends Error {
  override readonly name = 'WooCommerceRestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function getPage(options: WooCommerceRestOptions, path: string, query: Record<string, string>) {
  const url = new URL(`${options.shopUrl.replace(/\/+$/, '')}/wp-json/wc/v3/${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const auth = Buffer.from(`${options.consumerKey}:${options.consumerSecret}`).toString('base64');
  const response = await (options.fetch ?? fetch)(url, { headers: { authorization: `Basic ${auth}`, accept: 'application/json' } });
  const text = await response.text();
  if (!response.ok) {
    let code = '';
    try {
      code = String((JSON.parse(text) as { code?: unknown }).code ?? '');
    } catch {
      // not JSON: the status says enough
    }
    throw new WooCommerceRestError(response.status, `GET ${url.pathname} answered ${response.status}${code ? ` (${code})` : ''}`);
  }
  const body = JSON.parse(text) as unknown;
  if (!Array.isArray(body)) throw new WooCommerceRestError(response.status, `GET ${url.pathname} did not answer a list`);
  const pages = Number(response.headers.get('x-wp-totalpages') ?? '1');
  return { items: body as unknown[], pages: Number.isFinite(pages) ? pages : 1 };
}

async function getAll(options: WooCommerceRestOptions, path: string, query: Record<string, string>): Promise<unknown[]> {
  const perPage = Math.min(100, Math.max(1, options.perPage ?? 100));
  const all: unknown[] = [];
  for (let page = 1; ; page++) {
    const { items, pages } = await getPage(options, path, { ...query, per_page: String(perPage), page: String(page) });
    all.push(...items);
    if (page >= pages || items.length < perPage) return all;
  }
}

/**
 * Every order modified after `since` (its refunds ride in `refunds[]`, and a refund modifies
 * its order), oldest id first so pages stay stable while the shop takes new orders.
 */
export function ordersModifiedAfter(options: WooCommerceRestOptions, since: Date): Promise<unknown[]> {
  return getAll(options, 'orders', {
    modified_after: since.toISOString().replace(/\.\d{3}Z$/, ''),
    // modified_after is read as the shop's local time unless dates_are_gmt is set.
    dates_are_gmt: 'true',
    orderby: 'id',
    order: 'asc',
  });
}

/** The products with these ids, for the category rules (`include`, 100 at a time). */
export async function productsById(options: WooCommerceRestOptions, ids: readonly string[]): Promise<unknown[]> {
  const all: unknown[] = [];
  for (let i = 0; i < ids.length; i += 100) all.push(...(await getAll(options, 'products', { include: ids.slice(i, i + 100).join(',') })));
  return all;
}
