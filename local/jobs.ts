import { EventBridgePublisher } from '../functions/adapters/eventbridge/publisher';
import { calendarDailyJob } from '../functions/app/calendar-daily';
import { challengeResultsJob } from '../functions/app/challenge-results';
import { ledgerSweeperJob } from '../functions/app/ledger-sweeper';
import { deferredMailReleaseJob } from '../functions/app/release-deferred-mail';
import { timelineSweeperJob } from '../functions/app/sweep-due-items';
import type { HandlerDeps } from '../functions/handlers/registry';
import type { PutEventsRequestEntry, PutEventsResult } from './put-events';
import type { ScheduledJob } from './schedule';

/** What scheduled jobs get: the handlers' dependencies and a way to put Lojal's own events. */
export interface LocalJobContext {
  readonly deps: HandlerDeps;
  /** Puts events as Lojal (Source `lojal`), through the same rules as webshop events. */
  readonly publish: (entries: readonly PutEventsRequestEntry[]) => PutEventsResult;
}

/**
 * The scheduled jobs the deployed stack runs, registered on the local scheduler with the same
 * code: the timeline sweeper (every minute; it says when it next has work, so the clock can
 * jump), and the daily calendar job (anniversaries, birthdays, perks; at local midnight in the
 * client's time zone). Their events go through the production `EventBridgePublisher` onto the
 * local bus as Lojal (Source `lojal`). With mail wired (always in the local copy), also the
 * deferred-mail release job (every minute, skipping idle ones), which puts mail back on the
 * in-process mail queue when its cap or quiet hours end. And the ledger job (every minute,
 * skipping idle ones): expiry, tier reviews and the ledger's notices. And the challenge results
 * job (every 15 minutes, only when a result is due).
 */
export function lojalJobs(context: LocalJobContext): ScheduledJob[] {
  const publisher = new EventBridgePublisher((entries) => context.publish(entries));
  const jobs: ScheduledJob[] = [
    timelineSweeperJob(context.deps, publisher),
    calendarDailyJob(context.deps, publisher),
    ledgerSweeperJob(context.deps, publisher),
    challengeResultsJob(context.deps, publisher),
  ];
  if (context.deps.email?.queue) jobs.push(deferredMailReleaseJob({ ...context.deps, queue: context.deps.email.queue }));
  return jobs;
}
