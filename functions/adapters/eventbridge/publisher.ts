import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LOJAL_SOURCE } from '../../contract/events';
import type { EventPublisher, FailedEvent, LojalEvent, PublishResult } from '../../runtime/event-publisher';

/** A `PutEvents` entry as Lojal sends it. */
export interface PutEventsEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName?: string;
}

/** What a `PutEvents` call answers: per entry, in request order, an `EventId` or an `ErrorCode`. */
export interface PutEventsAnswer {
  readonly FailedEntryCount?: number;
  readonly Entries?: readonly { readonly EventId?: string; readonly ErrorCode?: string; readonly ErrorMessage?: string }[];
}

/** One `PutEvents` request of at most 10 entries: the real client, or the local copy's bus. */
export type PutEventsCall = (entries: PutEventsEntry[]) => PutEventsAnswer | Promise<PutEventsAnswer>;

export interface EventBridgePublisherOptions {
  /** The bus to put events on (env `EVENT_BUS_NAME` in Lambda). @default the account's default bus */
  readonly eventBusName?: string;
  /** Attempts per entry, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** Pause before retry n is a random time up to `baseDelayMs × 2^(n-1)` (full jitter). @default 100 */
  readonly baseDelayMs?: number;
  /** Requests in flight at once. @default 4 */
  readonly concurrency?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** `PutEvents` takes at most 10 entries per request. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/**
 * Puts Lojal's events on the bus with `PutEvents`, 10 entries a request, Source `lojal`.
 *
 * `PutEvents` can succeed as a call while refusing some entries (`FailedEntryCount` > 0, each
 * refused entry with an `ErrorCode`, typically throttling or an internal failure); the SDK does
 * not retry those, so this adapter retries exactly the refused entries with backoff and reports
 * the ones still refused. A call that throws (after the SDK's own retries) is rethrown: whether
 * its entries arrived is unknown.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 *
 * @example
 * const publisher = EventBridgePublisher.forClient(new EventBridgeClient({}), { eventBusName: requireEnv('EVENT_BUS_NAME') });
 * const { failed } = await publisher.publish([{ detailType: 'checkin.due', detail: { customerId: 'c1' } }]);
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly concurrency: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly putEvents: PutEventsCall,
    private readonly options: EventBridgePublisherOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** A publisher on a real (or endpoint-configured) `EventBridgeClient`. */
  static forClient(client: EventBridgeClient, options: EventBridgePublisherOptions = {}): EventBridgePublisher {
    return new EventBridgePublisher((entries) => client.send(new PutEventsCommand({ Entries: entries })), options);
  }

  async publish(events: readonly LojalEvent[]): Promise<PublishResult> {
    const batches: LojalEvent[][] = [];
    for (let i = 0; i < events.length; i += PUT_EVENTS_MAX_ENTRIES) batches.push(events.slice(i, i + PUT_EVENTS_MAX_ENTRIES));
    const failed: FailedEvent[] = [];
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (batch) failed.push(...(await this.putBatch(batch)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, worker));
    return { failed };
  }

  private async putBatch(batch: readonly LojalEvent[]): Promise<FailedEvent[]> {
    let pending = [...batch];
    let refused: FailedEvent[] = [];
    for (let attempt = 1; pending.length > 0 && attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(Math.random() * this.baseDelayMs * 2 ** (attempt - 2));
      const answer = await this.putEvents(pending.map((event) => this.toEntry(event)));
      refused = [];
      if ((answer.FailedEntryCount ?? 0) > 0) {
        pending.forEach((event, i) => {
          const entry = answer.Entries?.[i];
          // Without a per-entry answer we cannot know it was accepted: treat it as refused.
          if (!entry || entry.ErrorCode || !entry.EventId) {
            refused.push({
              event,
              errorCode: entry?.ErrorCode ?? 'MissingEntryResult',
              ...(entry?.ErrorMessage ? { errorMessage: entry.ErrorMessage } : {}),
            });
          }
        });
      }
      pending = refused.map((r) => r.event);
    }
    return refused;
  }

  private toEntry(event: LojalEvent): PutEventsEntry {
    return {
      Source: LOJAL_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      ...(this.options.eventBusName ? { EventBusName: this.options.eventBusName } : {}),
    };
  }
}
