import { fileURLToPath } from 'node:url';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import demo from '../clients/demo';
import { memberPk, PROFILE_SK } from '../functions/adapters/dynamo/keys';
import { SesMailer } from '../functions/adapters/ses/ses-mailer';
import { parseProgramConfig } from '../functions/config/program';
import type { MailJob } from '../functions/contract/mail-job';
import { MailLinks } from '../functions/domain/email/links';
import { renderMail } from '../functions/domain/email/templates';
import { createMailSender } from '../functions/handlers/email-sender';
import { createHandlers } from '../functions/handlers/registry';
import { type Clock, noMetrics, silentLogger } from '../functions/runtime/ports';
import { ensureTable, localDynamoClients, startDynamoDbLocal } from '../local/services/dynamodb';
import { startSesLocal } from '../local/services/ses';
import { US_EAST_1_PRICES } from './cost-model';
import { instrumentDynamo, runPool } from './instrument';

/** The cost model's list prices (bench/cost-model.ts, one definition), per unit. */
export const EMAIL_PRICES = {
  lambdaArmPerGbSecond: US_EAST_1_PRICES.lambdaArmPerGbSecond,
  lambdaPerRequest: US_EAST_1_PRICES.lambdaPerMillionRequests / 1_000_000,
  sqsPerRequest: US_EAST_1_PRICES.sqsPerMillionRequests / 1_000_000,
  sesPerEmail: US_EAST_1_PRICES.sesPerThousandMails / 1_000,
  dynamoPerWriteUnit: US_EAST_1_PRICES.dynamoPerMillionWriteUnits / 1_000_000,
  dynamoPerReadUnit: US_EAST_1_PRICES.dynamoPerMillionReadUnits / 1_000_000,
} as const;

export interface EmailBenchOptions {
  /** A running aws-ses-v2-local (the SES v2 endpoint). */
  readonly sesEndpoint: string;
  /** A running DynamoDB Local; the bench makes its own table there. */
  readonly dynamoEndpoint: string;
  /** Mails sent. @default 2 000 */
  readonly count?: number;
  /** Mails in flight at once, like the sender's concurrent functions. @default 8 */
  readonly concurrency?: number;
  /** Memory of the deployed functions (lib/lojal-function.ts), for the GB-s. @default 512 */
  readonly memoryMb?: number;
}

export interface EmailBenchResult {
  readonly count: number;
  readonly concurrency: number;
  /** Templates rendered per second, validation included, nothing else (one core). */
  readonly renderedPerSecond: number;
  /** Mails rendered and handed to the local SES per second, through the whole sender (profile, suppression, cap, claim, send, record). */
  readonly sentPerSecond: number;
  /** Plain SES v2 `SendEmail` calls of the same mail to the same local SES, same concurrency, before and after the sender (averaged). */
  readonly rawSesPerSecond: number;
  /** `sentPerSecond / rawSesPerSecond`: what the sender's reads, claim and record cost beside SES itself. */
  readonly ratioToRawSes: number;
  /** Time one mail takes: the email handler that queues it, and the sender that sends it (mean and 95th percentile, ms). */
  readonly handlerMs: { readonly mean: number; readonly p95: number };
  readonly senderMs: { readonly mean: number; readonly p95: number };
  /** DynamoDB requests per mail (handler and sender) and capacity as DynamoDB Local reports it. */
  readonly dynamo: {
    readonly roundTripsPerEmail: number;
    readonly readUnitsPerEmail: number;
    readonly writeUnitsPerEmail: number;
    readonly calls: Record<string, number>;
    readonly millis: Record<string, number>;
  };
  /**
   * Dollars per 1 000 mails on AWS at `EMAIL_PRICES`, from the measured times: the local times
   * stand in for Lambda's, and as DynamoDB Local answers far slower than DynamoDB (its
   * transactions serialise), the Lambda figure is an upper bound. SES dominates either way.
   */
  readonly costPer1000: {
    readonly lambda: number;
    readonly sqs: number;
    readonly ses: number;
    readonly dynamodb: number;
    readonly total: number;
  };
  /** What the cost assumes. */
  readonly assumptions: {
    readonly memoryMb: number;
    readonly sqsBatchSize: number;
    readonly sqsRequestsPer1000: number;
    readonly invocationsPer1000: number;
  };
}

const START = '2027-03-10T10:00:00Z';
const SQS_BATCH = 10;

/**
 * The mail path for `count` birthday greetings (marketing mail: consent, cap, unsubscribe
 * headers, the heaviest path) to as many members: the real email handler queues each request,
 * the real sender sends it through the real SES v2 client to aws-ses-v2-local, against
 * DynamoDB Local. Prints nothing; returns the figures.
 *
 * @example
 * const figures = await benchEmails({ sesEndpoint: ses.endpoint, dynamoEndpoint: dynamo.endpoint, count: 1_000 });
 */
export async function benchEmails(options: EmailBenchOptions): Promise<EmailBenchResult> {
  const count = options.count ?? 2_000;
  const concurrency = options.concurrency ?? 8;
  const memoryMb = options.memoryMb ?? 512;
  const config = parseProgramConfig(demo, 'clients/demo.ts');
  const { client, doc } = localDynamoClients(options.dynamoEndpoint);
  const tableName = `bench-mail-${Date.now().toString(36)}`;
  await ensureTable(client, tableName);
  const ses = new SESv2Client({
    endpoint: options.sesEndpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await seedMembers(doc, tableName, count);
    const clock: Clock = { now: () => new Date(START) };
    const links = new MailLinks({
      secret: 'bench-link-secret-of-at-least-32-characters',
      baseUrl: 'https://loyalty.example.com',
      unsubscribeMailbox: config.brand.senderAddress,
    });
    const queued: MailJob[] = [];
    const deps = {
      config,
      dynamo: doc,
      tableName,
      clock,
      logger: silentLogger,
      metrics: noMetrics,
      deadLetters: { deadLetter: async () => {} },
      email: { queue: { enqueue: async (jobs: readonly MailJob[]) => void queued.push(...jobs) }, links },
    };
    const handler = createHandlers(deps)['birthday-email'];
    const send = createMailSender({ ...deps, mailer: new SesMailer(ses), links });

    // Rendering alone.
    const renderRuns = Math.min(count, 5_000);
    const renderStart = performance.now();
    for (let i = 0; i < renderRuns; i++) {
      renderMail('birthday', i % 2 === 0 ? 'sv' : 'en', {
        brand: { name: config.brand.name },
        firstName: `Member ${i}`,
        bonusPoints: 200,
        unsubscribeUrl: links.unsubscribeUrl(`m${i}`),
      });
    }
    const renderedPerSecond = (renderRuns / (performance.now() - renderStart)) * 1000;

    const counter = instrumentDynamo(doc);
    const handlerTimes: number[] = [];
    const senderTimes: number[] = [];
    await runPool(count, concurrency, async (i) => {
      const started = performance.now();
      await handler({
        id: `e${i}`,
        source: 'lojal',
        'detail-type': 'customer.birthday',
        detail: { idempotencyKey: `birthday:m${i}:2027-03-10`, customerId: `m${i}`, date: '2027-03-10', bonusPoints: 200 },
      });
      handlerTimes.push(performance.now() - started);
    });
    const jobs = queued.splice(0);
    // The same mail as a plain SendEmail, as the sender's SesMailer builds it (subject, both parts, the unsubscribe headers, tags).
    const rawMail = (i: number) => {
      const mail = renderMail('birthday', i % 2 === 0 ? 'sv' : 'en', {
        brand: { name: config.brand.name },
        firstName: `Member ${i}`,
        bonusPoints: 200,
        unsubscribeUrl: links.unsubscribeUrl(`m${i}`),
      });
      return new SendEmailCommand({
        FromEmailAddress: config.brand.senderAddress,
        Destination: { ToAddresses: [`raw${i}@example.com`] },
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: { Html: { Data: mail.html, Charset: 'UTF-8' }, Text: { Data: mail.text, Charset: 'UTF-8' } },
            Headers: [
              { Name: 'List-Unsubscribe', Value: `<${links.unsubscribeUrl(`m${i}`)}>, <${links.unsubscribeMailto(`m${i}`)}>` },
              { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
            ],
          },
        },
        EmailTags: [
          { Name: 'kind', Value: 'birthday' },
          { Name: 'class', Value: 'marketing' },
        ],
      });
    };
    const rawCount = Math.min(count, 1_000);
    const rawCommands = Array.from({ length: rawCount }, (_, i) => rawMail(i));
    const rawSes = async () =>
      (rawCount / (await runPool(rawCount, concurrency, (i) => ses.send(rawCommands[i] as SendEmailCommand).then(() => undefined)))) * 1000;
    const rawBefore = await rawSes();
    const elapsed = await runPool(jobs.length, concurrency, async (i) => {
      const started = performance.now();
      const outcome = await send({ body: JSON.stringify(jobs[i]), receiveCount: 1 });
      if (outcome.outcome !== 'sent') throw new Error(`bench mail ${i} was ${outcome.outcome}, not sent`);
      senderTimes.push(performance.now() - started);
    });

    const rawSesPerSecond = (rawBefore + (await rawSes())) / 2;
    const sentPerSecond = (jobs.length / elapsed) * 1000;
    const stats = (times: number[]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return { mean: times.reduce((s, t) => s + t, 0) / times.length, p95: sorted[Math.floor(sorted.length * 0.95)] ?? 0 };
    };
    const handlerMs = stats(handlerTimes);
    const senderMs = stats(senderTimes);
    const perEmail = (n: number) => n / count;

    // Per 1 000 mails: one handler invocation per event; sender invocations of SQS_BATCH messages.
    const gb = memoryMb / 1024;
    const lambdaSeconds = (1_000 * (handlerMs.mean + senderMs.mean)) / 1000;
    const invocations = 1_000 + 1_000 / SQS_BATCH;
    // SendMessageBatch (handlers put one request each: 1 000 calls) + ReceiveMessage and DeleteMessageBatch per batch.
    const sqsRequests = 1_000 + 2 * (1_000 / SQS_BATCH);
    const lambda = lambdaSeconds * gb * EMAIL_PRICES.lambdaArmPerGbSecond + invocations * EMAIL_PRICES.lambdaPerRequest;
    const sqs = sqsRequests * EMAIL_PRICES.sqsPerRequest;
    const sesCost = 1_000 * EMAIL_PRICES.sesPerEmail;
    const dynamodb =
      1_000 *
      (perEmail(counter.totals.readUnits) * EMAIL_PRICES.dynamoPerReadUnit +
        perEmail(counter.totals.writeUnits) * EMAIL_PRICES.dynamoPerWriteUnit);
    return {
      count,
      concurrency,
      renderedPerSecond,
      sentPerSecond,
      rawSesPerSecond,
      ratioToRawSes: sentPerSecond / rawSesPerSecond,
      handlerMs,
      senderMs,
      dynamo: {
        roundTripsPerEmail: perEmail(counter.roundTrips()),
        readUnitsPerEmail: perEmail(counter.totals.readUnits),
        writeUnitsPerEmail: perEmail(counter.totals.writeUnits),
        calls: Object.fromEntries(counter.totals.calls),
        millis: Object.fromEntries([...counter.totals.millis].map(([k, v]) => [k, Math.round(v / count)])),
      },
      costPer1000: { lambda, sqs, ses: sesCost, dynamodb, total: lambda + sqs + sesCost + dynamodb },
      assumptions: { memoryMb, sqsBatchSize: SQS_BATCH, sqsRequestsPer1000: sqsRequests, invocationsPer1000: invocations },
    };
  } finally {
    ses.destroy();
    doc.destroy();
    client.destroy();
  }
}

/** Members with an address and marketing consent, written as the profile store writes them, 25 per BatchWriteItem. */
async function seedMembers(doc: ReturnType<typeof localDynamoClients>['doc'], tableName: string, count: number) {
  const at = Date.parse('2026-01-01T00:00:00Z');
  const items = Array.from({ length: count }, (_, i) => ({
    pk: memberPk(`m${i}`),
    sk: PROFILE_SK,
    type: 'profile',
    customerId: `m${i}`,
    email: `member${i}@example.com`,
    firstName: `Member ${i}`,
    locale: i % 2 === 0 ? 'sv-SE' : 'en',
    marketingConsent: true,
    fieldAt: { email: at, firstName: at, locale: at, marketingConsent: at },
    version: 1,
  }));
  await runPool(Math.ceil(count / 25), 8, async (b) => {
    let requests = items.slice(b * 25, b * 25 + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  });
}

/** Prints the figures in the bench's style (bench/run.ts may call it too). */
export function formatEmailBench(r: EmailBenchResult): string {
  const usd = (n: number) => `$${n.toFixed(4)}`;
  return [
    `emails (${r.count} birthday greetings, marketing mail, ${r.concurrency} in flight; DynamoDB Local and aws-ses-v2-local)`,
    `  templates rendered and validated     ${r.renderedPerSecond.toFixed(0)} /s`,
    `  rendered and handed to SES           ${r.sentPerSecond.toFixed(1)} /s through the sender, ${r.rawSesPerSecond.toFixed(1)} /s as plain SendEmail calls: ratio ${r.ratioToRawSes.toFixed(2)}`,
    `  time per mail: handler ${r.handlerMs.mean.toFixed(1)} ms (p95 ${r.handlerMs.p95.toFixed(1)}), sender ${r.senderMs.mean.toFixed(1)} ms (p95 ${r.senderMs.p95.toFixed(1)})`,
    `  ${r.dynamo.roundTripsPerEmail.toFixed(2)} DynamoDB round trips per mail ${JSON.stringify(r.dynamo.calls)}, ms per mail ${JSON.stringify(r.dynamo.millis)}`,
    `  ${r.dynamo.readUnitsPerEmail.toFixed(2)} RCU + ${r.dynamo.writeUnitsPerEmail.toFixed(2)} WCU per mail, as DynamoDB Local reports them`,
    `  cost per 1 000 mails on AWS (${r.assumptions.memoryMb} MB arm64, SQS batches of ${r.assumptions.sqsBatchSize}, us-east-1 list prices; Lambda from local times, an upper bound):`,
    `    Lambda ${usd(r.costPer1000.lambda)}  SQS ${usd(r.costPer1000.sqs)}  SES ${usd(r.costPer1000.ses)}  DynamoDB ${usd(r.costPer1000.dynamodb)}  total ${usd(r.costPer1000.total)}`,
  ].join('\n');
}

// `npx tsx bench/emails.ts [count]` runs it on its own.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dynamo, ses] = await Promise.all([startDynamoDbLocal(), startSesLocal()]);
  try {
    const count = Number(process.argv[2] ?? 2_000);
    console.log(formatEmailBench(await benchEmails({ sesEndpoint: ses.endpoint, dynamoEndpoint: dynamo.endpoint, count })));
  } finally {
    await Promise.all([dynamo.stop(), ses.stop()]);
  }
}
