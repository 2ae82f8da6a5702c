import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { SqsMailQueue } from '../adapters/sqs/sqs-mail-queue';
import { deferredMailReleaseJob } from '../app/release-deferred-mail';
import { coreDeps, logger, metrics } from './core';
import { requireEnv } from './env';

/**
 * Lambda entry point of the deferred-mail release job, every minute (`MAIL_RELEASE_SCHEDULE`).
 * Needs TABLE_NAME (read/write) and MAIL_QUEUE_URL (sqs:SendMessage).
 */
const job = deferredMailReleaseJob({ ...coreDeps, queue: new SqsMailQueue(new SQSClient({}), requireEnv('MAIL_QUEUE_URL')) });

export const handler = middy(() => job.run())
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
