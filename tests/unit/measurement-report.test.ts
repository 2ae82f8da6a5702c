import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Contribution, contributionOf, counterChanges } from '../../functions/domain/measurement/outcomes';
import { type Buckets, programReport } from '../../functions/domain/measurement/report';
import { foldLedger, type LedgerInput } from '../../functions/domain/points';
import { demoConfig } from '../support/deps';

const order = (ref: string, at: string, sek: number): LedgerInput => ({
  kind: 'order',
  ref,
  at,
  currency: 'SEK',
  lines: [{ sku: 'sock', category: 'socks', quantity: 2, unitPrice: sek * 50 }],
  discount: 0,
});

/** Adds counter changes into buckets, as the DynamoDB `ADD`s do. */
function apply(buckets: Map<string, Record<string, number>>, changes: ReturnType<typeof counterChanges>): void {
  for (const { bucket, add } of changes) {
    const b = buckets.get(bucket) ?? {};
    for (const [f, n] of Object.entries(add)) b[f] = (b[f] ?? 0) + n;
    buckets.set(bucket, b);
  }
}

const contribution = (inputs: LedgerInput[]) => contributionOf(demoConfig, foldLedger(demoConfig, inputs), inputs);

describe('Function: contributionOf', () => {
  it('keeps a big buyer’s counters exact numbers: 10 million SEK of orders still writes', () => {
    const inputs = Array.from({ length: 10 }, (_, i) => order(`big${i}`, `2026-01-${String(i + 10)}T10:00:00Z`, 1_000_000));
    const c = contribution(inputs);
    expect(c['ALL|revenue']).toBe(1_000_000_000);
    for (const value of Object.values(c)) expect(Number.isSafeInteger(value)).toBe(true);
  });

  it('counts challenge participation: the members who scored and their points, per challenge', () => {
    const inputs = [order('o1', '2026-01-10T10:00:00Z', 1000)];
    const c = contributionOf(
      demoConfig,
      foldLedger(demoConfig, inputs),
      inputs,
      new Map([
        ['jan', 120],
        ['feb', 0],
      ]),
    );
    expect(c['ALL|challenge:jan:entrants']).toBe(1);
    expect(c['ALL|challenge:jan:score']).toBe(120);
    expect(Object.keys(c).some((k) => k.includes('challenge:feb'))).toBe(false);
    const counted = new Map([['ALL', { members: 2, 'challenge:jan:entrants': 2, 'challenge:jan:score': 300 }]]);
    const report = programReport(demoConfig, { treated: counted, control: new Map(), nps: new Map() });
    expect(report.groups.treated.challenges).toEqual({ jan: { entrants: 2, score: 300 } });
  });

  it('counts orders, revenue net of refunds, repeat buyers and points by their day', () => {
    const c = contribution([
      order('o1', '2026-01-10T10:00:00Z', 1000),
      order('o2', '2026-02-10T10:00:00Z', 500),
      { kind: 'refund', ref: 'r1', at: '2026-02-11T10:00:00Z', orderRef: 'o2', amount: 20_000 },
    ]);
    expect(c['D#2026-01-10|orders']).toBe(1);
    expect(c['D#2026-01-10|revenue']).toBe(100_000);
    expect(c['D#2026-02-11|revenue']).toBe(-20_000);
    expect(c['ALL|revenue']).toBe(130_000);
    // Squares of money are kept in (minor ÷ 100)², so they stay exact numbers (squareForCounter).
    expect(c['ALL|revenueSq']).toBe(1300 ** 2);
    expect(c['ALL|buyers']).toBe(1);
    expect(c['ALL|repeaters']).toBe(1);
    expect(c['M#2026-01|active']).toBe(1);
    expect(c['M#2026-02|active']).toBe(1);
  });
});

describe('Function: counterChanges', () => {
  it('adds only what changed since the contribution counted before, per bucket', () => {
    const before: Contribution = { 'ALL|buyers': 1, 'ALL|revenue': 10, 'D#2026-01-01|orders': 1 };
    const after: Contribution = {
      'ALL|buyers': 1,
      'ALL|revenue': 25,
      'ALL|repeaters': 1,
      'D#2026-01-02|orders': 1,
      'D#2026-01-01|orders': 1,
    };
    expect(counterChanges(before, after)).toEqual([
      { bucket: 'ALL', add: { revenue: 15, repeaters: 1 } },
      { bucket: 'D#2026-01-02', add: { orders: 1 } },
    ]);
    expect(counterChanges(after, after)).toEqual([]);
  });
});

describe('Function: programReport', () => {
  // However a member's events arrive, one at a time, the counters add up to the member's contribution, and the report reconciles.
  it('Property: counters kept write by write reconcile: issued − redeemed − expired = outstanding', () => {
    const at = fc.integer({ min: 0, max: 700 }).map((d) => new Date(Date.UTC(2025, 0, 1) + d * 86_400_000).toISOString());
    const input = (i: number) =>
      fc.oneof(
        fc.record({ at, sek: fc.integer({ min: 1, max: 5000 }) }).map(({ at, sek }) => order(`o${i}`, at, sek)),
        fc
          .record({ at, points: fc.integer({ min: 1, max: 400 }) })
          .map(({ at, points }): LedgerInput => ({ kind: 'redemption', ref: `x${i}`, at, points })),
        fc
          .record({ at, o: fc.integer({ min: 0, max: 10 }), amount: fc.integer({ min: 1, max: 100_000 }) })
          .map(({ at, o, amount }): LedgerInput => ({ kind: 'refund', ref: `r${i}`, at, orderRef: `o${o}`, amount })),
        fc.integer({ min: 0, max: 23 }).map((m): LedgerInput => {
          const d = new Date(Date.UTC(2025, m, 1));
          return { kind: 'expiry', ref: `e${i}`, at: d.toISOString() };
        }),
      );
    const members = fc.array(
      fc.integer({ min: 1, max: 10 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => input(i)))),
      { minLength: 1, maxLength: 5 },
    );
    fc.assert(
      fc.property(members, (histories) => {
        const buckets = new Map<string, Record<string, number>>();
        let balances = 0;
        for (const history of histories) {
          let counted: Contribution = {};
          for (let k = 1; k <= history.length; k++) {
            const next = contribution(history.slice(0, k));
            apply(buckets, counterChanges(counted, next));
            counted = next;
          }
          balances += foldLedger(demoConfig, history).balance;
        }
        const report = programReport(demoConfig, { treated: buckets, control: new Map(), nps: new Map() });
        expect(report.points.reconciles).toBe(true);
        expect(report.points.outstanding).toBe(balances);
        expect(report.groups.treated.members).toBe(histories.length);
      }),
      { numRuns: 100 },
    );
  });

  it('states the liability in money at the configured point value and says when a lift is not yet significant', () => {
    const treated: Buckets = new Map([['ALL', { members: 10, buyers: 10, repeaters: 5, revenue: 1000, revenueSq: 12, outstanding: 300 }]]);
    const control: Buckets = new Map([['ALL', { members: 10, buyers: 10, repeaters: 4, revenue: 900, revenueSq: 10 }]]);
    const report = programReport({ ...demoConfig, pointValue: { currency: 'SEK', minorUnits: 2.5 } }, { treated, control, nps: new Map() });
    expect(report.points.liability).toEqual({ currency: 'SEK', amount: 750 });
    expect(report.lift?.repeatRate.significant).toBe(false);
    expect(report.lift?.repeatRate.verdict).toMatch(/^not yet significant/);
    expect(report.lift?.repeatRate.needed.perGroup).toBeGreaterThan(10);
    expect(report.lift?.repeatRate.needed.stillNeeded).toBe((report.lift?.repeatRate.needed.perGroup ?? 0) - 10);
  });

  it('has no lift without a control group', () => {
    expect(programReport(demoConfig, { treated: new Map(), control: new Map(), nps: new Map() }).lift).toBeNull();
  });
});
