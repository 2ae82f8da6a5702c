import { parseArgs } from 'node:util';
import { LojalClient } from '../sdk';
import { loadClientConfig } from '../local/client-config';
import { summarize } from './history-import';
import { progressBar } from './progress';
import { reconcileWooCommerce } from './reconcile-woocommerce';
import { runCli, UsageError } from './cli';

const USAGE = `Fetches the orders and refunds a shop changed since a time from its REST API and applies
what Lojal missed (WooCommerce disables a webhook after 5 failed deliveries). Idempotent: what
Lojal already has changes nothing, so overlapping windows are safe.

  WOOCOMMERCE_CONSUMER_KEY=ck_… WOOCOMMERCE_CONSUMER_SECRET=cs_… \\
  npm run reconcile -- --platform woocommerce --shop https://shop.example.com --since 2026-12-01T00:00:00Z (--api URL | --event-bus NAME)

Options:
  --platform woocommerce  the shop's platform (Shopify: its webhooks are retried for 48 hours and
                          its partner event source does not drop; see docs/integrations.md)
  --shop URL              the shop's address (default: WOOCOMMERCE_URL)
  --since ISO             orders modified after this time (UTC unless it has an offset)
  --api URL               the local copy (npm start), e.g. http://127.0.0.1:4010
  --event-bus NAME        the client's bus in AWS (stack output EventBusName), default credentials
  --region REGION         AWS region (default: AWS_REGION)
  --client NAME           client file under clients/ with integrations.woocommerce (default: demo)
  --dry-run               fetch, map and count, send nothing
  --help`;

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new UsageError(`${name} is not set (the WooCommerce REST API key, see --help)`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      platform: { type: 'string' },
      shop: { type: 'string' },
      since: { type: 'string' },
      api: { type: 'string' },
      'event-bus': { type: 'string' },
      region: { type: 'string' },
      client: { type: 'string', default: 'demo' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.platform !== 'woocommerce') throw new UsageError('--platform woocommerce is the one platform to reconcile (see --help)');
  const since = values.since === undefined ? Number.NaN : Date.parse(values.since);
  if (Number.isNaN(since)) throw new UsageError('--since must be an ISO-8601 time, e.g. 2026-12-01T00:00:00Z');
  const shopUrl = values.shop ?? process.env.WOOCOMMERCE_URL;
  if (!shopUrl) throw new UsageError('--shop (or WOOCOMMERCE_URL) is required');
  const dryRun = values['dry-run'];
  if (!dryRun && (values.api === undefined) === (values['event-bus'] === undefined))
    throw new UsageError('give --api (the local copy) or --event-bus (AWS), or --dry-run');
  const rest = { shopUrl, consumerKey: required('WOOCOMMERCE_CONSUMER_KEY'), consumerSecret: required('WOOCOMMERCE_CONSUMER_SECRET') };

  const config = await loadClientConfig(values.client);
  const makeClient = (source: string) =>
    new LojalClient({
      source,
      ...(values['event-bus'] !== undefined ? { eventBusName: values['event-bus'] } : {}),
      clientConfig:
        values.api !== undefined
          ? { endpoint: values.api, region: 'eu-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
          : values.region
            ? { region: values.region }
            : {},
    });
  let bar: ReturnType<typeof progressBar> | undefined;
  const report = await reconcileWooCommerce(rest, makeClient, {
    integrations: config.integrations,
    since: new Date(since),
    now: new Date(),
    dryRun,
    onProgress: (done, total) => {
      bar ??= progressBar(total);
      bar.update(done);
    },
  });
  bar?.stop();
  console.log(`${report.fetched} orders modified since ${new Date(since).toISOString()}`);
  console.log(summarize(report));
  for (const error of report.plan.errors) console.log(`  not applied, ${error}`);
  return report.plan.errors.length + report.failed.length === 0 ? 0 : 1;
}

runCli('reconcile', main, { known: ['ValidationError', 'WooCommerceRestError'] });
