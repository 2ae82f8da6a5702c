import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LojalClient } from '../sdk/src/client';
import { exportMemberData, IntegrationStore } from '../functions/adapters/dynamo/integration-store';
import type { ProgramConfig } from '../functions/config/program';
import type { IngestDeps } from '../functions/integrations/ingest';
import { sendWithClient } from '../functions/integrations/send';
import { createShopifyPartnerHandler } from '../functions/integrations/shopify-eventbridge';
import { webhookPlatformOf } from '../functions/integrations/webhook-http';
import { createWebhookReceiver } from '../functions/integrations/webhook-receiver';
import { staticWebhookSecrets } from '../functions/adapters/secrets/webhook-secrets';
import type { LocalWebhookReceiver } from './http-server';
import { type Clock, type DeadLetterSink, type LoggerPort, noMetrics } from '../functions/runtime/ports';
import type { LocalBus } from './bus';
import { type PutEventsRequestEntry, type PutEventsResult, type PutEventsResultEntry, toBusEvent } from './put-events';
import type { WorkTracker } from './work-tracker';

/**
 * The webshop doors of the local copy, through the same code as in AWS: Shopify-shaped
 * partner events put with the client's partner source run the partner translator, and
 * `POST /webhooks/shopify` and `POST /webhooks/woocommerce` run the webhook receivers, which
 * verify signatures made with the local secret `npm start` prints.
 */

/** The local webhook signing secret of both platforms unless LOJAL_WEBHOOK_SECRET sets another. */
export const DEFAULT_LOCAL_WEBHOOK_SECRET = 'lojal-local-webhook-secret';

export interface LocalIntegrationsOptions {
  readonly config: ProgramConfig;
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly bus: LocalBus;
  readonly work: WorkTracker;
  readonly deadLetters: DeadLetterSink;
  /** Shopify's and WooCommerce's signing secret locally. @default DEFAULT_LOCAL_WEBHOOK_SECRET */
  readonly webhookSecret?: string;
}

export interface LocalIntegrations {
  readonly ingest: IngestDeps;
  /** PutEvents as the local HTTP server takes it: partner-source entries to the translator, the rest to the bus. */
  putEvents(entries: readonly PutEventsRequestEntry[]): PutEventsResult;
  /** The webhook receivers, as the local HTTP server calls them. */
  readonly webhooks: LocalWebhookReceiver;
}

export function createLocalIntegrations(options: LocalIntegrationsOptions): LocalIntegrations {
  const { config, bus } = options;
  // The translators put their events through the local bus as the webshop, like the Lambda's PutEvents.
  const makeClient = (source: string) =>
    new LojalClient({ source, putEvents: async (entries) => bus.putEvents(entries, 'webshop'), sleep: async () => {} });
  const ingest: IngestDeps = {
    integrations: config.integrations,
    memory: new IntegrationStore(options.dynamo, options.tableName),
    send: sendWithClient(makeClient),
    clock: options.clock,
    logger: options.logger,
    metrics: noMetrics,
    exportMember: (customerId) => exportMemberData(options.dynamo, options.tableName, customerId),
  };
  const partnerSource = config.integrations.shopify?.partnerEventSource;
  const partnerHandler = createShopifyPartnerHandler({ ...ingest, deadLetters: options.deadLetters });

  const secret = options.webhookSecret ?? DEFAULT_LOCAL_WEBHOOK_SECRET;
  const receive = createWebhookReceiver({
    ...ingest,
    secrets: staticWebhookSecrets({ shopify: secret, woocommerce: secret }),
    deadLetters: options.deadLetters,
  });

  return {
    ingest,
    async webhooks({ method, path, headers, rawBody }) {
      const platform = webhookPlatformOf(path);
      if (platform === undefined) return undefined;
      if (method !== 'POST')
        return { status: 405, body: JSON.stringify({ error: { code: 'MethodNotAllowed', message: `Use POST on ${path}.` } }) };
      const flat = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
      // Whatever the translator's events start is awaited by the clock barrier, like a PutEvents delivery.
      const answer = await receive(platform, { headers: flat, body: rawBody });
      return { status: answer.status, body: JSON.stringify(answer.body) };
    },
    putEvents(entries) {
      if (partnerSource === undefined || !entries.some((e) => e.Source === partnerSource)) return bus.putEvents(entries, 'webshop');
      const results: PutEventsResultEntry[] = new Array(entries.length);
      const others: number[] = [];
      for (const [i, entry] of entries.entries()) {
        if (entry.Source !== partnerSource) {
          others.push(i);
          continue;
        }
        const outcome = toBusEvent(entry, { allowedSources: [partnerSource], now: options.clock.now(), newId: randomUUID });
        if (!outcome.accepted) {
          results[i] = outcome.error;
          continue;
        }
        results[i] = { EventId: outcome.event.id };
        // Delivered after the answer, as EventBridge does; the clock barrier waits for it.
        const event = outcome.event;
        options.work.track(
          partnerHandler(event).catch(async (error: unknown) => {
            // In AWS, Lambda retries and the failure queue keeps it; locally it shows among the dead letters.
            options.logger.error('Shopify partner translator failed', { error: String(error) });
            await options.deadLetters.deadLetter({
              detailType: event['detail-type'],
              source: event.source,
              error: String(error),
              field: '',
              event,
            });
          }),
        );
      }
      if (others.length > 0) {
        const answer = bus.putEvents(
          others.map((i) => entries[i] ?? {}),
          'webshop',
        );
        others.forEach((index, j) => {
          results[index] = answer.Entries[j] ?? { ErrorCode: 'InternalFailure', ErrorMessage: 'no result' };
        });
      }
      return { Entries: results, FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length };
    },
  };
}
