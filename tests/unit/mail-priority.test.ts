import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstAllowedByCap } from '../../functions/domain/email/policy';
import {
  type CapHold,
  DEFAULT_MAIL_PRIORITY,
  HOLD_GRACE_MS,
  mailPriority,
  slotsHeldAhead,
  withHold,
  withoutHold,
} from '../../functions/domain/email/priority';

/** Priority across flows in the marketing cap (functions/domain/email/priority.ts), without I/O. */

const R = Date.parse('2027-03-02T07:00:00Z'); // a quiet-hours release
const DAY = 86_400_000;
const hold = (ref: string, priority: number, until = R): CapHold => ({ ref, kind: 'flow', priority, until: new Date(until).toISOString() });

describe('Function: mailPriority', () => {
  it('is the flow’s priority for a flow mail, 50 otherwise', () => {
    const config = { flows: [{ id: 'vip', priority: 90 }] };
    expect(mailPriority(config, { kind: 'flow', data: { flowId: 'vip' } })).toBe(90);
    expect(mailPriority(config, { kind: 'flow', data: { flowId: 'gone' } })).toBe(DEFAULT_MAIL_PRIORITY);
    expect(mailPriority(config, { kind: 'birthday' })).toBe(DEFAULT_MAIL_PRIORITY);
  });
});

describe('Function: slotsHeldAhead', () => {
  it('counts only live holds of a higher priority, never the mail’s own', () => {
    const holds = [hold('high', 80), hold('same', 50), hold('low', 20), hold('old', 90, R - HOLD_GRACE_MS - 1)];
    expect(slotsHeldAhead(holds, { ref: 'me', kind: 'flow', priority: 50 }, R)).toEqual([R]);
    expect(slotsHeldAhead(holds, { ref: 'high', kind: 'flow', priority: 80 }, R)).toEqual([]);
    expect(slotsHeldAhead(holds, { ref: 'me', kind: 'flow', priority: 10 }, R + DAY)).toEqual([]); // all expired by then
  });

  it('makes a lower mail wait for the window after the higher one', () => {
    const cap = { emails: 1, perDays: 7 };
    const ahead = slotsHeldAhead([hold('high', 80)], { ref: 'low', kind: 'flow', priority: 20 }, R);
    expect(firstAllowedByCap(ahead, R, cap)).toBe(R + 7 * DAY);
    expect(firstAllowedByCap([], R, cap)).toBe(R);
  });

  it('replaces a mail’s own hold and takes it off when it is sent', () => {
    const holds = withHold([hold('a', 60)], { ref: 'a', kind: 'flow', priority: 60 }, new Date(R + DAY).toISOString(), R);
    expect(holds).toEqual([hold('a', 60, R + DAY)]);
    expect(withoutHold(holds, { ref: 'a', kind: 'flow' }, R)).toEqual([]);
  });
});

/**
 * A member's cap as the sender keeps it, simulated with the pure functions: every mail is
 * deferred by quiet hours to the release `R` (leaving its hold), then decided at `R` in some
 * order, each perhaps twice (a redelivery).
 */
function release(mails: readonly { ref: string; priority: number }[], night: readonly number[], morning: readonly number[], free: number) {
  const cap = { emails: 3, perDays: 7 };
  const sends: number[] = Array.from({ length: cap.emails - free }, (_, i) => R - (i + 1) * DAY);
  let holds: CapHold[] = [];
  for (const i of night) {
    const m = mails[i];
    if (m) holds = withHold(holds, { ...m, kind: 'flow' }, new Date(R).toISOString(), R - 8 * 3_600_000);
  }
  const sent = new Set<string>();
  for (const i of morning) {
    const m = mails[i];
    if (!m || sent.has(m.ref)) continue;
    const mail = { ...m, kind: 'flow' };
    const at = firstAllowedByCap([...sends, ...slotsHeldAhead(holds, mail, R)], R, cap);
    if (at <= R) {
      sends.push(R);
      sent.add(m.ref);
      holds = withoutHold(holds, mail, R);
    } else holds = withHold(holds, mail, new Date(at).toISOString(), R);
  }
  return [...sent].sort();
}

describe('Priority at a shared release', () => {
  // Property: whatever order (and however often) the deferred mails are decided in, the free slots go to the highest priorities.
  it('sends the highest priorities whatever the order and duplicates of the decisions', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 3 }),
        fc.infiniteStream(fc.nat()),
        (priorities, free, randoms) => {
          const mails = priorities.map((priority, i) => ({ ref: `m${i}`, priority }));
          const order = (seed: number) => {
            const copies = [...mails.keys(), ...mails.keys()];
            const r = randoms.take(copies.length * 2 + seed);
            return copies
              .map((i) => [i, r.next().value ?? 0] as const)
              .sort((a, b) => a[1] - b[1])
              .map(([i]) => i);
          };
          const expected = [...mails]
            .sort((a, b) => b.priority - a.priority)
            .slice(0, free)
            .map((m) => m.ref)
            .sort();
          expect(release(mails, order(0), order(1), free)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
