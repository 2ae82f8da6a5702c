import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AudienceStore } from '../functions/adapters/dynamo/audience-store';
import { CalendarStore } from '../functions/adapters/dynamo/calendar-store';
import { ProfileStore } from '../functions/adapters/dynamo/profile-store';
import { backfillAudience } from '../functions/app/backfill-audience';
import { loadClientConfig } from '../local/client-config';
import { localDynamoClients } from '../local/services/dynamodb';
import { runCli, UsageError } from './cli';
import { progressBar } from './progress';

const USAGE = `Gives every registered member their item in the audience index, which broadcasts enumerate
(docs/flows.md, "Broadcasts"). Run it once after upgrading a stack deployed before the index:
members registered before then have none until their profile next changes. Reads the calendar
index partition by partition (no scan); writes only missing items, never over a newer profile
write; running it again writes nothing.

  npm run backfill-audience -- --table NAME [--region REGION]
  npm run backfill-audience -- --endpoint http://127.0.0.1:8000 [--table NAME]

Options:
  --table NAME      the client's table (default with --endpoint: lojal-<client>)
  --endpoint URL    DynamoDB endpoint (the local copy's DynamoDB Local)
  --region REGION   AWS region (default: AWS_REGION)
  --client NAME     client file under clients/ (default: demo)
  --help`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      table: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      client: { type: 'string', default: 'demo' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = await loadClientConfig(values.client);
  const tableName = values.table ?? (values.endpoint ? `lojal-${config.clientId}` : undefined);
  if (!tableName) throw new UsageError('--table is required without --endpoint (the table name the stack made)');
  const dynamo = values.endpoint
    ? localDynamoClients(values.endpoint).doc
    : DynamoDBDocumentClient.from(new DynamoDBClient(values.region ? { region: values.region } : {}), {
        marshallOptions: { removeUndefinedValues: true },
      });
  let bar: ReturnType<typeof progressBar> | undefined;
  const report = await backfillAudience(
    {
      calendar: new CalendarStore(dynamo, tableName),
      audience: new AudienceStore(dynamo, tableName),
      profiles: new ProfileStore(dynamo, tableName),
      clientTimeZone: config.timeZone,
    },
    (done, total) => {
      bar ??= progressBar(total);
      bar.update(done);
    },
  );
  bar?.stop();
  console.log(`${report.members} registered members; ${report.written} audience items written`);
  return 0;
}

runCli('backfill-audience', main);
