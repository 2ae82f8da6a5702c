import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { parseProgramConfig } from '../../functions/config/program';
import type { LocalCopy } from '../../local/local-copy';
import { reconcileWooCommerce } from '../../scripts/reconcile-woocommerce';
import { WooCommerceRestError } from '../../scripts/woocommerce-rest';
import { LojalClient } from '../../sdk';
import { startTestLocalCopy } from '../support/local-copy';

/*
 * The WooCommerce reconciliation against a small shop: a local HTTP server answering
 * `GET /wp-json/wc/v3/orders?modified_after=…` and `/products?include=…` as WooCommerce's REST
 * API v3 does (Basic auth, `per_page`/`page`, `X-WP-TotalPages`), with the documented sample
 * order and product of tests/fixtures/woocommerce (shapes from
 * https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-orders and #list-all-products,
 * sources in tests/fixtures/README.md), into a local copy through the typed client.
 */

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'woocommerce', name), 'utf8')) as Record<string, unknown>;
const KEY = 'ck_test';
const SECRET = 'cs_test';
const config = parseProgramConfig({ ...demo, integrations: { woocommerce: { idPrefix: 'woo-' } } });

const refunded = fixture('order-updated.json'); // order 727, modified 2026-11-30T14:00:00, refund 726
const missed = { ...fixture('order-updated.json'), id: 731, refunds: [], date_modified_gmt: '2026-11-30T16:00:00' };
const old = { ...fixture('order-updated.json'), id: 700, refunds: [], date_modified_gmt: '2026-10-01T10:00:00' };
const orders = [old, refunded, missed];
const products = [fixture('product-updated.json'), { id: 22, categories: [{ slug: 'running-socks' }], tags: [] }];

let local: LocalCopy;
let shop: Server;
let shopUrl: string;
const requests: URL[] = [];

function answer(request: IncomingMessage): { status: number; body: unknown; pages?: number } {
  const url = new URL(request.url ?? '/', 'http://shop');
  requests.push(url);
  if (request.headers.authorization !== `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`)
    return {
      status: 401,
      body: { code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', data: { status: 401 } },
    };
  const perPage = Number(url.searchParams.get('per_page') ?? '10');
  const page = Number(url.searchParams.get('page') ?? '1');
  let list: Record<string, unknown>[];
  if (url.pathname === '/wp-json/wc/v3/orders') {
    const after = `${url.searchParams.get('modified_after')}`;
    if (url.searchParams.get('dates_are_gmt') !== 'true') return { status: 400, body: { code: 'expected dates_are_gmt' } };
    list = orders.filter((o) => String(o.date_modified_gmt) > after);
  } else if (url.pathname === '/wp-json/wc/v3/products') {
    const include = new Set((url.searchParams.get('include') ?? '').split(','));
    list = products.filter((p) => include.has(String(p.id)));
  } else return { status: 404, body: { code: 'rest_no_route' } };
  return { status: 200, body: list.slice((page - 1) * perPage, page * perPage), pages: Math.max(1, Math.ceil(list.length / perPage)) };
}

const client = () =>
  new LojalClient({
    clientConfig: { endpoint: local.urls.api, region: 'eu-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
  });
const ledger = async (customerId: string) =>
  ((await (await fetch(`${local.urls.api}/v1/members/${customerId}/ledger`)).json()) as { items: { ref: string; points: number }[] }).items;
const balance = async (customerId: string) =>
  ((await (await fetch(`${local.urls.api}/v1/members/${customerId}`)).json()) as { balance: number }).balance;

beforeAll(async () => {
  local = await startTestLocalCopy('reconcile', '2026-12-01T09:00:00Z', { config, schedules: () => [] });
  shop = createServer((request, response) => {
    const { status, body, pages } = answer(request);
    response.writeHead(status, { 'content-type': 'application/json', ...(pages ? { 'x-wp-totalpages': String(pages) } : {}) });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => shop?.close(resolve));
  await local?.stop();
});

describe('npm run reconcile -- --platform woocommerce', () => {
  it('applies the orders and refunds changed since the time, page by page, and a second run changes nothing', async () => {
    const rest = { shopUrl, consumerKey: KEY, consumerSecret: SECRET, perPage: 1 };
    const options = { integrations: config.integrations, since: new Date('2026-11-30T00:00:00Z'), now: local.clock.now() };
    const first = await reconcileWooCommerce(rest, client, options);
    await local.settle();
    expect(first.fetched).toBe(2);
    expect(first.plan.errors).toEqual([]);
    expect(first.plan.counts).toMatchObject({ orders: 2, refunds: 1 });
    expect(first.accepted).toBe(3);
    // Two pages of one order each, then the products the lines name.
    const orderPages = requests.filter((u) => u.pathname.endsWith('/orders'));
    expect(orderPages.map((u) => u.searchParams.get('page'))).toEqual(['1', '2']);
    expect(orderPages[0]?.searchParams.get('modified_after')).toBe('2026-11-30T00:00:00');
    expect(requests.find((u) => u.pathname.endsWith('/products'))?.searchParams.get('include')).toBe('93,22');

    const refs = (await ledger('woo-26')).map((e) => e.ref);
    expect(refs).toEqual(expect.arrayContaining(['order:woo-727', 'order:woo-731', 'refund:woo-refund-726']));
    expect(refs).not.toContain('order:woo-700');
    const points = await balance('woo-26');

    const second = await reconcileWooCommerce(rest, client, options);
    await local.settle();
    expect(second.accepted).toBe(3);
    expect(await balance('woo-26')).toBe(points);
    expect((await ledger('woo-26')).map((e) => e.ref)).toEqual(refs);
    expect(local.deadLetters.list()).toEqual([]);
  }, 60_000);

  it('a wrong consumer secret is the shop’s 401, and nothing is sent', async () => {
    const attempt = reconcileWooCommerce({ shopUrl, consumerKey: KEY, consumerSecret: 'wrong' }, client, {
      integrations: config.integrations,
      since: new Date('2026-01-01T00:00:00Z'),
      now: local.clock.now(),
    });
    await expect(attempt).rejects.toBeInstanceOf(WooCommerceRestError);
    await expect(attempt).rejects.toThrow('answered 401 (woocommerce_rest_cannot_view)');
    await local.settle();
    expect((await ledger('woo-26')).map((e) => e.ref)).not.toContain('order:woo-700');
  });
});
