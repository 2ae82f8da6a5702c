import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import type { Flow } from '../../functions/config/flows';
import { InvalidProgramConfigError, parseProgramConfig } from '../../functions/config/program';
import { awaitDate, DATE_STEP, resumeRun, type FlowRun } from '../../functions/domain/flows/engine';
import { broadcastsOf, nextBroadcastAt } from '../../functions/domain/flows/listening';
import {
  dateRunsDue,
  dateTriggerReads,
  isOccurrence,
  localTimeOn,
  nextOccurrence,
  occurrence,
  offsetDays,
} from '../../functions/domain/flows/schedule';

/** Member-date triggers and recurring broadcasts as calendar arithmetic (functions/domain/flows/schedule.ts). */

const flowOf = (flow: Record<string, unknown>): Flow =>
  parseProgramConfig({ ...demo, flows: [{ name: 'test', steps: [{ id: 'pts', points: 10, reason: 'r' }], ...flow }] }, 'test')
    .flows[0] as Flow;

function issuesOf(flow: Record<string, unknown>): string[] {
  try {
    flowOf(flow);
    return [];
  } catch (error) {
    if (!(error instanceof InvalidProgramConfigError)) throw error;
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

const TZ = 'Europe/Stockholm';

describe('Client file: time-driven triggers', () => {
  it('fills a member-date trigger with offset P0D and 09:00', () => {
    expect(flowOf({ id: 'bday', trigger: { date: 'birthday' } }).trigger).toEqual({ date: 'birthday', offset: 'P0D', at: '09:00' });
    expect(flowOf({ id: 'ann', trigger: { date: 'anniversary', offset: '-P1W', at: '18:30' } }).trigger).toMatchObject({
      offset: '-P1W',
    });
  });

  it.each([
    [{ date: 'birthday', offset: '-PT3H' }, 'flows[0].trigger'],
    [{ date: 'birthday', offset: '-P91D' }, 'flows[0].trigger'],
    [{ date: 'birthday', at: '9am' }, 'flows[0].trigger'],
    [{ date: 'nameday' }, 'flows[0].trigger'],
    [{ schedule: { every: 'PT6H', starting: '2027-01-01T09:00:00+01:00' } }, 'flows[0].trigger'],
    [{ schedule: { every: 'P1M' } }, 'flows[0].trigger'],
  ])('refuses %j', (trigger, path) => {
    expect(issuesOf({ id: 'bad', trigger }).join('\n')).toContain(path);
  });

  it('accepts a recurring schedule with an end', () => {
    expect(
      flowOf({
        id: 'monthly',
        trigger: { schedule: { every: 'P1M', starting: '2027-01-31T09:00:00+01:00', until: '2027-12-31T00:00:00Z' } },
      }).trigger,
    ).toMatchObject({ schedule: { every: 'P1M' } });
  });
});

describe('Function: occurrence', () => {
  const monthly = { every: 'P1M', starting: '2027-01-31T09:00:00+01:00' };

  it('keeps the wall time across summer time and clamps to the month without drifting', () => {
    expect(occurrence(monthly, 0, TZ)).toBe('2027-01-31T08:00:00.000Z');
    expect(occurrence(monthly, 1, TZ)).toBe('2027-02-28T08:00:00.000Z');
    expect(occurrence(monthly, 2, TZ)).toBe('2027-03-31T07:00:00.000Z'); // 09:00 CEST, and the 31st again
    expect(occurrence({ every: 'P1W', starting: '2027-03-22T09:00:00+01:00' }, 1, TZ)).toBe('2027-03-29T07:00:00.000Z');
  });

  it('finds the next occurrence and knows its own', () => {
    expect(nextOccurrence(monthly, TZ, { atOrAfter: '2027-01-31T08:00:00Z' })).toBe('2027-01-31T08:00:00.000Z');
    expect(nextOccurrence(monthly, TZ, { after: '2027-01-31T08:00:00Z' })).toBe('2027-02-28T08:00:00.000Z');
    expect(nextOccurrence(monthly, TZ, { atOrAfter: '2026-06-01T00:00:00Z' })).toBe('2027-01-31T08:00:00.000Z');
    expect(nextOccurrence({ ...monthly, until: '2027-02-01T00:00:00Z' }, TZ, { after: '2027-01-31T08:00:00Z' })).toBeUndefined();
    expect(isOccurrence(monthly, TZ, '2027-02-28T08:00:00.000Z')).toBe(true);
    expect(isOccurrence(monthly, TZ, '2027-02-27T08:00:00.000Z')).toBe(false);
  });

  // Property: the occurrences only grow, and the next after any instant is the smallest occurrence beyond it.
  it('answers the smallest occurrence beyond any instant', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('P1D', 'P1W', 'P1M', 'P3M', 'P1Y', 'P2DT12H'),
        fc.integer({ min: 0, max: 200 * 86_400 }),
        (every, seconds) => {
          const schedule = { every, starting: '2027-01-31T09:00:00+01:00' };
          const after = new Date(Date.parse(schedule.starting) + seconds * 1000).toISOString();
          const next = nextOccurrence(schedule, TZ, { after }) ?? '';
          const all = Array.from({ length: 260 }, (_, n) => occurrence(schedule, n, TZ));
          for (let n = 1; n < all.length; n++) expect((all[n] ?? '') > (all[n - 1] ?? '')).toBe(true);
          expect(next).toBe(all.find((o) => o > after));
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('Function: nextBroadcastAt', () => {
  const weekly = flowOf({ id: 'weekly', trigger: { schedule: { every: 'P1W', starting: '2027-01-04T09:00:00+01:00' } } });
  const config = { flows: [weekly], campaigns: [], timeZone: TZ };

  it('chains the next occurrence, and stops for a removed or changed flow', () => {
    const now = new Date('2027-01-04T08:00:30Z');
    expect(broadcastsOf(config, new Date('2027-01-01T00:00:00Z'))).toEqual([{ flowId: 'weekly', at: '2027-01-04T08:00:00.000Z' }]);
    expect(nextBroadcastAt(config, 'weekly', '2027-01-04T08:00:00.000Z', now)).toBe('2027-01-11T08:00:00.000Z');
    expect(nextBroadcastAt({ ...config, flows: [] }, 'weekly', '2027-01-04T08:00:00.000Z', now)).toBeUndefined();
    expect(nextBroadcastAt(config, 'weekly', '2027-01-05T08:00:00.000Z', now)).toBeUndefined();
  });

  it('skips ahead to now after an outage instead of firing stale occurrences one by one', () => {
    expect(nextBroadcastAt(config, 'weekly', '2027-01-04T08:00:00.000Z', new Date('2027-03-02T00:00:00Z'))).toBe(
      '2027-03-08T08:00:00.000Z',
    );
  });
});

describe('Member dates', () => {
  const early = flowOf({ id: 'early', trigger: { date: 'birthday', offset: '-P3D', at: '09:00' } });
  const sameDay = flowOf({ id: 'same', trigger: { date: 'birthday' } });
  const ann = flowOf({ id: 'ann', trigger: { date: 'anniversary', offset: 'P2D' } });
  const flows = [early, sameDay, ann];

  it('offsets are whole days', () => {
    expect([offsetDays('-P3D'), offsetDays('P1W'), offsetDays('P0D'), offsetDays('-P1W2D')]).toEqual([-3, 7, 0, -9]);
  });

  it('reads the partitions of the date each offset points at, shared by flows of one offset', () => {
    expect(dateTriggerReads('2027-06-07', flows)).toEqual([
      { occasionDate: '2027-06-10', reads: [{ monthDay: '06-10' }], flowIds: ['early'] },
      { occasionDate: '2027-06-07', reads: [{ monthDay: '06-07' }], flowIds: ['same'] },
      { occasionDate: '2027-06-05', reads: [{ monthDay: '06-05' }], flowIds: ['ann'] },
    ]);
  });

  it('a 29 February birthday fires three days before the 28th in a common year, and before the 29th in a leap year', () => {
    expect(dateTriggerReads('2027-02-25', [early])[0]?.reads).toEqual([{ monthDay: '02-28' }, { monthDay: '02-29' }]);
    const found = [{ customerId: 'leap', kind: 'birthday' as const, date: '2000-02-29' }];
    expect(dateRunsDue('2027-02-25', '2027-02-28', found, [early], ['early'])).toEqual([
      { flowId: 'early', customerId: 'leap', kind: 'birthday', date: '2027-02-28', fireOn: '2027-02-25' },
    ]);
    expect(dateTriggerReads('2028-02-25', [early])[0]?.occasionDate).toBe('2028-02-28');
    expect(dateRunsDue('2028-02-25', '2028-02-28', found, [early], ['early'])).toEqual([]);
    expect(dateRunsDue('2028-02-26', '2028-02-29', found, [early], ['early'])).toHaveLength(1);
  });

  it('anniversaries count from year 1, and an entry found twice yields one run', () => {
    const found = [
      { customerId: 'new', kind: 'anniversary' as const, date: '2027-06-05' },
      { customerId: 'old', kind: 'anniversary' as const, date: '2025-06-05' },
      { customerId: 'old', kind: 'anniversary' as const, date: '2025-06-05' },
      { customerId: 'b', kind: 'birthday' as const, date: '--06-05' },
    ];
    expect(dateRunsDue('2027-06-07', '2027-06-05', found, flows, ['ann'])).toEqual([
      { flowId: 'ann', customerId: 'old', kind: 'anniversary', date: '2027-06-05', fireOn: '2027-06-07', years: 2 },
    ]);
  });

  it('the run waits for the local time, then enters once; a second delivery finds it', () => {
    const until = new Date(localTimeOn('2027-06-07', '09:00', 'Asia/Tokyo')).toISOString();
    expect(until).toBe('2027-06-07T00:00:00.000Z');
    const ctx = { customerId: 'c1', runKey: 'birthday:2027', event: { date: '2027-06-10' }, eventAt: '2027-06-10T00:00:00.000Z', nowMs: 0 };
    const t = awaitDate(early, undefined, ctx, until);
    if ('skip' in t) throw new Error(t.skip);
    expect(t.run.waiting).toEqual({ stepId: DATE_STEP, until });
    expect(t.counters).toEqual({});
    expect(awaitDate(early, t.run, ctx, until)).toEqual({ skip: 'once' });
    const entered = resumeRun(early, t.run, {}, Date.parse(until));
    expect(entered).toMatchObject({ run: { status: 'completed', enteredAt: until }, counters: { entered: 1, 'step:pts': 1 } });
    const outside = flowOf({ id: 'early', trigger: early.trigger, audience: { tier: ['Gold'] } });
    expect(resumeRun(outside, t.run as FlowRun, { tier: 'Bronze' }, Date.parse(until))).toMatchObject({
      run: { status: 'cancelled', endReason: 'audience' },
    });
  });
});
