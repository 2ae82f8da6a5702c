import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { ProfileStore } from '../../functions/adapters/dynamo/profile-store';
import { memberPk, PROFILE_SK } from '../../functions/adapters/dynamo/keys';
import { adjustPoints, applyAdjustments, type PointsAdjustment } from '../../functions/app/adjust-points';
import { createMemberApi } from '../../functions/api/member-api';
import { createHandlers } from '../../functions/handlers/registry';
import { apiRequest } from '../support/api';
import { createTestTable } from '../support/dynamo';
import { busEvent, manualClock, testDeps } from '../support/deps';

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable('adjust');
});

let n = 0;
const member = () => `a-${++n}-${Math.random().toString(36).slice(2, 8)}`;

function world() {
  const clock = manualClock('2026-06-01T12:00:00Z');
  const deps = { ...testDeps(table.doc, table.tableName), clock };
  const ledger = new LedgerStore(table.doc, table.tableName);
  const profiles = new ProfileStore(table.doc, table.tableName);
  const handlers = createHandlers(deps);
  const register = (customerId: string) =>
    handlers['customer-registered'](
      busEvent('customer.registered', { customerId, email: `${customerId}@example.com`, registeredAt: '2026-01-01T10:00:00Z' }),
    );
  return { clock, deps: { ...deps, ledger, profiles }, ledger, handlers, register, api: createMemberApi(deps) };
}

describe('Operator adjustments', () => {
  it('add points with their reason to the ledger, once per adjustment id', async () => {
    const { deps, register, ledger, api } = world();
    const id = member();
    await register(id);
    const adjustment: PointsAdjustment = { adjustmentId: 'goodwill-1', customerId: id, points: 500, reason: 'Late delivery' };

    expect(await adjustPoints(deps, adjustment)).toBe('applied');
    expect(await adjustPoints(deps, adjustment)).toBe('already-applied');
    expect(await adjustPoints(deps, { ...adjustment, points: 600 })).toBe('conflict');

    expect((await ledger.read(id)).state?.balance).toBe(500);
    const page = JSON.parse((await api(apiRequest('GET', `/v1/members/${id}/ledger`))).body ?? '{}');
    expect(page.items).toEqual([{ at: '2026-06-01T12:00:00.000Z', delta: 500, reason: 'Late delivery', ref: 'adjustment:op:goodwill-1' }]);
  });

  it('remove points below zero when told to, and never count towards a tier', async () => {
    const { deps, register, api } = world();
    const id = member();
    await register(id);
    await adjustPoints(deps, { adjustmentId: 'big', customerId: id, points: 20_000, reason: 'Migrated from the old program' });
    await adjustPoints(deps, { adjustmentId: 'fix', customerId: id, points: -20_300, reason: 'Migration counted twice' });
    const body = JSON.parse((await api(apiRequest('GET', `/v1/members/${id}`))).body ?? '{}');
    expect(body).toMatchObject({ balance: -300, spendablePoints: -300, tier: 'Red', qualifyingPoints: 0 });
  });

  it('refuse a customer id Lojal has never seen, unless new members are allowed', async () => {
    const { deps, ledger } = world();
    const id = member();
    const adjustment: PointsAdjustment = { adjustmentId: 'typo', customerId: id, points: 100, reason: 'Welcome' };
    expect(await adjustPoints(deps, adjustment)).toBe('unknown-member');
    expect((await ledger.read(id)).state).toBeUndefined();
    expect(await adjustPoints(deps, adjustment, { allowNewMembers: true })).toBe('applied');
  });

  it('apply a file of many rows for many members once, however often it is run', async () => {
    // Prepare: 24 registered members (profiles loaded in bulk), five rows each.
    const { deps, ledger } = world();
    const ids = Array.from({ length: 24 }, member);
    for (let i = 0; i < ids.length; i += 25) {
      const batch = ids
        .slice(i, i + 25)
        .map((id) => ({ PutRequest: { Item: { pk: memberPk(id), sk: PROFILE_SK, type: 'profile', customerId: id } } }));
      await table.doc.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: batch } }));
    }
    const rows = ids.flatMap((id) =>
      Array.from({ length: 5 }, (_, k) => ({ adjustmentId: `batch-${k}`, customerId: id, points: 10 * (k + 1), reason: `row ${k}` })),
    );
    const progress: number[] = [];

    // Act
    const first = await applyAdjustments(deps, rows, { concurrency: 8, onProgress: (done) => progress.push(done) });
    const second = await applyAdjustments(deps, rows, { concurrency: 8 });

    // Assess
    expect(first).toMatchObject({ total: 120, applied: 120, alreadyApplied: 0, conflicts: [], unknownMembers: [], failed: [] });
    expect(second).toMatchObject({ applied: 0, alreadyApplied: 120 });
    expect(progress).toHaveLength(120);
    expect(progress.at(-1)).toBe(120);
    const balances = await Promise.all(ids.slice(0, 20).map(async (id) => (await ledger.read(id)).state?.balance));
    expect(balances).toEqual(Array(20).fill(150));
  });

  it('npm run adjust applies a CSV against DynamoDB Local with a progress bar, and refuses a bad file whole', async () => {
    const { register, ledger } = world();
    const [a, b] = [member(), member()];
    await register(a);
    await register(b);
    const dir = mkdtempSync(join(tmpdir(), 'lojal-adjust-'));
    const good = join(dir, 'good.csv');
    writeFileSync(good, `adjustmentId,customerId,points,reason\nx-1,${a},250,"Sorry, we were late"\nx-1,${b},-50,Correction\n`);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, `adjustmentId,customerId,points,reason\nx-2,${a},250,\n`);
    const run = (file: string) =>
      promisify(execFile)(
        'npx',
        ['tsx', 'scripts/adjust-points.ts', '--file', file, '--endpoint', table.endpoint, '--table', table.tableName],
        {
          cwd: process.cwd(),
        },
      ).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );

    const applied = await run(good);
    const refused = await run(bad);

    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('2 adjustments for 2 members, +200 points in all');
    expect(applied.stdout).toContain('applied 2, already applied 0');
    expect(applied.stderr).toContain('2/2');
    expect((await ledger.read(a)).state?.balance).toBe(250);
    expect((await ledger.read(b)).state?.balance).toBe(-50);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('line 2: reason: is required');
  });
});
