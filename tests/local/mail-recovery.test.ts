import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailRecords } from '../../functions/adapters/dynamo/mail-records';
import { MailLog } from '../../functions/adapters/dynamo/mail-log';
import type { MailJob } from '../../functions/contract/mail-job';
import { silentLogger } from '../../functions/runtime/ports';
import { LocalClock } from '../../local/clock';
import type { LocalCopy } from '../../local/local-copy';
import { LocalMailQueue } from '../../local/mail';
import { WorkTracker } from '../../local/work-tracker';
import { createTestTable } from '../support/dynamo';
import { localEventBridge, startTestLocalCopy } from '../support/local-copy';
import type { StoredMail } from '../support/mail';

/*
 * A local copy killed mid-stream loses no mail (issue 13). In AWS the SQS queue keeps every
 * request until it is handled; the local copy's queue is in process, so it writes each request
 * down as an open mail record, and a copy starting on the same table queues again every mail
 * the previous one left unsettled. The crash is simulated by leaving the table exactly as a
 * copy killed at each point leaves it (the sender's own writes, a queue whose sender never
 * answers), then starting a second copy on that table, as `npm start -- --persist` does.
 */

const T0 = '2027-03-11T10:00:00Z';
const RESTART = '2027-03-11T10:10:00Z';
const MEMBERS = ['claimed-expired', 'claimed-live', 'queued', 'released', 'deferred-due', 'deferred-later', 'sent'] as const;
type Member = (typeof MEMBERS)[number];

let table: Awaited<ReturnType<typeof createTestTable>>;
let records: MailRecords;
let after: LocalCopy;
const address = (m: Member) => `${m}@recovery.example.com`;
const birthday = (m: Member): MailJob => ({ v: 1, customerId: m, kind: 'birthday', ref: '2027-03-11', data: { bonusPoints: 200 } });
const at = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000);

async function birthdayMailsIn(local: LocalCopy): Promise<Member[]> {
  const { emails } = (await (await fetch(`${local.urls.ses}/store`)).json()) as { emails: StoredMail[] };
  return MEMBERS.filter((m) => emails.some((e) => e.destination.to.includes(address(m)) && /birthday/i.test(e.subject)));
}

beforeAll(async () => {
  table = await createTestTable('mail-recovery');
  records = new MailRecords(table.doc, table.tableName);

  // The first run: the members register and are welcomed.
  const before = await startTestLocalCopy('mail-recovery', T0, { tableName: table.tableName });
  const eventBridge: EventBridgeClient = localEventBridge(before);
  await eventBridge.send(
    new PutEventsCommand({
      Entries: MEMBERS.map((m) => ({
        Source: 'webshop',
        DetailType: 'customer.registered',
        Detail: JSON.stringify({ customerId: m, registeredAt: T0, email: address(m), marketingConsent: true, locale: 'en' }),
      })),
    }),
  );
  await fetch(`${before.urls.api}/_local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance: 'PT0S' }),
  });
  eventBridge.destroy();
  await before.stop();

  // Then it is killed at a different point of each member's birthday mail:
  const now = new Date(T0);
  const claim = (m: Member, leaseUntil: Date, token = `token-${m}`) =>
    records.claim({
      customerId: m,
      kind: 'birthday',
      refs: ['2027-03-11'],
      jobs: new Map([['2027-03-11', birthday(m)]]),
      token,
      now,
      leaseUntil,
    });
  // while a sender held the mail, its lease (2 minutes) over before the restart,
  await claim('claimed-expired', at(T0, 2));
  // while a sender held the mail under a lease that lasts past the restart,
  await claim('claimed-live', at(T0, 60));
  // after the queue took the request, before a sender got to it (its sender never answers),
  const hanging = new LocalMailQueue(() => new Promise(() => {}), {
    work: new WorkTracker(),
    logger: silentLogger,
    clock: new LocalClock({ start: now, frozen: true }),
    records,
  });
  await hanging.enqueue([birthday('queued')]);
  // after SES throttled the send and the claim was given back, during the retry's pause,
  await claim('released', at(T0, 2));
  await records.release('released', 'birthday', ['2027-03-11'], 'token-released', now);
  // with the mail deferred to before the restart, and to the next day,
  const log = new MailLog(table.doc, table.tableName);
  const deferral = (customerId: string, until: string) =>
    log.entryItem(customerId, {
      at: now.toISOString(),
      kind: 'birthday',
      refs: ['2027-03-11'],
      status: 'deferred',
      until,
      reason: 'quiet-hours',
    });
  await records.defer(birthday('deferred-due'), at(T0, 5), 'quiet-hours', now, deferral('deferred-due', at(T0, 5).toISOString()));
  await records.defer(
    birthday('deferred-later'),
    at(T0, 24 * 60),
    'quiet-hours',
    now,
    deferral('deferred-later', at(T0, 24 * 60).toISOString()),
  );
  // and after the mail was sent and recorded: nothing to do.
  await claim('sent', at(T0, 2));
  await records.markSent({
    customerId: 'sent',
    kind: 'birthday',
    refs: ['2027-03-11'],
    token: 'token-sent',
    messageId: 'before-the-crash',
    subject: 'Happy birthday',
    sentAt: now,
    logEntry: log.entryItem('sent', {
      at: T0,
      kind: 'birthday',
      status: 'sent',
      subject: 'Happy birthday',
      messageId: 'before-the-crash',
      mailClass: 'marketing',
      refs: ['2027-03-11'],
    }),
  });

  after = await startTestLocalCopy('mail-recovery', RESTART, { tableName: table.tableName });
  await fetch(`${after.urls.api}/_local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance: 'PT0S' }),
  });
});

afterAll(async () => {
  await after?.stop();
  table?.doc.destroy();
  table?.client.destroy();
});

describe('A copy starting on a table a crash left behind', () => {
  it('sends every mail left open, deferred and due, or claimed under an expired lease, at once', async () => {
    expect(await birthdayMailsIn(after)).toEqual(['claimed-expired', 'queued', 'released', 'deferred-due']);
    for (const m of ['claimed-expired', 'queued', 'released', 'deferred-due'] as const) {
      expect((await records.get(m, 'birthday', '2027-03-11'))?.status).toBe('sent');
    }
  });

  it('leaves a mail sent before the crash alone', async () => {
    expect(await records.get('sent', 'birthday', '2027-03-11')).toMatchObject({ status: 'sent', messageId: 'before-the-crash' });
  });

  it('sends a mail claimed under a live lease once the lease has run out, and a deferred one when it is due', async () => {
    expect((await records.get('claimed-live', 'birthday', '2027-03-11'))?.status).toBe('claimed');
    await fetch(`${after.urls.api}/_local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: '2027-03-11T11:01:00Z' }),
    });
    expect(await birthdayMailsIn(after)).toContain('claimed-live');
    expect((await records.get('claimed-live', 'birthday', '2027-03-11'))?.status).toBe('sent');

    expect(await birthdayMailsIn(after)).not.toContain('deferred-later');
    await fetch(`${after.urls.api}/_local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: '2027-03-12T10:05:00Z' }),
    });
    expect(await birthdayMailsIn(after)).toContain('deferred-later');
    expect(after.mail.queue.deadLetters).toEqual([]);
  });

  it('the queue writes a request down as an open mail, with the request, before a sender sees it', async () => {
    const hanging = new LocalMailQueue(() => new Promise(() => {}), {
      work: new WorkTracker(),
      logger: silentLogger,
      clock: after.clock,
      records,
    });
    const job: MailJob = { v: 1, customerId: 'sent', kind: 'anniversary', ref: '2028-03-11', data: { years: 1 } };
    await hanging.enqueue([job, birthday('sent')]);
    expect(await records.get('sent', 'anniversary', '2028-03-11')).toMatchObject({ status: 'open', job });
    // A mail with a record already is not touched: the record says what happened to it.
    expect(await records.get('sent', 'birthday', '2027-03-11')).toMatchObject({ status: 'sent', messageId: 'before-the-crash' });
  });
});
