import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Platform } from '../adapters/dynamo/integration-store';
import type { LoggerPort } from '../runtime/ports';
import type { WebhookAnswer, WebhookRequest } from './webhook-receiver';

/** The webhook routes: path → platform. One definition for the stack's routes and the local server. */
export const WEBHOOK_ROUTES: readonly { readonly path: string; readonly platform: Platform }[] = [
  { path: '/webhooks/shopify', platform: 'shopify' },
  { path: '/webhooks/woocommerce', platform: 'woocommerce' },
];

export const webhookPlatformOf = (path: string): Platform | undefined => WEBHOOK_ROUTES.find((r) => r.path === path)?.platform;

/**
 * API Gateway (HTTP API, payload 2.0) → the receiver. The body is taken back to its bytes
 * (API Gateway base64-encodes what it considers binary), since the signature covers them; an
 * unexpected failure is a generic 500, so the shop retries and the details stay in the log.
 */
export function createWebhookHttpHandler(
  receive: (platform: Platform, request: WebhookRequest) => Promise<WebhookAnswer>,
  logger: LoggerPort,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const platform = webhookPlatformOf(event.rawPath);
    if (platform === undefined || event.requestContext.http.method !== 'POST') return reply({ status: 404, body: notFound });
    const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    try {
      return reply(await receive(platform, { headers, body }));
    } catch (error) {
      logger.error('webhook failed', { platform, error: error instanceof Error ? error.name : 'unknown' });
      return reply({
        status: 500,
        body: { error: { code: 'InternalError', message: 'Something went wrong; the delivery may be retried.' } },
      });
    }
  };
}

const notFound = { error: { code: 'NotFound', message: 'Webhooks are POST /webhooks/shopify or POST /webhooks/woocommerce.' } };

function reply(answer: WebhookAnswer): APIGatewayProxyStructuredResultV2 {
  return { statusCode: answer.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer.body) };
}
