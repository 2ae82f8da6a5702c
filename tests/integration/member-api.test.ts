import { beforeAll, describe, expect, it } from 'vitest';
import { createMemberApi } from '../../functions/api/member-api';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { memberFiguresOf } from '../../functions/domain/member-view';
import { foldLedger } from '../../functions/domain/points';
import { createHandlers } from '../../functions/handlers/registry';
import { apiRequest } from '../support/api';
import { createTestTable } from '../support/dynamo';
import { busEvent, demoConfig, manualClock, testDeps } from '../support/deps';

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable('api');
});

const order = (customerId: string, orderId: string, unitPrice: number, placedAt: string) =>
  busEvent('order.placed', {
    orderId,
    customerId,
    placedAt,
    currency: 'SEK',
    lines: [{ sku: `sku-${orderId}`, category: 'socks', quantity: 1, unitPrice }],
  });

async function call(method: string, path: string, query: Record<string, string> = {}) {
  const deps = testDeps(table.doc, table.tableName);
  (deps.clock as unknown as { set(iso: string): void }).set('2026-06-01T00:00:00Z');
  const response = await createMemberApi(deps)(apiRequest(method, path, query));
  return { status: response.statusCode, body: JSON.parse(response.body ?? 'null') };
}

describe('Member API', () => {
  it('GET /v1/members/{id} shows balance, lifetime points, tier and qualifying points', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName));
    await handlers['customer-registered'](
      busEvent('customer.registered', {
        customerId: 'anna',
        email: 'anna@example.com',
        registeredAt: '2026-01-01T10:00:00Z',
        accountId: 'acme',
      }),
    );
    await handlers['order-placed'](order('anna', 'o1', 600_000, '2026-02-01T10:00:00Z'));
    await handlers['order-placed'](order('anna', 'o2', 10_000, '2026-03-01T10:00:00Z'));
    const { status, body } = await call('GET', '/v1/members/anna');
    expect(status).toBe(200);
    expect(body).toEqual({
      customerId: 'anna',
      balance: 6000 + 150,
      spendablePoints: 6150,
      pendingPoints: 0,
      pending: [],
      lifetimePoints: 6150,
      tier: 'Silver',
      tierSince: '2026-02-01T10:00:00.000Z',
      tierReviewAt: '2027-02-01T10:00:00.000Z',
      qualifyingPoints: 6100,
      nextTier: { name: 'Gold', qualifyingPoints: 15_000, missing: 8900 },
      // Points earned in February 2026 are valid through February 2028 (Stockholm).
      expiring: { points: 6000, expiresAt: '2028-02-29T23:00:00.000Z' },
      accountId: 'acme',
      perks: [],
      marketingConsent: false,
      unsubscribedAt: null,
      // The demo program has no control group (programHoldoutPercent 0): every member is treated.
      group: 'treated',
      // The demo program runs no challenge.
      challenges: [],
    });
  });

  it('GET /v1/members/{id} answers from the member state alone, exactly as folding the ledger would', async () => {
    // Prepare: a member's orders, recorded in March; the API asked ten days later.
    const handlers = createHandlers({ ...testDeps(table.doc, table.tableName), clock: manualClock('2026-03-01T12:00:00Z') });
    for (let i = 1; i <= 3; i++) await handlers['order-placed'](order('view', `v${i}`, 200_000 * i, `2026-0${i}-01T10:00:00Z`));
    const commands: string[] = [];
    table.doc.middlewareStack.add((next, context) => (args) => (commands.push(String(context.commandName)), next(args)), {
      step: 'initialize',
      name: 'count-view',
    });
    try {
      // Act
      const api = createMemberApi({ ...testDeps(table.doc, table.tableName), clock: manualClock('2026-03-11T12:00:00Z') });
      const response = await api(apiRequest('GET', '/v1/members/view'));

      // Assess: two items read (the state and the profile), no ledger query, and the full fold's figures.
      expect(commands.sort()).toEqual(['GetItemCommand', 'GetItemCommand']);
      const entries = (await new LedgerStore(table.doc, table.tableName).read('view')).entries.map((e) => e.input);
      const now = Date.parse('2026-03-11T12:00:00Z');
      expect(JSON.parse(response.body ?? 'null')).toMatchObject(
        memberFiguresOf(demoConfig, foldLedger(demoConfig, entries, { asOf: now }), now),
      );
    } finally {
      table.doc.middlewareStack.remove('count-view');
    }
  });

  it('GET …/ledger lists entries newest first, one page at a time', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName));
    for (let i = 1; i <= 5; i++) await handlers['order-placed'](order('bo', `o${i}`, 10_000 * i, `2026-0${i}-01T10:00:00Z`));
    const first = await call('GET', '/v1/members/bo/ledger', { limit: '2' });
    expect(first.status).toBe(200);
    // What priced each entry (issue 16): the base rules, no campaign, no multiplier but the tier's.
    const pricing = { revision: 0, campaigns: [], multipliers: { tier: 1, categories: {}, campaigns: {} } };
    expect(first.body.items).toEqual([
      { at: '2026-05-01T10:00:00Z', delta: 500, reason: 'order o5', ref: 'order:o5', pricing },
      { at: '2026-04-01T10:00:00Z', delta: 400, reason: 'order o4', ref: 'order:o4', pricing },
    ]);
    const rest = [];
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const page = await call('GET', '/v1/members/bo/ledger', { limit: '2', cursor });
      rest.push(...page.body.items);
      cursor = page.body.nextCursor;
    }
    expect(rest.map((i: { ref: string }) => i.ref)).toEqual(['order:o3', 'order:o2', 'order:o1']);
  });

  it('an unknown member is a 404 with an error body', async () => {
    for (const path of ['/v1/members/nobody', '/v1/members/nobody/ledger']) {
      const { status, body } = await call('GET', path);
      expect(status).toBe(404);
      expect(body.error.code).toBe('NotFound');
    }
  });

  it('a forged or foreign cursor is a 400 naming the parameter', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName));
    await handlers['order-placed'](order('cy', 'o1', 10_000, '2026-01-01T10:00:00Z'));
    const foreign = Buffer.from(JSON.stringify({ pk: 'MEMBER#anna', sk: 'L#~' })).toString('base64url');
    for (const cursor of ['not-a-cursor', foreign]) {
      const { status, body } = await call('GET', '/v1/members/cy/ledger', { cursor });
      expect(status).toBe(400);
      expect(body.error.message).toMatch(/^cursor: /);
    }
    const { status, body } = await call('GET', '/v1/members/cy/ledger', { limit: '1000' });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^query\.limit: /);
  });

  it('an unknown route is a 404', async () => {
    expect((await call('GET', '/v1/nothing')).status).toBe(404);
  });
});
