import type { Integrations } from './config';
import type { Platform } from '../adapters/dynamo/integration-store';
import { ValidationError } from '../runtime/errors';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';
import { translateShopify } from './shopify';
import type { ParkedRefund, ProductFact, Translation, WebshopEvent } from './translation';
import { translateWooCommerce } from './woocommerce';

/**
 * One webshop delivery, whichever door it came through (Shopify's EventBridge partner bus, a
 * Shopify or WooCommerce webhook, the history import): dedupe on the delivery id, translate,
 * remember product and order facts, release refunds that waited for their order, and put
 * Lojal's events on the client bus. Lojal's handlers are idempotent on each event's own key,
 * so the delivery dedupe only saves work; a delivery is marked handled after its events are
 * accepted, so a crash in between means a harmless second put, never a lost event.
 */

export interface WebhookDelivery {
  readonly platform: Platform;
  readonly topic: string;
  /** `X-Shopify-Webhook-Id` / `X-WC-Webhook-Delivery-ID`, when the door has one. */
  readonly deliveryId?: string;
  readonly payload: unknown;
}

/** The memory of the receivers (functions/adapters/dynamo/integration-store.ts). */
export interface IntegrationMemory {
  deliveryHandled(platform: Platform, deliveryId: string): Promise<boolean>;
  markDeliveryHandled(platform: Platform, deliveryId: string, now: Date): Promise<void>;
  putProducts(platform: Platform, facts: readonly ProductFact[], now: Date): Promise<void>;
  product(platform: Platform, productId: string): Promise<ProductFact | undefined>;
  rememberOrder(platform: Platform, orderId: string, customerId: string): Promise<void>;
  customerOfOrder(platform: Platform, orderId: string): Promise<string | undefined>;
  parkRefund(platform: Platform, refund: ParkedRefund): Promise<void>;
  parkedRefunds(platform: Platform, orderId: string): Promise<ParkedRefund[]>;
  dropParkedRefund(platform: Platform, orderId: string, refundId: string): Promise<void>;
  /** Keeps the answer to a data request for the operator to hand to the shop (Shopify gives 30 days). */
  saveDataRequest(platform: Platform, requestId: string, customerId: string, data: unknown, now: Date): Promise<void>;
}

/** Puts events on the client bus with `source`; throws when any was not accepted, so the delivery is retried. */
export type SendEvents = (events: readonly WebshopEvent[], source: string) => Promise<void>;

export interface IngestDeps {
  readonly integrations: Integrations;
  readonly memory: IntegrationMemory;
  readonly send: SendEvents;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  /** What Lojal holds for a customer, for a data request. */
  readonly exportMember: (customerId: string) => Promise<unknown>;
}

export type IngestOutcome =
  | { readonly status: 'duplicate' }
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: 'applied'; readonly events: number; readonly parked: number }
  | { readonly status: 'exported'; readonly requestId: string; readonly customerId: string; readonly export: unknown }
  | { readonly status: 'shopRedact'; readonly shopDomain: string };

/** Thrown when the client file has no mapping for the platform a delivery came from. */
export class IntegrationNotConfiguredError extends ValidationError {}

export async function ingestWebhook(deps: IngestDeps, delivery: WebhookDelivery): Promise<IngestOutcome> {
  const { platform, deliveryId } = delivery;
  const { memory, clock } = deps;
  if (deliveryId !== undefined && (await memory.deliveryHandled(platform, deliveryId))) {
    deps.metrics.addMetric('DuplicateDeliveries', 'Count', 1);
    return { status: 'duplicate' };
  }
  const now = clock.now();
  const lookups = {
    product: (id: string) => memory.product(platform, id),
    customerOfOrder: (id: string) => memory.customerOfOrder(platform, id),
  };
  let translation: Translation;
  let source: string;
  if (platform === 'shopify') {
    const mapping = deps.integrations.shopify;
    if (!mapping) throw new IntegrationNotConfiguredError('integrations.shopify', 'is not configured in the client file');
    translation = await translateShopify(delivery.topic, delivery.payload, mapping, lookups, now);
    source = mapping.source;
  } else {
    const mapping = deps.integrations.woocommerce;
    if (!mapping) throw new IntegrationNotConfiguredError('integrations.woocommerce', 'is not configured in the client file');
    translation = await translateWooCommerce(delivery.topic, delivery.payload, mapping, lookups, now);
    source = mapping.source;
  }

  const outcome = await apply(deps, platform, translation, source, now);
  if (deliveryId !== undefined) await memory.markDeliveryHandled(platform, deliveryId, now);
  return outcome;
}

async function apply(deps: IngestDeps, platform: Platform, translation: Translation, source: string, now: Date): Promise<IngestOutcome> {
  const { memory } = deps;
  if (translation.products?.length) await memory.putProducts(platform, translation.products, now);
  if (translation.dataRequest) {
    const { customerId, requestId } = translation.dataRequest;
    const data = await deps.exportMember(customerId);
    await memory.saveDataRequest(platform, requestId, customerId, data, now);
    deps.metrics.addMetric('DataRequests', 'Count', 1);
    return { status: 'exported', requestId, customerId, export: data };
  }
  if (translation.shopRedact) {
    deps.logger.warn('Shopify shop/redact received: erase this client stack and its table (Shopify and WooCommerce)', { platform });
    deps.metrics.addMetric('ShopRedactRequests', 'Count', 1);
    return { status: 'shopRedact', shopDomain: translation.shopRedact.shopDomain };
  }

  const events = [...translation.events];
  const released: ParkedRefund[] = [];
  // An order tells whose refunds were waiting for it: remember it first, then release them.
  for (const { orderId, customerId } of translation.orders ?? []) {
    await memory.rememberOrder(platform, orderId, customerId);
    for (const parked of await memory.parkedRefunds(platform, orderId)) {
      events.push({ detailType: 'order.refunded', detail: { ...parked.detail, customerId } });
      released.push(parked);
    }
  }
  let parked = 0;
  for (const refund of translation.parkedRefunds ?? []) {
    await memory.parkRefund(platform, refund);
    // The order may have been remembered between the translator's look-up and the parking:
    // look again, so the refund never waits for an order that already came.
    const customerId = await memory.customerOfOrder(platform, refund.orderId);
    if (customerId === undefined) parked++;
    else {
      events.push({ detailType: 'order.refunded', detail: { ...refund.detail, customerId } });
      released.push(refund);
    }
  }
  if (events.length > 0) await deps.send(events, source);
  for (const refund of released) await memory.dropParkedRefund(platform, refund.orderId, refund.refundId);
  if (events.length === 0 && parked === 0) return { status: 'ignored', reason: translation.ignored ?? 'nothing to send' };
  return { status: 'applied', events: events.length, parked };
}
