import { EventBridgePublisher } from '../functions/adapters/eventbridge/publisher';
import { calendarDailyJob } from '../functions/app/calendar-daily';
import { timelineSweeperJob } from '../functions/app/sweep-due-items';
import type { LocalJobContext } from './local-copy';
import type { ScheduledJob } from './schedule';

/**
 * The scheduled jobs the deployed stack runs, registered on the local scheduler with the same
 * code: the timeline sweeper (every minute; it says when it next has work, so the clock can
 * jump), and the daily calendar job (anniversaries, birthdays, perks; at local midnight in the
 * client's time zone). Their events go through the production `EventBridgePublisher` onto the
 * local bus as Lojal (Source `lojal`).
 */
export function lojalJobs(context: LocalJobContext): ScheduledJob[] {
  const publisher = new EventBridgePublisher((entries) => context.publish(entries));
  return [timelineSweeperJob(context.deps, publisher), calendarDailyJob(context.deps, publisher)];
}
