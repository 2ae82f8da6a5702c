import { createEmailHandlers } from '../handlers/email-handlers';
import { deps, lambdaHandler } from './bootstrap';
import { emailPorts } from './email-queue';

/** Lambda entry point of the `challenge-email` route (functions/contract/routes.ts): queues one mail request per winner. */
export const handler = lambdaHandler(createEmailHandlers({ ...deps, email: emailPorts })['challenge-email']);
