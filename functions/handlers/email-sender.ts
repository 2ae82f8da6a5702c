import { MailContextReader } from '../adapters/dynamo/mail-context-reader';
import { MailRecords } from '../adapters/dynamo/mail-records';
import { MarketingCap } from '../adapters/dynamo/marketing-cap';
import { MailLog } from '../adapters/dynamo/mail-log';
import { SuppressionList } from '../adapters/dynamo/suppression-list';
import { FlowStore } from '../adapters/dynamo/flow-store';
import { TimelineStore } from '../adapters/dynamo/timeline-store';
import { type MailSenderDeps, type SendOutcome, sendMail } from '../app/send-mail';
import { MailJobSchema } from '../contract/mail-job';
import type { MailLinks } from '../domain/email/links';
import type { Mailer } from '../runtime/mail-ports';
import type { RateLimiter } from '../runtime/rate-limiter';
import type { HandlerDeps } from './registry';

/** A message taken off the mail queue: its body and how often it has been received. */
export interface QueuedMail {
  readonly body: string;
  /** 1 on the first delivery (SQS `ApproximateReceiveCount`). */
  readonly receiveCount: number;
}

export type MailSenderHandler = (message: QueuedMail) => Promise<SendOutcome | { readonly outcome: 'invalid' }>;

export interface MailSenderHandlerDeps extends Omit<HandlerDeps, 'deadLetters' | 'email'> {
  readonly mailer: Mailer;
  readonly links: MailLinks;
  readonly rateLimiter?: RateLimiter;
  readonly options?: MailSenderDeps['options'];
}

/**
 * The sender as a queue consumer, the same code in Lambda (behind the Powertools batch
 * processor, functions/lambda/email-sender.ts) and in the local copy's in-process queue. A
 * body that is not a mail request is logged and dropped: no retry can repair it. Anything the
 * sender throws fails the message, and the queue retries it.
 */
export function createMailSender(deps: MailSenderHandlerDeps): MailSenderHandler {
  const senderDeps: MailSenderDeps = {
    ...deps,
    records: new MailRecords(deps.dynamo, deps.tableName),
    cap: new MarketingCap(deps.dynamo, deps.tableName),
    log: new MailLog(deps.dynamo, deps.tableName, deps.config.mailLogRetentionDays),
    suppressions: new SuppressionList(deps.dynamo, deps.tableName),
    context: new MailContextReader(deps.dynamo, deps.tableName),
    timeline: new TimelineStore(deps.dynamo, deps.tableName),
    flowRuns: new FlowStore(deps.dynamo, deps.tableName),
  };
  return async (message) => {
    let body: unknown;
    try {
      body = JSON.parse(message.body);
    } catch {
      body = undefined;
    }
    const job = MailJobSchema.safeParse(body);
    if (!job.success) {
      deps.metrics.addMetric('EmailRequestsInvalid', 'Count', 1);
      deps.logger.error('a message on the mail queue is not a mail request; dropped', {
        field: job.error.issues[0]?.path.join('.') ?? '(root)',
      });
      return { outcome: 'invalid' };
    }
    return sendMail(senderDeps, job.data);
  };
}

/**
 * How long a failed message waits before its next delivery: 30 s doubling per receive, at
 * most 15 minutes (SES asks for waits of up to 10 minutes after throttling). Set on the message
 * with `ChangeMessageVisibility` in Lambda.
 */
export function retryDelaySeconds(receiveCount: number): number {
  return Math.min(900, 30 * 2 ** Math.max(0, receiveCount - 1));
}
