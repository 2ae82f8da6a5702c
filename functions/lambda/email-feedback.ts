import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../adapters/eventbridge/publisher';
import { createEmailFeedbackHandler } from '../handlers/email-feedback';
import { deps, lambdaHandler } from './bootstrap';
import { requireEnv } from './env';

/**
 * Lambda entry point of SES bounce and complaint events, delivered by a rule on the account's
 * default bus (where SES publishes) that matches this client's configuration set only.
 */
// A complaint or hard bounce is an opt-out, announced as customer.unsubscribed (EVENT_BUS_NAME, events:PutEvents with Source lojal).
const events = EventBridgePublisher.forClient(new EventBridgeClient({}), { eventBusName: requireEnv('EVENT_BUS_NAME') });
export const handler = lambdaHandler(createEmailFeedbackHandler({ ...deps, events }));
