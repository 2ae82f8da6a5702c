import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProgramConfig } from '../functions/config/program';
import { LOJAL_SOURCE } from '../functions/contract/events';
import { type HandlerName, ROUTES, type Route, routePattern } from '../functions/contract/routes';
import type { BusEventHandler } from '../functions/handlers/registry';
import { ValidationError } from '../functions/runtime/errors';
import type { BusEvent, Clock, LoggerPort } from '../functions/runtime/ports';
import type { InMemoryDeadLetterQueue } from './dead-letters';
import { compileEventPattern, type EventMatcher } from '../functions/domain/event-pattern';
import { type PutEventsRequestEntry, type PutEventsResult, type PutEventsResultEntry, toBusEvent } from './put-events';
import type { WorkTracker } from './work-tracker';

/**
 * The local event bus: accepts `PutEvents` entries, matches each accepted event against every
 * route's rule pattern (the same `routePattern` CDK deploys) and delivers it to that route's
 * handler asynchronously, like an EventBridge rule with a Lambda target invoked async.
 */

/** Who is putting events: the webshop (restricted to the client's sources) or Lojal itself (`lojal`). */
export type Publisher = 'webshop' | 'lojal';

export interface DeliveryOptions {
  /** Attempts per delivery before the event goes to the dead-letter queue. @default 3 (Lambda async: 1 + 2 retries) */
  readonly maxAttempts?: number;
  /** Pause before each retry, in real milliseconds; the last value repeats. @default [100, 200] */
  readonly retryDelaysMs?: readonly number[];
}

export interface LocalBusOptions {
  readonly config: ProgramConfig;
  readonly handlers: Readonly<Record<HandlerName, BusEventHandler>>;
  readonly deadLetters: InMemoryDeadLetterQueue;
  readonly clock: Clock;
  readonly work: WorkTracker;
  readonly logger: LoggerPort;
  /** @default ROUTES (functions/contract/routes.ts) */
  readonly routes?: readonly Route[];
  readonly delivery?: DeliveryOptions;
}

/** A route whose handler the handler factory did not provide. */
export class MissingHandlerError extends Error {
  override readonly name = 'MissingHandlerError';
}

interface Rule {
  readonly route: Route;
  readonly matches: EventMatcher;
  readonly handler: BusEventHandler;
}

export class LocalBus {
  private readonly rules: readonly Rule[];

  constructor(private readonly options: LocalBusOptions) {
    this.rules = (options.routes ?? ROUTES).map((route) => {
      const handler = options.handlers[route.handler];
      if (typeof handler !== 'function') {
        throw new MissingHandlerError(`Route ${route.id} needs handler "${route.handler}", which createHandlers did not return.`);
      }
      return { route, matches: compileEventPattern(routePattern(route, options.config.allowedSources)), handler };
    });
  }

  /**
   * Validates entries as `PutEvents` does and answers at once; accepted events are delivered
   * afterwards. Deliveries are registered with the work tracker before this returns, so a
   * clock barrier requested after the answer waits for them.
   */
  putEvents(entries: readonly PutEventsRequestEntry[], publisher: Publisher = 'webshop'): PutEventsResult {
    const allowedSources = publisher === 'lojal' ? [LOJAL_SOURCE] : this.options.config.allowedSources;
    const now = this.options.clock.now();
    const results: PutEventsResultEntry[] = entries.map((entry) => {
      const outcome = toBusEvent(entry, { allowedSources, now, newId: randomUUID, busName: `lojal-${this.options.config.clientId}` });
      if (!outcome.accepted) return outcome.error;
      this.dispatch(outcome.event);
      return { EventId: outcome.event.id };
    });
    return { Entries: results, FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length };
  }

  private dispatch(event: BusEvent): void {
    const targets = this.rules.filter((rule) => rule.matches(event));
    if (targets.length === 0) {
      // A webshop event no rule matches is most likely a typo in its DetailType; Lojal's own
      // events are on the bus for whoever adds rules for them, so no match is normal.
      const fields = { eventId: event.id, source: event.source, detailType: event['detail-type'] };
      const message = 'No rule matches this event, so nothing handles it (EventBridge drops it too)';
      if (event.source === LOJAL_SOURCE) this.options.logger.debug(message, fields);
      else this.options.logger.warn(message, fields);
    }
    for (const rule of targets) this.options.work.track(this.deliverOrReport(rule, event));
  }

  /** An accepted event is applied or dead-lettered; if even that fails, it is logged loudly, never dropped in silence. */
  private async deliverOrReport(rule: Rule, event: BusEvent): Promise<void> {
    try {
      await this.deliver(rule, event);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.options.logger.error('Delivery failed and the event could not be dead-lettered', {
        eventId: event.id,
        handler: rule.route.handler,
        detailType: event['detail-type'],
        error: message,
      });
    }
  }

  private async deliver(rule: Rule, event: BusEvent): Promise<void> {
    const { logger, deadLetters } = this.options;
    const maxAttempts = Math.max(1, this.options.delivery?.maxAttempts ?? 3);
    const delays = this.options.delivery?.retryDelaysMs ?? [100, 200];
    // Answer PutEvents first, deliver afterwards: EventBridge invokes targets asynchronously.
    await new Promise((resolve) => setImmediate(resolve));
    for (let attempt = 1; ; attempt++) {
      try {
        // Each target gets its own copy, as each Lambda invocation gets its own payload.
        await rule.handler(structuredClone(event));
        return;
      } catch (error) {
        const context = { eventId: event.id, handler: rule.route.handler, detailType: event['detail-type'], attempt };
        if (error instanceof ValidationError) {
          // Bad input is never retried (handlers normally dead-letter it themselves).
          deadLetters.add({
            detailType: event['detail-type'],
            source: event.source,
            error: error.message,
            field: error.field,
            event,
            handler: rule.route.handler,
            attempts: attempt,
          });
          logger.warn('Handler rejected the event', { ...context, field: error.field });
          return;
        }
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (attempt >= maxAttempts) {
          deadLetters.add({
            detailType: event['detail-type'],
            source: event.source,
            error: message,
            field: '',
            event,
            handler: rule.route.handler,
            attempts: attempt,
          });
          logger.error('Handler failed on every attempt; the event went to the dead-letter queue', { ...context, error: message });
          return;
        }
        logger.warn('Handler failed; retrying', { ...context, error: message });
        const delay = delays[Math.min(attempt - 1, delays.length - 1)] ?? 0;
        if (delay > 0) await sleep(delay);
      }
    }
  }
}
