import * as z from 'zod';
import { ValidationError } from '../runtime/errors';
import type { BusEvent, DeadLetterSink } from '../runtime/ports';
import { type IngestDeps, ingestWebhook, type WebhookDelivery } from './ingest';

/**
 * Shopify's native delivery to an Amazon EventBridge partner event source: no public endpoint
 * and no HMAC, since AWS vouches for the partner source. Each event carries the webhook's
 * headers in `detail.metadata` and its body in `detail.payload`:
 * `{ "detail-type": "shopifyWebhook", "source": "aws.partner/shopify.com/<app>/<name>",
 *    "detail": { "metadata": { "X-Shopify-Topic": "orders/paid", "X-Shopify-Webhook-Id": "…", … }, "payload": { … } } }`
 * https://shopify.dev/docs/apps/build/webhooks/subscribe/get-started?deliveryMethod=eventBridge
 */

const PartnerDetail = z.object({
  metadata: z.looseObject({
    'X-Shopify-Topic': z.string().min(1),
    'X-Shopify-Webhook-Id': z.string().min(1).optional(),
  }),
  payload: z.unknown(),
});

/** The rule pattern on the partner bus: every Shopify webhook from that source. */
export function shopifyPartnerPattern(partnerEventSource: string): { source: string[]; 'detail-type': string[] } {
  return { source: [partnerEventSource], 'detail-type': ['shopifyWebhook'] };
}

/** The delivery inside a partner event; its dedupe key is the webhook id, else the event's own id. */
export function partnerDelivery(event: BusEvent): WebhookDelivery {
  const parsed = PartnerDetail.safeParse(event.detail);
  if (!parsed.success) throw ValidationError.fromZod(parsed.error);
  const { metadata, payload } = parsed.data;
  return { platform: 'shopify', topic: metadata['X-Shopify-Topic'], deliveryId: metadata['X-Shopify-Webhook-Id'] ?? event.id, payload };
}

/**
 * The partner-bus rule target: translate, or dead-letter a payload that cannot be mapped (the
 * error naming the field) and return, since retrying cannot fix it. Other errors are thrown so
 * Lambda retries and the failure destination keeps the event.
 */
export function createShopifyPartnerHandler(
  deps: IngestDeps & { readonly deadLetters: DeadLetterSink },
): (event: BusEvent) => Promise<void> {
  return async (event) => {
    try {
      const outcome = await ingestWebhook(deps, partnerDelivery(event));
      deps.logger.info('shopify partner event handled', { eventId: event.id, outcome: outcome.status });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      deps.metrics.addMetric('EventsRejected', 'Count', 1);
      deps.logger.warn('shopify partner event rejected', { eventId: event.id, field: error.field, reason: error.reason });
      await deps.deadLetters.deadLetter({
        detailType: event['detail-type'],
        source: event.source,
        error: error.message,
        field: error.field,
        event,
      });
    }
  };
}
