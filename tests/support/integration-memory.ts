import type { Platform } from '../../functions/adapters/dynamo/integration-store';
import type { IntegrationMemory, SendEvents } from '../../functions/integrations/ingest';
import type { ParkedRefund, ProductFact, WebshopEvent } from '../../functions/integrations/translation';

/** The receivers' memory in maps, for unit tests of the doors (the table-backed one is tested on the local copy). */
export class MapIntegrationMemory implements IntegrationMemory {
  readonly deliveries = new Set<string>();
  readonly products = new Map<string, ProductFact>();
  readonly orders = new Map<string, string>();
  readonly parked = new Map<string, ParkedRefund>();
  readonly dataRequests = new Map<string, { customerId: string; data: unknown }>();

  async deliveryHandled(platform: Platform, id: string) {
    return this.deliveries.has(`${platform}/${id}`);
  }
  async markDeliveryHandled(platform: Platform, id: string) {
    this.deliveries.add(`${platform}/${id}`);
  }
  async putProducts(platform: Platform, facts: readonly ProductFact[]) {
    for (const fact of facts) this.products.set(`${platform}/${fact.productId}`, fact);
  }
  async product(platform: Platform, id: string) {
    return this.products.get(`${platform}/${id}`);
  }
  async rememberOrder(platform: Platform, orderId: string, customerId: string) {
    this.orders.set(`${platform}/${orderId}`, customerId);
  }
  async customerOfOrder(platform: Platform, orderId: string) {
    return this.orders.get(`${platform}/${orderId}`);
  }
  async parkRefund(platform: Platform, refund: ParkedRefund) {
    this.parked.set(`${platform}/${refund.orderId}/${refund.refundId}`, refund);
  }
  async parkedRefunds(platform: Platform, orderId: string) {
    return [...this.parked.entries()].filter(([k]) => k.startsWith(`${platform}/${orderId}/`)).map(([, v]) => v);
  }
  async dropParkedRefund(platform: Platform, orderId: string, refundId: string) {
    this.parked.delete(`${platform}/${orderId}/${refundId}`);
  }
  async saveDataRequest(platform: Platform, requestId: string, customerId: string, data: unknown) {
    this.dataRequests.set(`${platform}/${requestId}`, { customerId, data });
  }
}

/** A `SendEvents` that records what was sent, by source. */
export function recordingSend(): { send: SendEvents; sent: { source: string; event: WebshopEvent }[] } {
  const sent: { source: string; event: WebshopEvent }[] = [];
  return { sent, send: async (events, source) => void sent.push(...events.map((event) => ({ source, event }))) };
}
