import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProgramConfig } from '../config/program';

/**
 * The narrow interfaces handlers depend on. Lambda wires them to Powertools and AWS clients
 * (functions/lambda/), the local copy and the tests wire them to local parts.
 */

/** An EventBridge event as a rule target receives it. */
export interface BusEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time?: string;
  readonly detail: unknown;
  readonly version?: string;
  readonly account?: string;
  readonly region?: string;
  readonly resources?: readonly string[];
}

/**
 * What every handler and job of one client is built from: the program, the table, a clock, logs
 * and metrics. Handlers and jobs add what else they need (functions/handlers/registry.ts).
 */
export interface LojalDeps {
  readonly config: ProgramConfig;
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
}

/** Time is injected everywhere so tests and the local copy can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Structured logging. Never pass personal data (email, names, birthday) as a field. */
export interface LoggerPort {
  debug(message: string, ...extra: object[]): void;
  info(message: string, ...extra: object[]): void;
  warn(message: string, ...extra: object[]): void;
  error(message: string, ...extra: object[]): void;
}

/** The subset of Powertools Metrics handlers use. */
export interface MetricsPort {
  addMetric(name: string, unit: 'Count', value: number): void;
}

export interface DeadLetter {
  readonly detailType: string;
  readonly source: string;
  /** The error, naming the field, e.g. `detail.lines[0].unitPrice: expected number`. */
  readonly error: string;
  readonly field: string;
  /** The event as received. */
  readonly event: BusEvent;
}

/** Where rejected events go so an operator can inspect and replay them (SQS in AWS). */
export interface DeadLetterSink {
  deadLetter(letter: DeadLetter): Promise<void>;
}

export const silentLogger: LoggerPort = { debug() {}, info() {}, warn() {}, error() {} };
export const noMetrics: MetricsPort = { addMetric() {} };
