import { createHandlers } from '../handlers/registry';
import { deps, lambdaHandler } from './bootstrap';

/** Lambda entry point of the `customer-birthday` route (functions/contract/routes.ts). */
export const handler = lambdaHandler(createHandlers(deps)['customer-birthday']);
