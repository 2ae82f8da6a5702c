import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SesMailer } from '../adapters/ses/ses-mailer';
import { MailLinks } from '../domain/email/links';
import { createMailSender, retryDelaySeconds } from '../handlers/email-sender';
import { RateLimiter } from '../runtime/rate-limiter';
import { coreDeps, logger, metrics } from './core';
import { requireEnv } from './env';
import { readLinkSecret } from './link-secret';

/**
 * Lambda entry point of the mail sender: an SQS event source (lib/lojal-email.ts) hands it
 * batches from the mail queue, with a maximum concurrency that, with `MAX_SENDS_PER_SECOND`
 * per function, keeps a burst within the SES account's send rate. Each message is one mail
 * request; the Powertools batch processor reports the failed ones (`reportBatchItemFailures`)
 * so only they come back, after a backoff this function sets on them, and after the queue's
 * `maxReceiveCount` they wait in its dead-letter queue.
 *
 * Needs TABLE_NAME (read/write), LINK_SECRET_ARN (secretsmanager:GetSecretValue),
 * LINK_BASE_URL, SES_CONFIGURATION_SET (ses:SendEmail on the sender identity and the set),
 * MAIL_QUEUE_URL (sqs:ChangeMessageVisibility) and MAX_SENDS_PER_SECOND.
 */
const queueUrl = requireEnv('MAIL_QUEUE_URL');
const sqs = new SQSClient({});
const links = new MailLinks({
  secret: await readLinkSecret(new SecretsManagerClient({}), requireEnv('LINK_SECRET_ARN')),
  baseUrl: requireEnv('LINK_BASE_URL'),
  unsubscribeMailbox: coreDeps.config.brand.senderAddress,
});
const send = createMailSender({
  ...coreDeps,
  // Standard retry mode with more attempts: SES throttling is retried with backoff in the call first.
  mailer: new SesMailer(new SESv2Client({ maxAttempts: 5 }), { configurationSetName: requireEnv('SES_CONFIGURATION_SET') }),
  links,
  rateLimiter: new RateLimiter(Number(requireEnv('MAX_SENDS_PER_SECOND'))),
});

const processor = new BatchProcessor(EventType.SQS);

async function sendRecord(record: SQSRecord): Promise<void> {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
  try {
    await send({ body: record.body, receiveCount });
  } catch (error) {
    // Back off before the next delivery; if this fails, the queue's visibility timeout applies.
    await sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: retryDelaySeconds(receiveCount),
        }),
      )
      .catch(() => undefined);
    throw error;
  }
}

export const handler = middy<SQSEvent, SQSBatchResponse>((event: SQSEvent, context: Context) =>
  processPartialResponse(event, sendRecord, processor, { context }),
)
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
