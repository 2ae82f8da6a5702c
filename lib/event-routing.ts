import { Duration } from 'aws-cdk-lib';
import { type EventPattern as CdkEventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { type EventPattern, type HandlerName, ROUTES, type Route, routePattern } from '../functions/contract/routes';
import { EMAIL_HANDLER_NAMES } from '../functions/handlers/email-handlers';
import { FailureQueue } from './failure-queue';
import { EMAIL_ROUTE_ACCESS, FLOWS_ACCESS, ROUTE_HANDLER_ACCESS } from './table-access';
import type { LojalEventBus } from './lojal-event-bus';
import { LojalFunction } from './lojal-function';
import type { LojalTable } from './lojal-table';

/** Where the Lambda entry points live: one `<HandlerName>.ts` per route. */
export const LAMBDA_ENTRIES_DIR = fileURLToPath(new URL('../functions/lambda/', import.meta.url));

export interface EventRoutingProps {
  readonly clientId: string;
  /** The client's configuration as JSON (`LoadedClient.configJson`); compiled into every handler. */
  readonly configJson: string;
  readonly eventBus: LojalEventBus;
  readonly table: LojalTable;
  /** Where handlers send malformed events themselves (env `DEAD_LETTER_QUEUE_URL`). */
  readonly rejectedEvents: IQueue;
  /** Encrypts the two failure queues, which hold whole events (personal data). @default SQS-managed keys */
  readonly failureKey?: IKey;
  /** How long the failure queues keep an event. @default 14 days */
  readonly failureRetention?: Duration;
  /** @default ROUTES from functions/contract/routes.ts */
  readonly routes?: readonly Route[];
}

/**
 * Turns each route into one function and one rule on the bus whose pattern is exactly
 * `routePattern(route, allowedSources)`, the pattern the local copy routes with.
 *
 * Failures end in one of three queues, by where they happen:
 * - EventBridge could not invoke the function (throttled, no permission): `deliveryFailures`,
 *   the rule target's dead-letter queue, after retrying for up to a day;
 * - the function threw (a bug, DynamoDB unavailable) on every attempt: `processingFailures`,
 *   the functions' on-failure destination;
 * - the event is malformed: the handler sends it to `rejectedEvents` with the error naming the
 *   field and returns, because retrying cannot fix it.
 */
export class EventRouting extends Construct {
  /** The function of each route's handler. */
  readonly functions: ReadonlyMap<HandlerName, LojalFunction>;
  readonly rules: ReadonlyMap<string, Rule>;
  readonly deliveryFailures: FailureQueue;
  readonly processingFailures: FailureQueue;

  constructor(scope: Construct, id: string, props: EventRoutingProps) {
    super(scope, id);
    this.deliveryFailures = new FailureQueue(this, 'DeliveryFailures', {
      holds: 'It holds events EventBridge could not deliver to a handler after retrying for a day.',
      encryptionKey: props.failureKey,
      retentionPeriod: props.failureRetention,
    });
    this.processingFailures = new FailureQueue(this, 'ProcessingFailures', {
      holds: 'It holds invocation records of events whose handler failed on every attempt.',
      encryptionKey: props.failureKey,
      retentionPeriod: props.failureRetention,
    });

    const functions = new Map<HandlerName, LojalFunction>();
    const rules = new Map<string, Rule>();
    for (const route of props.routes ?? ROUTES) {
      const fn = functions.get(route.handler) ?? this.createHandler(route.handler, props);
      functions.set(route.handler, fn);

      const rule = new Rule(this, `${route.id}Rule`, {
        eventBus: props.eventBus.bus,
        description: `${route.detailType} from ${route.from} to ${route.handler}`,
        eventPattern: toCdkEventPattern(routePattern(route, props.eventBus.allowedSources)),
      });
      rule.addTarget(
        new LambdaFunction(fn, {
          deadLetterQueue: this.deliveryFailures.queue,
          // Delivery fails only when Lambda refuses the invoke (throttling, an outage); the
          // handlers are idempotent, so keep trying for as long as EventBridge allows.
          maxEventAge: Duration.hours(24),
          retryAttempts: 185,
        }),
      );
      rules.set(route.id, rule);
    }
    this.functions = functions;
    this.rules = rules;
  }

  private createHandler(handler: HandlerName, props: EventRoutingProps): LojalFunction {
    const fn = new LojalFunction(this, toConstructId(handler), {
      entry: `${LAMBDA_ENTRIES_DIR}${handler}.ts`,
      configJson: props.configJson,
      serviceName: handler,
      functionName: `lojal-${props.clientId}-${handler}`,
      description: `Handles ${handler} events of client ${props.clientId}`,
    });
    // Each handler gets what its code calls (lib/table-access.ts); most email handlers call no DynamoDB at all.
    const access = isEmailHandler(handler) ? EMAIL_ROUTE_ACCESS[handler] : handler === 'flows' ? FLOWS_ACCESS : ROUTE_HANDLER_ACCESS;
    fn.bindTable(props.table, access).bindRejectedEvents(props.rejectedEvents);
    // EventBridge invokes asynchronously: Lambda retries a throwing handler twice (transient
    // errors such as a lost optimistic-concurrency race), then records the event here.
    fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.processingFailures.queue),
    });
    return fn;
  }
}

/**
 * `routePattern` already speaks EventBridge's wire format (`detail-type`); CDK renders pattern
 * keys as given, apart from renaming `detailType`, so the pattern passes through unchanged.
 */
function toCdkEventPattern(pattern: EventPattern): CdkEventPattern {
  return pattern as CdkEventPattern;
}

function isEmailHandler(handler: HandlerName): boolean {
  return (EMAIL_HANDLER_NAMES as readonly string[]).includes(handler);
}

function toConstructId(handler: HandlerName): string {
  return handler.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}
