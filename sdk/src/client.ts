import { EventBridgeClient, type EventBridgeClientConfig, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import * as z from 'zod/mini';
import {
  type ActivityCompletedSchema,
  type CustomerDeletedSchema,
  type CustomerRegisteredSchema,
  type CustomerUpdatedSchema,
  type OrderPlacedSchema,
  type OrderRefundedSchema,
  WEBSHOP_EVENTS,
  type WebshopDetailType,
} from '../../functions/contract/events';
import { ValidationError } from '../../functions/runtime/errors';

/**
 * A typed client for custom shops: Lojal's webshop events (docs/events.md) over `PutEvents`,
 * validated by the same zod contract the handlers use before anything is sent, batched by 10
 * entries under the 256 KB request limit, and with refused entries retried with backoff.
 * See sdk/README.md.
 */

export type OrderPlacedInput = z.input<typeof OrderPlacedSchema>;
export type OrderRefundedInput = z.input<typeof OrderRefundedSchema>;
export type CustomerRegisteredInput = z.input<typeof CustomerRegisteredSchema>;
export type CustomerUpdatedInput = z.input<typeof CustomerUpdatedSchema>;
export type CustomerDeletedInput = z.input<typeof CustomerDeletedSchema>;
export type ActivityCompletedInput = z.input<typeof ActivityCompletedSchema>;

/** One event to send; `detail` is checked against the contract of `detailType`. */
export interface LojalEventInput {
  readonly detailType: WebshopDetailType;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** A `PutEvents` entry as the client sends it. */
export interface ClientPutEventsEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName?: string;
}

/** What `PutEvents` answers: per entry, in request order, an `EventId` or an `ErrorCode`. */
export interface ClientPutEventsAnswer {
  readonly FailedEntryCount?: number;
  readonly Entries?: readonly { readonly EventId?: string; readonly ErrorCode?: string; readonly ErrorMessage?: string }[];
}

/** One request of at most 10 entries; the real SDK by default. */
export type ClientPutEvents = (entries: ClientPutEventsEntry[]) => Promise<ClientPutEventsAnswer>;

export interface LojalClientOptions {
  /** The client's bus name or ARN (the stack output `EventBusName`). @default the account's default bus */
  readonly eventBusName?: string;
  /** `Source` of every event: one of the client's `allowedSources`. @default 'webshop' */
  readonly source?: string;
  /** An `EventBridgeClient` (its credentials, region, endpoint). @default a new one from `clientConfig` */
  readonly eventBridge?: EventBridgeClient;
  /** Used when `eventBridge` is not given, e.g. `{ endpoint: 'http://127.0.0.1:4010' }` for the local copy. @default {} */
  readonly clientConfig?: EventBridgeClientConfig;
  /** Replaces the SDK call altogether (tests, other transports). @default PutEventsCommand on `eventBridge` */
  readonly putEvents?: ClientPutEvents;
  /** Attempts per entry, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Retry n waits a random time up to `baseDelayMs × 2^(n-1)` (full jitter). @default 100 */
  readonly baseDelayMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface FailedEntry {
  readonly event: LojalEventInput;
  readonly errorCode: string;
  readonly errorMessage?: string;
}

export interface SendResult {
  /** Events EventBridge accepted. */
  readonly sent: number;
  /** Events still refused after every attempt (send them again later: each carries its own idempotency key). */
  readonly failed: readonly FailedEntry[];
}

/** `PutEvents` takes at most 10 entries and 256 KB of entries per request. */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024;

/** Entry size as EventBridge counts it (UTF-8 bytes of Source, DetailType and Detail). */
export function entryBytes(entry: ClientPutEventsEntry): number {
  return Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Detail);
}

/** Splits entries into requests of at most 10 entries and 256 KB, in order. */
export function batchEntries<E extends ClientPutEventsEntry>(entries: readonly E[]): E[][] {
  const batches: E[][] = [];
  let current: E[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entryBytes(entry);
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Checks one event against the contract; throws `ValidationError` naming `events[i].detail.<field>`. */
export function validateEvent(event: LojalEventInput, index: number): void {
  const schema = WEBSHOP_EVENTS[event.detailType];
  if (schema === undefined) throw new ValidationError(`events[${index}].detailType`, `is not a webshop event: ${String(event.detailType)}`);
  const parsed = z.safeParse(schema, event.detail);
  if (!parsed.success) throw ValidationError.fromZod(parsed.error, `events[${index}].detail`);
}

/**
 * @example
 * const lojal = new LojalClient({ eventBusName: 'lojal-demo', clientConfig: { region: 'eu-north-1' } });
 * await lojal.orderPlaced({ orderId: 'o-1', customerId: 'c-1', placedAt: new Date().toISOString(), currency: 'SEK',
 *   lines: [{ sku: 'TR3-42', category: 'running-shoes', quantity: 1, unitPrice: 129900 }] });
 */
export class LojalClient {
  private readonly putEvents: ClientPutEvents;
  private readonly source: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: LojalClientOptions = {}) {
    const eventBridge = options.putEvents ? undefined : (options.eventBridge ?? new EventBridgeClient(options.clientConfig ?? {}));
    this.putEvents =
      options.putEvents ?? ((entries) => (eventBridge ?? new EventBridgeClient({})).send(new PutEventsCommand({ Entries: entries })));
    this.source = options.source ?? 'webshop';
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  orderPlaced(detail: OrderPlacedInput): Promise<SendResult> {
    return this.send([{ detailType: 'order.placed', detail }]);
  }
  orderRefunded(detail: OrderRefundedInput): Promise<SendResult> {
    return this.send([{ detailType: 'order.refunded', detail }]);
  }
  customerRegistered(detail: CustomerRegisteredInput): Promise<SendResult> {
    return this.send([{ detailType: 'customer.registered', detail }]);
  }
  customerUpdated(detail: CustomerUpdatedInput): Promise<SendResult> {
    return this.send([{ detailType: 'customer.updated', detail }]);
  }
  customerDeleted(detail: CustomerDeletedInput): Promise<SendResult> {
    return this.send([{ detailType: 'customer.deleted', detail }]);
  }
  activityCompleted(detail: ActivityCompletedInput): Promise<SendResult> {
    return this.send([{ detailType: 'activity.completed', detail }]);
  }

  /**
   * Sends any number of events. All are validated first: one bad event throws a
   * `ValidationError` naming it and nothing is sent. A call that throws (after the SDK's own
   * retries) is rethrown, since whether its entries arrived is unknown; resending is safe, as
   * every Lojal event carries its own idempotency key.
   */
  async send(events: readonly LojalEventInput[]): Promise<SendResult> {
    events.forEach(validateEvent);
    const entries = events.map((event) => ({ event, entry: this.toEntry(event) }));
    for (const [i, { entry }] of entries.entries()) {
      if (entryBytes(entry) > MAX_BATCH_BYTES)
        throw new ValidationError(`events[${i}].detail`, 'is larger than the 256 KB PutEvents limit');
    }
    const byEntry = new Map(entries.map(({ event, entry }) => [entry, event]));
    let sent = 0;
    const failed: FailedEntry[] = [];
    for (const batch of batchEntries(entries.map((e) => e.entry))) {
      const outcome = await this.putWithRetries(batch);
      sent += outcome.sent;
      for (const f of outcome.failed) {
        const event = byEntry.get(f.entry);
        if (event) failed.push({ event, errorCode: f.errorCode, ...(f.errorMessage ? { errorMessage: f.errorMessage } : {}) });
      }
    }
    return { sent, failed };
  }

  private async putWithRetries(batch: readonly ClientPutEventsEntry[]) {
    let pending = [...batch];
    let refused: { entry: ClientPutEventsEntry; errorCode: string; errorMessage?: string }[] = [];
    let sent = 0;
    for (let attempt = 1; pending.length > 0 && attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(Math.random() * this.baseDelayMs * 2 ** (attempt - 2));
      const answer = await this.putEvents(pending);
      refused = [];
      pending.forEach((entry, i) => {
        const result = answer.Entries?.[i];
        // PutEvents may succeed as a call and still refuse entries (throttling, internal
        // failures); the SDK does not retry those, so they are retried here.
        if (result?.EventId && !result.ErrorCode) sent++;
        else
          refused.push({
            entry,
            errorCode: result?.ErrorCode ?? 'MissingEntryResult',
            ...(result?.ErrorMessage ? { errorMessage: result.ErrorMessage } : {}),
          });
      });
      pending = refused.map((r) => r.entry);
    }
    return { sent, failed: refused };
  }

  private toEntry(event: LojalEventInput): ClientPutEventsEntry {
    return {
      Source: this.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      ...(this.options.eventBusName ? { EventBusName: this.options.eventBusName } : {}),
    };
  }
}
