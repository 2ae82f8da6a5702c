import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memberFiguresFromView, memberFiguresOf, memberViewOf } from '../../functions/domain/member-view';
import { compareInputs, foldLedger, type LedgerFold, type LedgerInput } from '../../functions/domain/points';
import { demoConfig } from '../support/deps';

const START = Date.parse('2025-01-01T00:00:00Z');
const THREE_YEARS = 3 * 365 * 86_400_000;
const time = fc.integer({ min: 0, max: THREE_YEARS }).map((t) => new Date(START + t).toISOString());
/** Expiry entries at month starts in Stockholm, where lots expire. */
const monthStart = fc.integer({ min: 0, max: 35 }).map((m) => {
  const d = new Date(Date.UTC(2025, m, 1));
  const iso = d.toISOString().slice(0, 10);
  // Stockholm is UTC+1 in winter, UTC+2 in summer; the fold expires what expired by `at`, so either instant is fine.
  return { ref: iso, at: new Date(d.getTime() - 3_600_000).toISOString() };
});

const inputArb = (i: number, withRefunds: boolean): fc.Arbitrary<LedgerInput> =>
  fc.oneof(
    fc.record({ at: time, sek: fc.integer({ min: 1, max: 3000 }) }).map(
      ({ at, sek }): LedgerInput => ({
        kind: 'order',
        ref: `o${i}`,
        at,
        currency: 'SEK',
        lines: [{ sku: 'sock', category: 'socks', quantity: 1, unitPrice: sek * 100 }],
        discount: 0,
      }),
    ),
    fc
      .record({ at: time, activity: fc.constantFrom('review', 'referral') })
      .map(({ at, activity }): LedgerInput => ({ kind: 'activity', ref: `a${i}`, at, activity })),
    fc
      .record({ at: time, points: fc.integer({ min: -2000, max: 2000 }).filter((p) => p !== 0) })
      .map(({ at, points }): LedgerInput => ({ kind: 'adjustment', ref: `j${i}`, at, points, reason: 'generated' })),
    fc
      .record({ at: time, points: fc.integer({ min: 1, max: 3000 }) })
      .map(({ at, points }): LedgerInput => ({ kind: 'redemption', ref: `x${i}`, at, points })),
    monthStart.map(({ ref, at }): LedgerInput => ({ kind: 'expiry', ref, at })),
    ...(withRefunds
      ? [
          fc
            .record({ at: time, order: fc.integer({ min: 0, max: 30 }), amount: fc.integer({ min: 1, max: 300_000 }) })
            .map(({ at, order, amount }): LedgerInput => ({ kind: 'refund', ref: `r${i}`, at, orderRef: `o${order}`, amount })),
        ]
      : []),
  );

const historyArb = (withRefunds: boolean) =>
  fc
    .integer({ min: 1, max: 30 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => inputArb(i, withRefunds))))
    // Two expiry entries on one date would be one entry; keep the first.
    .map((inputs) => inputs.filter((x, i) => x.kind !== 'expiry' || inputs.findIndex((y) => y.kind === 'expiry' && y.ref === x.ref) === i));

const expiredBy = (fold: LedgerFold) => [...fold.entries.values()].filter((e) => e.kind === 'expiry').reduce((s, e) => s - e.points, 0);
const credited = (fold: LedgerFold) => fold.lots.reduce((s, l) => s + l.amount, 0);

describe('Property: points lots', () => {
  // Whatever happens, lots stay within what was earned, debt is only owed when no lot has points, and the balance is what the lots hold.
  it('keep the balance equal to what the lots hold less debt', () => {
    fc.assert(
      fc.property(historyArb(true), (inputs) => {
        const fold = foldLedger(demoConfig, inputs);
        for (const lot of fold.lots) {
          expect(lot.remaining).toBeGreaterThanOrEqual(0);
          expect(lot.remaining).toBeLessThanOrEqual(lot.amount);
        }
        expect(fold.debt).toBeGreaterThanOrEqual(0);
        if (fold.debt > 0) expect(fold.lots.every((l) => l.remaining === 0)).toBe(true);
        expect(fold.balance).toBe(fold.lots.reduce((s, l) => s + l.remaining, 0) - fold.debt);
      }),
      { numRuns: 300 },
    );
  });

  // Expiry never takes more than was earned, never more than the balance held, and nothing from a member in debt.
  it('never expire more than was earned or than the balance held', () => {
    fc.assert(
      fc.property(historyArb(true), (inputs) => {
        const fold = foldLedger(demoConfig, inputs);
        expect(expiredBy(fold)).toBeLessThanOrEqual(credited(fold));
        const sorted = [...inputs].sort(compareInputs);
        sorted.forEach((input, i) => {
          if (input.kind !== 'expiry') return;
          const before = foldLedger(demoConfig, sorted.slice(0, i));
          const expired = 0 - (foldLedger(demoConfig, sorted.slice(0, i + 1)).entries.get(`expiry#${input.ref}`)?.points ?? 0);
          expect(expired).toBeGreaterThanOrEqual(0);
          expect(expired).toBeLessThanOrEqual(Math.max(0, before.balance));
          if (before.debt > 0) expect(expired).toBe(0);
        });
      }),
      { numRuns: 200 },
    );
  });

  // Without refunds (which take back their own order's points first), points always leave oldest first.
  it('take points oldest first: a newer lot is only touched once every older lot is empty', () => {
    fc.assert(
      fc.property(historyArb(false), (inputs) => {
        const { lots } = foldLedger(demoConfig, inputs);
        lots.forEach((newer, j) => {
          if (newer.remaining < newer.amount) for (const older of lots.slice(0, j)) expect(older.remaining).toBe(0);
        });
      }),
      { numRuns: 300 },
    );
  });

  // However late the ledger job writes an expiry entry, it takes every point expired by its time, and no later debit can have spent them.
  it('let a late expiry entry take every point expired by its time', () => {
    fc.assert(
      fc.property(historyArb(true), (inputs) => {
        const withoutExpiry = inputs.filter((i) => i.kind !== 'expiry');
        const end = START + THREE_YEARS + 86_400_000;
        const due = withoutExpiry.length > 0 ? foldLedger(demoConfig, withoutExpiry) : undefined;
        const boundary = due?.lots
          .map((l) => l.expiresAt)
          .filter((e): e is number => e !== null && e <= end)
          .sort((a, b) => b - a)[0];
        if (boundary === undefined) return;
        const expiry: LedgerInput = { kind: 'expiry', ref: 'last', at: new Date(boundary).toISOString() };
        const fold = foldLedger(demoConfig, [...withoutExpiry, expiry]);
        expect(fold.balance).toBe(fold.lots.reduce((s, l) => s + l.remaining, 0) - fold.debt);
        for (const lot of fold.lots) if (lot.expiresAt !== null && lot.expiresAt <= boundary) expect(lot.remaining).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  // The fold is the specification: any arrival order gives the same points, lots and status.
  it('reach the same state whatever order the inputs come in', () => {
    fc.assert(
      fc.property(
        historyArb(true).chain((inputs) => fc.tuple(fc.constant(inputs), fc.shuffledSubarray(inputs, { minLength: inputs.length }))),
        ([inputs, shuffled]) => {
          const a = foldLedger(demoConfig, inputs, { asOf: START + THREE_YEARS });
          const b = foldLedger(demoConfig, shuffled, { asOf: START + THREE_YEARS });
          expect(b.balance).toBe(a.balance);
          expect(b.lots).toEqual(a.lots);
          expect(b.tierChanges).toEqual(a.tierChanges);
          expect(b.expiryWarnings).toEqual(a.expiryWarnings);
          expect([...b.entries].sort()).toEqual([...a.entries].sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('Property: the member view', () => {
  const config = { ...demoConfig, returnWindowDays: 14 };
  // Whenever the stored view answers, it answers exactly what folding the whole ledger at that instant does.
  it('gives the figures of the full fold at any instant it is valid for', () => {
    fc.assert(
      fc.property(
        historyArb(true),
        fc.integer({ min: 0, max: THREE_YEARS + 400 * 86_400_000 }),
        fc.integer({ min: 0, max: 400 * 86_400_000 }),
        (inputs, asOfOffset, later) => {
          const asOf = START + asOfOffset;
          const now = asOf + later;
          const view = memberViewOf(foldLedger(config, inputs, { asOf }), asOf);
          const answered = memberFiguresFromView(config, view, now);
          if (view.validUntil === null || now < view.validUntil) expect(answered).toBeDefined();
          if (answered) expect(answered).toEqual(memberFiguresOf(config, foldLedger(config, inputs, { asOf: now }), now));
        },
      ),
      { numRuns: 500 },
    );
  });
});
