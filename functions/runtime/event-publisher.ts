import type { FlowEventName, LojalDetailType } from '../contract/events';

export type { FlowEventName } from '../contract/events';

/** One of Lojal's own events (Source `lojal`), before it is put on the bus. */
export interface LojalEvent {
  readonly detailType: LojalDetailType | FlowEventName;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface FailedEvent {
  readonly event: LojalEvent;
  /** EventBridge's per-entry `ErrorCode`, e.g. `ThrottlingException`, `InternalFailure`. */
  readonly errorCode: string;
  readonly errorMessage?: string;
}

export interface PublishResult {
  /** Events the bus still refused after the publisher's retries; the others were accepted. */
  readonly failed: readonly FailedEvent[];
}

/**
 * Puts Lojal's own events on the client's bus. Resolves with the entries that were refused
 * (definitely not accepted); rejects when the outcome is unknown (a timeout, the service
 * unreachable), so a caller never mistakes "maybe sent" for "not sent".
 */
export interface EventPublisher {
  publish(events: readonly LojalEvent[]): Promise<PublishResult>;
}
