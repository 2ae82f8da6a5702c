import { InvalidProgramConfigError } from '../functions/config/program';
import { UnknownClientError } from '../lib/load-client';
import { formatBanner } from './banner';
import { ClientFileError, loadClientConfig } from './client-config';
import { createConsoleLogger } from './console-logger';
import { DEFAULT_HOST, type LocalCopy, startLocalCopy } from './local-copy';
import { LocalServiceError } from './services/dynamodb';
import { exposedHostWarning, LocalSettingsError, resolveLocalSettings, USAGE } from './settings';

/**
 * `npm start`: the local copy in the foreground. Problems a developer can fix (a busy port,
 * no Java, a broken client file, a bad setting) end in one line saying what to do, exit 1.
 */

const EXPECTED_ERRORS = [LocalServiceError, InvalidProgramConfigError, UnknownClientError, ClientFileError, LocalSettingsError];

function fail(error: unknown): never {
  if (EXPECTED_ERRORS.some((type) => error instanceof type)) {
    process.stderr.write(`lojal: ${(error as Error).message}\n`);
  } else {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`lojal: could not start: ${message.split('\n')[0]}\n`);
    if (process.env.LOJAL_DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
    else process.stderr.write('lojal: set LOJAL_DEBUG=1 to see the stack trace.\n');
  }
  process.exit(1);
}

async function main(): Promise<void> {
  // The SDK warns on Node 20 at every client; the project supports Node 20 (package.json engines),
  // and the warning would bury the start-up banner. An explicit setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const settings = resolveLocalSettings(process.argv.slice(2), process.env);
  if (settings.help) {
    process.stdout.write(USAGE);
    return;
  }
  const logger = createConsoleLogger(settings.logLevel);
  const exposed = exposedHostWarning(settings.options.host ?? DEFAULT_HOST);
  if (exposed) process.stderr.write(exposed);

  let local: LocalCopy | undefined;
  let stopRequested = false;
  const stop = async (signal: string) => {
    if (stopRequested) {
      process.stderr.write('lojal: stopping at once.\n');
      process.exit(1);
    }
    stopRequested = true;
    if (!local) {
      // Still starting: the start-up below stops what it started and exits.
      process.stderr.write(`\nlojal: ${signal}, stopping once start-up has unwound...\n`);
      return;
    }
    process.stderr.write(`\nlojal: ${signal}, stopping...\n`);
    await local.stop();
    process.stderr.write('lojal: stopped.\n');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void stop(signal).catch(fail));
  }

  const config = await loadClientConfig(settings.clientName);
  process.stderr.write(`lojal: starting DynamoDB Local, the SES inbox and the API for client "${settings.clientName}"...\n`);
  try {
    local = await startLocalCopy({ ...settings.options, config, logger });
  } catch (error) {
    if (stopRequested) process.exit(130);
    throw error;
  }
  if (stopRequested) {
    await local.stop();
    process.exit(130);
  }
  process.stdout.write(formatBanner(local, settings.clientName));
}

main().catch(fail);
