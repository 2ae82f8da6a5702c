import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MailJob } from '../../contract/mail-job';
import type { MailQueue } from '../../runtime/mail-ports';

/** Thrown when SQS still refuses some mail requests after the retries; the caller's event is retried. */
export class MailQueueRefusedError extends Error {
  override readonly name = 'MailQueueRefusedError';
}

const BATCH = 10;
const ATTEMPTS = 3;

/**
 * The mail queue in AWS: `SendMessageBatch`, 10 requests a call. SQS may accept a call and
 * refuse some of its entries; those are sent again, and if they are still refused the call
 * throws, so the email handler fails and its event is retried (a request queued twice is
 * harmless: the sender mails each `(customer, kind, ref)` once).
 */
export class SqsMailQueue implements MailQueue {
  constructor(
    private readonly sqs: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
  ) {}

  async enqueue(jobs: readonly MailJob[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += BATCH) {
      let pending = jobs.slice(i, i + BATCH).map((job, n) => ({ Id: String(n), MessageBody: JSON.stringify(job) }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const answer = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
        const failed = new Set((answer.Failed ?? []).map((f) => f.Id));
        pending = pending.filter((entry) => failed.has(entry.Id));
        if (pending.length > 0 && attempt >= ATTEMPTS) {
          throw new MailQueueRefusedError(
            `SQS refused ${pending.length} mail requests: ${(answer.Failed ?? []).map((f) => f.Code).join(', ')}`,
          );
        }
      }
    }
  }
}
