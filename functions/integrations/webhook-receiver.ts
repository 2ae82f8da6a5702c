import type { Platform } from '../adapters/dynamo/integration-store';
import { ValidationError } from '../runtime/errors';
import type { BusEvent, DeadLetterSink } from '../runtime/ports';
import { type IngestDeps, type IngestOutcome, ingestWebhook } from './ingest';
import { signatureMatches } from './signatures';

/**
 * The HTTPS webhook doors (`POST /webhooks/shopify`, `POST /webhooks/woocommerce`), the same
 * code behind API Gateway and the local copy: verify the signature over the raw body, answer
 * WooCommerce's activation ping, then hand the delivery to `ingestWebhook` (dedupe on the
 * delivery id, translate, put Lojal's events on the client bus).
 *
 * What each answer means to the shop:
 * - 401: the signature is missing or wrong; nothing is read or written.
 * - 200: handled, a duplicate, ignored, or refused as unmappable (then it is a dead letter naming
 *   the field: the shop's retries cannot fix a payload, and WooCommerce disables a webhook after
 *   5 failed deliveries in a row, so refusing with a 4xx would cost every later event).
 * - 500: anything else (the bus or the table failed); the shop retries, and the delivery id
 *   keeps a retried delivery from counting twice.
 */

/** A webhook request as both doors see it; header names in lower case (API Gateway and Node both give them so). */
export interface WebhookRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received: the signature covers these bytes. */
  readonly body: Buffer;
}

export interface WebhookAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/** The shared secrets a platform signs with (several while one is rotated). */
export interface WebhookSecrets {
  secretsFor(platform: Platform): Promise<readonly string[]>;
}

export interface WebhookReceiverDeps extends IngestDeps {
  readonly secrets: WebhookSecrets;
  readonly deadLetters: DeadLetterSink;
}

/** The stack or the local copy has no secret for a platform whose webhooks arrive: misconfigured, answered 500. */
export class WebhookSecretMissingError extends Error {
  override readonly name = 'WebhookSecretMissingError';
}

/** Header names per platform (lower case). */
export const WEBHOOK_HEADERS = {
  shopify: { signature: 'x-shopify-hmac-sha256', topic: 'x-shopify-topic', deliveryId: 'x-shopify-webhook-id' },
  woocommerce: { signature: 'x-wc-webhook-signature', topic: 'x-wc-webhook-topic', deliveryId: 'x-wc-webhook-delivery-id' },
} as const satisfies Record<Platform, { signature: string; topic: string; deliveryId: string }>;

/**
 * WooCommerce's activation ping when a webhook is saved: `webhook_id=<n>` as a form body, sent
 * without a signature. It must be answered 2xx or the webhook is never activated; it carries
 * nothing, so answering it reads and writes nothing.
 */
const WOOCOMMERCE_PING = /^webhook_id=\d{1,20}$/;

/** The Source a dead-lettered webhook is filed under (never a Source any rule matches). */
export const webhookDeadLetterSource = (platform: Platform) => `lojal.webhook/${platform}`;

export function createWebhookReceiver(deps: WebhookReceiverDeps): (platform: Platform, request: WebhookRequest) => Promise<WebhookAnswer> {
  return async (platform, request) => {
    const names = WEBHOOK_HEADERS[platform];
    const signature = request.headers[names.signature];
    if (platform === 'woocommerce' && signature === undefined && WOOCOMMERCE_PING.test(request.body.toString('utf8').trim())) {
      return { status: 200, body: { status: 'ping' } };
    }
    const secrets = await deps.secrets.secretsFor(platform);
    if (secrets.length === 0) throw new WebhookSecretMissingError(`no ${platform} webhook secret is configured`);
    if (!signatureMatches(request.body, signature, secrets)) {
      deps.metrics.addMetric('WebhookSignatureRejected', 'Count', 1);
      deps.logger.warn('webhook refused: bad signature', { platform });
      return { status: 401, body: { error: { code: 'Unauthorized', message: `${names.signature} does not match the body` } } };
    }

    const topic = request.headers[names.topic] ?? '';
    const deliveryId = request.headers[names.deliveryId];
    try {
      if (topic === '') throw new ValidationError(`headers.${names.topic}`, 'is required');
      const outcome = await ingestWebhook(deps, {
        platform,
        topic,
        ...(deliveryId ? { deliveryId } : {}),
        payload: parseBody(request.body),
      });
      deps.logger.info('webhook handled', { platform, topic: topic.slice(0, 60), outcome: outcome.status });
      return { status: 200, body: answerOf(outcome) };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      deps.metrics.addMetric('EventsRejected', 'Count', 1);
      deps.logger.warn('webhook rejected', { platform, field: error.field, reason: error.reason });
      await deps.deadLetters.deadLetter({
        detailType: topic || '(no topic)',
        source: webhookDeadLetterSource(platform),
        error: error.message,
        field: error.field,
        event: deadLetterEvent(platform, topic, deliveryId, request.body, deps.clock.now()),
      });
      return { status: 200, body: { status: 'rejected', field: error.field, error: error.message } };
    }
  };
}

function parseBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ValidationError('body', 'must be JSON');
  }
}

/** What the shop sees: the outcome without personal data, except the export the shop asked for. */
function answerOf(outcome: IngestOutcome): Record<string, unknown> {
  switch (outcome.status) {
    case 'applied':
      return { status: 'applied', events: outcome.events, parked: outcome.parked };
    case 'ignored':
      return { status: 'ignored', reason: outcome.reason };
    case 'exported':
      return { status: 'exported', requestId: outcome.requestId, export: outcome.export };
    case 'shopRedact':
      return { status: 'shopRedact' };
    case 'duplicate':
      return { status: 'duplicate' };
  }
}

/**
 * A refused webhook as a dead letter, in the shape of Shopify's partner events (`detail.metadata`
 * with the webhook's headers, `detail.payload` with the body), so one replay path serves both.
 */
function deadLetterEvent(platform: Platform, topic: string, deliveryId: string | undefined, body: Buffer, now: Date): BusEvent {
  const text = body.toString('utf8');
  let payload: unknown = text;
  try {
    payload = JSON.parse(text);
  } catch {
    // Kept as text: the operator sees what came.
  }
  return {
    version: '0',
    id: `${platform}-${deliveryId ?? now.getTime()}`,
    'detail-type': platform === 'shopify' ? 'shopifyWebhook' : 'wooCommerceWebhook',
    source: webhookDeadLetterSource(platform),
    time: now.toISOString(),
    detail: { metadata: { topic, ...(deliveryId ? { deliveryId } : {}) }, payload },
  };
}
