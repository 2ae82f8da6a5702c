import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import pLimit from 'p-limit';
import { type MailRecord, MailRecords } from '../functions/adapters/dynamo/mail-records';
import { SesMailer } from '../functions/adapters/ses/ses-mailer';
import type { MailJob } from '../functions/contract/mail-job';
import { MailLinks } from '../functions/domain/email/links';
import type { EmailPorts } from '../functions/handlers/email-handlers';
import { createMailSender, type MailSenderHandler } from '../functions/handlers/email-sender';
import type { MailQueue } from '../functions/runtime/mail-ports';
import type { LojalDeps } from '../functions/runtime/ports';
import { LocalServiceError } from './services/dynamodb';
import type { ScheduledJob } from './schedule';
import type { WorkTracker } from './work-tracker';

/**
 * Mail in the local copy: the production sender code behind an in-process queue, sending
 * through the real `@aws-sdk/client-sesv2` to aws-ses-v2-local, so every mail shows in its web
 * inbox and in `GET /store`. The queue stands in for SQS: bounded concurrency, a failed
 * message retried (briefly, not minutes apart), then kept as a dead letter.
 *
 * SQS keeps a message until it is handled; an in-process queue dies with the process. So the
 * queue writes each request down as an `open` mail record before it answers (when the mail has
 * no record yet), and on start `recover` queues again every mail a crash left unsettled: open,
 * deferred and due, or claimed by a sender whose lease ran out (a live lease is waited out by
 * the `mail-recovery` job). With `--persist` a `kill -9` therefore loses no mail; a mail whose
 * send SES had accepted just before the crash may go out twice, the residual window the sender
 * documents (functions/app/send-mail.ts).
 */

export interface LocalMailOptions extends LojalDeps {
  readonly work: WorkTracker;
  /** The local SES endpoint (aws-ses-v2-local). */
  readonly sesEndpoint: string;
  /** Base of the links in mail: the local API, known once it listens. */
  readonly linkBaseUrl: () => string;
  /** Link-signing secret, at least 32 characters. @default env LOJAL_LINK_SECRET, else a random one per start (links then die with the process) */
  readonly linkSecret?: string;
  /** Messages processed at once, like the sender's maximum concurrency in AWS. @default 4 */
  readonly concurrency?: number;
  /** Attempts per message before it becomes a dead letter. @default 4 */
  readonly maxAttempts?: number;
  /** Real milliseconds between attempts; the last repeats. @default [100, 200, 400] */
  readonly retryDelaysMs?: readonly number[];
}

export interface LocalMailDeadLetter {
  readonly job: MailJob;
  readonly error: string;
  readonly attempts: number;
}

/** The in-process mail queue: `enqueue` answers at once, the sender works through the messages. */
export class LocalMailQueue implements MailQueue {
  readonly deadLetters: LocalMailDeadLetter[] = [];
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly sender: MailSenderHandler,
    private readonly options: Pick<LocalMailOptions, 'work' | 'logger' | 'concurrency' | 'maxAttempts' | 'retryDelaysMs' | 'clock'> & {
      /** Where requests are written down (as open mail) before they are taken; absent, they live in memory only. */
      readonly records?: MailRecords;
    },
  ) {}

  async enqueue(jobs: readonly MailJob[]): Promise<void> {
    const { records, clock } = this.options;
    if (records) {
      const limit = pLimit(16);
      const now = clock.now();
      await Promise.all(jobs.map((job) => limit(() => records.open(job, now))));
    }
    for (const job of jobs) this.options.work.track(this.process(job));
  }

  private async process(job: MailJob): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 4;
    const delays = this.options.retryDelaysMs ?? [100, 200, 400];
    // Like SQS, the message is taken off the queue after the producer's call has returned.
    await new Promise((resolve) => setImmediate(resolve));
    for (let attempt = 1; ; attempt++) {
      await this.slot();
      try {
        await this.sender({ body: JSON.stringify(job), receiveCount: attempt });
        return;
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (attempt >= maxAttempts) {
          this.deadLetters.push({ job, error: message, attempts: attempt });
          this.options.logger.error('A mail request failed on every attempt; it is kept as a dead letter', {
            kind: job.kind,
            error: message,
          });
          return;
        }
        this.options.logger.warn('Sending a mail failed; retrying', { kind: job.kind, attempt, error: message });
      } finally {
        this.release();
      }
      await sleep(delays[Math.min(attempt - 1, delays.length - 1)] ?? 0);
    }
  }

  private async slot(): Promise<void> {
    if (this.active >= (this.options.concurrency ?? 4)) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

export interface LocalMail {
  readonly ports: Required<EmailPorts>;
  readonly queue: LocalMailQueue;
  readonly ses: SESv2Client;
  /**
   * Queues again every mail a previous run left unsettled (see the module comment); mail
   * claimed under a live lease waits for the `recoveryJob`. Call once, when links work.
   */
  recover(): Promise<MailRecovery>;
  /** Queues the mail `recover` found claimed under a live lease, once the lease has run out. */
  readonly recoveryJob: ScheduledJob;
  stop(): void;
}

/** What `recover` found. */
export interface MailRecovery {
  /** Mail queued again at once. */
  readonly queued: number;
  /** Claimed under a lease still running: queued by the recovery job when it ends. */
  readonly waiting: number;
  /** Deferred to later: left to the deferred-mail release job, which finds them in the index. */
  readonly deferred: number;
}

/** Builds the local mail path: SES client, link signer, sender and queue. */
export function createLocalMail(options: LocalMailOptions): LocalMail {
  const secret = options.linkSecret ?? process.env.LOJAL_LINK_SECRET ?? randomBytes(32).toString('hex');
  if (secret.length < 32) throw new LocalServiceError('LOJAL_LINK_SECRET must be at least 32 characters long.');
  const ses = new SESv2Client({
    endpoint: options.sesEndpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // Business time: a check-in link expires 90 days after it is mailed on the local clock.
  const links = new MailLinks({
    secret,
    baseUrl: options.linkBaseUrl,
    unsubscribeMailbox: options.config.brand.senderAddress,
    now: () => options.clock.now(),
  });
  const sender = createMailSender({ ...options, mailer: new SesMailer(ses), links });
  const records = new MailRecords(options.dynamo, options.tableName);
  const queue = new LocalMailQueue(sender, { ...options, records });

  // Mail claimed under a lease that had not run out when the copy started, by lease end.
  const waiting: { readonly leaseUntil: string; readonly job: MailJob }[] = [];
  const recoveryJob: ScheduledJob = {
    name: 'mail-recovery',
    every: 'PT1M',
    nextDueAt: () => (waiting.length === 0 ? null : new Date(waiting.reduce((a, w) => (w.leaseUntil < a ? w.leaseUntil : a), '~'))),
    run: async (now) => {
      const due = waiting.filter((w) => w.leaseUntil <= now.toISOString());
      if (due.length === 0) return;
      for (const w of due) waiting.splice(waiting.indexOf(w), 1);
      await queue.enqueue(due.map((w) => w.job));
    },
  };

  const recover = async (): Promise<MailRecovery> => {
    const now = options.clock.now().toISOString();
    const again: MailJob[] = [];
    let deferred = 0;
    for (const record of await records.listUnsettled()) {
      const job = jobOf(record);
      if (record.status === 'claimed' && (record.leaseUntil ?? '') > now) waiting.push({ leaseUntil: record.leaseUntil ?? now, job });
      else if (record.status === 'deferred' && (record.notBefore ?? '') > now) deferred++;
      else again.push(job);
    }
    if (again.length > 0) await queue.enqueue(again);
    const found = { queued: again.length, waiting: waiting.length, deferred };
    if (again.length + waiting.length > 0) options.logger.info('Picked up mail a previous run left unsettled', found);
    return found;
  };

  return { ports: { queue, links }, queue, ses, recover, recoveryJob, stop: () => ses.destroy() };
}

/** The request a record was made for (kept on open, deferred and claimed mail; rebuilt from the key if not). */
function jobOf(record: MailRecord): MailJob {
  return record.job ?? { v: 1, customerId: record.customerId, kind: record.kind, ref: record.ref };
}
