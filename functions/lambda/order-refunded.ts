import { createMemberHandlers } from '../handlers/registry';
import { deps, lambdaHandler } from './bootstrap';

/** Lambda entry point of the `order-refunded` route (functions/contract/routes.ts). */
export const handler = lambdaHandler(createMemberHandlers(deps)['order-refunded']);
