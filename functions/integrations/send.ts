import type { LojalClient } from '../../sdk/src/client';
import type { SendEvents } from './ingest';

/** Thrown when the bus still refused translated events after the client's retries; the delivery is retried. */
export class EventsNotAcceptedError extends Error {
  override readonly name = 'EventsNotAcceptedError';
}

/**
 * Sends translated events with the typed client (validated, batched, refused entries retried),
 * one client per source. A delivery whose events were not all accepted fails as a whole, so
 * the shop or EventBridge retries it; the accepted ones are harmless to send again.
 */
export function sendWithClient(makeClient: (source: string) => LojalClient): SendEvents {
  const clients = new Map<string, LojalClient>();
  return async (events, source) => {
    const client = clients.get(source) ?? makeClient(source);
    clients.set(source, client);
    const { failed } = await client.send(events);
    if (failed.length > 0) {
      throw new EventsNotAcceptedError(
        `${failed.length} of ${events.length} events were refused: ${[...new Set(failed.map((f) => f.errorCode))].join(', ')}`,
      );
    }
  };
}
