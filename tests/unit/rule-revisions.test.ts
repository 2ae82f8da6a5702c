import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { InvalidProgramConfigError, parseProgramConfig, type ProgramConfig } from '../../functions/config/program';
import { foldLedger, type LedgerInput, rulesAt } from '../../functions/domain/points';
import { lockOf, rulesLockIssues } from '../../lib/rules-lock';

const CHANGE = '2026-04-01T00:00:00+02:00';
/** The demo's rules, then from 1 April 2026: 2 points per SEK and running shoes ×3. */
const revised = (extra: object = {}): ProgramConfig =>
  parseProgramConfig({
    ...demo,
    revisions: [
      { effectiveFrom: CHANGE, note: 'spring', earnRates: { SEK: { points: 2, per: 100 } }, categoryMultipliers: { 'running-shoes': 3 } },
    ],
    ...extra,
  });
const shoes = (ref: string, at: string, unitPrice = 129_900): LedgerInput => ({
  kind: 'order',
  ref,
  at,
  currency: 'SEK',
  lines: [{ sku: 'TR3', category: 'running-shoes', quantity: 1, unitPrice }],
  discount: 0,
});

describe('Rule revisions: the fold', () => {
  it('prices each order by the rules in force at its business time, late ones included', () => {
    const config = revised();
    const fold = foldLedger(config, [
      shoes('after', '2026-04-10T10:00:00+02:00'),
      shoes('before', '2026-03-01T10:00:00+01:00'),
      // Late: arrives last, happened before the change.
      shoes('late', '2026-03-20T10:00:00+01:00', 10_000),
    ]);
    expect(fold.entries.get('order#before')).toMatchObject({
      points: 2598,
      pricing: { revision: 0, multipliers: { categories: { 'running-shoes': 2 } } },
    });
    expect(fold.entries.get('order#late')).toMatchObject({ points: 200, pricing: { revision: 0 } });
    expect(fold.entries.get('order#after')).toMatchObject({
      points: 1299 * 2 * 3,
      pricing: { revision: 1, multipliers: { categories: { 'running-shoes': 3 } } },
    });
  });

  it('does not re-price an order when a review after a rule change arrives (the reproduction of issue 12.1)', () => {
    const order = shoes('ko1', '2026-03-01T10:00:00+01:00');
    const before = foldLedger(revised(), [order]);
    const after = foldLedger(revised(), [order, { kind: 'activity', ref: 'ka1', at: '2026-04-05T10:00:00+02:00', activity: 'review' }]);
    expect(after.entries.get('order#ko1')?.points).toBe(before.entries.get('order#ko1')?.points);
    expect(after.entries.get('order#ko1')?.points).toBe(2598);
  });

  it('applies a revised activity table and tier from their effective instant', () => {
    const config = revised({
      revisions: [
        {
          effectiveFrom: CHANGE,
          activities: { review: 80, referral: 250 },
          tiers: [...demo.tiers.slice(0, 1), { name: 'Bronze', qualifyingPoints: 1000, multiplier: 1.25 }, ...demo.tiers.slice(1)],
        },
      ],
    });
    expect(rulesAt(config, Date.parse(CHANGE) - 1).revision).toBe(0);
    expect(rulesAt(config, Date.parse(CHANGE)).revision).toBe(1);
    const fold = foldLedger(config, [
      { kind: 'activity', ref: 'a1', at: '2026-03-05T10:00:00+01:00', activity: 'review' },
      { kind: 'activity', ref: 'a2', at: '2026-04-05T10:00:00+02:00', activity: 'review' },
      shoes('o1', '2026-04-06T10:00:00+02:00', 50_000),
      shoes('o2', '2026-04-07T10:00:00+02:00', 10_000),
    ]);
    expect(fold.entries.get('activity#a1')?.points).toBe(50);
    expect(fold.entries.get('activity#a2')?.points).toBe(80);
    // o1 lifts the member past Bronze's 1 000; o2 is priced with Bronze's ×1.25.
    expect(fold.entries.get('order#o2')).toMatchObject({ tier: 'Bronze', points: 250 });
    expect(fold.status.name).toBe('Bronze');
  });

  const START = Date.parse('2026-01-01T00:00:00Z');
  const time = fc.integer({ min: 0, max: 300 * 86_400_000 }).map((t) => new Date(START + t).toISOString());
  const inputArb = (i: number): fc.Arbitrary<LedgerInput> =>
    fc.oneof(
      fc.record({ at: time, sek: fc.integer({ min: 1, max: 5000 }) }).map(({ at, sek }) => shoes(`o${i}`, at, sek * 100)),
      fc.record({ at: time }).map(({ at }): LedgerInput => ({ kind: 'activity', ref: `a${i}`, at, activity: 'review' })),
      fc
        .record({ at: time, order: fc.integer({ min: 0, max: 20 }), amount: fc.integer({ min: 1, max: 200_000 }) })
        .map(({ at, order, amount }): LedgerInput => ({ kind: 'refund', ref: `r${i}`, at, orderRef: `o${order}`, amount })),
      fc
        .record({ at: time, points: fc.integer({ min: 1, max: 2000 }) })
        .map(({ at, points }): LedgerInput => ({ kind: 'redemption', ref: `x${i}`, at, points })),
    );
  const historyArb = fc.integer({ min: 1, max: 20 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => inputArb(i))));

  // With a rule change in the history, the fold of any delivery order is the fold in business order, and the entries before the change are priced as if it never happened.
  it('keeps the ledger properties with a rule change in the history', () => {
    const config = revised();
    const base = parseProgramConfig(demo);
    fc.assert(
      fc.property(historyArb, fc.func(fc.integer()), (inputs, rank) => {
        const shuffled = [...inputs].sort((a, b) => rank(a.ref) - rank(b.ref));
        const fold = foldLedger(config, inputs);
        expect(foldLedger(config, shuffled)).toEqual(fold);
        const early = inputs.filter((x) => Date.parse(x.at) < Date.parse(CHANGE));
        const old = foldLedger(base, early);
        const foldEarly = foldLedger(config, early);
        expect(foldEarly.balance).toBe(old.balance);
        for (const [key, entry] of old.entries) expect(foldEarly.entries.get(key)?.points).toBe(entry.points);
      }),
      { numRuns: 200 },
    );
  });
});

describe('Rule revisions: the client file', () => {
  it('refuses revisions that are not in rising order, naming the field', () => {
    const input = {
      ...demo,
      revisions: [
        { effectiveFrom: '2026-05-01T00:00:00Z', firstOrderBonus: 10 },
        { effectiveFrom: '2026-04-01T00:00:00Z', firstOrderBonus: 20 },
      ],
    };
    expect(() => parseProgramConfig(input)).toThrow(/revisions\[1\]\.effectiveFrom: must be after revisions\[0\]\.effectiveFrom/);
  });

  it('refuses a revision that drops a tier members may hold', () => {
    const input = { ...demo, revisions: [{ effectiveFrom: CHANGE, tiers: demo.tiers.slice(0, 2) }] };
    expect(() => parseProgramConfig(input)).toThrow(/revisions\[0\]\.tiers: must keep every earlier tier \(missing: Gold\)/);
  });

  it('refuses an unknown rule field in a revision', () => {
    expect(() => parseProgramConfig({ ...demo, revisions: [{ effectiveFrom: CHANGE, earnRate: {} }] })).toThrow(InvalidProgramConfigError);
  });
});

describe('Rule revisions: the rules lock', () => {
  const now = Date.parse('2026-05-01T00:00:00Z');
  const lock = lockOf(revised());

  it('accepts the rules as locked, and a new client with no lock', () => {
    expect(rulesLockIssues(revised(), lock, now)).toEqual([]);
    expect(rulesLockIssues(revised(), undefined, now)).toEqual([]);
  });

  it('refuses an edit of the base rules once in force, naming the field and what to do', () => {
    const edited = parseProgramConfig({ ...demo, categoryMultipliers: { 'running-shoes': 3 }, revisions: revised().revisions });
    const issues = rulesLockIssues(edited, lock, now);
    expect(issues).toEqual([{ path: 'categoryMultipliers.running-shoes', message: expect.stringContaining('new entry in `revisions`') }]);
  });

  it('refuses an edit of a revision in force, and a new revision dated in the past', () => {
    const edited = parseProgramConfig({
      ...demo,
      revisions: [
        { ...revised().revisions[0], earnRates: { SEK: { points: 3, per: 100 } } },
        { effectiveFrom: '2026-04-15T00:00:00Z', firstOrderBonus: 5 },
      ],
    });
    const issues = rulesLockIssues(edited, lock, now);
    expect(issues.map((i) => i.path)).toEqual(['revisions[0].earnRates.SEK.points', 'revisions[1].effectiveFrom']);
    expect(issues[1]?.message).toMatch(/has passed: a new revision takes effect from now on/);
  });

  it('lets a revision change freely until it takes effect', () => {
    const early = Date.parse('2026-03-01T00:00:00Z');
    const edited = parseProgramConfig({ ...demo, revisions: [{ effectiveFrom: '2026-04-02T00:00:00Z', firstOrderBonus: 5 }] });
    expect(rulesLockIssues(edited, lock, early)).toEqual([]);
  });

  it('lets a campaign that has not started change, and a running one end early from now on, but not in the past', () => {
    const campaign = { id: 'spring', name: 'Spring', start: '2026-04-20T00:00:00Z', end: '2026-06-01T00:00:00Z', multiplier: 2 };
    const later = { id: 'summer', name: 'Summer', start: '2026-06-10T00:00:00Z', end: '2026-07-01T00:00:00Z', multiplier: 2 };
    const withCampaigns = (campaigns: object[]) => parseProgramConfig({ ...demo, campaigns });
    const locked = lockOf(withCampaigns([campaign, later]));
    expect(
      rulesLockIssues(
        withCampaigns([
          { ...campaign, end: '2026-05-10T00:00:00Z' },
          { ...later, multiplier: 3 },
        ]),
        locked,
        now,
      ),
    ).toEqual([]);
    expect(rulesLockIssues(withCampaigns([campaign]), locked, now)).toEqual([]);
    expect(rulesLockIssues(withCampaigns([{ ...campaign, end: '2026-04-25T00:00:00Z' }, later]), locked, now).map((i) => i.path)).toEqual([
      'campaigns.0.end',
    ]);
    expect(rulesLockIssues(withCampaigns([later]), locked, now).map((i) => i.path)).toEqual(['campaigns.0']);
  });
});
