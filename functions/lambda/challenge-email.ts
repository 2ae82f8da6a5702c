import { createHandlers } from '../handlers/registry';
import { deps, lambdaHandler } from './bootstrap';
import { emailPorts } from './email-queue';

/** Lambda entry point of the `challenge-email` route (functions/contract/routes.ts): queues one mail request per winner. */
export const handler = lambdaHandler(createHandlers({ ...deps, email: emailPorts })['challenge-email']);
