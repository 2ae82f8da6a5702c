import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from './console-logger';
import { isLoopbackHost } from './services/dynamodb';
import { DEFAULT_DYNAMODB_PORT, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SES_PORT, type LocalCopyOptions } from './local-copy';

/**
 * `npm start` settings from the command line and the environment. Every value is checked:
 * a typo such as `LOJAL_PORT=40l0` stops with a message instead of silently using a default.
 */

export const USAGE = `Usage: npm start -- [--client NAME] [--persist DIR]

Starts the Lojal local copy in the foreground; Ctrl-C stops it.

Options:
  --client NAME   the client file clients/NAME.ts           (env LOJAL_CLIENT, default demo)
  --persist DIR   keep DynamoDB data in DIR between runs     (env LOJAL_PERSIST_DIR, default in memory)
  -h, --help      show this help

Environment:
  LOJAL_HOST           interface for the API and the SES inbox   (default ${DEFAULT_HOST}; warns if not loopback)
  LOJAL_PORT           PutEvents, member API, /_local/*           (default ${DEFAULT_PORT}; 0 = any free port)
  LOJAL_SES_PORT       SES v2 endpoint and web inbox              (default ${DEFAULT_SES_PORT})
  LOJAL_DYNAMODB_PORT  DynamoDB Local                             (default ${DEFAULT_DYNAMODB_PORT})
  LOJAL_CLOCK          running (ticks with real time) or frozen   (default running)
  LOJAL_CLOCK_START    where the clock starts, ISO-8601 with offset (default now)
  LOJAL_LOG_LEVEL      debug, info, warn or error                 (default info)
`;

/**
 * The warning `npm start` prints when LOJAL_HOST is not a loopback address: the local copy has no
 * authentication, so anyone who can reach that address can read and change every member.
 */
export function exposedHostWarning(host: string): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  const line = '!'.repeat(78);
  return [
    line,
    `!! WARNING: LOJAL_HOST=${host} is not a loopback address.`,
    '!! The local API and the SES inbox listen there WITHOUT authentication: anyone who',
    '!! can reach it can read every member, move the clock and send events. Use it only on',
    '!! a network you trust, and unset LOJAL_HOST (127.0.0.1) when you are done.',
    line,
    '',
  ].join('\n');
}

export class LocalSettingsError extends Error {
  override readonly name = 'LocalSettingsError';
}

export interface LocalSettings {
  readonly help: boolean;
  readonly clientName: string;
  readonly logLevel: LogLevel;
  readonly options: Pick<LocalCopyOptions, 'host' | 'port' | 'sesPort' | 'dynamoDbPort' | 'persistDir' | 'clock'>;
}

export function resolveLocalSettings(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): LocalSettings {
  let values: { client?: string | undefined; persist?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { client: { type: 'string' }, persist: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new LocalSettingsError(`${(error as Error).message.split('\n')[0]} (see npm start -- --help)`);
  }

  const clockMode = nonEmpty(env, 'LOJAL_CLOCK') ?? 'running';
  if (clockMode !== 'running' && clockMode !== 'frozen')
    throw new LocalSettingsError(`LOJAL_CLOCK must be running or frozen, not "${clockMode}".`);
  const clockStartText = nonEmpty(env, 'LOJAL_CLOCK_START');
  let start: Date | undefined;
  if (clockStartText !== undefined) {
    start = new Date(clockStartText);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(clockStartText) || Number.isNaN(start.getTime())) {
      throw new LocalSettingsError(
        `LOJAL_CLOCK_START must be an ISO-8601 date-time with offset, e.g. 2026-01-01T09:00:00+01:00, not "${clockStartText}".`,
      );
    }
  }
  const logLevel = nonEmpty(env, 'LOJAL_LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new LocalSettingsError(`LOJAL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}".`);
  }
  const persistDir = values.persist ?? nonEmpty(env, 'LOJAL_PERSIST_DIR');
  if (values.persist === '') throw new LocalSettingsError('--persist needs a directory.');

  return {
    help: values.help ?? false,
    clientName: values.client ?? nonEmpty(env, 'LOJAL_CLIENT') ?? 'demo',
    logLevel: logLevel as LogLevel,
    options: {
      host: nonEmpty(env, 'LOJAL_HOST') ?? DEFAULT_HOST,
      port: portFrom(env, 'LOJAL_PORT', DEFAULT_PORT),
      sesPort: portFrom(env, 'LOJAL_SES_PORT', DEFAULT_SES_PORT),
      dynamoDbPort: portFrom(env, 'LOJAL_DYNAMODB_PORT', DEFAULT_DYNAMODB_PORT),
      ...(persistDir !== undefined ? { persistDir } : {}),
      clock: { frozen: clockMode === 'frozen', ...(start ? { start } : {}) },
    },
  };
}

function nonEmpty(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function portFrom(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const text = nonEmpty(env, name);
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new LocalSettingsError(`${name} must be a port number from 0 to 65535, not "${text}".`);
  return port;
}
