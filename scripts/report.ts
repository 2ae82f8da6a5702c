import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ReportCounters } from '../functions/adapters/dynamo/report-counters';
import { readProgramReport } from '../functions/app/program-report';
import { loadClientConfig } from '../local/client-config';
import { localDynamoClients } from '../local/services/dynamodb';
import { DEFAULT_DYNAMODB_PORT } from '../local/local-copy';
import { formatReportHtml, formatReportText } from './report-format';
import { runCli, UsageError } from './cli';

const USAGE = `Prints the program report (docs/measurement.md) from the report counters: groups, the lift of
treated over control with its 95 % interval, points issued, redeemed, expired and outstanding per
day and month with the liability, campaign cost and NPS. Reads counters only, never members.

  npm run report -- [--from YYYY-MM-DD --to YYYY-MM-DD] [--html out.html] [--client demo]

Options:
  --from, --to DATE   first and last local date of the period (both inclusive; default all time)
  --html FILE         also write the report as one self-contained HTML page with charts
  --effect N          the relative lift the sample sizes are for (default 0.1: 10 %)
  --client NAME       client file under clients/ (default: demo)
  --endpoint URL      DynamoDB endpoint (default: the running local copy's, http://127.0.0.1:${DEFAULT_DYNAMODB_PORT})
  --aws               read the table in AWS with the default credentials instead (needs --table)
  --table NAME        the client's table (default with a local endpoint: lojal-<client>)
  --region REGION     AWS region (default: AWS_REGION)
  --help`;

/** Thrown for a bad command line: printed as one line, exit code 2. */

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      html: { type: 'string' },
      effect: { type: 'string', default: '0.1' },
      client: { type: 'string', default: 'demo' },
      endpoint: { type: 'string' },
      aws: { type: 'boolean', default: false },
      table: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  for (const option of ['from', 'to'] as const) {
    const value = values[option];
    if (value !== undefined && !DATE.test(value)) throw new UsageError(`--${option} must be a date YYYY-MM-DD, not ${value}`);
  }
  if (values.from && values.to && values.from > values.to) throw new UsageError('--from must not be after --to');
  const effect = Number(values.effect);
  if (!(effect > 0 && effect <= 10)) throw new UsageError('--effect must be a number above 0 (0.1 for 10 %)');
  if (values.aws && values.endpoint) throw new UsageError('give --aws or --endpoint, not both');

  const config = await loadClientConfig(values.client);
  const endpoint = values.aws ? undefined : (values.endpoint ?? `http://127.0.0.1:${DEFAULT_DYNAMODB_PORT}`);
  const tableName = values.table ?? (endpoint ? `lojal-${config.clientId}` : undefined);
  if (!tableName) throw new UsageError('--table is required with --aws (the table name the stack made)');
  const doc = endpoint
    ? localDynamoClients(endpoint).doc
    : DynamoDBDocumentClient.from(new DynamoDBClient(values.region ? { region: values.region } : {}));

  const report = await readProgramReport(new ReportCounters(doc, tableName), config, {
    ...(values.from ? { from: values.from } : {}),
    ...(values.to ? { to: values.to } : {}),
    effect,
  });
  const heading = { clientId: config.clientId, source: endpoint ? `${tableName} at ${endpoint}` : `${tableName} in AWS` };
  process.stdout.write(formatReportText(report, heading));
  if (values.html) {
    writeFileSync(values.html, formatReportHtml(report, heading));
    console.log(`\nwrote ${values.html}`);
  }
  return 0;
}

runCli('report', main, {
  explain: (error) =>
    error instanceof Error && /ECONNREFUSED/.test(`${error.message} ${String((error as { cause?: unknown }).cause)}`)
      ? 'report: DynamoDB is not reachable; start the local copy (npm start) or give --endpoint / --aws'
      : undefined,
});
