import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { EventBridgePublisher } from '../../functions/adapters/eventbridge/publisher';
import { challengeResultsJob } from '../../functions/app/challenge-results';
import { parseProgramConfig } from '../../functions/config/program';
import type { LojalEvent } from '../../functions/runtime/event-publisher';
import type { LocalCopy } from '../../local/local-copy';
import { localEventBridge, startTestLocalCopy } from '../support/local-copy';

/*
 * A challenge on the local copy, as a shop developer tries one: members register and order
 * through the real SDK, the leaderboard is read over HTTP, and moving the clock past the
 * result pays the prizes and puts `challenge.completed` on the bus.
 */

let local: LocalCopy;
let eventBridge: EventBridgeClient;
const announced: LojalEvent[] = [];

const api = async (path: string, init?: RequestInit) => {
  const response = await fetch(`${local.urls.api}${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};
const put = (detailType: string, detail: unknown) =>
  eventBridge.send(new PutEventsCommand({ Entries: [{ Source: 'webshop', DetailType: detailType, Detail: JSON.stringify(detail) }] }));

beforeAll(async () => {
  // The clock starts once the orders below were placed: business times are bounded by it (issue 12.4).
  local = await startTestLocalCopy('challenges', '2027-01-03T09:00:00Z', {
    config: parseProgramConfig({
      ...demo,
      challenges: [
        {
          id: 'jan',
          name: 'January newcomers',
          start: '2027-01-01T00:00:00+01:00',
          end: '2027-02-01T00:00:00+01:00',
          entrants: 'joined',
          firstDays: 7,
          prizes: [500],
        },
      ],
    }),
    // Only the results job, recording what it announces on its way to the local bus.
    schedules: ({ deps, publish }) => {
      const bus = new EventBridgePublisher((entries) => publish(entries));
      return [challengeResultsJob(deps, { publish: async (events) => (announced.push(...events), bus.publish(events)) })];
    },
  });
  eventBridge = localEventBridge(local);
  for (const [customerId, sek] of [
    ['ina', 700],
    ['jon', 1500],
  ] as const) {
    await put('customer.registered', { customerId, email: `${customerId}@example.com`, registeredAt: '2027-01-02T10:00:00+01:00' });
    await put('order.placed', {
      orderId: `${customerId}-1`,
      customerId,
      placedAt: '2027-01-03T10:00:00+01:00',
      currency: 'SEK',
      lines: [{ sku: 'CAP', category: 'caps', quantity: 1, unitPrice: sek * 100 }],
    });
  }
  await api('/_local/clock', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance: 'PT0S' }),
  });
});

afterAll(async () => {
  eventBridge?.destroy();
  await local?.stop();
});

describe('A challenge on the local copy', () => {
  it('shows the leaderboard over HTTP, and pays and announces the winner when the clock passes the result', async () => {
    const open = await api('/v1/challenges/jan/leaderboard');
    expect(open.body).toMatchObject({
      status: 'open',
      items: [
        { rank: 1, customerId: 'jon', score: 1500, prize: 500 },
        { rank: 2, customerId: 'ina', score: 700 },
      ],
    });

    // Scoring closes 7 days after registration closes (8 Feb), the result a day later.
    await api('/_local/clock', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: '2027-02-10T00:00:00Z' }),
    });
    expect(announced.map((e) => [e.detailType, e.detail.winners])).toEqual([
      ['challenge.completed', [{ customerId: 'jon', rank: 1, score: 1500, prize: 500 }]],
    ]);
    const jon = await api('/v1/members/jon/ledger');
    expect(jon.body.items[0]).toMatchObject({ delta: 500, reason: 'January newcomers: place 1', ref: 'adjustment:challenge-jan' });
    const closed = await api('/v1/challenges/jan/leaderboard');
    expect(closed.body).toMatchObject({ status: 'closed', result: { winners: [{ customerId: 'jon', rank: 1, score: 1500, prize: 500 }] } });
  });
});
