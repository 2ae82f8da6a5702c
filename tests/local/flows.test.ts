import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inFlowHoldout } from '../../functions/domain/flows/plan';
import { type LojalTestbed, startLojal } from '../../testkit';
import { demoConfig } from '../support/deps';

/**
 * The demo's flows through the whole local copy, with Lojal's test kit (testkit/index.ts) as a
 * client's own tests would use it: PutEvents, the local clock, the member API and the inbox.
 */

let lojal: LojalTestbed;

beforeAll(async () => {
  lojal = await startLojal({
    client: 'demo',
    start: '2027-03-01T08:00:00Z',
    localCopy: { dynamoDbEndpoint: inject('dynamoEndpoint'), tableName: `flows-${randomUUID().slice(0, 8)}` },
  });
});

afterAll(async () => {
  await lojal?.stop();
});

const reviewRequest = demoConfig.flows.find((f) => f.id === 'review-request');
/** A member id outside the review request's 10 % holdout, so the mail goes. */
const treated = (name: string) => {
  for (let i = 0; ; i++) if (reviewRequest && !inFlowHoldout(reviewRequest, `${name}-${i}`)) return `${name}-${i}`;
};

async function member(name: string) {
  const customerId = treated(name);
  const email = `${customerId}@example.com`;
  await lojal.send('customer.registered', { customerId, email, registeredAt: lojal.now(), marketingConsent: true, locale: 'en' });
  return { customerId, email };
}

const shoes = (customerId: string, orderId: string, placedAt: string) => ({
  orderId,
  customerId,
  placedAt,
  currency: 'SEK',
  lines: [{ sku: 'TR3-42', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' }],
});

describe('The demo flows on the local copy, through the test kit', () => {
  it('asks for a review two weeks after a running-shoe order, and not when the member reviewed', { timeout: 120_000 }, async () => {
    const ada = await member('ada');
    const bo = await member('bo');
    await lojal.send('order.placed', shoes(ada.customerId, `o-${ada.customerId}`, lojal.now()));
    await lojal.send('order.placed', shoes(bo.customerId, `o-${bo.customerId}`, lojal.now()));
    await lojal.advance('P3D');
    await lojal.send('activity.completed', {
      activityId: `rv-${bo.customerId}`,
      customerId: bo.customerId,
      activity: 'review',
      occurredAt: lojal.now(),
    });

    await lojal.advance('P15D');

    const asked = (await lojal.inbox(ada.email)).filter((m) => m.subject === 'What did you think of your purchase?');
    expect(asked).toHaveLength(1);
    expect(asked[0]?.html).toContain('Trail Runner 3');
    expect((await lojal.inbox(bo.email)).filter((m) => m.subject === 'What did you think of your purchase?')).toEqual([]);
    expect(await lojal.runs(bo.customerId)).toContainEqual(
      expect.objectContaining({ flowId: 'review-request', status: 'cancelled', endReason: 'event:activity.completed' }),
    );
    expect(await lojal.counters('review-request')).toMatchObject({ entered: 2, 'step:ask': 1, goal: 1 });
  });

  it('wins a member back with 100 points after 120 days without an order', { timeout: 120_000 }, async () => {
    const cy = await member('cy');
    await lojal.send('order.placed', {
      ...shoes(cy.customerId, `o-${cy.customerId}`, lojal.now()),
      lines: [{ sku: 'S-1', category: 'running-socks', quantity: 1, unitPrice: 14_900 }],
    });
    const before = (await lojal.get<{ balance: number }>(`/v1/members/${cy.customerId}`)).balance;

    await lojal.advance('P121D');

    expect((await lojal.get<{ balance: number }>(`/v1/members/${cy.customerId}`)).balance - before).toBe(100);
    expect(await lojal.runs(cy.customerId)).toContainEqual(
      expect.objectContaining({ flowId: 'win-back', status: 'completed', path: ['bonus', 'tell-shop'] }),
    );
    expect(lojal.deadLetters()).toEqual([]);
  });
});
