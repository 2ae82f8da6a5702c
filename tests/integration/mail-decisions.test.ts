import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { timelineSweeperJob } from '../../functions/app/sweep-due-items';
import type { MemberMessage, MemberTimelineItem } from '../../functions/contract/member-api';
import { MailRejectedError } from '../../functions/runtime/mail-ports';
import { apiRequest } from '../support/api';
import { busEvent } from '../support/deps';
import { addressFor, inboxOf, mailTestbed } from '../support/mail';
import { RecordingPublisher } from '../support/timeline';

/*
 * Every mail decision is visible (issue 13): `/messages` lists what the sender decided about each
 * mail (sent, deferred until, skipped or failed with the reason), and the timeline says what
 * became of the mail an emitted reminder asked for. Real handlers, sweeper, sender and member
 * API against DynamoDB Local and the run's local SES.
 */

type Testbed = Awaited<ReturnType<typeof mailTestbed>>;

const get = async <T>(bed: Testbed, path: string, query: Record<string, string> = {}): Promise<{ status: number; body: T }> => {
  const result = (await bed.api(apiRequest('GET', path, query))) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode ?? 0, body: JSON.parse(String(result.body ?? '{}')) as T };
};
const messagesOf = async (bed: Testbed, customerId: string, query: Record<string, string> = {}) =>
  (await get<{ items: MemberMessage[]; nextCursor: string | null }>(bed, `/v1/members/${customerId}/messages`, query)).body;
const timelineOf = async (bed: Testbed, customerId: string) =>
  (await get<{ items: MemberTimelineItem[] }>(bed, `/v1/members/${customerId}/timeline`)).body.items;

const profileOnly = (bed: Testbed, customerId: string, email: string, extra: Record<string, unknown> = {}) =>
  bed.handlers['customer-registered'](
    busEvent('customer.registered', { customerId, email, registeredAt: bed.clock.now().toISOString(), ...extra }),
  );

/** Runs the real timeline sweeper at the testbed's clock and hands what it emitted to the email handlers, as the bus rules would. */
async function sweepAndMail(bed: Testbed) {
  const publisher = new RecordingPublisher();
  await timelineSweeperJob(bed.deps, publisher).sweep();
  // The timeline's own events (the demo's broadcast flows' wake-ups go to the flows route, not tested here).
  const timeline = publisher.events.filter((e) => e.detailType === 'checkin.due' || e.detailType === 'product.aged');
  for (const event of timeline) {
    const handler = event.detailType === 'checkin.due' ? 'checkin-email' : 'replacement-email';
    await bed.handlers[handler](busEvent(event.detailType, event.detail, 'lojal'));
  }
  return { emitted: timeline.map((e) => String(e.detail.itemId)), outcomes: await bed.drain() };
}

describe('Every mail decision is visible', () => {
  it('a member without marketing consent: the check-in goes out, the replacement reminder is skipped (no-consent), and both views say so', async () => {
    // Prepare: a member without consent buys running shoes (check-in after 30 days, a replacement reminder after 270).
    const bed = await mailTestbed({ start: '2027-03-10T09:00:00Z' });
    const to = addressFor('no-consent');
    await profileOnly(bed, 'c1', to, { locale: 'en' });
    bed.clock.set('2027-03-10T10:00:00Z');
    await bed.handlers['order-placed'](
      busEvent('order.placed', {
        orderId: 'o1',
        customerId: 'c1',
        placedAt: '2027-03-10T10:00:00Z',
        currency: 'SEK',
        lines: [{ sku: 'TR3', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' }],
      }),
    );
    const planned = await timelineOf(bed, 'c1');
    const checkinDue = planned.find((i) => i.kind === 'checkin')!.dueAt;
    const reminderDue = planned.find((i) => i.kind === 'replacement')!.dueAt;

    // Act: the sweeper emits each when it falls due, and the sender decides.
    bed.clock.set(checkinDue);
    const checkin = await sweepAndMail(bed);
    bed.clock.set(reminderDue);
    const reminder = await sweepAndMail(bed);

    // Assess: the sweeper emitted both; only the service mail went out.
    expect(checkin.emitted).toEqual(['checkin:o1']);
    expect(checkin.outcomes).toEqual([expect.objectContaining({ outcome: 'sent' })]);
    expect(reminder.emitted).toEqual(['replacement:running-shoes:o1']);
    expect(reminder.outcomes).toEqual([{ outcome: 'skipped', reason: 'no-consent' }]);
    expect(await inboxOf(to)).toHaveLength(1);

    const { items, nextCursor } = await messagesOf(bed, 'c1');
    const [sentMail] = await inboxOf(to);
    expect(items).toEqual([
      { at: reminderDue, kind: 'replacement', ref: 'replacement:running-shoes:o1', status: 'skipped', reason: 'no-consent' },
      {
        at: checkinDue,
        kind: 'checkin',
        ref: 'checkin:o1',
        status: 'sent',
        subject: 'Is everything right with your Trail Runner 3?',
        messageId: sentMail!.messageId,
      },
    ]);
    expect(nextCursor).toBeNull();
    expect(await timelineOf(bed, 'c1')).toEqual([
      { dueAt: checkinDue, kind: 'checkin', ref: 'order:o1', status: 'sent', mail: { status: 'sent' } },
      {
        dueAt: reminderDue,
        kind: 'replacement',
        ref: 'order:o1:TR3',
        status: 'sent',
        mail: { status: 'skipped', reason: 'no-consent' },
      },
    ]);
  });

  it('a reminder the sweeper finds more than 7 days late is listed skipped (stale), and the timeline gives the reason', async () => {
    // Prepare: an order whose check-in falls due while the sweeper is not running.
    const bed = await mailTestbed({ start: '2027-03-10T10:00:00Z' });
    await profileOnly(bed, 'c1', addressFor('stale'));
    await bed.handlers['order-placed'](
      busEvent('order.placed', {
        orderId: 'o1',
        customerId: 'c1',
        placedAt: '2027-03-10T10:00:00Z',
        currency: 'SEK',
        lines: [{ sku: 'SOCK', category: 'running-socks', quantity: 1, unitPrice: 9_900 }],
      }),
    );
    const dueAt = (await timelineOf(bed, 'c1')).find((i) => i.kind === 'checkin')!.dueAt;

    // Act: the first sweep runs ten days after it fell due.
    bed.clock.set(new Date(Date.parse(dueAt) + 10 * 86_400_000).toISOString());
    const { emitted, outcomes } = await sweepAndMail(bed);

    // Assess
    expect(emitted).toEqual([]);
    expect(outcomes).toEqual([]);
    expect((await messagesOf(bed, 'c1')).items).toEqual([
      { at: bed.clock.now().toISOString(), kind: 'checkin', ref: 'checkin:o1', status: 'skipped', reason: 'stale' },
    ]);
    expect((await timelineOf(bed, 'c1')).find((i) => i.kind === 'checkin')).toEqual({
      dueAt,
      kind: 'checkin',
      ref: 'order:o1',
      status: 'skipped',
      reason: 'more than 7 days late when it could be sent',
    });
  });

  it('a mail held by quiet hours is listed deferred with its until, then sent once released; the list pages newest first', async () => {
    // Prepare: 00:30 in Stockholm, a consenting member's birthday greeting.
    const bed = await mailTestbed({ start: '2027-03-10T23:30:00Z' });
    await profileOnly(bed, 'c1', addressFor('deferred'), { marketingConsent: true });
    await bed.handlers['birthday-email'](
      busEvent(
        'customer.birthday',
        { idempotencyKey: 'birthday:c1:2027-03-11', customerId: 'c1', date: '2027-03-11', bonusPoints: 200 },
        'lojal',
      ),
    );

    // Act
    expect(await bed.drain()).toEqual([{ outcome: 'deferred', until: '2027-03-11T07:00:00.000Z', reason: 'quiet-hours' }]);
    const whileDeferred = await messagesOf(bed, 'c1');
    bed.clock.set('2027-03-11T07:00:00Z');
    await bed.release.release();
    await bed.drain();
    const first = await messagesOf(bed, 'c1', { limit: '1' });
    const second = await messagesOf(bed, 'c1', { limit: '1', cursor: first.nextCursor ?? '' });

    // Assess
    const deferred = {
      at: '2027-03-10T23:30:00.000Z',
      kind: 'birthday',
      ref: '2027-03-11',
      status: 'deferred',
      until: '2027-03-11T07:00:00.000Z',
      reason: 'quiet-hours',
    };
    expect(whileDeferred).toEqual({ items: [deferred], nextCursor: null });
    expect(first.items).toEqual([expect.objectContaining({ at: '2027-03-11T07:00:00.000Z', kind: 'birthday', status: 'sent' })]);
    expect(second.items).toEqual([deferred]);
  });

  it('a mail SES refuses for good is listed failed with the reason; nothing is listed for a duplicate request', async () => {
    // Prepare: a mailer that refuses every mail for good.
    const bed = await mailTestbed({
      mailer: () => ({
        send: async () => {
          throw new MailRejectedError('MessageRejected', 'refused');
        },
      }),
    });
    await bed.handlers['welcome-email'](
      busEvent('customer.registered', { customerId: 'c1', email: addressFor('failed'), registeredAt: bed.clock.now().toISOString() }),
    );

    // Act: the request, then the same request again (a redelivery).
    const outcomes = await bed.drain();
    await bed.handlers['welcome-email'](
      busEvent('customer.registered', { customerId: 'c1', email: addressFor('failed'), registeredAt: bed.clock.now().toISOString() }),
    );
    const again = await bed.drain();

    // Assess
    expect(outcomes).toEqual([{ outcome: 'failed', reason: 'rejected: MessageRejected' }]);
    expect(again.map((o) => o.outcome)).not.toContain('failed');
    expect((await messagesOf(bed, 'c1')).items).toEqual([
      { at: '2027-03-10T10:00:00.000Z', kind: 'welcome', ref: 'welcome', status: 'failed', reason: 'rejected: MessageRejected' },
    ]);
  });

  it('a mail whose data fails its template is recorded failed (not skipped), in the record and the list', async () => {
    // Prepare: a greeting request whose bonus is not a number (no event schema lets one through: the request is queued by hand).
    const bed = await mailTestbed();
    await profileOnly(bed, 'c1', addressFor('invalid-data'), { marketingConsent: true });
    await bed.queue.enqueue([{ v: 1, customerId: 'c1', kind: 'birthday', ref: '2027-03-10', data: { bonusPoints: 'many' } }]);

    // Act
    const outcomes = await bed.drain();

    // Assess
    expect(outcomes).toEqual([{ outcome: 'failed', reason: expect.stringMatching(/^invalid-data: /) }]);
    const [line] = (await messagesOf(bed, 'c1')).items;
    expect(line).toMatchObject({ kind: 'birthday', ref: '2027-03-10', status: 'failed', reason: expect.stringMatching(/^invalid-data: /) });
    expect((await bed.store.get('c1', 'birthday', '2027-03-10'))?.status).toBe('failed');
  });
});
