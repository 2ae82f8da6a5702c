import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProgramConfig } from '../config/program';
import type { HandlerName } from '../contract/routes';
import type { BusEvent, Clock, DeadLetterSink, LoggerPort, MetricsPort } from '../runtime/ports';

/** Everything a handler needs; Lambda, the local copy and tests each build one. */
export interface HandlerDeps {
  readonly config: ProgramConfig;
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  readonly deadLetters: DeadLetterSink;
}

export type BusEventHandler = (event: BusEvent) => Promise<void>;

/** One handler per route (contract/routes.ts). Filled in below. */
export function createHandlers(deps: HandlerDeps): Record<HandlerName, BusEventHandler> {
  void deps;
  throw new Error('not yet implemented');
}
