import { createEmailFeedbackHandler } from '../handlers/email-feedback';
import { deps, lambdaHandler } from './bootstrap';

/**
 * Lambda entry point of SES bounce and complaint events, delivered by a rule on the account's
 * default bus (where SES publishes) that matches this client's configuration set only.
 */
export const handler = lambdaHandler(createEmailFeedbackHandler(deps));
