import { GetCommand } from '@aws-sdk/lib-dynamodb';
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
});
