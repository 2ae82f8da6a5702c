import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { BusEventHandler, HandlerDeps } from '../handlers/registry';
import type { BusEvent } from '../runtime/ports';
import { coreDeps, logger, metrics } from './core';
import { requireEnv } from './env';
import { SqsDeadLetterSink } from './sqs-dead-letter-sink';

/**
 * Builds what every bus-event handler needs, once per execution environment (module scope), so
 * warm invocations reuse the clients and their connections: the shared core (core.ts) and the
 * queue malformed events go to.
 */

export { logger, metrics, MissingProgramConfigError } from './core';

export const deps: HandlerDeps = {
  ...coreDeps,
  deadLetters: new SqsDeadLetterSink(new SQSClient({}), requireEnv('DEAD_LETTER_QUEUE_URL')),
};

/**
 * Wraps a bus-event handler for Lambda: Lambda context in every log line and metrics flushed
 * after each invocation. The event is never logged: it holds personal data.
 */
export function lambdaHandler(handler: BusEventHandler) {
  return middy<BusEvent, void>(handler)
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
