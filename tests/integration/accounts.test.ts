import { GetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { accountKey } from '../../functions/adapters/dynamo/keys';
import { createMemberApi } from '../../functions/api/member-api';
import { type ProgramConfig, parseProgramConfig } from '../../functions/config/program';
import { createHandlers } from '../../functions/handlers/registry';
import demo from '../../clients/demo';
import { apiRequest } from '../support/api';
import { createTestTable } from '../support/dynamo';
import { busEvent, testDeps } from '../support/deps';

const pooling = parseProgramConfig({ ...demo, accounts: { pooling: 'pool' } }, 'pooling');
const noPooling = parseProgramConfig(demo, 'no pooling');

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable('accounts');
});

const order = (customerId: string, orderId: string, unitPrice: number, placedAt: string, accountId?: string) =>
  busEvent('order.placed', {
    orderId,
    customerId,
    placedAt,
    currency: 'SEK',
    lines: [{ sku: `sku-${orderId}`, category: 'socks', quantity: 1, unitPrice }],
    ...(accountId ? { accountId } : {}),
  });
const registered = (customerId: string, accountId: string) =>
  busEvent('customer.registered', { customerId, email: `${customerId}@example.com`, registeredAt: '2026-01-01T10:00:00Z', accountId });

async function balanceOf(customerId: string): Promise<number> {
  return (await new LedgerStore(table.doc, table.tableName).read(customerId)).state?.balance ?? 0;
}

async function get(config: ProgramConfig, path: string) {
  const response = await createMemberApi(testDeps(table.doc, table.tableName, config))(apiRequest('GET', path));
  return { status: response.statusCode, body: JSON.parse(response.body ?? 'null') };
}
const getMember = async (config: ProgramConfig, customerId: string) => (await get(config, `/v1/members/${customerId}`)).body;

describe('B2B accounts', () => {
  it('pools the points of every member of an account: earned, refunded and redelivered', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName, pooling));
    await handlers['customer-registered'](registered('acme-anna', 'acme'));
    await handlers['customer-registered'](registered('acme-bo', 'acme'));
    const first = order('acme-anna', 'a1', 200_000, '2026-02-01T10:00:00Z');
    await handlers['order-placed'](first);
    await handlers['order-placed'](first); // redelivered
    await handlers['order-placed'](order('acme-anna', 'a2', 50_000, '2026-02-10T10:00:00Z'));
    await handlers['order-placed'](order('acme-bo', 'b1', 120_000, '2026-02-05T10:00:00Z'));
    const refund = busEvent('order.refunded', {
      refundId: 'r1',
      orderId: 'b1',
      customerId: 'acme-bo',
      refundedAt: '2026-02-07T10:00:00Z',
      amount: 60_000,
    });
    await handlers['order-refunded'](refund);
    await handlers['order-refunded'](refund); // redelivered

    const anna = await balanceOf('acme-anna');
    const bo = await balanceOf('acme-bo');
    expect(anna).toBeGreaterThan(0);
    expect(bo).toBeGreaterThan(0);
    const pool = await new LedgerStore(table.doc, table.tableName).readAccount('acme');
    expect(pool).toEqual({ accountId: 'acme', pooledPoints: anna + bo, members: ['acme-anna', 'acme-bo'] });

    const member = await getMember(pooling, 'acme-bo');
    expect(member.balance).toBe(bo);
    expect(member.accountId).toBe('acme');
    expect(member.account).toEqual({ accountId: 'acme', pooledPoints: anna + bo, members: ['acme-anna', 'acme-bo'] });
    expect(await get(pooling, '/v1/accounts/acme')).toEqual({ status: 200, body: member.account });
    expect((await get(pooling, '/v1/accounts/nobody')).status).toBe(404);
  });

  it("an order's accountId wins, and the member's later writes follow it", async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName, pooling));
    await handlers['order-placed'](order('solo', 's1', 100_000, '2026-03-01T10:00:00Z', 'initech'));
    await handlers['order-refunded'](
      busEvent('order.refunded', {
        refundId: 'sr1',
        orderId: 's1',
        customerId: 'solo',
        refundedAt: '2026-03-02T10:00:00Z',
        amount: 100_000,
      }),
    );
    const pool = await new LedgerStore(table.doc, table.tableName).readAccount('initech');
    expect(pool).toEqual({ accountId: 'initech', pooledPoints: await balanceOf('solo'), members: ['solo'] });
    expect(pool?.pooledPoints).toBe(0);
    expect((await getMember(pooling, 'solo')).account).toEqual({ accountId: 'initech', pooledPoints: 0, members: ['solo'] });
  });

  it('concurrent writes of several members of one account all land in the pool once', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName, pooling));
    const members = ['hooli-1', 'hooli-2', 'hooli-3'];
    await Promise.all(members.map((m) => handlers['customer-registered'](registered(m, 'hooli'))));
    const orders = members.flatMap((m, i) => [1, 2, 3].map((n) => order(m, `${m}-o${n}`, 10_000 * (i + n), `2026-04-0${n}T10:00:00Z`)));
    await Promise.all([...orders, ...orders].map((o) => handlers['order-placed'](o)));
    const total = (await Promise.all(members.map(balanceOf))).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0);
    expect(await new LedgerStore(table.doc, table.tableName).readAccount('hooli')).toEqual({
      accountId: 'hooli',
      pooledPoints: total,
      members,
    });
  });

  it("with pooling 'none' no account item is written and the member API shows no pool", async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName, noPooling));
    await handlers['customer-registered'](registered('globex-cy', 'globex'));
    await handlers['order-placed'](order('globex-cy', 'g1', 100_000, '2026-02-01T10:00:00Z', 'globex'));
    const { Item } = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: accountKey('globex'), ConsistentRead: true }));
    expect(Item).toBeUndefined();
    expect((await new LedgerStore(table.doc, table.tableName).read('globex-cy')).state?.accountId).toBeUndefined();
    const member = await getMember(noPooling, 'globex-cy');
    expect(member.accountId).toBe('globex');
    expect(member.account).toBeUndefined();
    expect((await get(noPooling, '/v1/accounts/globex')).status).toBe(404);
  });

  it('pools an order delivered before the registration that put the member in the account', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName, pooling));
    // In business time the registration (January) comes first; the shop's integration sends both at once.
    await handlers['order-placed'](order('umbrella-ed', 'u1', 100_000, '2026-02-01T10:00:00Z'));
    await handlers['customer-registered'](registered('umbrella-ed', 'umbrella'));
    const balance = await balanceOf('umbrella-ed');
    expect(balance).toBeGreaterThan(0);
    expect(await new LedgerStore(table.doc, table.tableName).readAccount('umbrella')).toEqual({
      accountId: 'umbrella',
      pooledPoints: balance,
      members: ['umbrella-ed'],
    });
  });

  it('a late account change moves the contributions it covers to the new account', async () => {
    const handlers = createHandlers(testDeps(table.doc, table.tableName, pooling));
    await handlers['customer-registered'](registered('move-fi', 'old-co'));
    await handlers['order-placed'](order('move-fi', 'm1', 100_000, '2026-02-01T10:00:00Z'));
    await handlers['order-placed'](order('move-fi', 'm2', 50_000, '2026-04-01T10:00:00Z'));
    const store = new LedgerStore(table.doc, table.tableName);
    const entries = (await store.read('move-fi')).entries;
    const pointsOf = (ref: string) => entries.find((e) => e.ref === ref)?.delta ?? 0;
    expect((await store.readAccount('old-co'))?.pooledPoints).toBe(pointsOf('m1') + pointsOf('m2'));

    // She moved to new-co in March; the shop's update arrives in May.
    const moved = busEvent('customer.updated', { customerId: 'move-fi', updatedAt: '2026-03-01T10:00:00Z', accountId: 'new-co' });
    await handlers['customer-updated'](moved);
    await handlers['customer-updated'](moved); // redelivered
    expect(await store.readAccount('old-co')).toEqual({ accountId: 'old-co', pooledPoints: pointsOf('m1'), members: [] });
    expect(await store.readAccount('new-co')).toEqual({ accountId: 'new-co', pooledPoints: pointsOf('m2'), members: ['move-fi'] });
  });

  // Invariant: the pools and member lists are the fold of the distinct events in business time:
  // any delivery order, with duplicates, ends where delivering them once in time order does.
  it('ends in the in-order pools for shuffled, duplicated registrations, account changes and orders', async () => {
    type Step = { kind: 'registered' | 'updated' | 'order'; member: number; day: number; account: number | undefined; price: number };
    const step = fc.record({
      kind: fc.constantFrom<Step['kind']>('registered', 'updated', 'order', 'order'),
      member: fc.integer({ min: 0, max: 2 }),
      day: fc.integer({ min: 1, max: 28 }),
      account: fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }),
      price: fc.integer({ min: 1, max: 50 }).map((n) => n * 1_000),
    });
    let run = 0;
    const handlers = createHandlers(testDeps(table.doc, table.tableName, pooling));
    const store = new LedgerStore(table.doc, table.tableName);

    const deliver = async (ns: string, steps: readonly Step[], order: readonly number[]) => {
      const member = (m: number) => `${ns}-m${m}`;
      const account = (a: number) => `${ns}-acct${a}`;
      const at = (s: Step, i: number) => new Date(Date.UTC(2026, 4, s.day, 10, 0, i)).toISOString();
      const events = steps.map((s, i) => {
        const accountId = s.account !== undefined ? { accountId: account(s.account) } : {};
        if (s.kind === 'registered')
          return () =>
            handlers['customer-registered'](
              busEvent('customer.registered', {
                customerId: member(s.member),
                email: `${member(s.member)}@example.com`,
                registeredAt: at(s, i),
                ...accountId,
              }),
            );
        if (s.kind === 'updated')
          return () =>
            handlers['customer-updated'](busEvent('customer.updated', { customerId: member(s.member), updatedAt: at(s, i), ...accountId }));
        return () =>
          handlers['order-placed'](
            busEvent('order.placed', {
              orderId: `${ns}-o${i}`,
              customerId: member(s.member),
              placedAt: at(s, i),
              currency: 'SEK',
              lines: [{ sku: 'sku', category: 'socks', quantity: 1, unitPrice: s.price }],
              ...accountId,
            }),
          );
      });
      for (const i of order) await events[i]?.();
      const pools = await Promise.all(
        [0, 1].map(async (a) => {
          const pool = await store.readAccount(account(a));
          return { pooledPoints: pool?.pooledPoints ?? 0, members: (pool?.members ?? []).map((m) => m.slice(ns.length)) };
        }),
      );
      return pools;
    };

    await fc.assert(
      fc.asyncProperty(
        fc
          .array(step, { minLength: 1, maxLength: 8 })
          .chain((steps) =>
            fc.tuple(
              fc.constant(steps),
              fc.shuffledSubarray([...steps.keys(), ...steps.keys()], { minLength: steps.length * 2, maxLength: steps.length * 2 }),
            ),
          ),
        async ([steps, shuffled]) => {
          run++;
          const inTime = [...steps.keys()].sort((a, b) => {
            const sa = steps[a];
            const sb = steps[b];
            return (sa?.day ?? 0) - (sb?.day ?? 0) || a - b;
          });
          const expected = await deliver(`p${run}-a`, steps, inTime);
          const actual = await deliver(`p${run}-b`, steps, shuffled);
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 12 },
    );
  });
});
