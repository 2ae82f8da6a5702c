import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../adapters/eventbridge/publisher';
import { timelineSweeperJob } from '../app/sweep-due-items';
import { deps, lambdaHandler } from './bootstrap';
import { requireEnv } from './env';

/**
 * Lambda entry point of the timeline sweeper, invoked by an EventBridge schedule every minute
 * (`TIMELINE_SWEEPER_SCHEDULE`). Needs TABLE_NAME (read/write) and EVENT_BUS_NAME
 * (events:PutEvents on that bus); its timeout must stay below the 5-minute claim lease.
 */
const publisher = EventBridgePublisher.forClient(new EventBridgeClient({}), { eventBusName: requireEnv('EVENT_BUS_NAME') });
const sweeper = timelineSweeperJob(deps, publisher);

export const handler = lambdaHandler(() => sweeper.run());
