import { existsSync, readdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidProgramConfigError, type ProgramConfig, parseProgramConfig } from '../functions/config/program';
import { withClientMessages } from './messages/client-messages';
import { enforceRulesLock } from './rules-lock';

/** The repository's `clients/` directory. */
export const CLIENTS_DIR = fileURLToPath(new URL('../clients/', import.meta.url));

/** A client file, validated. */
export interface LoadedClient {
  /** The file's path relative to the working directory, for messages. */
  readonly source: string;
  /**
   * The client's configuration as written in its file (before defaults), as JSON. This exact
   * text is baked into each Lambda bundle, and `config` was parsed from it, so what passed
   * validation at synth time is what the functions parse at cold start.
   */
  readonly configJson: string;
  readonly config: ProgramConfig;
}

/** Thrown when `-c client=NAME` names no file under `clients/`. */
export class UnknownClientError extends Error {
  override readonly name = 'UnknownClientError';
}

export interface LoadClientOptions {
  /** Where client files live. @default the repository's `clients/` */
  readonly clientsDir?: string;
  /** The instant the rules lock is checked at (lib/rules-lock.ts). @default now */
  readonly now?: number;
}

const CLIENT_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Loads `clients/<name>.ts` and validates its default export with `parseProgramConfig`.
 *
 * @example
 * const client = await loadClient('demo');
 * new LojalStack(app, `Lojal-${client.config.clientId}`, { client });
 *
 * @throws UnknownClientError when the name is malformed or has no file
 * @throws InvalidProgramConfigError naming each bad field; also when `clientId` differs from the
 *   file name, because two files with one clientId would deploy over each other's stack, and
 *   when a rule already in force was changed (`clients/<name>.rules.lock.json`, docs/rule-changes.md)
 */
export async function loadClient(name: string, options: LoadClientOptions = {}): Promise<LoadedClient> {
  const clientsDir = options.clientsDir ?? CLIENTS_DIR;
  if (!CLIENT_NAME.test(name)) {
    throw new UnknownClientError(`Client name "${name}" must be lower-case letters, digits and dashes`);
  }
  const file = resolve(clientsDir, `${name}.ts`);
  const source = relative(process.cwd(), file) || file;
  if (!existsSync(file)) {
    throw new UnknownClientError(`No client file ${source}; clients are: ${listClients(clientsDir)}`);
  }
  const module: { default?: unknown } = await import(pathToFileURL(file).href);
  if (module.default === undefined) {
    throw new InvalidProgramConfigError(source, [{ path: '(root)', message: 'the file must default-export its configuration' }]);
  }
  // Messages live beside the client file (clients/<name>/messages/), compiled in here so the
  // bundles carry compiled messages and no compiler.
  const client = validateClient(withClientMessages(module.default, resolve(clientsDir, name, 'messages'), source), source, name);
  // Refuses an edit that would re-price the past, then records the rules as accepted.
  enforceRulesLock(client.config, file, source, options.now);
  return client;
}

/**
 * Validates a client's configuration input; the pure half of `loadClient`.
 *
 * @param expectedClientId the file name the input came from, which `clientId` must equal
 */
export function validateClient(input: unknown, source: string, expectedClientId?: string): LoadedClient {
  const config = parseProgramConfig(JSON.parse(JSON.stringify(input) ?? 'null'), source);
  if (expectedClientId !== undefined && config.clientId !== expectedClientId) {
    throw new InvalidProgramConfigError(source, [
      { path: 'clientId', message: `must equal the file name "${expectedClientId}", got "${config.clientId}"` },
    ]);
  }
  // The validated output (defaults filled in) is what gets baked into the bundles, so the
  // functions need not carry the config schema (and classic zod) to parse it again.
  return { source, configJson: JSON.stringify(config), config };
}

function listClients(clientsDir: string): string {
  const names = readdirSync(clientsDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3));
  return names.join(', ') || '(none)';
}
