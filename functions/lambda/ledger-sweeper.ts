import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../adapters/eventbridge/publisher';
import { ledgerSweeperJob } from '../app/ledger-sweeper';
import { deps, lambdaHandler } from './bootstrap';
import { requireEnv } from './env';

/**
 * Lambda entry point of the ledger job, invoked by an EventBridge schedule every minute
 * (`LEDGER_SWEEPER_SCHEDULE`): expiry entries, tier reviews and the ledger's notices. Needs
 * TABLE_NAME (read/write) and EVENT_BUS_NAME (events:PutEvents on that bus, Source `lojal`);
 * its timeout must exceed the job's 50-second budget.
 */
const publisher = EventBridgePublisher.forClient(new EventBridgeClient({}), { eventBusName: requireEnv('EVENT_BUS_NAME') });
const job = ledgerSweeperJob(deps, publisher);

export const handler = lambdaHandler(() => job.run());
