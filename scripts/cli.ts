/**
 * The one way Lojal's command-line scripts end (`npm run adjust`, `import`, `reconcile`,
 * `report`): the exit code `main` answers; a usage mistake or a known error (a client file that
 * does not load, bad input) prints its message alone and exits 2; anything else prints its name
 * and message and exits 1.
 */

/** A mistake in the command line: its message is the whole answer. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Errors of loading the client file, which every script does first. */
const CLIENT_ERRORS = ['UnknownClientError', 'InvalidProgramConfigError', 'ClientFileError'];

export interface CliOptions {
  /** More error names whose message alone is the answer (exit 2). */
  readonly known?: readonly string[];
  /** A plain explanation for an error the script recognises (exit 1), e.g. an unreachable endpoint. */
  readonly explain?: (error: unknown) => string | undefined;
}

export function runCli(name: string, main: (argv: string[]) => Promise<number>, options: CliOptions = {}): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      const usage = error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
      const known = error instanceof Error && [...CLIENT_ERRORS, ...(options.known ?? [])].includes(error.name);
      const explained = usage || known ? undefined : options.explain?.(error);
      console.error(
        usage || known
          ? (error as Error).message
          : (explained ?? `${name} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`),
      );
      process.exitCode = usage || known ? 2 : 1;
    },
  );
}
