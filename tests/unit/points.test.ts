import { describe, expect, it } from 'vitest';
import { parseProgramConfig } from '../../functions/config/program';
import { foldLedger, type LedgerInput, type OrderInput, qualifyingPointsAt, spreadDiscount, tierFor } from '../../functions/domain/points';
import demo from '../../clients/demo';
import { demoConfig } from '../support/deps';

const order = (ref: string, at: string, lines: OrderInput['lines'], discount = 0, currency = 'SEK'): OrderInput => ({
  kind: 'order',
  ref,
  at,
  currency,
  lines,
  discount,
});
const shoes = (unitPrice: number, quantity = 1) => ({ sku: 'shoe-1', category: 'running-shoes', quantity, unitPrice });
const socks = (unitPrice: number, quantity = 1) => ({ sku: 'sock-1', category: 'socks', quantity, unitPrice });
const points = (inputs: LedgerInput[], key: string) => foldLedger(demoConfig, inputs).entries.get(key)?.points;

describe('Function: foldLedger', () => {
  describe('orders', () => {
    it('earns 1 point per whole SEK of net line amount, ×2 for running shoes', () => {
      expect(points([order('o1', '2026-03-01T10:00:00+01:00', [shoes(129_900), socks(9_950)])], 'order#o1')).toBe(2598 + 99);
    });

    it('rounds down once per order, not per line', () => {
      // 1.50 + 1.50 SEK = 3 points; rounding each line would give 2.
      const lines = [
        { sku: 'a', category: 'socks', quantity: 1, unitPrice: 150 },
        { sku: 'b', category: 'socks', quantity: 1, unitPrice: 150 },
      ];
      expect(points([order('o1', '2026-03-01T10:00:00Z', lines)], 'order#o1')).toBe(3);
    });

    it('spreads an order-level discount pro rata over the lines', () => {
      // 1000 SEK shoes (×2) + 1000 SEK socks, 500 SEK off: 750 each → 1500 + 750.
      expect(points([order('o1', '2026-03-01T10:00:00Z', [shoes(100_000), socks(100_000)], 50_000)], 'order#o1')).toBe(2250);
    });

    it('applies the tier multiplier the member held when the order was placed', () => {
      const inputs = [
        order('o1', '2026-01-10T10:00:00Z', [socks(500_000)]), // 5000 qualifying → Silver
        order('o2', '2026-02-10T10:00:00Z', [socks(100_000)]), // 1000 × 1.5
      ];
      expect(points(inputs, 'order#o1')).toBe(5000);
      expect(points(inputs, 'order#o2')).toBe(1500);
    });

    it('lets qualification lapse after a rolling 12 months', () => {
      const inputs = [
        order('o1', '2026-01-10T10:00:00Z', [socks(500_000)]),
        order('o2', '2027-01-10T10:00:00Z', [socks(100_000)]), // exactly 12 months later: o1 no longer counts
      ];
      expect(points(inputs, 'order#o2')).toBe(1000);
    });

    it('gives the tier by qualifying points, never by the spendable balance', () => {
      expect(tierFor(demoConfig, 4999).name).toBe('Red');
      expect(tierFor(demoConfig, 5000).name).toBe('Silver');
      expect(tierFor(demoConfig, 15_000).name).toBe('Gold');
    });

    it('applies campaign multipliers by category and window, and bonuses per order', () => {
      const config = parseProgramConfig({
        ...demo,
        firstOrderBonus: 100,
        campaigns: [
          {
            id: 'c1',
            name: 'Shoe week',
            start: '2026-03-01T00:00:00Z',
            end: '2026-03-08T00:00:00Z',
            multiplier: 3,
            categories: ['running-shoes'],
          },
          { id: 'c2', name: 'Spring', start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z', bonusPoints: 50 },
        ],
      });
      const fold = foldLedger(config, [
        order('o1', '2026-03-02T10:00:00Z', [shoes(10_000), socks(10_000)]), // 100×2×3 + 100 + 50 bonus + 100 first order
        order('o2', '2026-03-09T10:00:00Z', [shoes(10_000)]), // multiplier over: 200 + 50
      ]);
      expect(fold.entries.get('order#o1')?.points).toBe(600 + 100 + 50 + 100);
      expect(fold.entries.get('order#o2')?.points).toBe(250);
    });
  });

  describe('refunds', () => {
    const placed = order('o1', '2026-03-01T10:00:00Z', [shoes(100_000), socks(50_000, 2)]); // 2000 + 1000

    it('reverses the points of refunded lines in proportion', () => {
      const refund: LedgerInput = {
        kind: 'refund',
        ref: 'r1',
        at: '2026-03-05T10:00:00Z',
        orderRef: 'o1',
        lines: [{ sku: 'sock-1', quantity: 1 }],
      };
      expect(points([placed, refund], 'refund#r1')).toBe(-500);
    });

    it('reverses an amount refund in proportion to the net order amount', () => {
      const refund: LedgerInput = { kind: 'refund', ref: 'r1', at: '2026-03-05T10:00:00Z', orderRef: 'o1', amount: 100_000 };
      expect(points([placed, refund], 'refund#r1')).toBe(-1500);
    });

    it('never reverses more than the order earned', () => {
      const fold = foldLedger(demoConfig, [
        placed,
        { kind: 'refund', ref: 'r1', at: '2026-03-05T10:00:00Z', orderRef: 'o1', amount: 250_000 },
        { kind: 'refund', ref: 'r2', at: '2026-03-06T10:00:00Z', orderRef: 'o1', lines: [{ sku: 'shoe-1', quantity: 5 }] },
      ]);
      expect(fold.entries.get('refund#r1')?.points).toBe(-3000);
      expect(fold.entries.get('refund#r2')?.points).toBe(0);
      expect(fold.balance).toBe(0);
    });

    it('keeps a refund that comes before its order and applies it when the order comes', () => {
      const refund: LedgerInput = { kind: 'refund', ref: 'r1', at: '2026-03-05T10:00:00Z', orderRef: 'o9', amount: 1000 };
      const alone = foldLedger(demoConfig, [refund]);
      expect(alone.entries.get('refund#r1')).toMatchObject({ points: 0, status: 'awaiting-order' });
      const later = foldLedger(demoConfig, [refund, order('o9', '2026-03-06T10:00:00Z', [socks(2000)])]);
      expect(later.entries.get('refund#r1')).toMatchObject({ points: -10, status: 'applied' });
      expect(later.balance).toBe(10);
    });

    it('lowers qualifying points from a refund after the return window on, without costing the status before the review', () => {
      const fold = foldLedger(demoConfig, [
        order('o1', '2026-01-10T10:00:00Z', [socks(500_000)]), // 5000 qualifying: Silver at once
        { kind: 'refund', ref: 'r1', at: '2026-01-20T10:00:00Z', orderRef: 'o1', amount: 100_000 },
        order('o2', '2026-02-10T10:00:00Z', [socks(100_000)]),
      ]);
      expect(fold.entries.get('order#o2')?.points).toBe(1500); // 4000 qualifying, but Silver until the review
      expect(qualifyingPointsAt(fold, Date.parse('2026-03-01T00:00:00Z'))).toBe(5000);
    });

    it('takes back the qualifying points of a refund within the return window as if never earned: no upgrade', () => {
      const config = parseProgramConfig({ ...demo, returnWindowDays: 14 });
      const fold = foldLedger(config, [
        order('o1', '2026-01-10T10:00:00Z', [socks(500_000)]),
        { kind: 'refund', ref: 'r1', at: '2026-01-20T10:00:00Z', orderRef: 'o1', amount: 100_000 },
        order('o2', '2026-02-10T10:00:00Z', [socks(100_000)]),
      ]);
      expect(fold.entries.get('order#o2')?.points).toBe(1000); // 4000 qualifying: still Red
      expect(fold.tierChanges.map((c) => [c.to, new Date(c.at).toISOString()])).toEqual([['Silver', '2026-02-10T10:00:00.000Z']]);
      expect(qualifyingPointsAt(fold, Date.parse('2026-03-01T00:00:00Z'))).toBe(5000);
    });
  });

  it('awards the configured points for activities', () => {
    const fold = foldLedger(demoConfig, [{ kind: 'activity', ref: 'a1', at: '2026-03-01T10:00:00Z', activity: 'review' }]);
    expect(fold.balance).toBe(50);
  });

  it('gives the same result whatever order the inputs arrive in', () => {
    const inputs: LedgerInput[] = [
      order('o1', '2026-01-10T10:00:00Z', [socks(600_000)]),
      order('o2', '2026-02-10T10:00:00Z', [shoes(100_000)]),
      { kind: 'refund', ref: 'r1', at: '2026-02-11T10:00:00Z', orderRef: 'o2', lines: [{ sku: 'shoe-1', quantity: 1 }] },
    ];
    const forward = foldLedger(demoConfig, inputs);
    const backward = foldLedger(demoConfig, [...inputs].reverse());
    expect(backward.balance).toBe(forward.balance);
    expect(forward.balance).toBe(6000);
  });
});

describe('Function: spreadDiscount', () => {
  it('spreads exactly, with the remainder to the largest fractions', () => {
    expect(spreadDiscount([100, 100, 100], 100)).toEqual([34, 33, 33]);
    expect(spreadDiscount([300, 100], 100)).toEqual([75, 25]);
    expect(spreadDiscount([0, 0], 0)).toEqual([0, 0]);
  });
});
