import { beforeAll, describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { createMemberApi } from '../../functions/api/member-api';
import { ledgerSweeperJob } from '../../functions/app/ledger-sweeper';
import { parseProgramConfig, type ProgramConfig } from '../../functions/config/program';
import { createHandlers } from '../../functions/handlers/registry';
import { apiRequest } from '../support/api';
import { createTestTable } from '../support/dynamo';
import { busEvent, manualClock, socksOrder, testDeps } from '../support/deps';
import { injectFault } from '../support/faults';
import { RecordingPublisher } from '../support/timeline';

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable('redeem');
});

const config: ProgramConfig = parseProgramConfig({
  ...demo,
  rewards: [
    { id: 'tote-bag', name: 'Tote bag', points: 500, stock: 5, validDays: 30 },
    { id: 'coffee', name: 'Coffee', points: 300 },
  ],
});
const NOW = '2026-06-01T12:00:00Z';

let n = 0;
const member = () => `m-${++n}-${Math.random().toString(36).slice(2, 8)}`;

function world(options: { config?: ProgramConfig } = {}) {
  const clock = manualClock(NOW);
  const deps = { ...testDeps(table.doc, table.tableName, options.config ?? config), clock };
  const api = createMemberApi(deps);
  const handlers = createHandlers(deps);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await api(apiRequest(method, path, {}, body));
    return { status: response.statusCode, body: JSON.parse(response.body ?? 'null') };
  };
  const earn = (customerId: string, orderId: string, sek: number, placedAt = '2026-05-01T10:00:00Z') =>
    handlers['order-placed'](socksOrder(customerId, orderId, sek, placedAt));
  const redeem = (customerId: string, body: unknown) => call('POST', `/v1/members/${customerId}/redemptions`, body);
  return { clock, deps, call, earn, redeem, handlers, ledger: new LedgerStore(table.doc, table.tableName) };
}

describe('POST /v1/members/{customerId}/redemptions', () => {
  it('redeems a reward: 201 with its code, the points leave the balance and show in the ledger', async () => {
    const { earn, redeem, call, ledger } = world();
    const id = member();
    await earn(id, 'o1', 1200);

    const { status, body } = await redeem(id, { redemptionId: 'rd-1', rewardId: 'tote-bag' });

    expect(status).toBe(201);
    expect(body).toEqual({
      redemptionId: 'rd-1',
      customerId: id,
      points: 500,
      reward: {
        id: 'tote-bag',
        name: 'Tote bag',
        code: expect.stringMatching(/^TOTE-BAG-[0-9A-HJKMNP-TV-Z]{12}$/),
        validUntil: '2026-07-01T12:00:00.000Z',
      },
      redeemedAt: '2026-06-01T12:00:00.000Z',
      balance: 700,
      spendablePoints: 700,
    });
    expect((await call('GET', `/v1/members/${id}`)).body).toMatchObject({ balance: 700, spendablePoints: 700, lifetimePoints: 1200 });
    expect((await call('GET', `/v1/members/${id}/ledger`)).body.items[0]).toEqual({
      at: '2026-06-01T12:00:00.000Z',
      delta: -500,
      reason: 'redeemed Tote bag',
      ref: 'redemption:rd-1',
    });
    expect(await ledger.rewardsRedeemed('tote-bag')).toBeGreaterThanOrEqual(1);
  });

  it('answers the same request again with the same answer (200), and refuses the same id with another request (409)', async () => {
    const { earn, redeem, ledger } = world();
    const id = member();
    await earn(id, 'o1', 1000);
    const first = await redeem(id, { redemptionId: 'rd-1', points: 400 });

    const again = await redeem(id, { redemptionId: 'rd-1', points: 400 });
    const racing = await Promise.all(Array.from({ length: 4 }, () => redeem(id, { redemptionId: 'rd-1', points: 400 })));
    const other = await redeem(id, { redemptionId: 'rd-1', points: 100 });

    expect(first.status).toBe(201);
    expect(again).toEqual({ status: 200, body: first.body });
    expect(racing).toEqual(Array.from({ length: 4 }, () => ({ status: 200, body: first.body })));
    expect(other).toMatchObject({ status: 409, body: { error: { code: 'IdempotencyConflict' } } });
    const snapshot = await ledger.read(id);
    expect(snapshot.entries.filter((e) => e.kind === 'redemption')).toHaveLength(1);
    expect(snapshot.state?.balance).toBe(600);
  });

  it('refuses more than the spendable points (409) and writes nothing; pending points do not count', async () => {
    const windowed = parseProgramConfig({ ...config, returnWindowDays: 14 } as typeof demo);
    const { earn, redeem, call, ledger } = world({ config: windowed });
    const id = member();
    await earn(id, 'o1', 400, '2026-05-01T10:00:00Z'); // spendable since 15 May
    await earn(id, 'o2', 900, '2026-05-25T10:00:00Z'); // pending until 8 June

    const refused = await redeem(id, { redemptionId: 'rd-1', rewardId: 'tote-bag' });

    expect(refused).toEqual({
      status: 409,
      body: { error: { code: 'InsufficientPoints', message: 'the redemption needs 500 spendable points; the member has 400' } },
    });
    expect((await ledger.read(id)).entries.filter((e) => e.kind === 'redemption')).toEqual([]);
    expect((await call('GET', `/v1/members/${id}`)).body).toMatchObject({
      balance: 1300,
      spendablePoints: 400,
      pendingPoints: 900,
      pending: [{ points: 900, spendableAt: '2026-06-08T10:00:00.000Z' }],
    });
    // A refused redemption is not recorded: the same id works once the points are there.
    expect((await redeem(id, { redemptionId: 'rd-1', rewardId: 'coffee' })).status).toBe(201);
  });

  it('rejects a bad request with a 400 naming the field, and an unknown member with a 404', async () => {
    const { earn, redeem, call } = world();
    const id = member();
    await earn(id, 'o1', 1000);
    expect((await redeem(id, { redemptionId: 'rd-1', rewardId: 'yacht' })).body.error.message).toMatch(
      /^body\.rewardId: yacht is not a reward/,
    );
    expect((await redeem(id, { redemptionId: 'rd-1', rewardId: 'coffee', points: 10 })).body.error.message).toMatch(
      /^body\.rewardId: give either/,
    );
    expect((await redeem(id, { rewardId: 'coffee' })).body.error.message).toMatch(/^body\.redemptionId: /);
    expect((await redeem(id, { redemptionId: 'rd-1', points: -5 })).status).toBe(400);
    const notJson = await createMemberApi({ ...testDeps(table.doc, table.tableName, config) })({
      ...apiRequest('POST', `/v1/members/${id}/redemptions`),
      body: '{not json',
    });
    expect(notJson.statusCode).toBe(400);
    expect(await call('POST', '/v1/members/nobody/redemptions', { redemptionId: 'rd-1', points: 1 })).toMatchObject({
      status: 404,
      body: { error: { code: 'NotFound' } },
    });
  });

  it('never overdraws a balance under concurrent redemptions', async () => {
    const { earn, redeem, ledger } = world();
    const id = member();
    await earn(id, 'o1', 1000);

    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => redeem(id, { redemptionId: `rd-${i}`, points: 300 })));

    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.error.code)).toEqual(Array(5).fill('InsufficientPoints'));
    const snapshot = await ledger.read(id);
    expect(snapshot.state?.balance).toBe(100);
    expect(snapshot.entries.filter((e) => e.kind === 'redemption')).toHaveLength(3);
  });

  it('never oversells a reward under concurrent redemptions by many members', async () => {
    const limited = parseProgramConfig({
      ...config,
      rewards: [{ id: 'signed-shirt', name: 'Signed shirt', points: 100, stock: 4 }],
    } as typeof demo);
    const { earn, redeem, ledger } = world({ config: limited });
    const members = Array.from({ length: 10 }, member);
    for (const id of members) await earn(id, 'o1', 200);

    const answers = await Promise.all(members.map((id) => redeem(id, { redemptionId: 'shirt', rewardId: 'signed-shirt' })));

    expect(answers.filter((a) => a.status === 201)).toHaveLength(4);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.error.code)).toEqual(Array(6).fill('OutOfStock'));
    expect(await ledger.rewardsRedeemed('signed-shirt')).toBe(4);
    const balances = await Promise.all(members.map(async (id) => (await ledger.read(id)).state?.balance));
    expect(balances.filter((b) => b === 100)).toHaveLength(4);
    expect(balances.filter((b) => b === 200)).toHaveLength(6);
  });

  it('shows a negative balance honestly when a refund takes back points already spent', async () => {
    const { earn, redeem, call, handlers } = world();
    const id = member();
    await earn(id, 'o1', 1000);
    await redeem(id, { redemptionId: 'rd-1', points: 800 });
    await handlers['order-refunded'](
      busEvent('order.refunded', { refundId: 'r1', orderId: 'o1', customerId: id, refundedAt: '2026-06-01T11:00:00Z', amount: 100_000 }),
    );
    expect((await call('GET', `/v1/members/${id}`)).body).toMatchObject({ balance: -800, spendablePoints: -800, lifetimePoints: 0 });
    expect((await redeem(id, { redemptionId: 'rd-2', points: 1 })).body.error.message).toBe(
      'the redemption needs 1 spendable points; the member has 0',
    );
  });

  it('answers 503 to send again when the member keeps changing under every attempt, and writes nothing', async () => {
    const { earn, redeem, ledger } = world();
    const id = member();
    await earn(id, 'o1', 1000);
    const conflict = () =>
      Object.assign(new Error('Transaction cancelled'), {
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'TransactionConflict' }],
      });
    const fault = injectFault(table.doc, { command: 'TransactWriteItemsCommand', when: 'before', times: 8, error: conflict });
    try {
      expect(await redeem(id, { redemptionId: 'rd-1', points: 100 })).toMatchObject({ status: 503, body: { error: { code: 'Busy' } } });
    } finally {
      fault.remove();
    }
    expect((await ledger.read(id)).state?.balance).toBe(1000);
    expect((await redeem(id, { redemptionId: 'rd-1', points: 100 })).status).toBe(201);
  });

  it('mails the redeemed reward: the ledger job sends reward.earned with its code', async () => {
    const { earn, redeem, deps } = world();
    const id = member();
    await earn(id, 'o1', 1000);
    const { body } = await redeem(id, { redemptionId: 'rd-1', rewardId: 'coffee' });
    const publisher = new RecordingPublisher();
    await ledgerSweeperJob(deps, publisher).sweep();
    expect(publisher.events.filter((e) => e.detail.customerId === id)).toEqual([
      {
        detailType: 'reward.earned',
        detail: {
          idempotencyKey: `reward:${id}:redemption:rd-1`,
          customerId: id,
          source: 'redemption',
          rewardId: 'coffee',
          rewardName: 'Coffee',
          code: body.reward.code,
          at: '2026-06-01T12:00:00.000Z',
          validUntil: null,
          points: 300,
        },
      },
    ]);
  });
});
