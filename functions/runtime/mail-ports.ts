import type { MailJob } from '../contract/mail-job';

/**
 * The narrow interfaces of Lojal's mail: the queue between the email handlers and the sender,
 * and the mail service the sender hands finished mail to. SQS and SES v2 implement them in
 * AWS (functions/adapters/sqs, functions/adapters/ses); the local copy uses an in-process queue
 * and the same SES adapter pointed at aws-ses-v2-local.
 */

/** Where email handlers put mail requests; the sender works through them at a bounded rate. */
export interface MailQueue {
  enqueue(jobs: readonly MailJob[]): Promise<void>;
}

export interface MailHeader {
  readonly name: string;
  readonly value: string;
}

/** A finished mail, ready for SES. */
export interface OutgoingMail {
  /** `Brand Name <sender@example.com>` */
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly headers: readonly MailHeader[];
  /** SES message tags (kind, class): they come back on bounce and complaint events. */
  readonly tags: readonly MailHeader[];
}

export interface Mailer {
  /** Hands the mail to the mail service; resolves with its message id. Throws one of the errors below. */
  send(mail: OutgoingMail): Promise<{ readonly messageId: string }>;
}

/**
 * The mail service refused the mail for now (throttling, a paused account, a 5xx): it was not
 * accepted, so sending it again later is safe and cannot duplicate it.
 */
export class MailThrottledError extends Error {
  override readonly name = 'MailThrottledError';
}

/** The mail service refused this mail for good (a rejected message, an unverified sender): retrying cannot help. */
export class MailRejectedError extends Error {
  override readonly name = 'MailRejectedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether the mail service accepted the mail is unknown (a timeout after the request was
 * sent). Retrying may send it twice; not retrying may lose it. The sender retries after its
 * claim's lease: Lojal prefers a rare duplicate to a lost mail (README, "Emails").
 */
export class MailOutcomeUnknownError extends Error {
  override readonly name = 'MailOutcomeUnknownError';
}

/** Another sender holds a live claim on this mail; the request is retried after the queue's visibility timeout. */
export class MailBusyError extends Error {
  override readonly name = 'MailBusyError';
}
