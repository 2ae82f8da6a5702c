import { Duration } from 'aws-cdk-lib';
import { CALENDAR_DAILY_SCHEDULE } from '../functions/app/calendar-daily';
import { CHALLENGE_RESULTS_SCHEDULE } from '../functions/app/challenge-results';
import { LEDGER_SWEEPER_SCHEDULE } from '../functions/app/ledger-sweeper';
import { TIMELINE_SWEEPER_SCHEDULE } from '../functions/app/sweep-due-items';
import type { JobName } from '../functions/contract/jobs';

/** When a job runs: every few minutes (UTC rule), or daily at a wall time in the client's time zone. */
export type JobWhen = { readonly everyMinutes: number } | { readonly daily: { readonly hour: number; readonly minute: number } };

/** One row of the job table: what lib/lojal-stack.ts needs to deploy a scheduled job. */
export interface JobRow {
  /** Construct id in the stack; it names the CloudFormation resources, so changing it replaces them. */
  readonly id: string;
  readonly name: JobName;
  readonly when: JobWhen;
  /** Why the timeout is what it is, in the row, next to the figure. */
  readonly timeout: Duration;
  readonly describe: (clientId: string) => string;
}

/**
 * Lojal's scheduled jobs as data: one row each, deployed by one loop in lib/lojal-stack.ts. Every
 * schedule and budget comes from the job's own module, so the local clock (local/jobs.ts) and AWS
 * run each job on the same cadence.
 */
export const JOB_TABLE: readonly JobRow[] = [
  {
    id: 'TimelineSweeper',
    name: TIMELINE_SWEEPER_SCHEDULE.name,
    when: { everyMinutes: TIMELINE_SWEEPER_SCHEDULE.rateMinutes },
    // Below the sweeper's 5-minute claim lease, above its 60-second sweep budget.
    timeout: Duration.minutes(2),
    describe: (clientId) => `Emits due check-ins and replacement reminders of client ${clientId}`,
  },
  {
    id: 'CalendarDaily',
    name: CALENDAR_DAILY_SCHEDULE.name,
    when: { daily: { hour: CALENDAR_DAILY_SCHEDULE.hour, minute: CALENDAR_DAILY_SCHEDULE.minute } },
    // Above the job's 4-minute budget, so a long catch-up stops between dates, never inside one.
    timeout: Duration.minutes(6),
    describe: (clientId) => `Emits anniversaries, birthdays and earned perks of client ${clientId} at local midnight`,
  },
  {
    id: 'LedgerSweeper',
    name: LEDGER_SWEEPER_SCHEDULE.name,
    when: { everyMinutes: LEDGER_SWEEPER_SCHEDULE.rateMinutes },
    // Above the job's 50-second budget; a run that overlaps the next is safe (every write is version-guarded).
    timeout: Duration.minutes(2),
    describe: (clientId) => `Expires points, reviews tiers and sends tier, reward and expiry notices of client ${clientId}`,
  },
  {
    id: 'ChallengeResults',
    name: CHALLENGE_RESULTS_SCHEDULE.name,
    when: { everyMinutes: CHALLENGE_RESULTS_SCHEDULE.rateMinutes },
    // Each due challenge reads its board's top and pays a few prizes; a run that overlaps the
    // next is safe (the result is frozen once, prizes are idempotent ledger entries).
    timeout: Duration.minutes(5),
    describe: (clientId) => `Decides challenges of client ${clientId}, pays their prizes and announces the results`,
  },
];
