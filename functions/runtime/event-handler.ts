import type * as z from 'zod/mini';
import { LOJAL_SOURCE } from '../contract/events';
import { assertBusinessTimesBounded } from '../domain/business-time';
import { ValidationError } from './errors';
import type { BusEvent, Clock, DeadLetterSink, LoggerPort, MetricsPort } from './ports';

export interface EventHandlerDeps {
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  readonly deadLetters: DeadLetterSink;
  /**
   * Lojal's clock: with it, a webshop event's business times are bounded (2000-01-01 up to
   * `config.maxClockSkewMinutes` ahead). Every handler factory passes its deps, which have one.
   */
  readonly clock?: Clock;
  readonly config?: { readonly maxClockSkewMinutes?: number };
}

export type HandlerOutcome = 'applied' | 'duplicate' | 'ignored';

/**
 * Composes parsing, dead-lettering and metrics around a business step, the same way in
 * Lambda and in the local copy. A `ValidationError` (from the schema or the step's own
 * checks, always before any write) goes straight to the dead-letter sink, naming the field;
 * retrying bad input cannot help. Any other error is thrown so Lambda retries the event and,
 * after the retries, the on-failure destination keeps it.
 */
export function busEventHandler<S extends z.ZodMiniType>(
  deps: EventHandlerDeps,
  schema: S,
  step: (detail: z.output<S>, event: BusEvent) => Promise<HandlerOutcome>,
): (event: BusEvent) => Promise<void> {
  return async (event) => {
    const detailType = event['detail-type'];
    try {
      const parsed = schema.safeParse(event.detail);
      if (!parsed.success) throw ValidationError.fromZod(parsed.error);
      // Lojal's own events carry times Lojal computed (a due date may lie ahead); only what a
      // webshop sends is bounded, in this one place for every kind.
      if (deps.clock && event.source !== LOJAL_SOURCE) {
        assertBusinessTimesBounded(parsed.data, deps.clock.now(), deps.config?.maxClockSkewMinutes);
      }
      const outcome = await stepWithRangeCheck(() => step(parsed.data, event));
      if (outcome === 'duplicate') {
        deps.metrics.addMetric('DuplicateEvents', 'Count', 1);
        deps.logger.info('duplicate delivery ignored', { detailType, eventId: event.id });
      } else {
        deps.logger.info('event handled', { detailType, eventId: event.id, outcome });
      }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      deps.metrics.addMetric('EventsRejected', 'Count', 1);
      // Only the field path and reason are logged: the event itself may hold personal data.
      deps.logger.warn('event rejected', { detailType, eventId: event.id, field: error.field, reason: error.reason });
      await deps.deadLetters.deadLetter({ detailType, source: event.source, error: error.message, field: error.field, event });
    }
  };
}

/**
 * A `RangeError` (an invalid Date, a BigInt of NaN) or a number past what DynamoDB stores
 * comes from the event's values, not from a passing fault: a retry fails the same way, so it
 * is bad input. The schemas bound every number so this should not happen; if it does, the
 * event is dead-lettered with the reason instead of being retried into the failure queue.
 */
async function stepWithRangeCheck<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    if (error instanceof RangeError) throw new ValidationError('detail', `is out of range: ${error.message}`);
    // The DynamoDB marshaller's "Number ... is greater than Number.MAX_SAFE_INTEGER" is a plain Error.
    if (error instanceof Error && /MAX_SAFE_INTEGER/.test(error.message))
      throw new ValidationError('detail', `is out of range: ${error.message}`);
    throw error;
  }
}
