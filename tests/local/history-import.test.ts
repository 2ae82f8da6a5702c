import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { parseProgramConfig } from '../../functions/config/program';
import type { LocalCopy } from '../../local/local-copy';
import { readNdjson, readProducts } from '../../scripts/history-file';
import { importHistory } from '../../scripts/history-import';
import { LojalClient } from '../../sdk';
import { startTestLocalCopy } from '../support/local-copy';
import type { StoredMail } from '../support/mail';

/*
 * `npm run import` against a running local copy, as an operator runs it: the real CLI in its
 * own process, PutEvents through the typed client, the production handlers, DynamoDB Local and
 * the local SES. The demo client's flows include a review request two weeks after a
 * running-shoe order, and its check-in comes 30 days after an order: an imported order must
 * start neither. Shopify records are the documented sample payloads of tests/fixtures (sources
 * in its README).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'lojal-import-'));
const email = `hist+${randomUUID().slice(0, 8)}@example.com`;

let local: LocalCopy;
// The CLI reads clients/demo.ts (Lojal's own format needs no mapping); the in-process Shopify import reads this one.
const config = parseProgramConfig({
  ...demo,
  integrations: {
    shopify: { categories: { from: 'product_type', rename: { 'Running Shoes': 'running-shoes' } }, defaultCategory: 'other' },
  },
});
const fixture = (name: string) => readFileSync(join(ROOT, 'tests', 'fixtures', name), 'utf8');

/** Runs the CLI; resolves with its exit code and output instead of throwing on a non-zero exit. */
async function importCli(...args: string[]) {
  try {
    const { stdout, stderr } = await run(TSX, ['scripts/import.ts', ...args], { cwd: ROOT, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
const api = async (path: string) => {
  const response = await fetch(`${local.urls.api}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const inbox = async (): Promise<StoredMail[]> => {
  const { emails } = (await (await fetch(`${local.urls.ses}/store`)).json()) as { emails: StoredMail[] };
  return emails.filter((e) => e.destination.to.includes(email));
};
const moveClock = (body: unknown) => fetch(`${local.urls.api}/_local/clock`, { method: 'POST', body: JSON.stringify(body) });

const order = (orderId: string, placedAt: string, category = 'running-shoes') => ({
  orderId,
  customerId: 'h-1',
  placedAt,
  currency: 'SEK',
  lines: [{ sku: `${category}-1`, category, quantity: 1, unitPrice: 129900, name: 'Trail Runner 3' }],
});
const lines = (...values: unknown[]) => `${values.map((v) => JSON.stringify(v)).join('\n')}\n`;

beforeAll(async () => {
  local = await startTestLocalCopy('import', '2026-12-01T09:00:00Z', { config });
});
afterAll(() => local?.stop());

describe('npm run import into the local copy', () => {
  it('a file imported twice earns its points once and mails nothing, not even weeks later', async () => {
    const file = join(dir, 'orders.ndjson');
    writeFileSync(
      file,
      lines(
        {
          detailType: 'customer.registered',
          detail: { customerId: 'h-1', email, registeredAt: '2025-03-01T10:00:00Z', marketingConsent: true, locale: 'en' },
        },
        order('ho-1', '2026-06-01T10:00:00Z', 'running-socks'),
        // Three days before the clock: live, it would get a check-in and a review request.
        order('ho-2', '2026-11-28T10:00:00Z'),
        {
          detailType: 'order.refunded',
          detail: { refundId: 'hr-1', orderId: 'ho-1', customerId: 'h-1', refundedAt: '2026-06-05T10:00:00Z', amount: 10000 },
        },
      ),
    );

    const first = await importCli('--file', file, '--api', local.urls.api);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('4 records: 2 orders, 1 refunds, 1 customers, 0 ignored; 4 events accepted, 0 refused');
    await local.settle();
    const after = await api('/v1/members/h-1');
    const ledger = await api('/v1/members/h-1/ledger');
    expect(after.body.balance).toBeGreaterThan(0);

    const second = await importCli('--file', file, '--api', local.urls.api);
    expect(second.code).toBe(0);
    await local.settle();
    expect((await api('/v1/members/h-1')).body.balance).toBe(after.body.balance);
    expect((await api('/v1/members/h-1/ledger')).body.items).toEqual(ledger.body.items);

    // 45 days on: past the check-in (30 days), the review request (14 days) and its reminders.
    await moveClock({ advance: 'P45D' });
    expect(await inbox()).toEqual([]);
    const messages = (await api('/v1/members/h-1/messages')).body.items as { status: string }[];
    expect(messages.filter((m) => m.status === 'sent')).toEqual([]);
    const flows = (await api('/v1/members/h-1/flows')).body.runs as unknown[];
    expect(flows).toEqual([]);
    expect(local.deadLetters.list()).toEqual([]);
  }, 120_000);

  it("a Shopify export (customer, order with its refund) imported twice: the webhooks' mapping, points once, no welcome, no mail", async () => {
    const orderWithRefund = {
      ...JSON.parse(fixture('shopify/orders-paid.json')),
      refunds: [JSON.parse(fixture('shopify/refunds-create.json'))],
    };
    const file = `${JSON.stringify(JSON.parse(fixture('shopify/customers-create.json')))}\n${JSON.stringify(orderWithRefund)}\n`;
    const products = await readProducts(
      readNdjson(JSON.stringify({ id: 632910392, product_type: 'Running Shoes', tags: 'trail' })).records,
      'shopify',
      config.integrations,
    );
    const client = new LojalClient({
      clientConfig: { endpoint: local.urls.api, region: 'eu-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    });
    const options = { format: 'shopify' as const, integrations: config.integrations, products: products.facts, now: local.clock.now() };

    const first = await importHistory(() => client, readNdjson(file).records, options);
    await local.settle();
    expect(first.plan.counts).toMatchObject({ orders: 1, refunds: 1, customers: 1 });
    expect(first.accepted).toBe(3);
    const refs = ((await api('/v1/members/207119551/ledger')).body.items as { ref: string }[]).map((i) => i.ref);
    expect(refs).toEqual(expect.arrayContaining(['order:450789469', 'refund:929361464']));
    const points = (await api('/v1/members/207119551')).body.balance;

    await importHistory(() => client, readNdjson(file).records, options);
    await local.settle();
    expect((await api('/v1/members/207119551')).body.balance).toBe(points);
    const { emails } = (await (await fetch(`${local.urls.ses}/store`)).json()) as { emails: StoredMail[] };
    expect(emails.filter((e) => e.destination.to.includes('anna@example.com'))).toEqual([]);
    expect(local.deadLetters.list()).toEqual([]);
  }, 120_000);

  it('a file with bad lines is refused whole, naming each line and field, and nothing is sent', async () => {
    const file = join(dir, 'bad.ndjson');
    writeFileSync(
      file,
      lines(
        order('bo-1', '2026-11-01T10:00:00Z'),
        { ...order('bo-2', '2026-11-02T10:00:00Z'), currency: 'kronor' },
        order('bo-1', '2026-11-03T10:00:00Z'),
      ).replace(/\n$/, '\n{"orderId": \n'),
    );
    const answer = await importCli('--file', file, '--api', local.urls.api);
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain('has 1 problem; nothing was sent');
    expect(answer.stderr).toContain('line 4: not JSON');

    writeFileSync(
      file,
      lines(
        order('bo-1', '2026-11-01T10:00:00Z'),
        { ...order('bo-2', '2026-11-02T10:00:00Z'), currency: 'kronor' },
        order('bo-1', '2026-11-03T10:00:00Z'),
      ),
    );
    const again = await importCli('--file', file, '--api', local.urls.api);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('has 2 problems; nothing was sent');
    expect(again.stderr).toContain('line 2: detail.currency: must be an ISO-4217 code');
    expect(again.stderr).toContain('line 3: orderId bo-1 is already on line 1');
    await local.settle();
    // The valid first line was not sent either.
    expect((await api('/v1/members/h-1/ledger')).body.items).not.toContainEqual(expect.objectContaining({ ref: 'order:bo-1' }));
  }, 120_000);
});
