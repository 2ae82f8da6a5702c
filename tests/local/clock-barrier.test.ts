import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LocalCopy } from '../../local/local-copy';
import { localEventBridge, startTestLocalCopy } from '../support/local-copy';

/*
 * The clock barrier (`POST /_local/clock {"advance":"PT0S"}`) answers only once all work from
 * earlier answered PutEvents calls is done (issue 13). The local copy's clock runs, as under
 * `npm start`, with real time that moves on at every reading (the worst case: a millisecond
 * passes between any two readings), and the real-time ticker runs due jobs every few
 * milliseconds, so barriers also queue behind ticks already moving. The cause this proves fixed:
 * the barrier read the running clock once for its target and again for its never-backwards
 * check, and when a millisecond passed between the two it answered 400 ClockMovedBackward at
 * once, without waiting; a reader that went on saw the member missing or without points. Each round registers a new
 * member, reports a review, puts the barrier and reads the member: it must be there with the
 * review's points. Rounds run in a few lanes at once; every barrier must still wait for all
 * the work of every lane put before it.
 */

const START = '2026-11-28T09:00:00Z';
const ROUNDS = 1_000;
const LANES = 8;
let local: LocalCopy;
let eventBridge: EventBridgeClient;

beforeAll(async () => {
  let wall = 0;
  local = await startTestLocalCopy('clock-barrier', START, {
    clock: { start: new Date(START), frozen: false, wallClock: () => ++wall },
    tickIntervalMs: 5,
    // A job due every second of business time, so ticks and barriers run jobs all the time. The
    // deployed jobs are left out: their idle probes (about 90 queries a barrier) would make the
    // 1 000 rounds too slow for npm test, and what they do with the clock is the same.
    schedules: () => [{ name: 'each-second', every: 'PT1S', run: async () => undefined }],
  });
  eventBridge = localEventBridge(local);
});

afterAll(async () => {
  eventBridge?.destroy();
  await local?.stop();
});

async function round(i: number): Promise<string | undefined> {
  const customerId = `barrier-${i}`;
  const put = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'webshop',
          DetailType: 'customer.registered',
          Detail: JSON.stringify({ customerId, registeredAt: START, email: `${customerId}@example.com` }),
        },
        {
          Source: 'webshop',
          DetailType: 'activity.completed',
          Detail: JSON.stringify({ activityId: `review-${i}`, customerId, activity: 'review', occurredAt: START }),
        },
      ],
    }),
  );
  if (put.FailedEntryCount !== 0) return `round ${i}: PutEvents failed ${JSON.stringify(put.Entries)}`;
  const barrier = await fetch(`${local.urls.api}/_local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance: 'PT0S' }),
  });
  if (barrier.status !== 200) return `round ${i}: barrier answered ${barrier.status} ${await barrier.text()}`;
  const member = await fetch(`${local.urls.api}/v1/members/${customerId}`);
  const body = (await member.json()) as { balance?: number };
  if (member.status !== 200 || body.balance !== local.config.activities.review) {
    return `round ${i}: member ${member.status} ${JSON.stringify(body).slice(0, 120)}`;
  }
  return undefined;
}

// About 45 s alone on 2 cores; the margin is for a machine busy with other work.
it(`after the barrier, a member registered and reviewed before it shows with the review's points (${ROUNDS} rounds)`, {
  timeout: 360_000,
}, async () => {
  const problems: string[] = [];
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      for (let i = lane; i < ROUNDS; i += LANES) {
        const problem = await round(i);
        if (problem) problems.push(problem);
      }
    }),
  );
  expect(problems).toEqual([]);
  expect(local.deadLetters.list()).toEqual([]);
});
