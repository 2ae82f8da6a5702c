import { randomUUID } from 'node:crypto';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCopy } from '../../local/local-copy';
import { localEventBridge, startTestLocalCopy } from '../support/local-copy';
import { header, type StoredMail } from '../support/mail';

/*
 * Mail in the local copy: the real SDK puts events, the production handlers and sender run
 * in process, and the mail lands in the copy's own aws-ses-v2-local inbox (`GET /store`).
 */

let local: LocalCopy;
let eventBridge: EventBridgeClient;
const to = `ada+${randomUUID().slice(0, 8)}@example.com`;

const inbox = async (address = to): Promise<StoredMail[]> => {
  const { emails } = (await (await fetch(`${local.urls.ses}/store`)).json()) as { emails: StoredMail[] };
  return emails.filter((e) => e.destination.to.includes(address));
};
const moveClock = async (body: unknown) =>
  (
    await fetch(`${local.urls.api}/_local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  ).json();

beforeAll(async () => {
  // 23:30 in Stockholm: inside quiet hours.
  local = await startTestLocalCopy('mail', '2027-03-10T22:30:00Z');
  eventBridge = localEventBridge(local);
});

afterAll(async () => {
  eventBridge?.destroy();
  await local?.stop();
});

describe('Mail in the local copy', () => {
  it('a registration is welcomed at once, into the local SES inbox, and listed by /messages', async () => {
    const detail = {
      customerId: 'c-1',
      email: to,
      registeredAt: '2027-03-10T22:30:00Z',
      firstName: 'Ada',
      locale: 'en',
      marketingConsent: true,
    };
    await eventBridge.send(
      new PutEventsCommand({ Entries: [{ Source: 'webshop', DetailType: 'customer.registered', Detail: JSON.stringify(detail) }] }),
    );
    await moveClock({ advance: 'PT0S' });

    const [mail] = await inbox();
    expect(mail).toMatchObject({ subject: 'Welcome to Lojal Demo Sport', from: '"Lojal Demo Sport" <hello@demo.lojal.dev>' });
    const messages = (await (await fetch(`${local.urls.api}/v1/members/c-1/messages`)).json()) as { items: unknown[] };
    expect(messages.items).toEqual([
      {
        at: '2027-03-10T22:30:00.000Z',
        kind: 'welcome',
        ref: 'welcome',
        status: 'sent',
        subject: 'Welcome to Lojal Demo Sport',
        messageId: mail!.messageId,
      },
    ]);
  });

  it('a greeting due in quiet hours waits for the morning, when the clock moves past it', async () => {
    local.publish([
      {
        Source: 'lojal',
        DetailType: 'customer.birthday',
        Detail: JSON.stringify({ idempotencyKey: 'birthday:c-1:2027-03-10', customerId: 'c-1', date: '2027-03-10', bonusPoints: 200 }),
      },
    ]);
    await moveClock({ advance: 'PT0S' });
    expect(await inbox()).toHaveLength(1);

    const moved = (await moveClock({ to: '2027-03-11T08:00:00+01:00' })) as { runs: Record<string, number>; failures: unknown[] };

    expect(moved.failures).toEqual([]);
    expect(moved.runs['email-release']).toBeGreaterThanOrEqual(1);
    const mails = await inbox();
    expect(mails).toHaveLength(2);
    expect(mails[1]).toMatchObject({ subject: 'Happy birthday from Lojal Demo Sport!' });
    // Links point at this local API.
    expect(header(mails[1]!, 'List-Unsubscribe')).toContain(`<${local.urls.api}/v1/members/c-1/unsubscribe?t=`);
  });

  it('a perk.earned goes through the copy’s routes to one mail, however often it comes; a quiet perk to none', async () => {
    const perk = (perkId: string, email: boolean) => ({
      Source: 'lojal',
      DetailType: 'perk.earned',
      Detail: JSON.stringify({
        idempotencyKey: `perk:c-1:${perkId}`,
        customerId: 'c-1',
        perkId,
        perkName: 'Fast payout',
        afterMonths: 6,
        date: '2027-03-11',
        email,
      }),
    });
    const before = (await inbox()).length;

    local.publish([perk('fast-payout', true), perk('fast-payout', true), perk('quiet-perk', false)]);
    await moveClock({ advance: 'PT0S' });

    const mails = (await inbox()).slice(before);
    expect(mails.map((m) => m.subject)).toEqual(['A new perk for you: Fast payout']);
    expect(local.mail.queue.deadLetters).toEqual([]);
  });

  it('a challenge.completed mails each winner once through the copy’s routes, however often it comes, and a deleted winner never', async () => {
    // Prepare: a second member who registers (and is welcomed), then leaves.
    const gone = `gone+${randomUUID().slice(0, 8)}@example.com`;
    const put = (DetailType: string, detail: unknown) =>
      eventBridge.send(new PutEventsCommand({ Entries: [{ Source: 'webshop', DetailType, Detail: JSON.stringify(detail) }] }));
    await put('customer.registered', { customerId: 'c-9', email: gone, registeredAt: '2027-03-11T07:00:00Z' });
    await moveClock({ advance: 'PT0S' });
    await put('customer.deleted', { customerId: 'c-9', deletedAt: '2027-03-11T07:00:01Z' });
    await moveClock({ advance: 'PT0S' });
    const goneBefore = (await inbox(gone)).length;
    const before = (await inbox()).length;
    const completed = {
      Source: 'lojal',
      DetailType: 'challenge.completed',
      Detail: JSON.stringify({
        idempotencyKey: 'challenge:sprint',
        challengeId: 'sprint',
        challengeName: 'Spring sprint',
        scoringClosedAt: '2027-03-10T23:00:00.000Z',
        decidedAt: '2027-03-11T07:00:00.000Z',
        winners: [
          { customerId: 'c-1', rank: 1, score: 900, prize: 300 },
          { customerId: 'c-9', rank: 2, score: 400, prize: 200 },
        ],
      }),
    };

    // Act
    local.publish([completed, completed]);
    await moveClock({ advance: 'PT0S' });

    // Assess
    const mails = (await inbox()).slice(before);
    expect(mails.map((m) => m.subject)).toEqual(['You came 1st in Spring sprint']);
    expect(mails[0]!.body.text).toContain('Your prize of 300 points is already in your account.');
    expect(await inbox(gone)).toHaveLength(goneBefore);
    expect(local.mail.queue.deadLetters).toEqual([]);
  });

  it('the one-click unsubscribe link in the mail works against the local API', async () => {
    const mails = await inbox();
    const url = /^<([^>]+)>/.exec(header(mails[1]!, 'List-Unsubscribe') ?? '')?.[1] ?? '';
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(response.status).toBe(200);
    expect((await fetch(url.replace('/c-1/', '/c-2/'), { method: 'POST' })).status).toBe(403);
    expect(local.mail.queue.deadLetters).toEqual([]);
  });
});
