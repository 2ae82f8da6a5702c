import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LedgerStore } from '../functions/adapters/dynamo/ledger-store';
import { ProfileStore } from '../functions/adapters/dynamo/profile-store';
import { applyAdjustments, type PointsAdjustment, PointsAdjustmentSchema } from '../functions/app/adjust-points';
import { formatPath } from '../functions/runtime/errors';
import { noMetrics, silentLogger, systemClock } from '../functions/runtime/ports';
import { loadClientConfig } from '../local/client-config';
import { localDynamoClients } from '../local/services/dynamodb';
import { parseAdjustmentsCsv } from './adjustments-csv';
import { progressBar } from './progress';
import { runCli, UsageError } from './cli';

const USAGE = `Adds or removes points by hand, each with a reason, once per adjustment id and member.

  npm run adjust -- --file adjustments.csv [options]
  npm run adjust -- --customer c-42 --points -500 --reason "Duplicate order" --id fix-2026-001 [options]

The CSV has a header line with adjustmentId, customerId, points, reason (any order; quote values
with commas). The same adjustment id may stand for many members (a campaign id): it applies once
per member, so running a file again, whole or after a failure, applies nothing twice. A file with
a bad row is refused whole, before anything is written.

Options:
  --endpoint URL         DynamoDB endpoint, e.g. http://127.0.0.1:8000 (the local copy's DynamoDB Local,
                         with its local credentials); without it, AWS with the default credentials
  --table NAME           the client's table (default with --endpoint: lojal-<client>)
  --client NAME          client file under clients/ (default: demo)
  --region REGION        AWS region (default: AWS_REGION)
  --concurrency N        members worked on at once (default: 16)
  --allow-new-members    adjust customer ids Lojal has never seen (default: refused)
  --dry-run              validate and count, write nothing
  --help`;

/** Thrown for a bad command line or file: printed as one line, exit code 2. */

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string' },
      customer: { type: 'string' },
      points: { type: 'string' },
      reason: { type: 'string' },
      id: { type: 'string' },
      endpoint: { type: 'string' },
      table: { type: 'string' },
      client: { type: 'string', default: 'demo' },
      region: { type: 'string' },
      concurrency: { type: 'string', default: '16' },
      'allow-new-members': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }

  const adjustments = readAdjustments(values);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    throw new UsageError('--concurrency must be a whole number from 1 to 256');
  const members = new Set(adjustments.map((a) => a.customerId)).size;
  const total = adjustments.reduce((s, a) => s + a.points, 0);
  console.log(`${adjustments.length} adjustments for ${members} members, ${total >= 0 ? '+' : ''}${total} points in all`);
  if (values['dry-run']) return 0;

  const config = await loadClientConfig(values.client);
  const tableName = values.table ?? (values.endpoint ? `lojal-${config.clientId}` : undefined);
  if (!tableName) throw new UsageError('--table is required without --endpoint (the table name the stack made)');
  const dynamo = values.endpoint
    ? localDynamoClients(values.endpoint).doc
    : DynamoDBDocumentClient.from(new DynamoDBClient(values.region ? { region: values.region } : {}), {
        marshallOptions: { removeUndefinedValues: true },
      });
  const deps = {
    config,
    ledger: new LedgerStore(dynamo, tableName),
    profiles: new ProfileStore(dynamo, tableName),
    clock: systemClock,
    logger: silentLogger,
    metrics: noMetrics,
  };

  const bar = progressBar(adjustments.length);
  const report = await applyAdjustments(deps, adjustments, {
    concurrency,
    allowNewMembers: values['allow-new-members'],
    onProgress: (done) => bar.update(done),
  });
  bar.stop();

  console.log(`applied ${report.applied}, already applied ${report.alreadyApplied}`);
  const show = (title: string, rows: readonly string[]) => {
    if (rows.length === 0) return;
    console.log(`${title} (${rows.length}):`);
    for (const row of rows.slice(0, 50)) console.log(`  ${row}`);
    if (rows.length > 50) console.log(`  ... and ${rows.length - 50} more`);
  };
  const describe = (a: PointsAdjustment) => `${a.adjustmentId} for ${a.customerId}`;
  show('conflicts: the adjustment id was applied before with other points or another reason', report.conflicts.map(describe));
  show('unknown members (--allow-new-members adjusts them anyway)', report.unknownMembers.map(describe));
  show(
    'failed (run the file again to retry them)',
    report.failed.map((f) => `${describe(f.adjustment)}: ${f.error}`),
  );
  return report.conflicts.length + report.unknownMembers.length + report.failed.length === 0 ? 0 : 1;
}

function readAdjustments(values: { file?: string; customer?: string; points?: string; reason?: string; id?: string }): PointsAdjustment[] {
  const single = [values.customer, values.points, values.reason, values.id].some((v) => v !== undefined);
  if ((values.file === undefined) === !single)
    throw new UsageError('give either --file, or --customer, --points, --reason and --id (see --help)');
  if (values.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(values.file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${values.file}: ${(error as Error).message}`);
    }
    const { adjustments, errors } = parseAdjustmentsCsv(text);
    if (errors.length > 0) {
      const shown = errors.slice(0, 20).map((e) => `  ${e}`);
      throw new UsageError(
        `${values.file} has ${errors.length} bad ${errors.length === 1 ? 'row' : 'rows'}; nothing was applied:\n${shown.join('\n')}${errors.length > 20 ? `\n  ... and ${errors.length - 20} more` : ''}`,
      );
    }
    if (adjustments.length === 0) throw new UsageError(`${values.file} has no adjustments`);
    return adjustments;
  }
  const points = values.points ?? '';
  const parsed = PointsAdjustmentSchema.safeParse({
    adjustmentId: values.id,
    customerId: values.customer,
    points: /^[+-]?\d+$/.test(points) ? Number(points) : points,
    reason: values.reason,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option =
      { adjustmentId: 'id', customerId: 'customer', points: 'points', reason: 'reason' }[String(issue?.path[0])] ??
      formatPath(issue?.path ?? []);
    throw new UsageError(`--${option}: ${issue?.message ?? 'is invalid'}`);
  }
  return [parsed.data];
}

runCli('adjust', main);
