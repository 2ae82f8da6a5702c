import { createEmailHandlers } from '../handlers/email-handlers';
import { deps, lambdaHandler } from './bootstrap';
import { emailPorts } from './email-queue';

/** Lambda entry point of the `anniversary-email` route (functions/contract/routes.ts): queues the mail request. */
export const handler = lambdaHandler(createEmailHandlers({ ...deps, email: emailPorts })['anniversary-email']);
