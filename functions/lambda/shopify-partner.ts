import { createShopifyPartnerHandler } from '../integrations/shopify-eventbridge';
import { deps, lambdaHandler } from './bootstrap';
import { ingestDeps } from './integration-deps';

/** Lambda entry point of the rule on Shopify's partner event bus (lib/shopify-integration.ts). */
export const handler = lambdaHandler(createShopifyPartnerHandler({ ...ingestDeps, deadLetters: deps.deadLetters }));
