import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../adapters/eventbridge/publisher';
import { createFlowsHandler } from '../handlers/flows-handler';
import { deps, lambdaHandler } from './bootstrap';
import { emailPorts } from './email-queue';
import { requireEnv } from './env';

/**
 * Lambda entry point of the `flows` route (functions/handlers/flow-routes.ts): the client's
 * flows. Needs TABLE_NAME, MAIL_QUEUE_URL (an `email` step) and EVENT_BUS_NAME (an `emit` step).
 */
const events = EventBridgePublisher.forClient(new EventBridgeClient({}), { eventBusName: requireEnv('EVENT_BUS_NAME') });

export const handler = lambdaHandler(createFlowsHandler({ ...deps, email: emailPorts, events }));
