import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { EventBridgePublisher } from '../../functions/adapters/eventbridge/publisher';
import { ledgerSweeperJob } from '../../functions/app/ledger-sweeper';
import { parseProgramConfig } from '../../functions/config/program';
import type { LocalCopy } from '../../local/local-copy';
import { startTestLocalCopy } from '../support/local-copy';

/*
 * The loyalty program on the local copy, as a shop developer meets it: points from an order,
 * a redemption over HTTP, and two years on the clock for the review and the expiry.
 */

let local: LocalCopy;
let eventBridge: EventBridgeClient;

const api = async (path: string, init?: RequestInit) => {
  const response = await fetch(`${local.urls.api}${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};
const moveClock = (body: unknown) =>
  api('/_local/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const redeem = (body: unknown) =>
  api('/v1/members/c-7/redemptions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  local = await startTestLocalCopy('loyalty', '2026-03-01T09:30:00Z', {
    config: parseProgramConfig({ ...demo, rewards: [{ id: 'tote-bag', name: 'Tote bag', points: 500, stock: 3, validDays: 30 }] }),
    // Only the ledger job: two years of the daily calendar job would be 760 runs.
    schedules: ({ deps, publish }) => [ledgerSweeperJob(deps, new EventBridgePublisher((entries) => publish(entries)))],
  });
  eventBridge = new EventBridgeClient({
    endpoint: local.urls.api,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'webshop',
          DetailType: 'order.placed',
          Detail: JSON.stringify({
            orderId: 'o-1',
            customerId: 'c-7',
            placedAt: '2026-03-01T10:00:00+01:00',
            currency: 'SEK',
            lines: [{ sku: 'JACKET', category: 'jackets', quantity: 1, unitPrice: 600_000 }],
          }),
        },
      ],
    }),
  );
  await moveClock({ advance: 'PT0S' });
});

afterAll(async () => {
  eventBridge?.destroy();
  await local?.stop();
});

describe('The loyalty program on the local copy', () => {
  it('redeems a reward over HTTP: 201 with its code, the same answer again with 200', async () => {
    const made = await redeem({ redemptionId: 'rd-1', rewardId: 'tote-bag' });
    const again = await redeem({ redemptionId: 'rd-1', rewardId: 'tote-bag' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      points: 500,
      balance: 5500,
      spendablePoints: 5500,
      reward: { id: 'tote-bag', validUntil: '2026-03-31T09:30:00.000Z' },
    });
    expect(again).toEqual({ status: 200, body: made.body });
    expect((await redeem({ redemptionId: 'rd-2' })).status).toBe(400);
  });

  it('shows the member with the tier status, spendable points and the next expiry', async () => {
    const { status, body } = await api('/v1/members/c-7');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      balance: 5500,
      spendablePoints: 5500,
      pendingPoints: 0,
      tier: 'Silver',
      tierReviewAt: '2027-03-01T09:00:00.000Z',
      expiring: { points: 5500, expiresAt: '2028-03-31T22:00:00.000Z' },
    });
  });

  it('two years on, the review has moved the member down and the expiry entry has taken the points', async () => {
    const move = await moveClock({ to: '2028-04-01T06:00:00Z' });
    expect(move.status).toBe(200);
    expect(move.body.failures).toEqual([]);
    expect(move.body.runs['ledger-sweeper']).toBeLessThan(12);

    const member = await api('/v1/members/c-7');
    expect(member.body).toMatchObject({
      balance: 0,
      spendablePoints: 0,
      lifetimePoints: 6000,
      tier: 'Red',
      tierReviewAt: null,
      expiring: null,
    });
    const ledger = await api('/v1/members/c-7/ledger');
    expect(ledger.body.items[0]).toEqual({
      at: '2028-03-31T22:00:00.000Z',
      delta: -5500,
      reason: 'points expired',
      ref: 'expiry:2028-04-01',
    });
  });
});
