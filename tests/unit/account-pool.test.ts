import { describe, expect, it } from 'vitest';
import {
  accountAt,
  currentAccount,
  MAX_ACCOUNT_FACTS,
  mergeAccountFacts,
  poolChanges,
  poolContributions,
} from '../../functions/domain/account-pool';
import type { LedgerInput } from '../../functions/domain/points';

const t = (day: number) => `2026-01-${String(day).padStart(2, '0')}T10:00:00.000Z`;
const order = (ref: string, day: number): LedgerInput => ({
  kind: 'order',
  ref,
  at: t(day),
  currency: 'SEK',
  lines: [{ sku: 's', category: 'c', quantity: 1, unitPrice: 100 }],
  discount: 0,
});

describe('Function: accountAt', () => {
  const facts = mergeAccountFacts(
    [],
    [
      { accountId: 'b', at: t(10) },
      { accountId: 'a', at: t(5) },
    ],
  );

  it('is the newest fact at or before the instant, and none before the first', () => {
    expect(accountAt(facts, Date.parse(t(4)))).toBeUndefined();
    expect(accountAt(facts, Date.parse(t(5)))).toBe('a');
    expect(accountAt(facts, Date.parse(t(9)))).toBe('a');
    expect(accountAt(facts, Date.parse(t(10)))).toBe('b');
    expect(currentAccount(facts)).toBe('b');
  });

  it('orders facts by time whatever order they were merged in, and keeps each once', () => {
    const again = mergeAccountFacts(facts, [{ accountId: 'a', at: '2026-01-05T10:00:00Z' }]);
    expect(again).toEqual([
      { accountId: 'a', at: t(5) },
      { accountId: 'b', at: t(10) },
    ]);
  });

  it('keeps at most MAX_ACCOUNT_FACTS, dropping repetitions of the same account first', () => {
    const daily = Array.from({ length: MAX_ACCOUNT_FACTS + 20 }, (_, i) => ({
      accountId: i === 30 ? 'other' : 'acme',
      at: new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString(),
    }));
    const kept = mergeAccountFacts([], daily);
    expect(kept).toHaveLength(MAX_ACCOUNT_FACTS);
    // Every change survives: the account at each day is what the full list says.
    for (const f of daily) expect(accountAt(kept, Date.parse(f.at))).toBe(accountAt(daily, Date.parse(f.at)));
  });
});

describe('Function: poolContributions', () => {
  it("pools each entry on the account of its time, and a refund with its order's account", () => {
    const facts = [
      { accountId: 'a', at: t(5) },
      { accountId: 'b', at: t(10) },
    ];
    const inputs: LedgerInput[] = [
      order('before', 1),
      order('o1', 6),
      { kind: 'refund', ref: 'r1', at: t(12), orderRef: 'o1', amount: 50 },
      order('o2', 11),
    ];
    const points: Record<string, number> = { before: 7, o1: 100, r1: -50, o2: 30 };
    expect(poolContributions(facts, inputs, (i) => points[i.ref] ?? 0)).toEqual(
      new Map([
        ['a', 50],
        ['b', 30],
      ]),
    );
  });
});

describe('Function: poolChanges', () => {
  it('adds the difference per account and moves the member between member lists', () => {
    expect(poolChanges({ a: 100 }, new Map([['a', 100]]), 'a', 'a')).toEqual([]);
    expect(poolChanges({ a: 100 }, new Map([['b', 100]]), 'a', 'b')).toEqual([
      { accountId: 'a', delta: -100, membership: 'leave' },
      { accountId: 'b', delta: 100, membership: 'join' },
    ]);
    expect(poolChanges({}, new Map(), undefined, 'a')).toEqual([{ accountId: 'a', delta: 0, membership: 'join' }]);
  });
});
