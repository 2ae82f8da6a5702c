import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../functions/runtime/ports';
import { ClockMovedBackwardError, LocalClock } from '../../local/clock';
import { parseDuration } from '../../functions/domain/duration';
import { InvalidScheduleError, type ScheduledJob, Scheduler, ScheduleRunawayError } from '../../local/schedule';
import { WorkTracker } from '../../local/work-tracker';
import { instantOfWallTime } from '../../local/zoned-time';

function setup(start = '2026-03-01T10:00:00Z', maxRunsPerMove?: number) {
  const clock = new LocalClock({ start: new Date(start), frozen: true });
  const work = new WorkTracker();
  const scheduler = new Scheduler({ clock, work, logger: silentLogger, ...(maxRunsPerMove ? { maxRunsPerMove } : {}) });
  return { clock, work, scheduler };
}

describe('Class: LocalClock', () => {
  it('a frozen clock stays where it is put', () => {
    let wall = 1_000;
    const clock = new LocalClock({ start: new Date('2026-03-01T00:00:00Z'), frozen: true, wallClock: () => wall });
    wall += 60_000;
    expect(clock.now().toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('a running clock ticks with real time from wherever it was moved', () => {
    let wall = 1_000;
    const clock = new LocalClock({ start: new Date('2026-03-01T00:00:00Z'), wallClock: () => wall });
    wall += 5_000;
    expect(clock.now().toISOString()).toBe('2026-03-01T00:00:05.000Z');
    clock.moveTo(new Date('2026-04-01T00:00:00Z'));
    wall += 2_000;
    expect(clock.now().toISOString()).toBe('2026-04-01T00:00:02.000Z');
  });

  it('never moves back', () => {
    const clock = new LocalClock({ start: new Date('2026-03-01T00:00:00Z'), frozen: true });
    expect(() => clock.moveTo(new Date('2026-02-28T23:59:59Z'))).toThrow(ClockMovedBackwardError);
    expect(clock.now().toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });
});

describe('Class: Scheduler', () => {
  describe('Method: advanceBy', () => {
    it('runs every job that falls due on the way, in time order, with the clock at each run', async () => {
      // Prepare
      const { clock, scheduler } = setup('2026-03-01T10:00:00Z');
      const runs: string[] = [];
      scheduler.register({
        name: 'midnight',
        daily: { at: '00:00', timeZone: 'Europe/Stockholm' },
        run: (now) => void runs.push(`midnight ${now.toISOString()} clock ${clock.now().toISOString()}`),
      });
      scheduler.register({
        name: 'six-hourly',
        every: 'PT6H',
        run: (now) => void runs.push(`six-hourly ${now.toISOString()} clock ${clock.now().toISOString()}`),
      });

      // Act
      const report = await scheduler.advanceBy(parseDuration('P1D'));

      // Assess
      expect(runs).toEqual([
        'six-hourly 2026-03-01T12:00:00.000Z clock 2026-03-01T12:00:00.000Z',
        'six-hourly 2026-03-01T18:00:00.000Z clock 2026-03-01T18:00:00.000Z',
        'midnight 2026-03-01T23:00:00.000Z clock 2026-03-01T23:00:00.000Z',
        'six-hourly 2026-03-02T00:00:00.000Z clock 2026-03-02T00:00:00.000Z',
        'six-hourly 2026-03-02T06:00:00.000Z clock 2026-03-02T06:00:00.000Z',
      ]);
      expect(report).toEqual({ now: '2026-03-02T10:00:00.000Z', runs: { 'six-hourly': 4, midnight: 1 }, failures: [] });
      expect(clock.now().toISOString()).toBe('2026-03-02T10:00:00.000Z');
    });

    it('runs jobs due at the same instant in the order they were registered', async () => {
      const { scheduler } = setup('2026-03-01T10:00:00Z');
      const runs: string[] = [];
      scheduler.register({ name: 'first', every: 'PT1H', run: () => void runs.push('first') });
      scheduler.register({ name: 'second', every: 'PT1H', run: () => void runs.push('second') });
      await scheduler.advanceBy(parseDuration('PT2H'));
      expect(runs).toEqual(['first', 'second', 'first', 'second']);
    });

    it('finishes the work one instant caused before the next instant, and answers only when all work is done', async () => {
      // Prepare: each run starts background work, as a job that publishes events would.
      const { work, scheduler } = setup('2026-03-01T10:00:00Z');
      const log: string[] = [];
      scheduler.register({
        name: 'publisher',
        every: 'PT1H',
        run: (now) => {
          const hour = now.toISOString().slice(11, 13);
          log.push(`run ${hour}`);
          work.track(sleep(30).then(() => log.push(`delivered ${hour}`)));
        },
      });

      // Act
      await scheduler.advanceBy(parseDuration('PT2H'));

      // Assess
      expect(log).toEqual(['run 11', 'delivered 11', 'run 12', 'delivered 12']);
      expect(work.size).toBe(0);
    });

    it('PT0S is a barrier: it waits for pending work and leaves the clock where it is', async () => {
      const { clock, work, scheduler } = setup('2026-03-01T10:00:00Z');
      let done = false;
      work.track(sleep(30).then(() => (done = true)));
      const report = await scheduler.advanceBy(parseDuration('PT0S'));
      expect(done).toBe(true);
      expect(report.now).toBe('2026-03-01T10:00:00.000Z');
      expect(clock.now().toISOString()).toBe('2026-03-01T10:00:00.000Z');
    });

    it('PT0S on a running clock is a barrier even when a millisecond passes between readings (#13)', async () => {
      // Real time that moves on at every reading: the worst case of a running clock, where the
      // barrier once read "now" for its target and again for its check, saw the second reading
      // later and failed with ClockMovedBackward before waiting for anything.
      let wall = 0;
      const clock = new LocalClock({ start: new Date('2026-03-01T10:00:00Z'), wallClock: () => ++wall });
      const work = new WorkTracker();
      const scheduler = new Scheduler({ clock, work, logger: silentLogger });
      scheduler.register({ name: 'every-minute', every: 'PT1M', run: () => undefined });
      for (let round = 0; round < 50; round++) {
        let done = false;
        work.track(sleep(1).then(() => (done = true)));
        await expect(scheduler.advanceBy(parseDuration('PT0S'))).resolves.toMatchObject({ failures: [] });
        expect(done).toBe(true);
      }
      await expect(scheduler.runDue()).resolves.toMatchObject({ failures: [] });
      await expect(scheduler.advanceBy(parseDuration('PT1M'))).resolves.toMatchObject({ runs: { 'every-minute': 1 } });
    });

    it('continues a queued move from where the previous one left the clock', async () => {
      const { scheduler } = setup('2026-03-01T10:00:00Z');
      const [a, b] = await Promise.all([scheduler.advanceBy(parseDuration('P1D')), scheduler.advanceBy(parseDuration('P1D'))]);
      expect(a.now).toBe('2026-03-02T10:00:00.000Z');
      expect(b.now).toBe('2026-03-03T10:00:00.000Z');
    });

    it('reports a failing run and goes on', async () => {
      const { scheduler } = setup('2026-03-01T10:00:00Z');
      let runs = 0;
      scheduler.register({
        name: 'flaky',
        every: 'PT1H',
        run: () => {
          runs++;
          if (runs === 1) throw new Error('table not found');
        },
      });
      const report = await scheduler.advanceBy(parseDuration('PT2H'));
      expect(runs).toBe(2);
      expect(report.failures).toEqual([{ job: 'flaky', at: '2026-03-01T11:00:00.000Z', error: 'Error: table not found' }]);
    });
  });

  describe('Method: advanceTo', () => {
    it('moves to an instant and runs what falls due up to and including it', async () => {
      const { scheduler } = setup('2026-03-01T10:00:00Z');
      const runs: string[] = [];
      scheduler.register({ name: 'hourly', every: 'PT1H', run: (now) => void runs.push(now.toISOString()) });
      const report = await scheduler.advanceTo(new Date('2026-03-01T12:00:00Z'));
      expect(runs).toEqual(['2026-03-01T11:00:00.000Z', '2026-03-01T12:00:00.000Z']);
      expect(report.now).toBe('2026-03-01T12:00:00.000Z');
    });

    it('refuses to move the clock back and leaves it alone', async () => {
      const { clock, scheduler } = setup('2026-03-01T10:00:00Z');
      await expect(scheduler.advanceTo(new Date('2026-02-01T00:00:00Z'))).rejects.toThrow(ClockMovedBackwardError);
      expect(clock.now().toISOString()).toBe('2026-03-01T10:00:00.000Z');
    });
  });

  describe('jumping over idle ticks', () => {
    it('runs a per-minute job with nextDueAt only where work is due, so a year takes a handful of runs', async () => {
      // Prepare: a sweeper whose "table" holds three due items.
      const { scheduler } = setup('2026-03-01T10:00:00Z');
      const pending = ['2026-03-31T10:00:30Z', '2026-06-01T00:00:00Z', '2026-11-27T08:15:10Z'].map((iso) => Date.parse(iso));
      const swept: string[] = [];
      scheduler.register({
        name: 'sweeper',
        every: 'PT1M',
        nextDueAt: () => (pending.length > 0 ? new Date(Math.min(...pending)) : null),
        run: (now) => {
          swept.push(now.toISOString());
          for (const due of [...pending]) if (due <= now.getTime()) pending.splice(pending.indexOf(due), 1);
        },
      });

      // Act
      const report = await scheduler.advanceBy(parseDuration('P1Y'));

      // Assess: each item is swept at the first whole minute at or after it, as the deployed sweeper would.
      expect(swept).toEqual(['2026-03-31T10:01:00.000Z', '2026-06-01T00:00:00.000Z', '2026-11-27T08:16:00.000Z']);
      expect(report.runs).toEqual({ sweeper: 3 });
      expect(report.now).toBe('2027-03-01T10:00:00.000Z');
    });

    it('picks up overdue work at the next tick from now', async () => {
      const { scheduler } = setup('2026-03-01T10:00:20Z');
      let overdue = true;
      const swept: string[] = [];
      scheduler.register({
        name: 'sweeper',
        every: 'PT1M',
        nextDueAt: () => (overdue ? new Date('2026-02-01T00:00:00Z') : null),
        run: (now) => {
          swept.push(now.toISOString());
          overdue = false;
        },
      });
      await scheduler.advanceBy(parseDuration('PT5M'));
      expect(swept).toEqual(['2026-03-01T10:01:00.000Z']);
    });

    it('stops a move that would run a job more often than maxRunsPerMove, saying why', async () => {
      const { scheduler } = setup('2026-03-01T10:00:00Z', 100);
      scheduler.register({ name: 'every-minute', every: 'PT1M', run: () => undefined });
      await expect(scheduler.advanceBy(parseDuration('P1D'))).rejects.toThrow(ScheduleRunawayError);
      await expect(scheduler.advanceBy(parseDuration('P1D'))).rejects.toThrow(/nextDueAt/);
    });
  });

  describe('daily jobs in a time zone', () => {
    it('run at local midnight across the change to summer time', async () => {
      // Stockholm leaves CET (+01:00) for CEST (+02:00) at 01:00Z on 29 March 2026.
      const { scheduler } = setup('2026-03-27T12:00:00Z');
      const runs: string[] = [];
      scheduler.register({
        name: 'anniversaries',
        daily: { at: '00:00', timeZone: 'Europe/Stockholm' },
        run: (now) => void runs.push(now.toISOString()),
      });
      await scheduler.advanceBy(parseDuration('P4D'));
      expect(runs).toEqual([
        '2026-03-27T23:00:00.000Z',
        '2026-03-28T23:00:00.000Z',
        '2026-03-29T22:00:00.000Z',
        '2026-03-30T22:00:00.000Z',
      ]);
    });

    it('resolve a skipped wall time after the jump and a repeated one to its first occurrence', () => {
      expect(new Date(instantOfWallTime({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Stockholm')).toISOString()).toBe(
        '2026-03-29T01:30:00.000Z',
      );
      expect(new Date(instantOfWallTime({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Stockholm')).toISOString()).toBe(
        '2026-10-25T00:30:00.000Z',
      );
    });
  });

  describe('Method: register', () => {
    const noop = (): void => undefined;
    it.each<[string, ScheduledJob[]]>([
      [
        'a duplicate name',
        [
          { name: 'a', every: 'PT1M', run: noop },
          { name: 'a', every: 'PT1M', run: noop },
        ],
      ],
      ['a rate in months', [{ name: 'a', every: 'P1M', run: noop }]],
      ['a zero rate', [{ name: 'a', every: 'PT0S', run: noop }]],
      ['a daily time that is not HH:MM', [{ name: 'a', daily: { at: '24:00', timeZone: 'Europe/Stockholm' }, run: noop }]],
      ['an unknown time zone', [{ name: 'a', daily: { at: '00:00', timeZone: 'Europe/Atlantis' }, run: noop }]],
    ])('refuses %s', (_name, jobs) => {
      const { scheduler } = setup();
      expect(() => {
        for (const job of jobs) scheduler.register(job);
      }).toThrow(InvalidScheduleError);
    });

    it('unregisters a job', async () => {
      const { scheduler } = setup();
      let runs = 0;
      const unregister = scheduler.register({ name: 'a', every: 'PT1H', run: () => void runs++ });
      unregister();
      await scheduler.advanceBy(parseDuration('P1D'));
      expect(runs).toBe(0);
      expect(scheduler.jobNames).toEqual([]);
    });
  });
});
