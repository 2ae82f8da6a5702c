import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { parseProgramConfig } from '../../functions/config/program';
import { withClientMessages } from '../../lib/messages/client-messages';
import { busEvent } from '../support/deps';
import { addressFor, inboxOf, mailTestbed } from '../support/mail';

/**
 * Priority across flows in the marketing cap, through the real sender on DynamoDB Local and
 * the local SES (docs/flows.md, "Priority"): two flows' mails deferred by quiet hours to the
 * same release compete for the member's last slot; the higher priority is sent, the lower
 * waits for the window, whichever is decided first.
 */

const DEMO_MESSAGES = fileURLToPath(new URL('../../clients/demo/messages/', import.meta.url));
const asking = (id: string, priority: number) => ({
  id,
  name: `Ask for a review (priority ${priority})`,
  trigger: { event: 'order.placed' },
  key: 'orderId',
  priority,
  steps: [{ id: 'ask', email: 'review-request' }],
});

describe.each([
  ['the lower one first', [asking('low-ask', 20), asking('high-ask', 80)]],
  ['the higher one first', [asking('high-ask', 80), asking('low-ask', 20)]],
])('Flows: priority at a quiet-hours release (%s in the queue)', (_, flows) => {
  it('sends the higher-priority mail in the last slot and defers the lower one by the cap', async () => {
    const config = parseProgramConfig(
      withClientMessages({ ...demo, marketingCap: { emails: 1, perDays: 7 }, flows }, DEMO_MESSAGES, 'priority test'),
      'priority test',
    );
    const bed = await mailTestbed({ config, start: '2027-03-01T21:30:00Z' }); // 22:30 in Stockholm: quiet hours
    const to = addressFor(`prio-${flows[0]?.id}`);
    const registered = busEvent('customer.registered', {
      customerId: 'p1',
      email: to,
      registeredAt: '2027-01-01T10:00:00Z',
      marketingConsent: true,
      locale: 'en',
    });
    await bed.handlers['customer-registered'](registered);
    const order = busEvent('order.placed', {
      orderId: 'o1',
      customerId: 'p1',
      placedAt: '2027-03-01T21:29:00Z',
      currency: 'SEK',
      lines: [{ sku: 's1', category: 'running-shoes', quantity: 1, unitPrice: 1000, name: 'Trail Runner 3' }],
    });
    await bed.handlers.flows(order);
    await bed.handlers.flows(order); // a redelivery asks for the same two mails
    const night = await bed.drain();
    expect(night.filter((o) => o.outcome === 'deferred')).toHaveLength(2);
    // The higher one waits for the morning; the lower one too, or (deciding after the higher one's hold) for the window.
    expect(night.every((o) => o.outcome === 'duplicate' || o.outcome === 'deferred')).toBe(true);

    bed.clock.set('2027-03-02T07:00:30Z'); // 08:00: both are released together
    await bed.release.release();
    await bed.drain();
    const [mail, ...more] = await inboxOf(to);
    expect(more).toEqual([]);
    expect(mail).toBeDefined();
    const high = await bed.store.get('p1', 'flow', 'flow:high-ask:o1:1:ask');
    const low = await bed.store.get('p1', 'flow', 'flow:low-ask:o1:1:ask');
    expect(high?.status).toBe('sent');
    expect(low).toMatchObject({ status: 'deferred', reason: 'cap' });
    expect(String(low?.notBefore) >= '2027-03-09T07:00:00.000Z').toBe(true);
  }, 120_000);
});
