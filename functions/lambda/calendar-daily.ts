import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../adapters/eventbridge/publisher';
import { calendarDailyJob } from '../app/calendar-daily';
import { deps, lambdaHandler } from './bootstrap';
import { requireEnv } from './env';

/**
 * Lambda entry point of the daily calendar job, invoked by an EventBridge Scheduler schedule at
 * local midnight in the client's time zone (`CALENDAR_DAILY_SCHEDULE`). Needs TABLE_NAME
 * (read/write: the calendar index and the job's watermark) and EVENT_BUS_NAME (events:PutEvents
 * on that bus, Source `lojal`); its timeout must exceed the job's 4-minute budget.
 */
const publisher = EventBridgePublisher.forClient(new EventBridgeClient({}), { eventBusName: requireEnv('EVENT_BUS_NAME') });
const job = calendarDailyJob(deps, publisher);

export const handler = lambdaHandler(() => job.run());
