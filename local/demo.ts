import { loadClientConfig } from './client-config';
import { http, playDemo } from './demo-journey';
import { DEFAULT_HOST, DEFAULT_PORT, type LocalCopy, startLocalCopy } from './local-copy';

/**
 * `npm run demo`: one customer's year with the demo shop, told as a timeline (local/demo-journey.ts).
 * It uses the local copy at LOJAL_API (default http://127.0.0.1:4010) when one is running, else
 * starts one itself and leaves it running so the emails can be read in the inbox afterwards.
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const api = process.env.LOJAL_API ?? `http://${DEFAULT_HOST}:${process.env.LOJAL_PORT ?? DEFAULT_PORT}`;

async function runningLocalCopy(): Promise<{ api: string; ses: string | undefined; started?: LocalCopy }> {
  try {
    await http('GET', `${api}/_local/clock`);
    return { api, ses: process.env.LOJAL_SES ?? `http://${DEFAULT_HOST}:${process.env.LOJAL_SES_PORT ?? 8005}` };
  } catch {
    process.stderr.write(`No local copy answers at ${api}; starting one (DynamoDB Local, SES inbox, API)...\n`);
    const config = await loadClientConfig(process.env.LOJAL_CLIENT ?? 'demo');
    const started = await startLocalCopy({ config, clock: { frozen: true } });
    return { api: started.urls.api, ses: started.urls.ses, started };
  }
}

async function main() {
  const local = await runningLocalCopy();
  await playDemo(local, (text) => process.stdout.write(text));
  if (local.started) {
    process.stdout.write('\nThe local copy this demo started keeps running so you can look around; Ctrl-C stops it.\n');
    const stop = async () => {
      await local.started?.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
