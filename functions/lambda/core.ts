import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProgramConfig } from '../config/program';
import type { HandlerDeps } from '../handlers/registry';
import { type LoggerPort, systemClock } from '../runtime/ports';
import { requireEnv } from './env';

/**
 * What every Lambda entry that reads or writes the table needs, whether a bus event or an HTTP
 * request invokes it, built once per execution environment (module scope) so warm invocations
 * reuse the clients and their connections. Bus-event handlers add their rejected-events queue
 * in bootstrap.ts; the member API has no such queue and imports this module alone.
 */

/** The client's configuration as JSON, compiled into the bundle by esbuild (lib/bundling.ts). */
declare const __LOJAL_CONFIG__: string;

/** Thrown at cold start when the bundle was built without the client configuration. */
export class MissingProgramConfigError extends Error {
  override readonly name = 'MissingProgramConfigError';
}

function bakedConfig(): ProgramConfig {
  if (typeof __LOJAL_CONFIG__ !== 'string') {
    throw new MissingProgramConfigError(
      '__LOJAL_CONFIG__ is not defined: bundle this entry with lib/bundling.ts, which compiles the client configuration in',
    );
  }
  // lib/load-client.ts bakes in the output of parseProgramConfig, validated at synth time.
  return JSON.parse(__LOJAL_CONFIG__) as ProgramConfig;
}

const config = bakedConfig();

/** Service name and level come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL (set by LojalFunction). */
export const logger = new Logger({ persistentKeys: { clientId: config.clientId } });

/** Namespace and service come from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME. */
export const metrics = new Metrics({ defaultDimensions: { clientId: config.clientId } });

/** The table, the configuration, the clock and observability; everything but a dead-letter sink. */
export const coreDeps: Omit<HandlerDeps, 'deadLetters'> = {
  config,
  dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  }),
  tableName: requireEnv('TABLE_NAME'),
  clock: systemClock,
  logger: asLoggerPort(logger),
  metrics,
};

/**
 * The port takes any object as extra keys; Powertools types them as an index signature, which
 * interfaces and classes lack, though it serialises them the same. Hence the one cast here.
 */
function asLoggerPort(powertools: Logger): LoggerPort {
  const extras = (extra: object[]) => extra as LogAttributes[];
  return {
    debug: (message, ...extra) => powertools.debug(message, ...extras(extra)),
    info: (message, ...extra) => powertools.info(message, ...extras(extra)),
    warn: (message, ...extra) => powertools.warn(message, ...extras(extra)),
    error: (message, ...extra) => powertools.error(message, ...extras(extra)),
  };
}
