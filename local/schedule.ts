import type { LoggerPort } from '../functions/runtime/ports';
import { ClockMovedBackwardError, type LocalClock } from './clock';
import { addDuration, durationMillis, type IsoDuration, parseDuration } from '../functions/domain/duration';
import type { WorkTracker } from './work-tracker';
import { instantOfWallTime, isTimeZone, wallTimeAt } from './zoned-time';

/**
 * The local stand-in for EventBridge Scheduler: jobs register here (the timeline sweeper and
 * the daily anniversary job of later issues), and moving the clock runs every run that falls
 * due on the way, in time order, waiting after each instant for all the work it caused.
 *
 * Jumping a year with a per-minute sweeper would mean 525 600 runs, so a job can say when it
 * next has something to do (`nextDueAt`). The clock then runs it only at the first tick of its
 * schedule on or after that instant, which is exactly when the deployed job would first find
 * the work, and skips the idle ticks between. A job without `nextDueAt` runs at every tick;
 * `maxRunsPerMove` stops a move that would run away.
 */

/** When a job runs. */
export type JobSchedule =
  /**
   * A fixed rate as an ISO-8601 duration without months or years (`PT1M`, `PT1H`, `P1D`),
   * aligned to the Unix epoch so runs land on whole minutes, hours or UTC days.
   */
  | { readonly every: string }
  /** Once a day at a local wall time (`HH:MM`) in an IANA time zone, like a cron rule with a time zone. */
  | { readonly daily: { readonly at: string; readonly timeZone: string } };

export type ScheduledJob = JobSchedule & {
  /** Unique, names the job in reports and logs. */
  readonly name: string;
  /**
   * Optional: the earliest instant at which the job has work given the current state (an
   * instant at or before `now` when work is overdue), or null when it has none. When given,
   * the clock runs the job only at its first tick on or after that instant.
   */
  nextDueAt?(now: Date): Date | null | undefined | Promise<Date | null | undefined>;
  /** Does the work due at `now` (the scheduled instant; the local clock shows it too). A returned promise is awaited; its value is ignored. */
  run(now: Date): unknown;
};

/** What one clock move did. */
export interface MoveReport {
  /** The clock after the move. */
  readonly now: string;
  /** Runs per job name. */
  readonly runs: Record<string, number>;
  /** Runs that threw; the move goes on, as the deployed scheduler would keep going. */
  readonly failures: readonly { readonly job: string; readonly at: string; readonly error: string }[];
}

export class InvalidScheduleError extends Error {
  override readonly name = 'InvalidScheduleError';
}

/** A move asked for more job runs than `maxRunsPerMove`: give the job a `nextDueAt`. */
export class ScheduleRunawayError extends Error {
  override readonly name = 'ScheduleRunawayError';
}

interface JobEntry {
  readonly job: ScheduledJob;
  /** The first tick at or after an instant (ms). */
  readonly tickAtOrAfter: (instant: number) => number;
  /** Runs happen strictly after this instant: registration, then the last run. */
  after: number;
}

export interface SchedulerOptions {
  readonly clock: LocalClock;
  readonly work: WorkTracker;
  readonly logger: LoggerPort;
  /** @default 100 000 (about 69 days of a per-minute job without `nextDueAt`) */
  readonly maxRunsPerMove?: number;
}

export class Scheduler {
  private readonly entries: JobEntry[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private inFlight = 0;

  constructor(private readonly options: SchedulerOptions) {}

  /**
   * Registers a job; runs are due strictly after the current local time. Returns a function
   * that unregisters it.
   *
   * @example
   * scheduler.register({ name: 'timeline-sweeper', every: 'PT1M', nextDueAt: earliestPendingDueAt, run: sweep });
   * scheduler.register({ name: 'anniversaries', daily: { at: '00:00', timeZone: 'Europe/Stockholm' }, run: greet });
   */
  register(job: ScheduledJob): () => void {
    if (!job.name) throw new InvalidScheduleError('A scheduled job needs a name.');
    if (this.entries.some((e) => e.job.name === job.name))
      throw new InvalidScheduleError(`A job named "${job.name}" is already registered.`);
    const entry: JobEntry = { job, tickAtOrAfter: compileSchedule(job), after: this.options.clock.now().getTime() };
    this.entries.push(entry);
    return () => {
      const i = this.entries.indexOf(entry);
      if (i >= 0) this.entries.splice(i, 1);
    };
  }

  /** Names of the registered jobs, in registration order. */
  get jobNames(): string[] {
    return this.entries.map((e) => e.job.name);
  }

  /** True while a move is running or waiting. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Moves the clock forward by `duration` (from wherever it is once earlier moves finish). `PT0S` is a barrier. */
  advanceBy(duration: IsoDuration): Promise<MoveReport> {
    // The target is counted from the instant the move starts, read once: with a running clock,
    // reading it again (for the never-backwards check) may already be a millisecond later,
    // which once failed a `PT0S` barrier with ClockMovedBackward before it had waited (#13).
    return this.exclusive(() => this.moveTo((start) => addDuration(start, duration)));
  }

  /** Moves the clock to `instant`; rejects with `ClockMovedBackwardError` if it is already later. */
  advanceTo(instant: Date): Promise<MoveReport> {
    return this.exclusive(() => this.moveTo(() => instant));
  }

  /** Runs what is due up to the clock's current time; the running clock calls this as real time passes. */
  runDue(): Promise<MoveReport> {
    // A running clock keeps moving while this waits its turn: "now" is whenever the run starts.
    return this.exclusive(() => this.moveTo((start) => start));
  }

  /** Convenience for `advanceBy` with an ISO-8601 string. */
  advance(duration: string): Promise<MoveReport> {
    return this.advanceBy(parseDuration(duration));
  }

  /** One move at a time: a second request continues from where the first one left the clock. */
  private exclusive<T>(move: () => Promise<T>): Promise<T> {
    this.inFlight++;
    const run = this.queue.then(move).finally(() => this.inFlight--);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** `targetFrom` gives the instant to move to from the clock's reading at the start of the move. */
  private async moveTo(targetFrom: (start: Date) => Date): Promise<MoveReport> {
    const { clock, work, logger } = this.options;
    const start = clock.now();
    const target = targetFrom(start);
    if (target.getTime() < start.getTime()) throw new ClockMovedBackwardError(start, target);
    const maxRuns = this.options.maxRunsPerMove ?? 100_000;
    const runs: Record<string, number> = {};
    const failures: { job: string; at: string; error: string }[] = [];
    let total = 0;

    // Work already under way happened before the move, at the time it was started.
    await work.idle();
    for (;;) {
      const due = await this.nextDue();
      if (!due || due.at > target.getTime()) break;
      clock.moveForwardTo(new Date(due.at));
      const at = new Date(due.at);
      for (const entry of due.entries) {
        if (!this.entries.includes(entry)) continue;
        entry.after = due.at;
        if (++total > maxRuns) {
          throw new ScheduleRunawayError(
            `Moving the clock to ${target.toISOString()} needs more than ${maxRuns} job runs (stopped at ${at.toISOString()}, job "${entry.job.name}"). ` +
              'Give the job a nextDueAt so the clock can skip idle ticks, or move in smaller steps.',
          );
        }
        runs[entry.job.name] = (runs[entry.job.name] ?? 0) + 1;
        try {
          await work.track(Promise.resolve().then(() => entry.job.run(at)));
        } catch (error) {
          const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          failures.push({ job: entry.job.name, at: at.toISOString(), error: message });
          logger.error('Scheduled job failed', { job: entry.job.name, at: at.toISOString(), error: message });
        }
      }
      // Everything this instant caused (events, deliveries, emails) finishes before the next one.
      await work.idle();
    }
    clock.moveForwardTo(target);
    await work.idle();
    return { now: clock.now().toISOString(), runs, failures };
  }

  /** The earliest pending run instant and the jobs due at it, in registration order. */
  private async nextDue(): Promise<{ at: number; entries: JobEntry[] } | undefined> {
    const now = this.options.clock.now().getTime();
    let best: { at: number; entries: JobEntry[] } | undefined;
    for (const entry of [...this.entries]) {
      const at = await this.nextRunOf(entry, now);
      if (at === undefined) continue;
      if (!best || at < best.at) best = { at, entries: [entry] };
      else if (at === best.at) best.entries.push(entry);
    }
    return best;
  }

  private async nextRunOf(entry: JobEntry, now: number): Promise<number | undefined> {
    let earliest = entry.after + 1;
    if (entry.job.nextDueAt) {
      const hint = await entry.job.nextDueAt(new Date(now));
      if (hint === null || hint === undefined) return undefined;
      // Overdue work is picked up at the next tick from now, as the deployed job would.
      earliest = Math.max(earliest, hint.getTime(), now);
    }
    return entry.tickAtOrAfter(earliest);
  }
}

function compileSchedule(job: ScheduledJob): (instant: number) => number {
  if ('every' in job) {
    let period: number;
    try {
      period = durationMillis(parseDuration(job.every), job.every);
    } catch (error) {
      throw new InvalidScheduleError(`Job "${job.name}": ${(error as Error).message}`);
    }
    if (period <= 0) throw new InvalidScheduleError(`Job "${job.name}": every must be longer than zero.`);
    return (instant) => Math.ceil(instant / period) * period;
  }
  if ('daily' in job) {
    const { at, timeZone } = job.daily;
    const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
    if (!match) throw new InvalidScheduleError(`Job "${job.name}": daily.at must be HH:MM (24h), got "${at}".`);
    if (!isTimeZone(timeZone)) throw new InvalidScheduleError(`Job "${job.name}": "${timeZone}" is not an IANA time zone.`);
    const hour = Number(match[1]);
    const minute = Number(match[2]);
    return (instant) => {
      const today = wallTimeAt(instant, timeZone);
      // Walk forward day by day (at most twice) from the local date of `instant`.
      for (let offset = 0; ; offset++) {
        const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
        const candidate = instantOfWallTime(
          { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour, minute },
          timeZone,
        );
        if (candidate >= instant) return candidate;
      }
    };
  }
  throw new InvalidScheduleError(`Job "${(job as ScheduledJob).name}" needs every or daily.`);
}
