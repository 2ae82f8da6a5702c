import { createMemberHandlers } from '../handlers/registry';
import { deps, lambdaHandler } from './bootstrap';

/** Lambda entry point of the `customer-anniversary` route (functions/contract/routes.ts). */
export const handler = lambdaHandler(createMemberHandlers(deps)['customer-anniversary']);
