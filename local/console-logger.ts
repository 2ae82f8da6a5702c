import type { LoggerPort } from '../functions/runtime/ports';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * The local copy's log: one line per entry on stderr (stdout stays free for the start-up
 * banner). Callers pass identifiers only, never personal data, as everywhere in Lojal.
 */
export function createConsoleLogger(
  minimum: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): LoggerPort {
  const threshold = LOG_LEVELS.indexOf(minimum);
  const log =
    (level: LogLevel) =>
    (message: string, ...extra: object[]) => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const fields = Object.assign({}, ...extra) as Record<string, unknown>;
      const suffix = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      write(`${new Date().toISOString().slice(11, 19)} ${level.padEnd(5)} ${message}${suffix}`);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
