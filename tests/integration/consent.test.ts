import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { memberTag } from '../../functions/domain/email/member-tag';
import { createEmailFeedbackHandler } from '../../functions/handlers/email-feedback';
import { apiRequest } from '../support/api';
import { busEvent } from '../support/deps';
import { addressFor, inboxOf, mailTestbed } from '../support/mail';

/**
 * Sticky consent (docs/events.md, "Consent") on DynamoDB Local and the local SES: an opt-out
 * Lojal records stays until an explicit, newer opt-in; each is announced once.
 */

type Testbed = Awaited<ReturnType<typeof mailTestbed>>;

const registered = (bed: Testbed, customerId: string, email: string) =>
  bed.handlers['customer-registered'](
    busEvent('customer.registered', { customerId, email, registeredAt: '2027-01-01T10:00:00Z', marketingConsent: true }),
  );
const updated = (bed: Testbed, customerId: string, detail: Record<string, unknown>) =>
  bed.handlers['customer-updated'](busEvent('customer.updated', { customerId, updatedAt: bed.clock.now().toISOString(), ...detail }));

async function birthdayOutcome(bed: Testbed, customerId: string, date: string) {
  await bed.handlers['birthday-email'](
    busEvent('customer.birthday', { idempotencyKey: `birthday:${customerId}:${date}`, customerId, date, bonusPoints: 200 }, 'lojal'),
  );
  return bed.drain();
}

/** The member's one-click unsubscribe, as a mail client POSTs it. */
async function oneClick(bed: Testbed, customerId: string) {
  const { pathname, searchParams } = new URL(bed.links.unsubscribeUrl(customerId));
  const request = apiRequest('POST', pathname, Object.fromEntries(searchParams));
  return (await bed.api({ ...request, body: 'List-Unsubscribe=One-Click' })) as APIGatewayProxyStructuredResultV2;
}

async function member(bed: Testbed, customerId: string) {
  const result = (await bed.api(apiRequest('GET', `/v1/members/${customerId}`))) as APIGatewayProxyStructuredResultV2;
  return JSON.parse(String(result.body)) as { marketingConsent: boolean; unsubscribedAt: string | null };
}

const unsubscribed = (bed: Testbed) => bed.published.filter((e) => e.detailType === 'customer.unsubscribed').map((e) => e.detail);

describe('Sticky consent', () => {
  it('a stale marketingConsent: true after an unsubscribe changes nothing, and no marketing mail goes out', async () => {
    // Prepare: a consenting member who unsubscribes at 11:00.
    const bed = await mailTestbed({ start: '2027-03-10T11:00:00Z' });
    const to = addressFor('stale');
    await registered(bed, 'c1', to);
    expect((await oneClick(bed, 'c1')).statusCode).toBe(200);

    // Act: the shop's nightly sync of its stale flag, later in business time; one without a
    // consent instant, one whose consent instant is before the opt-out, one from the future.
    bed.clock.set('2027-03-10T12:00:00Z');
    await updated(bed, 'c1', { marketingConsent: true });
    await updated(bed, 'c1', { marketingConsent: true, marketingConsentAt: '2027-03-09T08:00:00Z' });
    await updated(bed, 'c1', { marketingConsent: true, marketingConsentAt: '2027-03-11T08:00:00Z' });

    // Assess
    expect(await member(bed, 'c1')).toMatchObject({ marketingConsent: false, unsubscribedAt: '2027-03-10T11:00:00.000Z' });
    expect(await birthdayOutcome(bed, 'c1', '2027-03-10')).toEqual([{ outcome: 'skipped', reason: 'unsubscribed' }]);
    expect(await inboxOf(to)).toEqual([]);
  });

  it('an explicit opt-in given after the opt-out re-subscribes the member', async () => {
    const bed = await mailTestbed({ start: '2027-03-10T11:00:00Z' });
    const to = addressFor('optin');
    await registered(bed, 'c1', to);
    await oneClick(bed, 'c1');

    bed.clock.set('2027-03-10T12:00:00Z');
    await updated(bed, 'c1', { marketingConsent: true, marketingConsentAt: '2027-03-10T11:30:00Z' });

    expect(await member(bed, 'c1')).toMatchObject({ marketingConsent: true, unsubscribedAt: null });
    expect(await birthdayOutcome(bed, 'c1', '2027-03-10')).toEqual([expect.objectContaining({ outcome: 'sent' })]);
    expect(await inboxOf(to)).toHaveLength(1);
  });

  it('each opt-out is announced once as customer.unsubscribed, however often it is delivered', async () => {
    // Prepare
    const bed = await mailTestbed({ start: '2027-03-10T11:00:00Z' });
    const to = addressFor('once');
    await registered(bed, 'c1', to);
    const feedback = createEmailFeedbackHandler(bed.deps);
    const complaint = busEvent(
      'Email Complaint Received',
      {
        eventType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: to }], complaintFeedbackType: 'abuse' },
        mail: { messageId: 'm-1', tags: { member: memberTag('c1').map((t) => t.value) } },
      },
      'aws.ses',
    );

    // Act: the one-click POST three times (two at once), then a re-opt-in and a complaint delivered twice.
    await Promise.all([oneClick(bed, 'c1'), oneClick(bed, 'c1')]);
    await oneClick(bed, 'c1');
    bed.clock.set('2027-03-11T09:00:00Z');
    await updated(bed, 'c1', { marketingConsent: true, marketingConsentAt: '2027-03-11T08:00:00Z' });
    bed.clock.set('2027-03-11T10:00:00Z');
    await feedback(complaint);
    await feedback(complaint);

    // Assess: two opt-outs, two announcements, in order.
    expect(unsubscribed(bed)).toEqual([
      {
        idempotencyKey: 'unsubscribed:c1:2027-03-10T11:00:00.000Z',
        customerId: 'c1',
        at: '2027-03-10T11:00:00.000Z',
        reason: 'unsubscribe',
      },
      { idempotencyKey: 'unsubscribed:c1:2027-03-11T10:00:00.000Z', customerId: 'c1', at: '2027-03-11T10:00:00.000Z', reason: 'complaint' },
    ]);
    expect(await member(bed, 'c1')).toMatchObject({ marketingConsent: false, unsubscribedAt: '2027-03-11T10:00:00.000Z' });
  });

  it('a notice whose publish failed goes out on the next call, still once', async () => {
    const bed = await mailTestbed({ start: '2027-03-10T11:00:00Z' });
    await registered(bed, 'c1', addressFor('retry'));
    const publish = bed.deps.events.publish;
    let refuse = true;
    bed.deps.events.publish = async (batch) =>
      refuse ? { failed: batch.map((event) => ({ event, errorCode: 'ThrottlingException' })) } : publish(batch);
    await oneClick(bed, 'c1');
    expect(unsubscribed(bed)).toEqual([]);

    refuse = false;
    await oneClick(bed, 'c1');
    await oneClick(bed, 'c1');
    expect(unsubscribed(bed)).toHaveLength(1);
  });
});
