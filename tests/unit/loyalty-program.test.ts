import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { parseProgramConfig } from '../../functions/config/program';
import {
  expiryDue,
  expiryOf,
  foldLedger,
  type LedgerInput,
  nextExpiry,
  type OrderInput,
  pendingAt,
  qualifyingPointsAt,
  spendableAt,
} from '../../functions/domain/points';
import { demoConfig } from '../support/deps';

const socks = (unitPrice: number, quantity = 1) => ({ sku: 'sock-1', category: 'socks', quantity, unitPrice });
/** An order of socks worth `points` base points (1 point per SEK). */
const order = (ref: string, at: string, points: number): OrderInput => ({
  kind: 'order',
  ref,
  at,
  currency: 'SEK',
  lines: [socks(points * 100)],
  discount: 0,
});
const redeem = (ref: string, at: string, points: number): LedgerInput => ({ kind: 'redemption', ref, at, points });
const adjust = (ref: string, at: string, points: number): LedgerInput => ({ kind: 'adjustment', ref, at, points, reason: 'operator' });
const expiry = (ref: string, at: string): LedgerInput => ({ kind: 'expiry', ref, at });
const ms = (iso: string) => Date.parse(iso);

describe('Function: foldLedger', () => {
  describe('tier status', () => {
    it('upgrades at once when qualifying points reach a threshold; the crossing order itself is priced at the old tier', () => {
      const fold = foldLedger(demoConfig, [order('o1', '2026-01-10T10:00:00Z', 5000), order('o2', '2026-01-10T10:01:00Z', 1000)]);
      expect(fold.entries.get('order#o1')).toMatchObject({ points: 5000, tier: 'Red' });
      expect(fold.entries.get('order#o2')).toMatchObject({ points: 1500, tier: 'Silver' });
      expect(fold.tierChanges).toEqual([
        {
          at: ms('2026-01-10T10:00:00Z'),
          from: 'Red',
          to: 'Silver',
          direction: 'upgrade',
          qualifying: 5000,
          reviewAt: ms('2027-01-10T10:00:00Z'),
        },
      ]);
      expect(fold.status).toMatchObject({ name: 'Silver', since: ms('2026-01-10T10:00:00Z'), reviewAt: ms('2027-01-10T10:00:00Z') });
    });

    it('keeps the status when qualifying points lapse, and moves down only at the review', () => {
      const inputs = [
        order('o1', '2026-01-10T10:00:00Z', 5000),
        order('o2', '2026-12-01T10:00:00Z', 1000), // the only qualifying points within the review's 12 months
        order('o3', '2027-01-09T10:00:00Z', 1000), // o1 is 12 months old minus a day: still Silver
        order('o4', '2027-01-11T10:00:00Z', 1000), // after the review
      ];
      const fold = foldLedger(demoConfig, inputs);
      expect(fold.entries.get('order#o3')).toMatchObject({ points: 1500, tier: 'Silver' });
      expect(fold.entries.get('order#o4')).toMatchObject({ points: 1000, tier: 'Red' });
      expect(fold.tierChanges.map((c) => [c.direction, c.to, new Date(c.at).toISOString()])).toEqual([
        ['upgrade', 'Silver', '2026-01-10T10:00:00.000Z'],
        ['downgrade', 'Red', '2027-01-10T10:00:00.000Z'],
      ]);
    });

    it('keeps the status at the review when the member qualified again, and reviews it a year later', () => {
      const fold = foldLedger(demoConfig, [order('o1', '2026-01-10T10:00:00Z', 5000), order('o2', '2026-06-01T10:00:00Z', 5000)], {
        asOf: ms('2027-06-01T00:00:00Z'),
      });
      expect(fold.status).toMatchObject({ name: 'Silver', since: ms('2026-01-10T10:00:00Z'), reviewAt: ms('2028-01-10T10:00:00Z') });
      expect(fold.tierChanges).toHaveLength(1);
    });

    it('moves down at the review only as far as the qualifying points support', () => {
      const fold = foldLedger(demoConfig, [order('o1', '2026-01-10T10:00:00Z', 15_000), order('o2', '2026-08-01T10:00:00Z', 6000)], {
        asOf: ms('2027-02-01T00:00:00Z'),
      });
      expect(fold.tierChanges.map((c) => `${c.from}→${c.to}`)).toEqual(['Red→Gold', 'Gold→Silver']);
      expect(fold.status).toMatchObject({ name: 'Silver', since: ms('2027-01-10T10:00:00Z'), reviewAt: ms('2028-01-10T10:00:00Z') });
    });

    it('carries the status to asOf without new inputs: a lapsed status ends at its review', () => {
      const inputs = [order('o1', '2026-01-10T10:00:00Z', 5000)];
      expect(foldLedger(demoConfig, inputs, { asOf: ms('2027-01-10T09:59:59Z') }).status.name).toBe('Silver');
      const after = foldLedger(demoConfig, inputs, { asOf: ms('2027-01-10T10:00:00Z') });
      expect(after.status).toEqual({ name: 'Red', multiplier: 1, since: ms('2027-01-10T10:00:00Z'), reviewAt: null });
      // What is left to happen by time alone: the warning before o1's points expire (start of February 2028, Stockholm).
      expect(after.nextCheckpoint).toBe(ms('2028-01-01T23:00:00Z'));
    });

    it('never costs a tier for redeeming: qualifying points follow what was earned, not the balance', () => {
      const fold = foldLedger(demoConfig, [
        order('o1', '2026-01-10T10:00:00Z', 5000),
        redeem('x1', '2026-01-11T10:00:00Z', 5000),
        order('o2', '2026-01-12T10:00:00Z', 1000),
      ]);
      expect(fold.balance).toBe(1500);
      expect(fold.entries.get('order#o2')?.tier).toBe('Silver');
      expect(qualifyingPointsAt(fold, ms('2026-01-12T10:00:00Z'))).toBe(6000);
    });

    it('does not count adjustments towards tiers', () => {
      const fold = foldLedger(demoConfig, [adjust('bonus', '2026-01-10T10:00:00Z', 20_000), order('o1', '2026-01-11T10:00:00Z', 100)]);
      expect(fold.status.name).toBe('Red');
      expect(fold.entries.get('order#o1')?.tier).toBe('Red');
    });

    it('warns a member who would move down, the configured days before the review, with what was known then', () => {
      const fold = foldLedger(demoConfig, [order('o1', '2026-01-10T10:00:00Z', 5000), order('o2', '2026-11-01T10:00:00Z', 1200)], {
        asOf: ms('2027-01-01T00:00:00Z'),
      });
      expect(fold.tierWarnings).toEqual([
        {
          at: ms('2026-12-11T10:00:00Z'),
          reviewAt: ms('2027-01-10T10:00:00Z'),
          tier: 'Silver',
          projectedTier: 'Red',
          qualifying: 1200,
          required: 5000,
        },
      ]);
      expect(fold.nextCheckpoint).toBe(ms('2027-01-10T10:00:00Z'));
    });

    it('sends no warning to a member who has qualified again by then', () => {
      const fold = foldLedger(demoConfig, [order('o1', '2026-01-10T10:00:00Z', 5000), order('o2', '2026-11-01T10:00:00Z', 5000)], {
        asOf: ms('2027-02-01T00:00:00Z'),
      });
      expect(fold.tierWarnings).toEqual([]);
    });

    it('reaches the same status history whatever order the inputs come in', () => {
      const inputs = [
        order('o1', '2026-01-10T10:00:00Z', 3000),
        order('o2', '2026-03-10T10:00:00Z', 2500),
        { kind: 'refund', ref: 'r1', at: '2026-04-01T10:00:00Z', orderRef: 'o2', amount: 100_000 } as LedgerInput,
        order('o3', '2027-04-10T10:00:00Z', 16_000),
        order('o4', '2027-05-10T10:00:00Z', 1000),
      ];
      const forward = foldLedger(demoConfig, inputs, { asOf: ms('2029-01-01T00:00:00Z') });
      const backward = foldLedger(demoConfig, [...inputs].reverse(), { asOf: ms('2029-01-01T00:00:00Z') });
      expect(backward.tierChanges).toEqual(forward.tierChanges);
      expect(backward.balance).toBe(forward.balance);
      expect(forward.tierChanges.map((c) => `${c.to}@${new Date(c.at).toISOString().slice(0, 10)}`)).toEqual([
        'Silver@2026-03-10',
        'Red@2027-03-10',
        'Gold@2027-04-10',
        'Red@2028-04-10',
      ]);
    });
  });

  describe('pending points', () => {
    const config = parseProgramConfig({ ...demo, returnWindowDays: 14 });

    it('keeps order points pending through the return window; activities and adjustments are spendable at once', () => {
      const fold = foldLedger(config, [
        order('o1', '2026-03-01T10:00:00Z', 1000),
        { kind: 'activity', ref: 'a1', at: '2026-03-02T10:00:00Z', activity: 'review' },
      ]);
      expect(fold.balance).toBe(1050);
      expect(spendableAt(fold, ms('2026-03-10T00:00:00Z'))).toBe(50);
      expect(pendingAt(fold, ms('2026-03-10T00:00:00Z'))).toEqual([{ points: 1000, spendableAt: ms('2026-03-15T10:00:00Z') }]);
      expect(spendableAt(fold, ms('2026-03-15T10:00:00Z'))).toBe(1050);
      expect(pendingAt(fold, ms('2026-03-15T10:00:00Z'))).toEqual([]);
    });

    it('cancels pending points with a refund inside the window, leaving the spendable points alone', () => {
      const fold = foldLedger(config, [
        { kind: 'activity', ref: 'a1', at: '2026-03-01T09:00:00Z', activity: 'referral' },
        order('o1', '2026-03-01T10:00:00Z', 1000),
        { kind: 'refund', ref: 'r1', at: '2026-03-05T10:00:00Z', orderRef: 'o1', amount: 40_000 },
      ]);
      expect(fold.entries.get('refund#r1')?.points).toBe(-400);
      expect(spendableAt(fold, ms('2026-03-06T00:00:00Z'))).toBe(250);
      expect(pendingAt(fold, ms('2026-03-06T00:00:00Z'))).toEqual([{ points: 600, spendableAt: ms('2026-03-15T10:00:00Z') }]);
    });
  });

  describe('redemptions and debt', () => {
    it('spends the oldest points first, and a refund after the points were spent takes the balance below zero', () => {
      const fold = foldLedger(demoConfig, [
        order('o1', '2026-01-01T10:00:00Z', 1000),
        order('o2', '2026-02-01T10:00:00Z', 500),
        redeem('x1', '2026-03-01T10:00:00Z', 1200),
        { kind: 'refund', ref: 'r1', at: '2026-03-02T10:00:00Z', orderRef: 'o1', amount: 100_000 },
      ]);
      expect(fold.entries.get('redemption#x1')?.points).toBe(-1200);
      expect(fold.lots.map((l) => [l.source, l.remaining])).toEqual([
        ['order#o1', 0],
        ['order#o2', 0],
      ]);
      expect(fold.debt).toBe(700);
      expect(fold.balance).toBe(-700);
      expect(spendableAt(fold, ms('2026-03-03T00:00:00Z'))).toBe(-700);
      expect(fold.lifetimePoints).toBe(500);
    });

    it('pays debt off first from new points', () => {
      const fold = foldLedger(demoConfig, [adjust('fix', '2026-01-01T10:00:00Z', -300), order('o1', '2026-02-01T10:00:00Z', 1000)]);
      expect(fold.lots).toMatchObject([{ source: 'order#o1', amount: 1000, remaining: 700 }]);
      expect(fold.debt).toBe(0);
      expect(fold.balance).toBe(700);
    });
  });

  describe('expiry', () => {
    it('lets points earned in a month stay valid through the end of the month the configured months later (client time zone)', () => {
      // Stockholm is on summer time (UTC+2) from 28 March 2027.
      expect(new Date(expiryOf(demoConfig, ms('2025-03-15T14:00:00Z'))!).toISOString()).toBe('2027-03-31T22:00:00.000Z');
      // 31 January 23:30 UTC is already 1 February in Stockholm.
      expect(new Date(expiryOf(demoConfig, ms('2025-01-31T23:30:00Z'))!).toISOString()).toBe('2027-02-28T23:00:00.000Z');
      expect(expiryOf(parseProgramConfig({ ...demo, pointsExpiryMonths: null }), ms('2025-03-15T14:00:00Z'))).toBeNull();
    });

    it('expires what is left of the oldest points, after spending took from them first', () => {
      const inputs = [
        order('o1', '2025-01-10T10:00:00Z', 1000), // expires at the start of February 2027 (Stockholm)
        order('o2', '2025-06-10T10:00:00Z', 800),
        redeem('x1', '2026-01-10T10:00:00Z', 600), // takes 600 from o1
      ];
      const before = foldLedger(demoConfig, inputs);
      const due = expiryDue(before, ms('2027-02-01T12:00:00Z'));
      expect(new Date(due!).toISOString()).toBe('2027-01-31T23:00:00.000Z');
      expect(nextExpiry(before, ms('2026-06-01T00:00:00Z'))).toEqual({ points: 400, expiresAt: due });

      const fold = foldLedger(demoConfig, [...inputs, expiry('2027-02-01', new Date(due!).toISOString())]);
      expect(fold.entries.get('expiry#2027-02-01')).toMatchObject({ points: -400, reason: 'points expired' });
      expect(fold.balance).toBe(800);
      expect(fold.lifetimePoints).toBe(1800);
      expect(expiryDue(fold, ms('2027-02-01T12:00:00Z'))).toBeNull();
    });

    it('counts no points past their expiry as spendable, even before the expiry entry is written', () => {
      const fold = foldLedger(demoConfig, [order('o1', '2025-01-10T10:00:00Z', 1000), order('o2', '2025-06-10T10:00:00Z', 800)]);
      expect(spendableAt(fold, ms('2027-01-31T22:59:59Z'))).toBe(1800);
      expect(spendableAt(fold, ms('2027-01-31T23:00:00Z'))).toBe(800);
    });

    it('expires nothing while the member is in debt', () => {
      const fold = foldLedger(demoConfig, [
        order('o1', '2025-01-10T10:00:00Z', 1000),
        redeem('x1', '2025-02-10T10:00:00Z', 1000),
        adjust('fix', '2025-03-10T10:00:00Z', -200),
        expiry('2027-02-01', '2027-01-31T23:00:00.000Z'),
      ]);
      expect(fold.entries.get('expiry#2027-02-01')?.points).toBe(0);
      expect(fold.balance).toBe(-200);
    });

    it('warns the configured days before points expire, with how many would go', () => {
      const fold = foldLedger(demoConfig, [order('o1', '2025-01-10T10:00:00Z', 1000), redeem('x1', '2026-01-10T10:00:00Z', 250)], {
        asOf: ms('2027-01-15T00:00:00Z'),
      });
      expect(fold.expiryWarnings).toEqual([
        { at: ms('2027-01-01T23:00:00Z'), expiresAt: ms('2027-01-31T23:00:00Z'), points: 750, balance: 750 },
      ]);
    });
  });

  describe('spend rewards', () => {
    const config = parseProgramConfig({
      ...demo,
      spendRewards: [{ id: 'free-socks', name: 'Free socks', currency: 'SEK', everyMinor: 50_000 }],
    });

    it('reaches a reward each time net spend passes another multiple of the threshold', () => {
      const fold = foldLedger(config, [order('o1', '2026-01-01T10:00:00Z', 300), order('o2', '2026-01-02T10:00:00Z', 800)]);
      expect(fold.spendRewards).toEqual([
        { rewardId: 'free-socks', count: 1, at: ms('2026-01-02T10:00:00Z') },
        { rewardId: 'free-socks', count: 2, at: ms('2026-01-02T10:00:00Z') },
      ]);
    });

    it('does not reach a multiple twice after a refund took spend back below it', () => {
      const fold = foldLedger(config, [
        order('o1', '2026-01-01T10:00:00Z', 600),
        { kind: 'refund', ref: 'r1', at: '2026-01-03T10:00:00Z', orderRef: 'o1', amount: 20_000 },
        order('o2', '2026-01-04T10:00:00Z', 150),
        order('o3', '2026-01-05T10:00:00Z', 300),
      ]);
      // 600 → 400 → 550 (no new reward) → 850 (no new reward: the second comes at 1000)
      expect(fold.spendRewards.map((r) => r.count)).toEqual([1]);
    });

    it('counts an order once its return window has passed, net of refunds inside it', () => {
      const windowed = parseProgramConfig({ ...config, returnWindowDays: 14 } as typeof demo);
      const fold = foldLedger(windowed, [
        order('o1', '2026-01-01T10:00:00Z', 600),
        { kind: 'refund', ref: 'r1', at: '2026-01-03T10:00:00Z', orderRef: 'o1', amount: 20_000 },
        order('o2', '2026-01-04T10:00:00Z', 600),
      ]);
      expect(fold.spendRewards).toEqual([
        { rewardId: 'free-socks', count: 1, at: ms('2026-01-18T10:00:00Z') },
        { rewardId: 'free-socks', count: 2, at: ms('2026-01-18T10:00:00Z') },
      ]);
      expect(
        foldLedger(windowed, [
          order('o1', '2026-01-01T10:00:00Z', 600),
          { kind: 'refund', ref: 'r1', at: '2026-01-03T10:00:00Z', orderRef: 'o1', amount: 20_000 },
        ]).spendRewards,
      ).toEqual([]);
    });
  });
});
