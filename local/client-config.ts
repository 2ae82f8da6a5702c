import { InvalidProgramConfigError, type ProgramConfig } from '../functions/config/program';
import { loadClient, UnknownClientError } from '../lib/load-client';

/** A client file that exists but cannot be imported (a syntax error, a failing import). */
export class ClientFileError extends Error {
  override readonly name = 'ClientFileError';
}

/**
 * Loads `clients/<name>.ts` with the loader `cdk synth` uses (lib/load-client.ts), so the local
 * copy accepts exactly the client files a deploy accepts. Every failure is one line:
 * `UnknownClientError`, `InvalidProgramConfigError` naming the fields, or `ClientFileError`.
 */
export async function loadClientConfig(name: string, clientsDir?: string): Promise<ProgramConfig> {
  try {
    return (await loadClient(name, clientsDir ? { clientsDir } : {})).config;
  } catch (error) {
    if (error instanceof UnknownClientError || error instanceof InvalidProgramConfigError) throw error;
    // Compile errors span lines ("Transform failed with 1 error:" then the location): keep one line.
    const message = (error instanceof Error ? error.message : String(error))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .join(' ');
    throw new ClientFileError(`clients/${name}.ts could not be loaded: ${message.length > 300 ? `${message.slice(0, 300)}...` : message}`);
  }
}
