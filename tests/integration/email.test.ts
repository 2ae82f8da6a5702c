import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, inject, it, vi } from 'vitest';
import { SesMailer } from '../../functions/adapters/ses/ses-mailer';
import { parseProgramConfig } from '../../functions/config/program';
import demo from '../../clients/demo';
import { dueEventFor } from '../../functions/domain/timeline';
import { TimelineStore } from '../../functions/adapters/dynamo/timeline-store';
import { calendarDailyJob } from '../../functions/app/calendar-daily';
import { challengeResultsJob } from '../../functions/app/challenge-results';
import { createEmailFeedbackHandler } from '../../functions/handlers/email-feedback';
import type { LojalEvent } from '../../functions/runtime/event-publisher';
import { MailBusyError, MailThrottledError } from '../../functions/runtime/mail-ports';
import { apiRequest } from '../support/api';
import { busEvent, demoConfig, socksOrder } from '../support/deps';
import { addressFor, header, inboxOf, mailTestbed, TEST_LINK_BASE } from '../support/mail';

/*
 * Lifecycle mail end to end against the run's aws-ses-v2-local: the real handlers queue
 * requests, the real sender sends them through the real SES v2 client, and each test reads
 * the mail SES received (recipient, subject, HTML, text, headers) from its store.
 */

type Testbed = Awaited<ReturnType<typeof mailTestbed>>;

const register = async (bed: Testbed, customerId: string, email: string, extra: Record<string, unknown> = {}) =>
  bed.handlers['welcome-email'](
    busEvent('customer.registered', { customerId, email, registeredAt: bed.clock.now().toISOString(), ...extra }),
  );

/** A customer registered with the webshop's profile handler only (no welcome mail queued). */
const profileOnly = async (bed: Testbed, customerId: string, email: string, extra: Record<string, unknown> = {}) =>
  bed.handlers['customer-registered'](
    busEvent('customer.registered', { customerId, email, registeredAt: bed.clock.now().toISOString(), ...extra }),
  );

const birthday = (bed: Testbed, customerId: string, date: string) =>
  bed.handlers['birthday-email'](
    busEvent('customer.birthday', { idempotencyKey: `birthday:${customerId}:${date}`, customerId, date, bonusPoints: 200 }, 'lojal'),
  );

/** The one mail sent to `to`: from the brand, with this subject and every line in both parts, and no unsubscribe headers (service mail). */
async function expectOneServiceMail(outcomes: readonly unknown[], to: string, subject: string, lines: readonly string[]) {
  expect(outcomes).toEqual([expect.objectContaining({ outcome: 'sent' })]);
  const [mail, ...more] = await inboxOf(to);
  expect(more).toEqual([]);
  expect(mail).toMatchObject({ from: '"Lojal Demo Sport" <hello@demo.lojal.dev>', destination: { to: [to] }, subject });
  for (const part of [mail!.body.html!, mail!.body.text!]) {
    for (const line of lines) expect(part).toContain(line);
  }
  expect(header(mail!, 'List-Unsubscribe')).toBeUndefined();
}

const call = async (bed: Testbed, method: string, url: string, body?: string) => {
  const { pathname, searchParams } = new URL(url);
  const request = apiRequest(method, pathname, Object.fromEntries(searchParams));
  const result = (await bed.api(body === undefined ? request : { ...request, body })) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: String(result.body ?? '') };
};

const nbConfig = parseProgramConfig({ ...demo, clientId: 'norge', locales: ['nb', 'en'], defaultLocale: 'nb', timeZone: 'Europe/Oslo' });

describe('Welcome mail', () => {
  it.each([
    {
      locale: 'sv-SE',
      config: undefined,
      subject: 'Välkommen till Lojal Demo Sport',
      greeting: 'Hej Ada!',
      balance: 'Just nu har du 0 poäng.',
    },
    {
      locale: 'en-GB',
      config: undefined,
      subject: 'Welcome to Lojal Demo Sport',
      greeting: 'Hi Ada,',
      balance: 'You have 0 points right now.',
    },
    {
      locale: 'nb-NO',
      config: nbConfig,
      subject: 'Velkommen til Lojal Demo Sport',
      greeting: 'Hei Ada!',
      balance: 'Akkurat nå har du 0 poeng.',
    },
    // The demo does not offer Norwegian or German: its default, Swedish, is used.
    {
      locale: 'de-DE',
      config: undefined,
      subject: 'Välkommen till Lojal Demo Sport',
      greeting: 'Hej Ada!',
      balance: 'Just nu har du 0 poäng.',
    },
  ])(
    'is sent at once in $locale with the balance and the ways to earn, as service mail',
    async ({ locale, config, subject, greeting, balance }) => {
      // Prepare
      const bed = await mailTestbed(config ? { config } : {});
      const to = addressFor('welcome');

      // Act
      await register(bed, 'c1', to, { firstName: 'Ada', locale });
      const outcomes = await bed.drain();

      // Assess
      expect(outcomes).toEqual([expect.objectContaining({ outcome: 'sent' })]);
      const [mail, ...more] = await inboxOf(to);
      expect(more).toEqual([]);
      expect(mail).toMatchObject({ from: '"Lojal Demo Sport" <hello@demo.lojal.dev>', destination: { to: [to] }, subject });
      for (const part of [mail!.body.html!, mail!.body.text!]) {
        expect(part).toContain(greeting);
        expect(part).toContain(balance);
      }
      expect(mail!.body.html).toMatch(/^<!doctype html>/);
      expect(mail!.body.text).toMatch(/2×/);
      // Service mail carries no unsubscribe headers.
      expect(header(mail!, 'List-Unsubscribe')).toBeUndefined();
    },
  );

  it('names the points a member already has and every way to earn more, in their language', async () => {
    const bed = await mailTestbed();
    const to = addressFor('balance');
    await bed.handlers['order-placed'](
      busEvent('order.placed', {
        orderId: 'o1',
        customerId: 'c1',
        placedAt: '2027-03-10T09:00:00Z',
        currency: 'SEK',
        lines: [{ sku: 'TR3', category: 'running-shoes', quantity: 1, unitPrice: 129_900 }],
      }),
    );
    await register(bed, 'c1', to, { locale: 'en' });
    await bed.drain();

    const [mail] = await inboxOf(to);
    expect(mail!.body.text).toContain('You have 2,598 points right now.');
    expect(mail!.body.text).toMatch(/- 1 point for every SEK\s1\.00 you spend/);
    expect(mail!.body.text).toContain('- 2× the points on running shoes');
    expect(mail!.body.text).toContain('- 50 points for writing a review');
    expect(mail!.body.text).toContain('- 250 points for referring a friend');
    expect(mail!.body.text).toMatch(/^Hi,$/m);
  });

  it('escapes customer-supplied text in HTML: a name like <img src=x onerror=alert(1)> arrives as text', async () => {
    const bed = await mailTestbed();
    const to = addressFor('xss');
    await register(bed, 'c1', to, { firstName: '<img src=x onerror=alert(1)>', locale: 'en' });
    await bed.drain();

    const [mail] = await inboxOf(to);
    expect(mail!.body.html).toContain('Hi &lt;img src=x onerror=alert(1)&gt;,');
    expect(mail!.body.html).not.toContain('<img');
    expect(mail!.body.text).toContain('Hi <img src=x onerror=alert(1)>,');
  });

  it('goes out once however often the registration is delivered, even all at once', async () => {
    const bed = await mailTestbed();
    const to = addressFor('once');
    await Promise.all([register(bed, 'c1', to), register(bed, 'c1', to), register(bed, 'c1', to)]);
    const jobs = bed.queue.take();
    expect(jobs).toHaveLength(3);

    const settled = await Promise.allSettled(jobs.map((job) => bed.send({ body: JSON.stringify(job), receiveCount: 1 })));
    await Promise.all(jobs.map((job) => bed.send({ body: JSON.stringify(job), receiveCount: 2 }).catch(() => undefined)));

    expect(await inboxOf(to)).toHaveLength(1);
    for (const result of settled) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(MailBusyError);
    }
  });

  it('is listed by GET /messages as sent, with the time, kind, ref, subject and the SES message id', async () => {
    const bed = await mailTestbed();
    const to = addressFor('log');
    await register(bed, 'c1', to, { locale: 'en' });
    await bed.drain();
    const [mail] = await inboxOf(to);

    const { status, body } = await call(bed, 'GET', `${TEST_LINK_BASE}/v1/members/c1/messages`);

    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({
      items: [
        {
          at: '2027-03-10T10:00:00.000Z',
          kind: 'welcome',
          ref: 'welcome',
          status: 'sent',
          subject: 'Welcome to Lojal Demo Sport',
          messageId: mail!.messageId,
        },
      ],
      nextCursor: null,
    });
    expect((await call(bed, 'GET', `${TEST_LINK_BASE}/v1/members/nobody/messages`)).status).toBe(404);
  });
});

describe('Marketing mail: consent and unsubscribe', () => {
  it('needs marketing consent; without it nothing is sent and the request is settled as skipped', async () => {
    const bed = await mailTestbed();
    const to = addressFor('noconsent');
    await profileOnly(bed, 'c1', to, { marketingConsent: false });
    await birthday(bed, 'c1', '2027-03-10');

    expect(await bed.drain()).toEqual([{ outcome: 'skipped', reason: 'no-consent' }]);
    expect(await inboxOf(to)).toEqual([]);
    expect((await bed.store.get('c1', 'birthday', '2027-03-10'))?.status).toBe('skipped');
  });

  it('carries one-click unsubscribe headers (RFC 8058) and a footer link; the link withdraws consent', async () => {
    // Prepare
    const bed = await mailTestbed();
    const to = addressFor('unsub');
    await profileOnly(bed, 'c1', to, { marketingConsent: true, firstName: 'Bo', locale: 'sv' });
    await birthday(bed, 'c1', '2027-03-10');
    await bed.drain();
    const [mail] = await inboxOf(to);

    // Assess the mail
    expect(mail).toMatchObject({ subject: 'Grattis på födelsedagen från Lojal Demo Sport!' });
    expect(mail!.body.text).toContain('Vi firar med att sätta in 200 poäng på ditt konto.');
    const listUnsubscribe = header(mail!, 'List-Unsubscribe') ?? '';
    const [, https, mailto] = /^<(https:[^>]+)>, <(mailto:[^>]+)>$/.exec(listUnsubscribe) ?? [];
    expect(https).toMatch(/^https:\/\/loyalty\.demo\.test\/v1\/members\/c1\/unsubscribe\?t=1\.[\w-]{22}$/);
    expect(mailto).toMatch(/^mailto:hello@demo\.lojal\.dev\?subject=unsubscribe%20c1%201\.[\w-]{22}$/);
    expect(header(mail!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(mail!.body.html).toContain(`href="${https}"`);

    // Act: a GET only shows the page; the mail client's one-click POST unsubscribes.
    const page = await call(bed, 'GET', https!);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<form method="post"');
    expect(await bed.deps.email.links.verify('unsubscribe', 'c1', '', new URL(https!).searchParams.get('t') ?? '')).toBe(true);
    expect(await birthdayOutcome(bed, 'c1', '2027-03-11')).toBe('sent');
    bed.clock.set('2027-03-10T12:00:00Z');
    const done = await call(bed, 'POST', https!, 'List-Unsubscribe=One-Click');

    // Assess: consent is withdrawn, so the next marketing mail is not sent.
    expect(done.status).toBe(200);
    expect(done.body).toContain('du får inga fler nyheter');
    expect(await birthdayOutcome(bed, 'c1', '2027-03-12')).toBe('skipped');
  });

  it('refuses a forged or borrowed unsubscribe link and changes nothing', async () => {
    const bed = await mailTestbed();
    await profileOnly(bed, 'victim', addressFor('victim'), { marketingConsent: true });
    const mine = bed.links.unsubscribeUrl('attacker');
    const borrowed = mine.replace('/members/attacker/', '/members/victim/');
    const forged = `${TEST_LINK_BASE}/v1/members/victim/unsubscribe?t=${'A'.repeat(22)}`;

    for (const url of [borrowed, forged, `${TEST_LINK_BASE}/v1/members/victim/unsubscribe`]) {
      expect((await call(bed, 'POST', url, 'List-Unsubscribe=One-Click')).status).toBe(403);
      expect((await call(bed, 'GET', url)).status).toBe(403);
    }
    expect(await birthdayOutcome(bed, 'victim', '2027-03-10')).toBe('sent');
  });
});

/** Queues a birthday mail, runs the sender, and answers its outcome. */
async function birthdayOutcome(bed: Testbed, customerId: string, date: string) {
  await birthday(bed, customerId, date);
  const [outcome] = await bed.drain();
  return outcome?.outcome;
}

describe('Frequency cap and quiet hours', () => {
  it('defers a marketing mail over the cap to the first allowed moment, then sends it', async () => {
    // Prepare: the demo allows 2 marketing mails per rolling 7 days.
    const bed = await mailTestbed({ start: '2027-03-10T10:00:00Z' });
    const to = addressFor('cap');
    await profileOnly(bed, 'c1', to, { marketingConsent: true });

    // Act
    expect(await birthdayOutcome(bed, 'c1', '2027-03-10')).toBe('sent');
    bed.clock.set('2027-03-10T11:00:00Z');
    expect(await birthdayOutcome(bed, 'c1', '2027-03-11')).toBe('sent');
    bed.clock.set('2027-03-10T12:00:00Z');
    await birthday(bed, 'c1', '2027-03-12');
    const [third] = await bed.drain();

    // Assess: the first mail leaves the window 7 days after it went out.
    expect(third).toEqual({ outcome: 'deferred', until: '2027-03-17T10:00:00.000Z', reason: 'cap' });
    expect(await inboxOf(to)).toHaveLength(2);
    bed.clock.set('2027-03-17T09:59:00Z');
    expect(await bed.release.release()).toEqual({ released: 0, abandoned: 0 });
    expect(await bed.release.nextDueAt(bed.clock.now())).toEqual(new Date('2027-03-17T10:00:00.000Z'));

    bed.clock.set('2027-03-17T10:00:00Z');
    expect(await bed.release.release()).toEqual({ released: 1, abandoned: 0 });
    expect(await bed.drain()).toEqual([expect.objectContaining({ outcome: 'sent' })]);
    expect(await inboxOf(to)).toHaveLength(3);
    expect(await bed.store.get('c1', 'birthday', '2027-03-12')).toMatchObject({ status: 'sent', sentAt: '2027-03-17T10:00:00.000Z' });
  });

  it('service mail is never capped', async () => {
    const bed = await mailTestbed();
    const to = addressFor('service');
    await profileOnly(bed, 'c1', to, { marketingConsent: true });
    await birthdayOutcome(bed, 'c1', '2027-03-10');
    await birthdayOutcome(bed, 'c1', '2027-03-11');
    await register(bed, 'c1', to);
    expect(await bed.drain()).toEqual([expect.objectContaining({ outcome: 'sent' })]);
  });

  it('holds scheduled mail due in quiet hours until their end on the member’s clock', async () => {
    // 00:30 in Stockholm: the calendar job emits greetings at local midnight.
    const bed = await mailTestbed({ start: '2027-03-10T23:30:00Z' });
    const to = addressFor('quiet');
    await profileOnly(bed, 'c1', to, { marketingConsent: true });

    await birthday(bed, 'c1', '2027-03-11');
    expect(await bed.drain()).toEqual([{ outcome: 'deferred', until: '2027-03-11T07:00:00.000Z', reason: 'quiet-hours' }]);

    bed.clock.set('2027-03-11T07:00:00Z');
    await bed.release.release();
    expect(await bed.drain()).toEqual([expect.objectContaining({ outcome: 'sent' })]);
    expect(await inboxOf(to)).toHaveLength(1);
  });

  it('reads quiet hours on the member’s own clock when they have a time zone', async () => {
    // 23:30 UTC is 00:30 in Stockholm but 18:30 in New York: no quiet hours there.
    const bed = await mailTestbed({ start: '2027-03-10T23:30:00Z' });
    await profileOnly(bed, 'c1', addressFor('tz'), { marketingConsent: true, timeZone: 'America/New_York' });
    expect(await birthdayOutcome(bed, 'c1', '2027-03-10')).toBe('sent');
  });
});

describe('Reminders: check-ins and replacements', () => {
  const order = (orderId: string, placedAt: string, lines: unknown[]) =>
    busEvent('order.placed', { orderId, customerId: 'c1', placedAt, currency: 'SEK', lines });

  /** The `checkin.due` or `product.aged` event the sweeper would emit for each item, keyed by item id. */
  const dueEvents = async (bed: Testbed) => {
    const items = await new TimelineStore(bed.table.doc, bed.table.tableName).list('c1', true);
    return new Map(items.map((item) => [item.itemId, { item, event: dueEventFor(item) }]));
  };

  it('a check-in asks about the purchase with 0–10 links; two due the same day go out as one mail', async () => {
    // Prepare: two orders on one day, so their check-ins fall due 30 days later, 3 hours apart.
    const bed = await mailTestbed({ start: '2027-03-10T09:00:00Z' });
    const to = addressFor('checkin');
    await profileOnly(bed, 'c1', to, { locale: 'en' });
    // Business times are bounded by the clock (issue 12.4): the orders arrive once placed.
    bed.clock.set('2027-03-10T13:00:00Z');
    await bed.handlers['order-placed'](
      order('o1', '2027-03-10T10:00:00Z', [
        { sku: 'TR3', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' },
      ]),
    );
    await bed.handlers['order-placed'](
      order('o2', '2027-03-10T13:00:00Z', [
        { sku: 'SOCK', category: 'running-socks', quantity: 2, unitPrice: 9_900, name: 'Merino Socks' },
      ]),
    );
    const due = await dueEvents(bed);
    const first = due.get('checkin:o1')!;
    const second = due.get('checkin:o2')!;

    // Act: the first falls due; later the second.
    bed.clock.set(first.item.dueAt);
    await bed.handlers['checkin-email'](busEvent(first.event.detailType, first.event.detail, 'lojal'));
    const firstOutcomes = await bed.drain();
    bed.clock.set(second.item.dueAt);
    await bed.handlers['checkin-email'](busEvent(second.event.detailType, second.event.detail, 'lojal'));
    const secondOutcomes = await bed.drain();

    // Assess
    expect(firstOutcomes).toEqual([expect.objectContaining({ outcome: 'sent', refs: ['checkin:o1', 'checkin:o2'] })]);
    expect(secondOutcomes).toEqual([{ outcome: 'duplicate' }]);
    const [mail, ...more] = await inboxOf(to);
    expect(more).toEqual([]);
    expect(mail!.subject).toBe('Is everything right with your order?');
    expect(mail!.body.text).toContain('A while ago you bought Trail Runner 3 and Merino Socks.');
    expect(mail!.body.text).toContain('How likely are you to recommend us to a friend?');
    const links = [...mail!.body.html!.matchAll(/href="([^"]+\/checkin\?[^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    expect(links).toHaveLength(11);
    expect(links.map((l) => new URL(l).searchParams.get('score'))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(header(mail!, 'List-Unsubscribe')).toBeUndefined();

    // The answer round trip: the link shows a page, its button records the answer.
    const nine = links[9]!;
    const shown = await call(bed, 'GET', nine);
    expect(shown).toMatchObject({ status: 200, body: expect.stringContaining('Your answer: 9 out of 10.') });
    expect(await bed.store.checkinAnswer('c1', 'o1')).toBeUndefined();
    expect((await call(bed, 'POST', nine)).status).toBe(200);
    expect(await bed.store.checkinAnswer('c1', 'o1')).toMatchObject({ score: 9 });
    // A link for another order, or with the score out of range, records nothing.
    expect((await call(bed, 'POST', nine.replace('order=o1', 'order=o2'))).status).toBe(403);
    expect((await call(bed, 'POST', nine.replace('score=9', 'score=11'))).status).toBe(403);
  });

  it('a replacement reminder names the products and their age, suggests related categories, never one just bought', async () => {
    // Prepare: shoes and a jacket wearing out on the same day; insoles bought 10 days before.
    const bed = await mailTestbed({ start: '2027-03-10T09:00:00Z' });
    const to = addressFor('replacement');
    await profileOnly(bed, 'c1', to, { marketingConsent: true, locale: 'sv' });
    // Business times are bounded by the clock (issue 12.4): the orders arrive once placed.
    bed.clock.set('2027-03-10T10:00:00Z');
    await bed.handlers['order-placed'](
      order('o1', '2027-03-10T10:00:00Z', [
        { sku: 'TR3', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' },
        { sku: 'GTX', category: 'jackets', quantity: 1, unitPrice: 199_900, name: 'Storm Jacket', lifespanDays: 270 },
      ]),
    );
    const due = await dueEvents(bed);
    const shoes = due.get('replacement:running-shoes:o1')!;
    const jacket = due.get('replacement:jackets:o1')!;
    bed.clock.set(new Date(Date.parse(shoes.item.dueAt) - 10 * 86_400_000).toISOString());
    await bed.handlers['order-placed'](
      order('o2', bed.clock.now().toISOString(), [{ sku: 'INS', category: 'insoles', quantity: 1, unitPrice: 29_900 }]),
    );

    // Act: both reminders fall due at once; each event queues a request.
    bed.clock.set(shoes.item.dueAt);
    await bed.handlers['replacement-email'](busEvent(shoes.event.detailType, shoes.event.detail, 'lojal'));
    await bed.handlers['replacement-email'](busEvent(jacket.event.detailType, jacket.event.detail, 'lojal'));
    const outcomes = await bed.drain();

    // Assess: one mail for both; the second request finds its reminder already sent.
    expect(outcomes.map((o) => o.outcome)).toEqual(['sent', 'duplicate']);
    const [mail, ...more] = await inboxOf(to);
    expect(more).toEqual([]);
    expect(mail!.subject).toBe('Dags att byta ut Trail Runner 3 och Storm Jacket?');
    expect(mail!.body.text).toContain('- Storm Jacket: köpt för 9 månader sedan');
    expect(mail!.body.text).toContain('- Trail Runner 3: köpt för 9 månader sedan');
    expect(mail!.body.text).toContain('Passar bra ihop med\n\n- löparstrumpor');
    expect(mail!.body.text).not.toContain('insoles');
    expect(header(mail!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
  });

  it('a reminder cancelled after it fell due is not mailed', async () => {
    const bed = await mailTestbed({ start: '2027-03-10T09:00:00Z' });
    const to = addressFor('cancelled');
    await profileOnly(bed, 'c1', to);
    // Business times are bounded by the clock (issue 12.4): the orders arrive once placed.
    bed.clock.set('2027-03-10T10:00:00Z');
    await bed.handlers['order-placed'](
      order('o1', '2027-03-10T10:00:00Z', [{ sku: 'TR3', category: 'running-shoes', quantity: 1, unitPrice: 129_900 }]),
    );
    const { item, event } = (await dueEvents(bed)).get('checkin:o1')!;
    bed.clock.set(item.dueAt);
    await bed.handlers['checkin-email'](busEvent(event.detailType, event.detail, 'lojal'));
    await bed.handlers['customer-deleted'](busEvent('customer.deleted', { customerId: 'c1', deletedAt: item.dueAt }));

    const [outcome] = await bed.drain();
    expect(outcome).toMatchObject({ outcome: 'skipped' });
    expect(await inboxOf(to)).toEqual([]);
  });
});

describe('Loyalty notices: tier, reward and expiry mail', () => {
  const at = '2027-03-10T09:00:00.000Z';
  const tierChanged = (customerId: string, extra: Record<string, unknown> = {}) =>
    busEvent(
      'tier.changed',
      {
        idempotencyKey: `tier:${customerId}:${at}:Silver`,
        customerId,
        from: 'Red',
        to: 'Silver',
        direction: 'upgrade',
        at,
        multiplier: 1.5,
        qualifyingPoints: 5200,
        reviewAt: '2028-03-10T09:00:00.000Z',
        ...extra,
      },
      'lojal',
    );
  const tierExpiring = (customerId: string) =>
    busEvent(
      'tier.expiring',
      {
        idempotencyKey: `tier-review:${customerId}:2027-04-09T09:00:00.000Z`,
        customerId,
        tier: 'Silver',
        reviewAt: '2027-04-09T09:00:00.000Z',
        projectedTier: 'Red',
        qualifyingPoints: 4000,
        requiredPoints: 5000,
        pointsToKeep: 1000,
        at,
      },
      'lojal',
    );
  const rewardEarned = (customerId: string, rewardName = 'Running socks') =>
    busEvent(
      'reward.earned',
      {
        idempotencyKey: `reward:${customerId}:redemption:r1`,
        customerId,
        source: 'redemption',
        rewardId: 'running-socks',
        rewardName,
        code: 'RS-7Q2K',
        at,
        validUntil: '2027-06-08T09:00:00.000Z',
        points: 500,
      },
      'lojal',
    );
  const pointsExpiring = (customerId: string) =>
    busEvent(
      'points.expiring',
      {
        idempotencyKey: `points-expiring:${customerId}:2027-03-31`,
        customerId,
        points: 1200,
        expiresAt: '2027-03-31T22:00:00.000Z',
        lastValidDate: '2027-03-31',
        balance: 3000,
        at,
      },
      'lojal',
    );

  const cases = [
    {
      name: 'a tier upgrade',
      handler: 'tier-changed-email',
      event: tierChanged,
      sv: {
        subject: 'Välkommen till Silver!',
        lines: [
          'Grattis: dina köp har tagit dig upp till Silver.',
          'Från och med nu får du 1,5× poängen på varje köp.',
          'Din nivå ses över nästa gång den 10 mars 2028.',
        ],
      },
      en: {
        subject: 'Welcome to Silver!',
        lines: [
          'Congratulations: your purchases have taken you up to Silver.',
          'From now on you earn 1.5× the points on every purchase.',
          'Your status is next reviewed on 10 March 2028.',
        ],
      },
    },
    {
      name: 'a tier expiring warning',
      handler: 'tier-expiring-email',
      event: tierExpiring,
      sv: {
        subject: 'Behåll din nivå Silver',
        lines: [
          'Din nivå Silver ses över den 9 april 2027. Med det du har tjänat hittills blir den Red.',
          /Tjäna 1\s000 poäng till innan dess för att behålla Silver\./,
        ],
      },
      en: {
        subject: 'Keep your Silver status',
        lines: [
          'Your Silver status is reviewed on 9 April 2027. On what you have earned so far, it would become Red.',
          'Earn 1,000 points more before then to keep Silver.',
        ],
      },
    },
    {
      name: 'a reward',
      handler: 'reward-email',
      event: rewardEarned,
      sv: {
        subject: 'Din belöning: Running socks',
        lines: ['Du har fått Running socks.', 'Din kod: RS-7Q2K', 'Använd den i kassan senast den 8 juni 2027.'],
      },
      en: {
        subject: 'Your reward: Running socks',
        lines: ['You have earned Running socks.', 'Your code: RS-7Q2K', 'Use it at checkout by 8 June 2027.'],
      },
    },
    {
      name: 'points expiring',
      handler: 'expiry-email',
      event: pointsExpiring,
      sv: {
        subject: /^1\s200 poäng går snart ut$/,
        lines: [/1\s200 poäng på ditt konto gäller till och med den 31 mars 2027\./, 'Använd dem innan dess, annars går de ut.'],
      },
      en: {
        subject: '1,200 points expire soon',
        lines: ['1,200 points in your account are valid until 31 March 2027.', 'Use them before then, or they expire.'],
      },
    },
  ] as const;

  it.each(cases.flatMap((c) => (['sv', 'en'] as const).map((locale) => ({ ...c, locale, expected: c[locale] }))))(
    '$name is mailed in $locale as service mail, without marketing consent',
    async ({ handler, event, locale, expected }) => {
      // Prepare
      const bed = await mailTestbed();
      const to = addressFor(handler);
      await profileOnly(bed, 'c1', to, { firstName: 'Ada', locale, marketingConsent: false });

      // Act
      await bed.handlers[handler](event('c1'));
      const outcomes = await bed.drain();

      // Assess
      expect(outcomes).toEqual([expect.objectContaining({ outcome: 'sent' })]);
      const [mail, ...more] = await inboxOf(to);
      expect(more).toEqual([]);
      expect(mail).toMatchObject({ from: '"Lojal Demo Sport" <hello@demo.lojal.dev>', destination: { to: [to] } });
      if (typeof expected.subject === 'string') expect(mail!.subject).toBe(expected.subject);
      else expect(mail!.subject).toMatch(expected.subject);
      for (const part of [mail!.body.html!, mail!.body.text!]) {
        expect(part).toContain(locale === 'sv' ? 'Hej Ada!' : 'Hi Ada,');
        for (const line of expected.lines) {
          if (typeof line === 'string') expect(part).toContain(line);
          else expect(part).toMatch(line);
        }
      }
      expect(mail!.body.html).toMatch(/^<!doctype html>/);
      expect(header(mail!, 'List-Unsubscribe')).toBeUndefined();
    },
  );

  it('a tier downgrade names the new tier and its multiplier', async () => {
    const bed = await mailTestbed();
    const to = addressFor('downgrade');
    await profileOnly(bed, 'c1', to, { locale: 'en' });
    await bed.handlers['tier-changed-email'](
      tierChanged('c1', {
        idempotencyKey: `tier:c1:${at}:Red`,
        from: 'Silver',
        to: 'Red',
        direction: 'downgrade',
        multiplier: 1,
        reviewAt: null,
      }),
    );
    await bed.drain();

    const [mail] = await inboxOf(to);
    expect(mail!.subject).toBe('Your status is now Red');
    expect(mail!.body.text).toContain('Your status has been reviewed and is now Red.');
    expect(mail!.body.text).toContain('From now on you earn 1× the points on every purchase.');
    expect(mail!.body.text).not.toContain('reviewed on');
  });

  it('escapes customer-supplied text and configured reward names in HTML', async () => {
    const bed = await mailTestbed();
    const to = addressFor('notice-xss');
    await profileOnly(bed, 'c1', to, { firstName: '<img src=x onerror=alert(1)>', locale: 'en' });
    await bed.handlers['reward-email'](rewardEarned('c1', '<b>Socks</b> & "caps"'));
    await bed.drain();

    const [mail] = await inboxOf(to);
    expect(mail!.body.html).toContain('Hi &lt;img src=x onerror=alert(1)&gt;,');
    expect(mail!.body.html).toContain('You have earned &lt;b&gt;Socks&lt;/b&gt; &amp; &quot;caps&quot;.');
    expect(mail!.body.html).not.toContain('<img');
    expect(mail!.body.html).not.toContain('<b>');
    expect(mail!.body.text).toContain('You have earned <b>Socks</b> & "caps".');
    expect(mail!.subject).toBe('Your reward: <b>Socks</b> & "caps"');
  });

  it('mails a notice once however often the ledger job sends it (the reference is its idempotencyKey)', async () => {
    const bed = await mailTestbed();
    const to = addressFor('notice-once');
    await profileOnly(bed, 'c1', to);
    await bed.handlers['expiry-email'](pointsExpiring('c1'));
    await bed.handlers['expiry-email'](pointsExpiring('c1'));

    expect((await bed.drain()).map((o) => o.outcome)).toEqual(['sent', 'duplicate']);
    expect(await inboxOf(to)).toHaveLength(1);
    expect((await bed.store.get('c1', 'expiry', 'points-expiring:c1:2027-03-31'))?.status).toBe('sent');
  });
});

describe('Perk mail', () => {
  const perkEarned = (customerId: string, extra: Record<string, unknown> = {}) =>
    busEvent(
      'perk.earned',
      {
        idempotencyKey: `perk:${customerId}:fast-payout`,
        customerId,
        perkId: 'fast-payout',
        perkName: 'Fast payout',
        afterMonths: 6,
        date: '2027-03-10',
        email: true,
        ...extra,
      },
      'lojal',
    );

  it.each([
    {
      locale: 'sv',
      config: undefined,
      subject: 'En ny förmån till dig: Fast payout',
      lines: [
        'Hej Ada!',
        'Nu har du varit medlem i 6 månader, och det ger dig en ny förmån: Fast payout.',
        'Tack för att du är medlem hos Lojal Demo Sport.',
      ],
    },
    {
      locale: 'en',
      config: undefined,
      subject: 'A new perk for you: Fast payout',
      lines: [
        'Hi Ada,',
        'You have now been a member for 6 months, and that brings you a new perk: Fast payout.',
        'Thank you for staying with Lojal Demo Sport.',
      ],
    },
    {
      locale: 'nb',
      config: nbConfig,
      subject: 'En ny fordel til deg: Fast payout',
      lines: [
        'Hei Ada!',
        'Nå har du vært medlem i 6 måneder, og det gir deg en ny fordel: Fast payout.',
        'Takk for at du er medlem hos Lojal Demo Sport.',
      ],
    },
  ])(
    'names the perk and the months of membership in $locale, as service mail without marketing consent',
    async ({ locale, config, subject, lines }) => {
      // Prepare
      const bed = await mailTestbed(config ? { config } : {});
      const to = addressFor('perk');
      await profileOnly(bed, 'c1', to, { firstName: 'Ada', locale, marketingConsent: false });

      // Act
      await bed.handlers['perk-email'](perkEarned('c1'));
      const outcomes = await bed.drain();

      // Assess
      await expectOneServiceMail(outcomes, to, subject, lines);
    },
  );

  it('goes out once however often perk.earned is delivered, even all at once (the reference is the perk)', async () => {
    // Prepare
    const bed = await mailTestbed();
    const to = addressFor('perk-once');
    await profileOnly(bed, 'c1', to, { locale: 'en' });

    // Act: the calendar job emitted the day again, and EventBridge delivered one of them twice.
    await Promise.all([
      bed.handlers['perk-email'](perkEarned('c1')),
      bed.handlers['perk-email'](perkEarned('c1')),
      bed.handlers['perk-email'](perkEarned('c1')),
    ]);
    const jobs = bed.queue.take();
    await Promise.allSettled(jobs.map((job) => bed.send({ body: JSON.stringify(job), receiveCount: 1 })));
    await Promise.all(jobs.map((job) => bed.send({ body: JSON.stringify(job), receiveCount: 2 }).catch(() => undefined)));

    // Assess
    expect(jobs).toHaveLength(3);
    const [mail, ...more] = await inboxOf(to);
    expect(more).toEqual([]);
    expect((await bed.store.get('c1', 'perk', 'fast-payout'))?.status).toBe('sent');
    const messages = await call(bed, 'GET', `${TEST_LINK_BASE}/v1/members/c1/messages`);
    expect(JSON.parse(messages.body).items).toEqual([
      expect.objectContaining({ kind: 'perk', subject: 'A new perk for you: Fast payout', messageId: mail!.messageId }),
    ]);
  });

  it('is not mailed when the client keeps the perk quiet (email: false), and that is no error', async () => {
    const bed = await mailTestbed();
    const to = addressFor('perk-quiet');
    await profileOnly(bed, 'c1', to);

    await bed.handlers['perk-email'](perkEarned('c1', { email: false }));

    expect(bed.queue.jobs).toEqual([]);
    expect(await bed.drain()).toEqual([]);
    expect(bed.deps.deadLettered).toEqual([]);
    expect(await bed.store.get('c1', 'perk', 'fast-payout')).toBeUndefined();
    expect(await inboxOf(to)).toEqual([]);
  });

  it('is not mailed to a deleted member, nor to one Lojal does not know: the request is settled as skipped', async () => {
    // Prepare
    const bed = await mailTestbed();
    const to = addressFor('perk-deleted');
    await profileOnly(bed, 'c1', to);
    await bed.handlers['customer-deleted'](busEvent('customer.deleted', { customerId: 'c1', deletedAt: '2027-03-10T10:00:00Z' }));

    // Act
    await bed.handlers['perk-email'](perkEarned('c1'));
    await bed.handlers['perk-email'](perkEarned('nobody'));
    const outcomes = await bed.drain();

    // Assess
    expect(outcomes).toEqual([
      { outcome: 'skipped', reason: 'no-address' },
      { outcome: 'skipped', reason: 'no-address' },
    ]);
    expect(bed.deps.deadLettered).toEqual([]);
    expect((await bed.store.get('c1', 'perk', 'fast-payout'))?.status).toBe('skipped');
    expect(await inboxOf(to)).toEqual([]);
  });

  it('follows the client’s emailKinds: as marketing mail it needs consent and carries one-click unsubscribe', async () => {
    const bed = await mailTestbed({ config: { ...demoConfig, emailKinds: { perk: 'marketing' } } });
    const to = addressFor('perk-marketing');
    await profileOnly(bed, 'no', addressFor('perk-no-consent'), { marketingConsent: false });
    await profileOnly(bed, 'yes', to, { marketingConsent: true });

    await bed.handlers['perk-email'](perkEarned('no'));
    await bed.handlers['perk-email'](perkEarned('yes'));

    expect(await bed.drain()).toEqual([{ outcome: 'skipped', reason: 'no-consent' }, expect.objectContaining({ outcome: 'sent' })]);
    const [mail] = await inboxOf(to);
    expect(header(mail!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
  });

  it('the daily calendar job’s perk.earned reaches the inbox on the day of the perk, after quiet hours', async () => {
    // Prepare: registered 10 March, so Fast payout (6 months) is earned on 10 September.
    const bed = await mailTestbed();
    const to = addressFor('perk-calendar');
    await profileOnly(bed, 'c1', to, { locale: 'en' });
    const publisher = {
      async publish(events: readonly LojalEvent[]) {
        for (const e of events)
          if (e.detailType === 'perk.earned') await bed.handlers['perk-email'](busEvent(e.detailType, e.detail, 'lojal'));
        return { failed: [] };
      },
    };

    // Act: the job runs at local midnight on 10 September (22:00 UTC the day before, summer time).
    bed.clock.set('2027-09-09T22:00:00Z');
    await calendarDailyJob(bed.deps, publisher).runOnce();
    const atMidnight = await bed.drain();
    bed.clock.set('2027-09-10T06:00:00Z');
    await bed.release.release();
    const atEight = await bed.drain();

    // Assess
    expect(atMidnight).toEqual([{ outcome: 'deferred', until: '2027-09-10T06:00:00.000Z', reason: 'quiet-hours' }]);
    expect(atEight).toEqual([expect.objectContaining({ outcome: 'sent' })]);
    const [mail, ...more] = await inboxOf(to);
    expect(more).toEqual([]);
    expect(mail!.body.text).toContain('You have now been a member for 6 months, and that brings you a new perk: Fast payout.');
  });
});

describe('Challenge mail', () => {
  type Win = { readonly customerId: string; readonly rank: number; readonly prize: number };
  const completed = (winners: readonly Win[]) =>
    busEvent(
      'challenge.completed',
      {
        idempotencyKey: 'challenge:sprint',
        challengeId: 'sprint',
        challengeName: 'Spring sprint',
        scoringClosedAt: '2027-03-31T22:00:00.000Z',
        decidedAt: '2027-04-01T22:00:00.000Z',
        winners: winners.map((w) => ({ score: 1000 - w.rank, ...w })),
      },
      'lojal',
    );

  it.each([
    {
      locale: 'sv',
      config: undefined,
      subject: 'Du kom på 1:a plats i Spring sprint',
      lines: [
        'Hej Ada!',
        'Resultatet i Spring sprint är klart: du kom på 1:a plats.',
        'Ditt pris, 300 poäng, finns redan på ditt konto.',
        'Grattis från oss alla på Lojal Demo Sport!',
      ],
    },
    {
      locale: 'en',
      config: undefined,
      subject: 'You came 1st in Spring sprint',
      lines: [
        'Hi Ada,',
        'The results of Spring sprint are in: you came 1st.',
        'Your prize of 300 points is already in your account.',
        'Congratulations from all of us at Lojal Demo Sport!',
      ],
    },
    {
      locale: 'nb',
      config: nbConfig,
      subject: 'Du kom på 1. plass i Spring sprint',
      lines: [
        'Hei Ada!',
        'Resultatet i Spring sprint er klart: du kom på 1. plass.',
        'Premien din, 300 poeng, er allerede på kontoen din.',
        'Gratulerer fra oss alle i Lojal Demo Sport!',
      ],
    },
  ])(
    'names the challenge, the place and the prize in $locale, as service mail without marketing consent',
    async ({ locale, config, subject, lines }) => {
      // Prepare
      const bed = await mailTestbed(config ? { config } : {});
      const to = addressFor('challenge');
      await profileOnly(bed, 'c1', to, { firstName: 'Ada', locale, marketingConsent: false });

      // Act
      await bed.handlers['challenge-email'](completed([{ customerId: 'c1', rank: 1, prize: 300 }]));
      const outcomes = await bed.drain();

      // Assess
      await expectOneServiceMail(outcomes, to, subject, lines);
    },
  );

  it('mails every winner exactly once when the result is delivered twice and published again, tied winners sharing their place', async () => {
    // Prepare: ada won; eve and cy tied on the score for place 2.
    const bed = await mailTestbed();
    const to = { ada: addressFor('challenge-ada'), eve: addressFor('challenge-eve'), cy: addressFor('challenge-cy') };
    for (const [customerId, address] of Object.entries(to)) await profileOnly(bed, customerId, address, { locale: 'en' });
    const winners = [
      { customerId: 'ada', rank: 1, prize: 300 },
      { customerId: 'eve', rank: 2, prize: 200 },
      { customerId: 'cy', rank: 2, prize: 200 },
    ];
    const event = completed(winners);

    // Act: EventBridge delivers the event twice and the results job, unsure it was accepted,
    // publishes it again (same idempotencyKey, a new event), all at once; then every request
    // is handed to the sender at the same time, and again as SQS would redeliver a failed one.
    await Promise.all([
      bed.handlers['challenge-email'](event),
      bed.handlers['challenge-email'](event),
      bed.handlers['challenge-email'](completed(winners)),
    ]);
    const jobs = bed.queue.take();
    await Promise.allSettled(jobs.map((job) => bed.send({ body: JSON.stringify(job), receiveCount: 1 })));
    await Promise.all(jobs.map((job) => bed.send({ body: JSON.stringify(job), receiveCount: 2 }).catch(() => undefined)));

    // Assess
    expect(jobs).toHaveLength(9);
    const subjects = {
      ada: 'You came 1st in Spring sprint',
      eve: 'You share 2nd place in Spring sprint',
      cy: 'You share 2nd place in Spring sprint',
    };
    for (const [customerId, address] of Object.entries(to)) {
      const [mail, ...more] = await inboxOf(address);
      expect(more, customerId).toEqual([]);
      expect(mail?.subject, customerId).toBe(subjects[customerId as keyof typeof subjects]);
      expect((await bed.store.get(customerId, 'challenge', 'sprint'))?.status).toBe('sent');
    }
    const [eveMail] = await inboxOf(to.eve);
    expect(eveMail!.body.text).toContain('you share 2nd place with others on the same score.');
    expect(eveMail!.body.text).toContain('Your prize of 200 points is already in your account.');
    const messages = await call(bed, 'GET', `${TEST_LINK_BASE}/v1/members/ada/messages`);
    expect(JSON.parse(messages.body).items).toEqual([
      expect.objectContaining({ kind: 'challenge', subject: 'You came 1st in Spring sprint' }),
    ]);
  });

  it('is not mailed to a deleted winner, nor to one Lojal does not know; the other winners get theirs', async () => {
    // Prepare
    const bed = await mailTestbed();
    const ada = addressFor('challenge-winner');
    const gone = addressFor('challenge-deleted');
    await profileOnly(bed, 'ada', ada);
    await profileOnly(bed, 'gone', gone);
    await bed.handlers['customer-deleted'](busEvent('customer.deleted', { customerId: 'gone', deletedAt: '2027-03-10T10:00:00Z' }));

    // Act
    await bed.handlers['challenge-email'](
      completed([
        { customerId: 'ada', rank: 1, prize: 300 },
        { customerId: 'gone', rank: 2, prize: 200 },
        { customerId: 'nobody', rank: 3, prize: 100 },
      ]),
    );
    const outcomes = await bed.drain();

    // Assess
    expect(outcomes).toEqual([
      expect.objectContaining({ outcome: 'sent' }),
      { outcome: 'skipped', reason: 'no-address' },
      { outcome: 'skipped', reason: 'no-address' },
    ]);
    expect(bed.deps.deadLettered).toEqual([]);
    expect((await bed.store.get('gone', 'challenge', 'sprint'))?.status).toBe('skipped');
    expect(await inboxOf(gone)).toEqual([]);
    expect(await inboxOf(ada)).toHaveLength(1);
  });

  it('queues the most winners a result names (1 000) in one call to the queue, one request each, and nothing for a result without winners', async () => {
    // Prepare
    const bed = await mailTestbed();
    const enqueue = vi.spyOn(bed.queue, 'enqueue');
    const winners = Array.from({ length: 1_000 }, (_, i) => ({ customerId: `w${i}`, rank: i + 1, prize: 10 }));

    // Act
    await bed.handlers['challenge-email'](completed(winners));
    await bed.handlers['challenge-email'](completed([]));

    // Assess
    expect(enqueue).toHaveBeenCalledTimes(1);
    const jobs = bed.queue.take();
    expect(jobs).toHaveLength(1_000);
    expect(new Set(jobs.map((j) => j.customerId)).size).toBe(1_000);
    expect(jobs[999]).toEqual({
      v: 1,
      customerId: 'w999',
      kind: 'challenge',
      ref: 'sprint',
      data: { challengeName: 'Spring sprint', rank: 1_000, prize: 10, shared: false },
      causeId: expect.any(String),
    });
    expect(bed.deps.deadLettered).toEqual([]);
  });

  it('follows the client’s emailKinds: as marketing mail it needs consent and carries one-click unsubscribe', async () => {
    const bed = await mailTestbed({ config: { ...demoConfig, emailKinds: { challenge: 'marketing' } } });
    const to = addressFor('challenge-marketing');
    await profileOnly(bed, 'no', addressFor('challenge-no-consent'), { marketingConsent: false });
    await profileOnly(bed, 'yes', to, { marketingConsent: true });

    await bed.handlers['challenge-email'](
      completed([
        { customerId: 'no', rank: 1, prize: 300 },
        { customerId: 'yes', rank: 2, prize: 200 },
      ]),
    );

    expect(await bed.drain()).toEqual([{ outcome: 'skipped', reason: 'no-consent' }, expect.objectContaining({ outcome: 'sent' })]);
    const [mail] = await inboxOf(to);
    expect(header(mail!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
  });

  it('the results job’s challenge.completed reaches each winner once, with the prize already in the ledger, though the job publishes it twice', async () => {
    // Prepare: a sprint paying 300 and 200; ada scores 900, bo 400, cy 100 (no prize).
    const config = parseProgramConfig(
      {
        ...demo,
        challenges: [
          { id: 'sprint', name: 'Spring sprint', start: '2027-03-01T00:00:00+01:00', end: '2027-04-01T00:00:00+02:00', prizes: [300, 200] },
        ],
      },
      'challenge-mail',
    );
    const bed = await mailTestbed({ config, start: '2027-03-20T10:00:00Z' });
    const to = { ada: addressFor('sprint-ada'), bo: addressFor('sprint-bo'), cy: addressFor('sprint-cy') };
    const scores = { ada: 900, bo: 400, cy: 100 };
    for (const [customerId, address] of Object.entries(to)) {
      await profileOnly(bed, customerId, address, { locale: 'en' });
      await bed.handlers['order-placed'](
        socksOrder(customerId, `${customerId}-1`, scores[customerId as keyof typeof scores], '2027-03-20T09:00:00Z'),
      );
    }
    // The bus takes the first result, but its answer is lost: the job publishes again on its next run.
    let answers = 0;
    const publisher = {
      async publish(events: readonly LojalEvent[]) {
        for (const e of events)
          if (e.detailType === 'challenge.completed') await bed.handlers['challenge-email'](busEvent(e.detailType, e.detail, 'lojal'));
        if (answers++ === 0) throw new Error('the answer was lost');
        return { failed: [] };
      },
    };
    const job = challengeResultsJob(bed.deps, publisher);

    // Act: the morning after the result is due (scoring closed at midnight, 24 h to settle).
    bed.clock.set('2027-04-02T08:00:00Z');
    expect(await job.complete()).toEqual([]);
    expect(await job.complete()).toEqual([expect.objectContaining({ challengeId: 'sprint', outcome: 'published', winners: 2 })]);
    const outcomes = await bed.drain();

    // Assess
    expect(outcomes.filter((o) => o.outcome === 'sent')).toHaveLength(2);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(2);
    const [adaMail, ...moreForAda] = await inboxOf(to.ada);
    const [boMail, ...moreForBo] = await inboxOf(to.bo);
    expect([...moreForAda, ...moreForBo]).toEqual([]);
    expect(adaMail!.body.text).toContain('The results of Spring sprint are in: you came 1st.');
    expect(adaMail!.body.text).toContain('Your prize of 300 points is already in your account.');
    expect(boMail!.subject).toBe('You came 2nd in Spring sprint');
    expect(await inboxOf(to.cy)).toEqual([]);
    const ledger = await call(bed, 'GET', `${TEST_LINK_BASE}/v1/members/ada/ledger`);
    expect(JSON.parse(ledger.body).items).toContainEqual(expect.objectContaining({ delta: 300, reason: 'Spring sprint: place 1' }));
  });
});

describe('Bounces and complaints', () => {
  const sesEvent = (detailType: string, detail: unknown) => busEvent(detailType, detail, 'aws.ses');

  it('a hard bounce stops all further mail to the address; a soft bounce does not', async () => {
    // Prepare
    const bed = await mailTestbed();
    const feedback = createEmailFeedbackHandler(bed.deps);
    const hard = addressFor('hard');
    const soft = addressFor('soft');
    await profileOnly(bed, 'hard', hard, { marketingConsent: true });
    await profileOnly(bed, 'soft', soft, { marketingConsent: true });

    // Act
    await feedback(
      sesEvent('Email Bounced', {
        eventType: 'Bounce',
        bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: hard.toUpperCase() }] },
        mail: { messageId: 'm-1', tags: { 'ses:configuration-set': ['lojal-demo'] } },
      }),
    );
    await feedback(
      sesEvent('Email Bounced', {
        eventType: 'Bounce',
        bounce: { bounceType: 'Transient', bounceSubType: 'MailboxFull', bouncedRecipients: [{ emailAddress: soft }] },
        mail: { messageId: 'm-2' },
      }),
    );

    // Assess: the suppression holds a hash, never the address.
    expect(await birthdayOutcome(bed, 'hard', '2027-03-10')).toBe('skipped');
    await register(bed, 'hard', hard);
    expect(await bed.drain()).toEqual([{ outcome: 'skipped', reason: 'suppressed' }]);
    expect(await inboxOf(hard)).toEqual([]);
    expect(await birthdayOutcome(bed, 'soft', '2027-03-10')).toBe('sent');
    const { Items = [] } = await bed.table.doc.send(new ScanCommand({ TableName: bed.table.tableName }));
    const suppressions = Items.filter((i) => String(i.pk).startsWith('SUPPRESS#'));
    expect(suppressions).toHaveLength(1);
    expect(JSON.stringify(suppressions).toLowerCase()).not.toContain(hard.toLowerCase());
  });

  it('a complaint suppresses the address too', async () => {
    const bed = await mailTestbed();
    const to = addressFor('complaint');
    await profileOnly(bed, 'c1', to, { marketingConsent: true });
    await createEmailFeedbackHandler(bed.deps)(
      sesEvent('Email Complaint Received', {
        eventType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: to }], complaintFeedbackType: 'abuse' },
        mail: { messageId: 'm-3' },
      }),
    );
    expect(await birthdayOutcome(bed, 'c1', '2027-03-10')).toBe('skipped');
  });
});

describe('SES throttling and the residual window', () => {
  /** A real SES client whose first `times` requests SES answers with throttling (injected below the client's retries). */
  function throttledSes(times: number, maxAttempts: number) {
    const ses = new SESv2Client({
      endpoint: inject('sesEndpoint'),
      region: 'eu-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts,
    });
    const counts = { calls: 0, throttled: 0 };
    ses.middlewareStack.add(
      (next) => async (args) => {
        counts.calls++;
        if (counts.throttled < times) {
          counts.throttled++;
          throw Object.assign(new Error('Maximum sending rate exceeded.'), {
            name: 'TooManyRequestsException',
            $fault: 'client',
            $metadata: { httpStatusCode: 429 },
          });
        }
        return next(args);
      },
      { step: 'deserialize', name: 'injectThrottling' },
    );
    return { ses, counts };
  }

  it('throttling the client retries with backoff is absorbed, and the mail goes out once', async () => {
    const { ses, counts } = throttledSes(2, 3);
    const bed = await mailTestbed({ ses });
    const to = addressFor('throttled');
    await register(bed, 'c1', to);

    expect(await bed.drain()).toEqual([expect.objectContaining({ outcome: 'sent' })]);
    expect(counts).toEqual({ calls: 3, throttled: 2 });
    expect(await inboxOf(to)).toHaveLength(1);
  });

  it('throttling beyond the client retries fails the request with the claim given back; the queue retry sends it once', async () => {
    const { ses, counts } = throttledSes(3, 2);
    const bed = await mailTestbed({ ses });
    const to = addressFor('requeued');
    await register(bed, 'c1', to);
    const [job] = bed.queue.take();

    await expect(bed.send({ body: JSON.stringify(job), receiveCount: 1 })).rejects.toBeInstanceOf(MailThrottledError);
    expect((await bed.store.get('c1', 'welcome', 'welcome'))?.status).toBe('open');
    await expect(bed.send({ body: JSON.stringify(job), receiveCount: 2 })).resolves.toMatchObject({ outcome: 'sent' });

    expect(counts.throttled).toBe(3);
    expect(await inboxOf(to)).toHaveLength(1);
  });

  it('documents the residual window: a sender that dies between SES and its record leaves a claim; the retry after the lease sends again', async () => {
    const bed = await mailTestbed({ mailer: (ses) => new SesMailer(ses) });
    const to = addressFor('window');
    await register(bed, 'c1', to);
    const [job] = bed.queue.take();
    // The second transaction of the send (marking it sent) never reaches DynamoDB: the process died.
    let transactions = 0;
    bed.table.doc.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && ++transactions === 2) throw new Error('process died');
        return next(args);
      },
      { step: 'initialize', name: 'dieAfterSend' },
    );

    await expect(bed.send({ body: JSON.stringify(job), receiveCount: 1 })).rejects.toThrow('process died');
    // Within the lease a redelivery waits rather than sending again...
    await expect(bed.send({ body: JSON.stringify(job), receiveCount: 2 })).rejects.toBeInstanceOf(MailBusyError);
    expect(await inboxOf(to)).toHaveLength(1);
    // ...after it, the mail is sent again: Lojal prefers this rare duplicate to a lost mail.
    bed.clock.set('2027-03-10T10:03:00Z');
    await expect(bed.send({ body: JSON.stringify(job), receiveCount: 3 })).resolves.toMatchObject({ outcome: 'sent' });
    expect(await inboxOf(to)).toHaveLength(2);
  });
});
