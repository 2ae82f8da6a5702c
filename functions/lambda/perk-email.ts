import { createHandlers } from '../handlers/registry';
import { deps, lambdaHandler } from './bootstrap';
import { emailPorts } from './email-queue';

/** Lambda entry point of the `perk-email` route (functions/contract/routes.ts): queues the mail request. */
export const handler = lambdaHandler(createHandlers({ ...deps, email: emailPorts })['perk-email']);
