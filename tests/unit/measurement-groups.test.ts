import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProgramConfig } from '../../functions/config/program';
import { eligibility } from '../../functions/domain/email/policy';
import { groupOf, inProgramControl } from '../../functions/domain/measurement/groups';
import { CONTROL_GROUP_REASON, foldLedger, type LedgerInput } from '../../functions/domain/points';
import { demoConfig } from '../support/deps';

const order = (ref: string, at: string, sek: number): LedgerInput => ({
  kind: 'order',
  ref,
  at,
  currency: 'SEK',
  lines: [{ sku: 'sock', category: 'socks', quantity: 2, unitPrice: sek * 50 }],
  discount: 0,
});

describe('Function: inProgramControl', () => {
  it('puts about the configured share of members in the control group, the same members every time', () => {
    const members = Array.from({ length: 10_000 }, (_, i) => `m${i}`);
    const held = members.filter((m) => inProgramControl('demo', m, 20)).length;
    expect(held).toBeGreaterThan(1_850);
    expect(held).toBeLessThan(2_150);
    expect(members.filter((m) => inProgramControl('demo', m, 0))).toEqual([]);
    expect(members.filter((m) => inProgramControl('demo', m, 100))).toHaveLength(10_000);
    expect(inProgramControl('demo', 'm42', 20)).toBe(inProgramControl('demo', 'm42', 20));
  });

  it('draws a different group for another client, so one shop’s control members are not every shop’s', () => {
    const members = Array.from({ length: 2_000 }, (_, i) => `m${i}`);
    const a = members.filter((m) => inProgramControl('shop-a', m, 50));
    const b = new Set(members.filter((m) => inProgramControl('shop-b', m, 50)));
    const both = a.filter((m) => b.has(m)).length;
    expect(both).toBeGreaterThan(400);
    expect(both).toBeLessThan(600);
  });
});

describe('Function: foldLedger with control', () => {
  const inputs: LedgerInput[] = [
    order('o1', '2026-01-10T10:00:00Z', 1000),
    { kind: 'activity', ref: 'a1', at: '2026-01-11T10:00:00Z', activity: 'review' },
    { kind: 'refund', ref: 'r1', at: '2026-01-12T10:00:00Z', orderRef: 'o1', lines: [{ sku: 'sock', quantity: 1 }] },
    order('o2', '2026-02-10T10:00:00Z', 500),
  ];

  it('records every order and activity of a control member at 0 points, saying why', () => {
    const fold = foldLedger(demoConfig, inputs, { control: true });
    expect(fold.entries.size).toBe(4);
    expect(fold.balance).toBe(0);
    expect(fold.entries.get('order#o1')).toMatchObject({ points: 0, qualifying: 0, reason: `order o1 (${CONTROL_GROUP_REASON})` });
    expect(fold.entries.get('activity#a1')).toMatchObject({ points: 0, reason: `review (${CONTROL_GROUP_REASON})` });
    expect(fold.entries.get('refund#r1')?.points).toBe(0);
    expect(fold.status.name).toBe(demoConfig.tiers[0]?.name);
  });

  it('prices the same history as before for a treated member', () => {
    const treated = foldLedger(demoConfig, inputs);
    expect(treated.balance).toBeGreaterThan(0);
    expect(foldLedger(demoConfig, inputs, { control: false }).balance).toBe(treated.balance);
  });

  // Whatever a control member does, orders, activities and refunds earn nothing; only adjustments and redemptions move the balance.
  it('Property: a control member’s balance is their adjustments less their redemptions and expiry', () => {
    const at = fc.integer({ min: 0, max: 700 }).map((d) => new Date(Date.UTC(2025, 0, 1) + d * 86_400_000).toISOString());
    const input = (i: number) =>
      fc.oneof(
        fc.record({ at, sek: fc.integer({ min: 1, max: 5000 }) }).map(({ at, sek }) => order(`o${i}`, at, sek)),
        at.map((at): LedgerInput => ({ kind: 'activity', ref: `a${i}`, at, activity: 'review' })),
        fc
          .record({ at, points: fc.integer({ min: -500, max: 500 }).filter((p) => p !== 0) })
          .map(({ at, points }): LedgerInput => ({ kind: 'adjustment', ref: `j${i}`, at, points, reason: 'operator' })),
        fc
          .record({ at, o: fc.integer({ min: 0, max: 10 }), amount: fc.integer({ min: 1, max: 100_000 }) })
          .map(({ at, o, amount }): LedgerInput => ({ kind: 'refund', ref: `r${i}`, at, orderRef: `o${o}`, amount })),
      );
    const history = fc.integer({ min: 1, max: 15 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => input(i))));
    fc.assert(
      fc.property(history, (inputs) => {
        const fold = foldLedger(demoConfig, inputs, { control: true });
        const earned = [...fold.entries.values()].filter((e) => e.kind === 'order' || e.kind === 'activity' || e.kind === 'refund');
        expect(earned.every((e) => e.points === 0 && e.qualifying === 0)).toBe(true);
        const moved = [...fold.entries.values()].filter((e) => e.kind === 'adjustment' || e.kind === 'redemption' || e.kind === 'expiry');
        expect(fold.balance).toBe(moved.reduce((s, e) => s + e.points, 0));
        expect(fold.spendRewards).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('Function: eligibility for a control member', () => {
  const config = parseProgramConfig({ ...demoInput(), programHoldoutPercent: 100 });
  const member = { email: 'a@example.com', marketingConsent: true, suppressed: false };

  it('sends no marketing mail to a control member', () => {
    expect(groupOf(config, 'm1')).toBe('control');
    expect(eligibility(config, 'birthday', 'm1', member)).toEqual({ send: false, reason: 'control-group' });
  });

  it('still sends service mail to a control member', () => {
    expect(eligibility(config, 'welcome', 'm1', member).send).toBe(true);
  });
});

function demoInput(): Record<string, unknown> {
  const { messages: _messages, ...rest } = demoConfig;
  return rest;
}
