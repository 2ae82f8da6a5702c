import { beforeAll, describe, expect, it } from 'vitest';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { ProfileStore } from '../../functions/adapters/dynamo/profile-store';
import { createMemberApi } from '../../functions/api/member-api';
import { sweepMemberLedger } from '../../functions/app/ledger-sweeper';
import { redeemPoints } from '../../functions/app/redeem-points';
import { parseProgramConfig } from '../../functions/config/program';
import { groupOf } from '../../functions/domain/measurement/groups';
import type { ProgramReport } from '../../functions/domain/measurement/report';
import { createHandlers } from '../../functions/handlers/registry';
import { formatReportText } from '../../scripts/report-format';
import { apiRequest } from '../support/api';
import { createTestTable } from '../support/dynamo';
import { demoConfig, socksOrder, testDeps } from '../support/deps';

/** The demo program with half its members in the control group and a point worth 1 öre. */
const config = parseProgramConfig(
  { ...demoConfig, programHoldoutPercent: 50, pointValue: { currency: 'SEK', minorUnits: 1 } },
  'measurement test',
);

interface Seeded {
  readonly report: ProgramReport;
  /** Sum of every member's balance, read from the ledger state. */
  readonly balances: number;
  readonly groups: { readonly treated: number; readonly control: number };
}

/**
 * Seeds `members` members through the order handler: each buys once; within each group, member k
 * (counted in that group) buys again when k mod 20 < 20 × rate, so each group's repeat rate is its
 * true rate up to one member in 20. Every 7th member's first order is two and a half years old
 * (its points expire when the ledger job runs), every 5th treated member redeems 100 points. Then
 * the ledger job runs for everyone, and the report is read through the member API route.
 */
async function seed(prefix: string, members: number, rates: { treated: number; control: number }): Promise<Seeded> {
  const table = await createTestTable(prefix);
  const deps = testDeps(table.doc, table.tableName, config);
  const handlers = createHandlers(deps);
  const useCases = { ...deps, ledger: new LedgerStore(table.doc, table.tableName), profiles: new ProfileStore(table.doc, table.tableName) };
  const publisher = { publish: async () => ({ failed: [] }) };
  const counts = { treated: 0, control: 0 };
  const ids = Array.from({ length: members }, (_, i) => `${prefix}-${i}`);
  const plan = ids.map((id, i) => {
    const group = groupOf(config, id);
    const k = counts[group]++;
    return { id, group, repeats: k % 20 < Math.round(20 * rates[group]), old: i % 7 === 0, redeems: group === 'treated' && k % 5 === 0 };
  });
  for (let i = 0; i < plan.length; i += 16) {
    await Promise.all(
      plan.slice(i, i + 16).map(async (m) => {
        await handlers['order-placed'](socksOrder(m.id, `${m.id}-a`, 300, m.old ? '2025-01-10T10:00:00Z' : '2026-03-10T10:00:00Z'));
        if (m.repeats) await handlers['order-placed'](socksOrder(m.id, `${m.id}-b`, 200, '2026-05-10T10:00:00Z'));
        if (m.redeems && !m.old) await redeemPoints(useCases, m.id, { redemptionId: `${m.id}-r`, points: 100 });
        await sweepMemberLedger(useCases, publisher, m.id);
      }),
    );
  }
  let balances = 0;
  for (const m of plan) balances += (await useCases.ledger.read(m.id)).state?.balance ?? 0;
  const response = await createMemberApi(deps)(apiRequest('GET', '/v1/program/report'));
  expect(response.statusCode).toBe(200);
  return { report: JSON.parse(response.body ?? 'null') as ProgramReport, balances, groups: counts };
}

describe('The program report on seeded members', () => {
  let effect: Seeded;
  let none: Seeded;
  beforeAll(async () => {
    [effect, none] = await Promise.all([
      seed('lift', 600, { treated: 0.5, control: 0.3 }),
      seed('null', 400, { treated: 0.3, control: 0.3 }),
    ]);
  }, 240_000);

  it('finds a known effect: treated members buy again 20 points more often, and the interval covers it', () => {
    const { report } = effect;
    const lift = report.lift?.repeatRate;
    expect(report.groups.treated.members).toBe(effect.groups.treated);
    expect(report.groups.control.members).toBe(effect.groups.control);
    expect(lift?.treated).toBeCloseTo(0.5, 1);
    expect(lift?.control).toBeCloseTo(0.3, 1);
    expect(lift?.interval.low).toBeLessThan(0.2);
    expect(lift?.interval.high).toBeGreaterThan(0.2);
    expect(lift?.significant).toBe(true);
    expect(lift?.verdict).toMatch(/^significant: treated members do better/);
  });

  it('reports a null effect as not yet significant, and how many members it would take', () => {
    const lift = none.report.lift?.repeatRate;
    expect(lift?.interval.low).toBeLessThan(0);
    expect(lift?.interval.high).toBeGreaterThan(0);
    expect(lift?.significant).toBe(false);
    expect(lift?.needed.stillNeeded).toBeGreaterThan(0);
    expect(formatReportText(none.report, { clientId: config.clientId, source: 'test' })).toMatch(
      /^repeat-purchase rate .* not yet significant/m,
    );
  });

  it('reconciles with the ledger: issued − redeemed − expired = outstanding = the sum of the balances', () => {
    const { points, daily, monthly } = effect.report;
    expect(points.redeemed).toBeGreaterThan(0);
    expect(points.expired).toBeGreaterThan(0);
    expect(points.issued - points.redeemed - points.expired).toBe(points.outstanding);
    expect(points.reconciles).toBe(true);
    expect(points.outstanding).toBe(effect.balances);
    expect(points.liability).toEqual({ currency: 'SEK', amount: effect.balances });
    // The running balance of the last day and month is the all-time figure.
    expect(daily.at(-1)?.outstanding).toBe(points.outstanding);
    expect(monthly.at(-1)?.outstanding).toBe(points.outstanding);
    // Control members earn nothing: every point issued is a treated member's.
    expect(effect.report.groups.control.period.issued).toBe(0);
  });
});
