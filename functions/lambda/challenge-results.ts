import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../adapters/eventbridge/publisher';
import { challengeResultsJob } from '../app/challenge-results';
import { deps, lambdaHandler } from './bootstrap';
import { requireEnv } from './env';

/**
 * Lambda entry point of the challenge results job, invoked by an EventBridge schedule every 15
 * minutes (`CHALLENGE_RESULTS_SCHEDULE`): decides due challenges, pays their prizes and puts
 * `challenge.completed` on the bus. Needs TABLE_NAME (read/write: the `board` index, result
 * items, the winners' ledgers) and EVENT_BUS_NAME (events:PutEvents on that bus, Source `lojal`).
 */
const publisher = EventBridgePublisher.forClient(new EventBridgeClient({}), { eventBusName: requireEnv('EVENT_BUS_NAME') });
const job = challengeResultsJob(deps, publisher);

export const handler = lambdaHandler(() => job.run());
