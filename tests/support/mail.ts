import { randomUUID } from 'node:crypto';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { inject } from 'vitest';
import { SesMailer } from '../../functions/adapters/ses/ses-mailer';
import { CheckinAnswers } from '../../functions/adapters/dynamo/checkin-answers';
import { MailRecords } from '../../functions/adapters/dynamo/mail-records';
import { createMemberApi } from '../../functions/api/member-api';
import { deferredMailReleaseJob } from '../../functions/app/release-deferred-mail';
import type { ProgramConfig } from '../../functions/config/program';
import type { MailJob } from '../../functions/contract/mail-job';
import { MailLinks } from '../../functions/domain/email/links';
import { createMailSender } from '../../functions/handlers/email-sender';
import { createHandlers } from '../../functions/handlers/registry';
import type { Mailer, MailQueue } from '../../functions/runtime/mail-ports';
import type { EventPublisher, LojalEvent } from '../../functions/runtime/event-publisher';
import { demoConfig, manualClock, testDeps } from './deps';
import { createTestTable } from './dynamo';

/** A mail as aws-ses-v2-local keeps it (`GET /store`). */
export interface StoredMail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: readonly string[] };
  readonly subject: string;
  readonly body: { readonly html?: string; readonly text?: string };
  readonly headers?: readonly { readonly name: string; readonly value: string }[];
  readonly at: number;
}

/** The mail the run's aws-ses-v2-local received for `address`, oldest first. */
export async function inboxOf(address: string, endpoint = inject('sesEndpoint')): Promise<StoredMail[]> {
  const response = await fetch(`${endpoint}/store`);
  const { emails } = (await response.json()) as { emails: StoredMail[] };
  return emails.filter((e) => e.destination.to.includes(address));
}

export const header = (mail: StoredMail, name: string) => mail.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;

/** A mail queue that keeps what it is given, for the test to hand to the sender when it chooses. */
export class RecordingMailQueue implements MailQueue {
  jobs: MailJob[] = [];
  async enqueue(jobs: readonly MailJob[]): Promise<void> {
    this.jobs.push(...jobs);
  }
  take(): MailJob[] {
    return this.jobs.splice(0);
  }
}

/** A unique recipient per test, so tests sharing the run's inbox never see each other's mail. */
export const addressFor = (name: string) => `${name}+${randomUUID().slice(0, 8)}@example.com`;

export const TEST_LINK_SECRET = 'test-link-secret-of-at-least-32-characters';
export const TEST_LINK_BASE = 'https://loyalty.demo.test';

/**
 * Everything a mail test needs, on a fresh table: the real handlers (with a recording mail
 * queue), the real sender sending through the real SES v2 client to the run's
 * aws-ses-v2-local, the member API, the release job, and a clock the test moves.
 */
export async function mailTestbed(
  options: { config?: ProgramConfig; start?: string; mailer?: (ses: SESv2Client) => Mailer; ses?: SESv2Client } = {},
) {
  const config = options.config ?? demoConfig;
  const table = await createTestTable('mail');
  const clock = manualClock(options.start ?? '2027-03-10T10:00:00Z');
  const queue = new RecordingMailQueue();
  const links = new MailLinks({
    secret: TEST_LINK_SECRET,
    baseUrl: TEST_LINK_BASE,
    unsubscribeMailbox: config.brand.senderAddress,
    now: () => clock.now(),
  });
  const ses =
    options.ses ??
    new SESv2Client({
      endpoint: inject('sesEndpoint'),
      region: 'eu-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  // Lojal's announcements (customer.unsubscribed), kept for the test to read.
  const published: LojalEvent[] = [];
  const events: EventPublisher = { publish: async (batch) => (published.push(...batch), { failed: [] }) };
  const deps = { ...testDeps(table.doc, table.tableName, config), clock, email: { queue, links }, events };
  const handlers = createHandlers(deps);
  const send = createMailSender({ ...deps, mailer: options.mailer ? options.mailer(ses) : new SesMailer(ses), links });
  const api = createMemberApi(deps);
  const release = deferredMailReleaseJob({ ...deps, queue });
  const records = new MailRecords(table.doc, table.tableName);
  const checkins = new CheckinAnswers(table.doc, table.tableName);
  /** A mail's record and a check-in answer, as the tests look them up. */
  const store = {
    get: (customerId: string, kind: MailJob['kind'], ref: string) => records.get(customerId, kind, ref),
    checkinAnswer: (customerId: string, orderId: string) => checkins.get(customerId, orderId),
  };

  /** Hands every queued request to the sender, and any it causes, until the queue is empty. */
  const drain = async () => {
    const outcomes = [];
    for (let jobs = queue.take(); jobs.length > 0; jobs = queue.take()) {
      for (const job of jobs) outcomes.push(await send({ body: JSON.stringify(job), receiveCount: 1 }));
    }
    return outcomes;
  };
  return { config, table, clock, queue, links, ses, deps, handlers, send, api, release, store, drain, published };
}
