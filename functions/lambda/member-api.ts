import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgePublisher } from '../adapters/eventbridge/publisher';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createMemberApi } from '../api/member-api';
import { MailLinks } from '../domain/email/links';
import { coreDeps, logger, metrics } from './core';
import { requireEnv } from './env';
import { readLinkSecret } from './link-secret';

/**
 * Lambda entry point of the member API (docs/member-api.md): every route of `MEMBER_API_ROUTES`
 * behind the HTTP API (lib/member-api.ts), payload format 2.0, the handler the local copy serves
 * too. Needs TABLE_NAME (read/write: redemptions and mail-link answers write) and LINK_SECRET_ARN
 * (secretsmanager:GetSecretValue: the unsubscribe and check-in links are verified with it). The
 * request is never logged: its path and body name a member.
 */
const links = new MailLinks({
  secret: await readLinkSecret(new SecretsManagerClient({}), requireEnv('LINK_SECRET_ARN')),
  // The API only verifies links; the sender makes them.
  baseUrl: '',
  unsubscribeMailbox: coreDeps.config.brand.senderAddress,
});

// The unsubscribe link's opt-out is announced as customer.unsubscribed (EVENT_BUS_NAME, events:PutEvents with Source lojal).
const events = EventBridgePublisher.forClient(new EventBridgeClient({}), { eventBusName: requireEnv('EVENT_BUS_NAME') });

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
  createMemberApi({ ...coreDeps, email: { links }, events }),
)
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
