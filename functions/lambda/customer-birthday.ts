import { createMemberHandlers } from '../handlers/registry';
import { deps, lambdaHandler } from './bootstrap';

/** Lambda entry point of the `customer-birthday` route (functions/contract/routes.ts). */
export const handler = lambdaHandler(createMemberHandlers(deps)['customer-birthday']);
