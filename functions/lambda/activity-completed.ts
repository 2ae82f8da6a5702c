import { createMemberHandlers } from '../handlers/registry';
import { deps, lambdaHandler } from './bootstrap';

/** Lambda entry point of the `activity-completed` route (functions/contract/routes.ts). */
export const handler = lambdaHandler(createMemberHandlers(deps)['activity-completed']);
