import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LojalClient } from '../sdk';
import { loadClientConfig } from '../local/client-config';
import { IMPORT_FORMATS, type ImportFormat, type ProductFactsRead, readNdjson, readOrdersCsv, readProducts } from './history-file';
import { importHistory, summarize } from './history-import';
import { progressBar } from './progress';
import { runCli, UsageError } from './cli';

const USAGE = `Imports a shop's order history into Lojal: points are earned, no mail about the past is sent.

  npm run import -- --file orders.ndjson|orders.csv [--format lojal|shopify|woocommerce] (--api URL | --event-bus NAME) [options]

The whole file is validated first: a file with a bad line is refused whole, naming each line and
field, and nothing is sent. Running a file again changes nothing (every event is idempotent on
its order, refund or customer id). docs/integrations.md describes the formats.

  lojal        NDJSON: a line is an order.placed detail (docs/events.md), or
               {"detailType": "order.refunded" | "customer.registered" | "customer.updated", "detail": {...}};
               CSV (.csv): one row per order line, columns orderId, customerId, placedAt, currency,
               sku, category, quantity, unitPrice (minor units) [, name, lifespanDays, discount, market, accountId]
  shopify      NDJSON of Admin REST Order JSON (refunds[] included), or Customer JSON, mapped by the
               client file's integrations.shopify like Shopify's webhooks
  woocommerce  NDJSON of REST v3 orders (refunds[] included) or customers, mapped by integrations.woocommerce

Options:
  --api URL              the local copy (npm start), e.g. http://127.0.0.1:4010
  --event-bus NAME       the client's bus in AWS (stack output EventBusName), default credentials
  --region REGION        AWS region (default: AWS_REGION)
  --products FILE        NDJSON of Shopify or WooCommerce products, for the category rules
  --client NAME          client file under clients/ (default: demo)
  --dry-run              validate and count, send nothing
  --help`;

/** Thrown for a bad command line or file: printed as one line, exit code 2. */

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function refuse(file: string, errors: readonly string[]): never {
  const shown = errors.slice(0, 30).map((e) => `  ${e}`);
  const more = errors.length > 30 ? `\n  ... and ${errors.length - 30} more` : '';
  throw new UsageError(
    `${file} has ${errors.length} ${errors.length === 1 ? 'problem' : 'problems'}; nothing was sent:\n${shown.join('\n')}${more}`,
  );
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string' },
      format: { type: 'string', default: 'lojal' },
      products: { type: 'string' },
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
  const format = values.format as ImportFormat;
  if (!IMPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${IMPORT_FORMATS.join(', ')}`);
  if (values.file === undefined) throw new UsageError('--file is required (see --help)');
  const dryRun = values['dry-run'];
  if (!dryRun && (values.api === undefined) === (values['event-bus'] === undefined))
    throw new UsageError('give --api (the local copy) or --event-bus (AWS), or --dry-run');
  const csv = values.file.toLowerCase().endsWith('.csv');
  if (csv && format !== 'lojal') throw new UsageError(`--format ${format} reads NDJSON (the platform's REST JSON, one per line)`);

  const config = await loadClientConfig(values.client);
  const text = readText(values.file);
  const read = csv ? readOrdersCsv(text) : readNdjson(text);
  let products: ProductFactsRead = { facts: [], errors: [] };
  if (values.products !== undefined) {
    if (format === 'lojal') throw new UsageError('--products is for --format shopify or woocommerce');
    const file = values.products;
    const productRead = readNdjson(readText(file));
    products = await readProducts(productRead.records, format, config.integrations);
    if (productRead.errors.length + products.errors.length > 0) refuse(file, [...productRead.errors, ...products.errors]);
  }
  if (read.errors.length > 0) refuse(values.file, read.errors);
  if (read.records.length === 0) throw new UsageError(`${values.file} has no records`);

  const makeClient = (source: string) =>
    new LojalClient({
      source,
      ...(values['event-bus'] !== undefined ? { eventBusName: values['event-bus'] } : {}),
      clientConfig:
        values.api !== undefined
          ? // The local copy takes any credentials.
            { endpoint: values.api, region: 'eu-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
          : values.region
            ? { region: values.region }
            : {},
    });
  let bar: ReturnType<typeof progressBar> | undefined;
  const report = await importHistory(makeClient, read.records, {
    format,
    integrations: config.integrations,
    products: products.facts,
    now: new Date(),
    dryRun,
    onProgress: (done, total) => {
      bar ??= progressBar(total);
      bar.update(done);
    },
  });
  bar?.stop();
  if (report.plan.errors.length > 0) refuse(values.file, report.plan.errors);
  console.log(summarize(report));
  for (const { where, reason } of report.plan.ignored.slice(0, 20)) console.log(`  ignored ${where}: ${reason}`);
  if (report.plan.ignored.length > 20) console.log(`  ... and ${report.plan.ignored.length - 20} more ignored`);
  if (report.failed.length > 0) {
    const codes = [...new Set(report.failed.map((f) => f.errorCode))].join(', ');
    console.log(`refused after retries (${codes}): run the file again to send them; what was accepted is not sent twice`);
    return 1;
  }
  return 0;
}

runCli('import', main, { known: ['IntegrationNotConfiguredError', 'ValidationError'] });
