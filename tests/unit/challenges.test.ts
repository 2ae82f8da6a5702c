import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { InvalidProgramConfigError, parseProgramConfig } from '../../functions/config/program';
import {
  challengeScores,
  challengeStatus,
  challengeTimes,
  placeRows,
  scoringWindow,
  type BoardRow,
} from '../../functions/domain/challenges';
import { foldLedger, type LedgerInput } from '../../functions/domain/points';
import { JANUARY_NEWCOMERS } from '../support/challenges';

const newcomers = JANUARY_NEWCOMERS;
const sprint = {
  id: 'spring-sprint',
  name: 'Spring sprint',
  start: '2027-03-01T00:00:00+01:00',
  end: '2027-04-01T00:00:00+02:00',
  prizes: [300],
};
const config = parseProgramConfig({ ...demo, challenges: [newcomers, sprint] }, 'challenges');
const [NEWCOMERS, SPRINT] = config.challenges as [(typeof config.challenges)[number], (typeof config.challenges)[number]];

const ms = (iso: string) => Date.parse(iso);
const order = (ref: string, at: string, sek: number, category = 'socks'): LedgerInput => ({
  kind: 'order',
  ref,
  at,
  currency: 'SEK',
  lines: [{ sku: `sku-${ref}`, category, quantity: 1, unitPrice: sek * 100 }],
  discount: 0,
});
const scoresOf = (inputs: LedgerInput[], membership: { joinedAt?: number; deleted?: boolean }, now: string) =>
  Object.fromEntries(challengeScores(config, foldLedger(config, inputs), inputs, membership, ms(now)));

function configError(challenges: unknown[]): string {
  try {
    parseProgramConfig({ ...demo, challenges }, 'bad');
  } catch (error) {
    if (error instanceof InvalidProgramConfigError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('challenge configuration', () => {
  it('names the field of a challenge that cannot work', () => {
    expect(configError([{ ...sprint, end: sprint.start }])).toContain('challenges[0].end: must end after it starts');
    expect(configError([{ ...sprint, firstDays: 30 }])).toContain("challenges[0].firstDays: needs entrants: 'joined'");
    expect(configError([{ ...sprint, prizes: [] }])).toContain('challenges[0].prizes');
    expect(configError([sprint, sprint])).toContain('challenges: challenge ids must be unique');
  });
});

describe('challenge times', () => {
  it('scoring of a first-days challenge closes that many days after registration closes, and the result a settle period later', () => {
    const t = challengeTimes(NEWCOMERS, config);
    expect(new Date(t.scoringClosesAt).toISOString()).toBe('2027-03-02T23:00:00.000Z');
    expect(new Date(t.resultsAt).toISOString()).toBe('2027-03-03T23:00:00.000Z');
    expect(challengeStatus(NEWCOMERS, config, ms('2026-12-31T22:59:59Z'))).toBe('upcoming');
    expect(challengeStatus(NEWCOMERS, config, ms('2026-12-31T23:00:00Z'))).toBe('open');
    expect(challengeStatus(NEWCOMERS, config, ms('2027-03-02T23:00:00Z'))).toBe('settling');
    expect(challengeStatus(NEWCOMERS, config, ms('2027-03-03T23:00:00Z'))).toBe('closed');
  });

  it('decides the result no sooner than the return window after scoring closes, so a purchase returned within it never wins', () => {
    const withReturns = { ...config, returnWindowDays: 14 };
    expect(new Date(challengeTimes(NEWCOMERS, withReturns).resultsAt).toISOString()).toBe('2027-03-16T23:00:00.000Z');
    expect(challengeStatus(NEWCOMERS, withReturns, ms('2027-03-10T00:00:00Z'))).toBe('settling');
  });

  it('counts only members who joined inside the window, over their own first days; a deleted member takes part in nothing', () => {
    expect(scoringWindow(NEWCOMERS, {})).toBeNull();
    expect(scoringWindow(NEWCOMERS, { joinedAt: ms('2026-12-31T22:59:59Z') })).toBeNull();
    expect(scoringWindow(NEWCOMERS, { joinedAt: ms('2027-01-31T23:00:00Z') })).toBeNull();
    const joined = ms('2027-01-20T10:00:00Z');
    expect(scoringWindow(NEWCOMERS, { joinedAt: joined })).toEqual({ from: joined, to: joined + 30 * 86_400_000 });
    expect(scoringWindow(NEWCOMERS, { joinedAt: joined, deleted: true })).toBeNull();
    expect(scoringWindow(SPRINT, {})).toEqual({ from: ms(sprint.start), to: ms(sprint.end) });
  });
});

describe('challenge scores', () => {
  const joinedAt = ms('2027-01-10T10:00:00Z');

  it('are the points orders and activities earned inside the window, net of those orders’ refunds whenever they came', () => {
    const inputs: LedgerInput[] = [
      order('before', '2027-01-05T10:00:00Z', 700), // before joining: not counted
      order('shoes', '2027-01-12T10:00:00Z', 1000, 'running-shoes'), // ×2 → 2000
      { kind: 'activity', ref: 'rev-1', at: '2027-01-13T10:00:00Z', activity: 'review' }, // 50
      { kind: 'adjustment', ref: 'goodwill', at: '2027-01-14T10:00:00Z', points: 400, reason: 'goodwill' }, // never counted
      order('socks', '2027-01-20T10:00:00Z', 300),
      // Returned after the window closed: still takes back what the order scored.
      { kind: 'refund', ref: 'ret-1', at: '2027-03-01T10:00:00Z', orderRef: 'socks', amount: 30_000 },
      order('late', '2027-02-10T10:00:00Z', 900), // day 31 after joining: not counted
    ];
    expect(scoresOf(inputs, { joinedAt }, '2027-03-01T12:00:00Z')).toEqual({ newcomers: 2050, 'spring-sprint': 0 });
  });

  it('are 0 for a member who does not take part, and missing once a challenge has closed', () => {
    const inputs = [order('o1', '2027-03-02T10:00:00Z', 500)];
    expect(scoresOf(inputs, {}, '2027-03-02T12:00:00Z')).toEqual({ newcomers: 0, 'spring-sprint': 500 });
    expect(scoresOf(inputs, {}, '2027-03-04T00:00:00Z')).toEqual({ 'spring-sprint': 500 });
    expect(scoresOf(inputs, {}, '2027-04-01T22:00:00Z')).toEqual({});
    expect(scoresOf(inputs, { deleted: true }, '2027-03-02T12:00:00Z')).toEqual({ newcomers: 0, 'spring-sprint': 0 });
  });

  // Invariant: scores depend on the distinct events only, never on the order they arrived in.
  it('do not depend on delivery order', () => {
    const input = fc.oneof(
      fc
        .record({ day: fc.integer({ min: 0, max: 90 }), sek: fc.integer({ min: 1, max: 3000 }), shoes: fc.boolean() })
        .map((o) => ({ kind: 'order' as const, ...o })),
      fc
        .record({ day: fc.integer({ min: 0, max: 90 }), share: fc.integer({ min: 1, max: 100 }) })
        .map((r) => ({ kind: 'refund' as const, ...r })),
    );
    fc.assert(
      fc.property(
        fc.array(input, { maxLength: 12 }),
        fc.integer({ min: 0, max: 40 }),
        fc.infiniteStream(fc.nat()),
        (raw, joinDay, seeds) => {
          const base = ms('2027-01-01T00:00:00Z');
          const day = (d: number) => new Date(base + d * 86_400_000).toISOString();
          const orders = raw.filter((r) => r.kind === 'order');
          const inputs: LedgerInput[] = raw.map((r, i) =>
            r.kind === 'order'
              ? order(`o${i}`, day(r.day), r.sek, r.shoes ? 'running-shoes' : 'socks')
              : {
                  kind: 'refund',
                  ref: `r${i}`,
                  at: day(r.day),
                  orderRef: `o${raw.indexOf(orders[i % Math.max(1, orders.length)] ?? r)}`,
                  amount: r.share * 100,
                },
          );
          const shuffled = [...inputs].sort(() => (seeds.next().value % 3) - 1);
          const membership = { joinedAt: base + joinDay * 86_400_000 };
          const now = '2027-02-15T00:00:00Z';
          expect(scoresOf(shuffled, membership, now)).toEqual(scoresOf(inputs, membership, now));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('leaderboard places', () => {
  const rows: BoardRow[] = [
    { customerId: 'a', score: 1200 },
    { customerId: 'b', score: 1000 },
    { customerId: 'c', score: 1000 },
    { customerId: 'd', score: 850 },
    { customerId: 'e', score: 850 },
    { customerId: 'f', score: 300 },
  ];

  it('share a place between members tied on a score (1, 2, 2, 4)', () => {
    expect(placeRows(rows).placed.map((r) => r.rank)).toEqual([1, 2, 2, 4, 4, 6]);
  });

  // Invariant: paging the board anywhere gives every row the same place as reading it whole.
  it('continue across pages', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: rows.length }), fc.integer({ min: 0, max: rows.length }), (x, y) => {
        const [i, j] = x <= y ? [x, y] : [y, x];
        const first = placeRows(rows.slice(0, i));
        const second = placeRows(rows.slice(i, j), first.next);
        const third = placeRows(rows.slice(j), second.next);
        expect([...first.placed, ...second.placed, ...third.placed]).toEqual(placeRows(rows).placed);
      }),
    );
  });
});
