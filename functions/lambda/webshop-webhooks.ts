import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SecretsManagerWebhookSecrets } from '../adapters/secrets/webhook-secrets';
import { createWebhookHttpHandler } from '../integrations/webhook-http';
import { createWebhookReceiver } from '../integrations/webhook-receiver';
import { deps, logger, metrics } from './bootstrap';
import { requireEnv } from './env';
import { ingestDeps } from './integration-deps';

/**
 * Lambda entry point of `POST /webhooks/shopify` and `POST /webhooks/woocommerce`
 * (lib/webshop-webhooks.ts). Needs WEBHOOK_SECRET_ARN (the signing secrets), EVENT_BUS_NAME,
 * TABLE_NAME and DEAD_LETTER_QUEUE_URL. Neither the request nor its body is ever logged.
 */
const secrets = new SecretsManagerWebhookSecrets(new SecretsManagerClient({}), requireEnv('WEBHOOK_SECRET_ARN'));
const receive = createWebhookReceiver({ ...ingestDeps, secrets, deadLetters: deps.deadLetters });

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
  createWebhookHttpHandler(receive, ingestDeps.logger),
)
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
