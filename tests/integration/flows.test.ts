import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { FlowStore } from '../../functions/adapters/dynamo/flow-store';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { timelineSweeperJob } from '../../functions/app/sweep-due-items';
import { parseProgramConfig } from '../../functions/config/program';
import { inFlowHoldout } from '../../functions/domain/flows/plan';
import type { BusEvent } from '../../functions/runtime/ports';
import { withClientMessages } from '../../lib/messages/client-messages';
import { apiRequest } from '../support/api';
import { busEvent } from '../support/deps';
import { addressFor, inboxOf, mailTestbed } from '../support/mail';
import { RecordingPublisher } from '../support/timeline';

/**
 * The flow engine on DynamoDB Local and the local SES (docs/flows.md): runs enter, wait in the
 * sweeper's due index, wait for events, mail, award points and emit, exactly once under
 * duplicated, reordered and crashing deliveries.
 */

const flows = [
  {
    id: 'review-request',
    name: 'Ask for a review two weeks after a running-shoe order, unless they reviewed it',
    trigger: { event: 'order.placed', where: { lines: { category: ['running-shoes'] } } },
    key: 'orderId',
    exitOn: [{ event: 'order.refunded', sameKey: true }],
    goal: { event: 'activity.completed', where: { activity: ['review'] }, within: 'P30D' },
    steps: [
      { id: 'settle', wait: 'P14D' },
      {
        id: 'reviewed',
        waitFor: { event: 'activity.completed', where: { activity: ['review'] }, within: 'P7D' },
        matched: [{ id: 'thanks', points: 25, reason: 'Review bonus' }],
        timedOut: [{ id: 'ask', email: 'review-request' }],
      },
    ],
  },
  {
    id: 'win-back',
    name: 'Win back members who have not ordered for 120 days',
    trigger: { inactive: { after: 'P120D' } },
    exitOn: [{ event: 'order.placed' }],
    steps: [
      { id: 'bonus', points: 100, reason: 'We miss you' },
      { id: 'tell-shop', emit: 'member.win-back', detail: { campaign: 'win-back' } },
    ],
  },
  {
    id: 'nps-detractor',
    name: 'After a check-in answer of 0–6, tell the support desk',
    trigger: { event: 'nps.answered', where: { category: ['detractor'] } },
    key: 'orderId',
    reentry: 'replace',
    steps: [{ id: 'tell-support', emit: 'nps.detractor' }],
  },
  {
    id: 'nps-promoter',
    name: 'After a check-in answer of 9–10, invite the member to refer a friend',
    trigger: { event: 'nps.answered', where: { category: ['promoter'] } },
    key: 'orderId',
    steps: [{ id: 'invite', email: 'referral-invite' }],
  },
];

const DEMO_MESSAGES = fileURLToPath(new URL('../../clients/demo/messages/', import.meta.url));
const config = parseProgramConfig(withClientMessages({ ...demo, flows }, DEMO_MESSAGES, 'flows test'), 'flows test');

async function flowBed(start = '2027-03-01T10:00:00Z') {
  const bed = await mailTestbed({ config, start });
  const sweeps = new RecordingPublisher();
  const sweeper = timelineSweeperJob(bed.deps, sweeps);
  const store = new FlowStore(bed.table.doc, bed.table.tableName);
  const ledger = new LedgerStore(bed.table.doc, bed.table.tableName);
  /** Delivers an event to the routes that take it: its own handler (points, profile) and the flows handler. */
  const deliver = async (event: BusEvent) => {
    const own = {
      'customer.registered': 'customer-registered',
      'order.placed': 'order-placed',
      'order.refunded': 'order-refunded',
      'activity.completed': 'activity-completed',
    }[event['detail-type']] as keyof typeof bed.handlers | undefined;
    if (own) await bed.handlers[own](event);
    await bed.handlers.flows(event);
  };
  /** Moves the clock, sweeps, hands the engine its wake-ups (twice each: EventBridge delivers at least once), sends the mail. */
  const tick = async (iso: string) => {
    bed.clock.set(iso);
    const before = sweeps.events.length;
    await sweeper.sweep();
    for (const e of sweeps.events.slice(before)) {
      const event = busEvent(e.detailType, e.detail, 'lojal');
      await bed.handlers.flows(event);
      await bed.handlers.flows(event);
    }
    await bed.drain();
  };
  const register = (customerId: string, email: string) =>
    deliver(
      busEvent('customer.registered', { customerId, email, registeredAt: '2027-01-01T10:00:00Z', marketingConsent: true, locale: 'en' }),
    );
  const order = (customerId: string, orderId: string, placedAt: string, category = 'running-shoes') =>
    busEvent('order.placed', {
      orderId,
      customerId,
      placedAt,
      currency: 'SEK',
      lines: [{ sku: `${category}-1`, category, quantity: 1, unitPrice: 1000, name: 'Trail Runner 3' }],
    });
  const review = (customerId: string, activityId: string, occurredAt: string) =>
    busEvent('activity.completed', { activityId, customerId, activity: 'review', occurredAt });
  const counters = async (flowId: string) => {
    const days = await store.counters(flowId, '2027-01-01', '2028-12-31');
    const sums: Record<string, number> = {};
    for (const d of days) for (const [k, v] of Object.entries(d.counters)) sums[k] = (sums[k] ?? 0) + v;
    return sums;
  };
  const get = async (path: string) => {
    const [pathname, search] = path.split('?');
    const request = apiRequest('GET', pathname ?? path, Object.fromEntries(new URLSearchParams(search ?? '')));
    const result = (await bed.api(request)) as APIGatewayProxyStructuredResultV2;
    return { statusCode: result.statusCode, body: JSON.parse(String(result.body)) };
  };
  const balance = async (customerId: string) => (await ledger.readState(customerId))?.view?.balance ?? 0;
  return { bed, deliver, tick, register, order, review, store, counters, balance, sweeps, get };
}

describe('Flows engine', () => {
  it('asks for a review two weeks after a running-shoe order when none came, once, in the member’s inbox', async () => {
    const f = await flowBed();
    const to = addressFor('review');
    await f.register('r1', to);
    const placed = f.order('r1', 'o1', '2027-03-01T09:00:00Z');
    await f.deliver(placed);
    await f.deliver(placed);

    await f.tick('2027-03-15T10:00:00Z'); // the 14 days are over: now it waits for a review
    expect((await f.store.run('r1', 'review-request', 'o1'))?.waiting).toMatchObject({ stepId: 'reviewed', event: 'activity.completed' });
    await f.tick('2027-03-22T10:01:00Z'); // 7 more days without a review: the mail goes
    await f.tick('2027-03-23T10:01:00Z');

    const mails = (await inboxOf(to)).filter((m) => m.subject.includes('purchase'));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.body.html).toContain('o1');
    expect(mails[0]?.body.html).toContain('Trail Runner 3');
    expect(await f.store.run('r1', 'review-request', 'o1')).toMatchObject({ status: 'completed', path: ['settle', 'reviewed', 'ask'] });
    expect(await f.counters('review-request')).toEqual({
      entered: 1,
      'step:settle': 1,
      'step:reviewed': 1,
      'step:ask': 1,
      'exit:completed': 1,
    });

    // The same, through the member API.
    const runs = await f.get('/v1/members/r1/flows');
    expect(runs.body.runs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          flowId: 'review-request',
          runKey: 'o1',
          status: 'completed',
          group: 'treated',
          path: ['settle', 'reviewed', 'ask'],
        }),
        expect.objectContaining({
          flowId: 'win-back',
          runKey: 'member',
          status: 'active',
          waiting: expect.objectContaining({ stepId: '$inactive' }),
        }),
      ]),
    );
    const figures = await f.get('/v1/flows/review-request?from=2027-03-01&to=2027-03-31');
    expect(figures.body).toMatchObject({
      flowId: 'review-request',
      entered: 1,
      heldOut: 0,
      totals: { 'step:ask': 1 },
      goalRate: { treated: 0, holdout: null },
    });
    expect(figures.body.days.map((d: { day: string }) => d.day)).toEqual(['2027-03-01', '2027-03-15', '2027-03-22']);
    expect((await f.get('/v1/flows/no-such-flow')).statusCode).toBe(404);
  });

  it('thanks a member who reviewed during the wait with 25 points, once, and counts the goal once', async () => {
    const f = await flowBed();
    await f.register('r2', addressFor('thanks'));
    await f.deliver(f.order('r2', 'o2', '2027-03-01T09:00:00Z'));
    await f.tick('2027-03-15T10:00:00Z');
    const before = await f.balance('r2');
    f.bed.clock.set('2027-03-16T10:00:00Z');
    const reviewed = f.review('r2', 'a1', '2027-03-16T09:00:00Z');
    await f.deliver(reviewed);
    await f.deliver(reviewed);
    await f.tick('2027-03-30T10:00:00Z');

    // 50 for the review (the program's activity points) and 25 from the flow.
    expect((await f.balance('r2')) - before).toBe(75);
    expect(f.bed.queue.take()).toEqual([]);
    expect(await f.store.run('r2', 'review-request', 'o2')).toMatchObject({ status: 'completed', goalAt: '2027-03-16T09:00:00.000Z' });
    expect(await f.counters('review-request')).toMatchObject({ entered: 1, 'step:thanks': 1, goal: 1, 'exit:completed': 1 });
  });

  it('a refund of the order ends its run before anything is sent', async () => {
    const f = await flowBed();
    const to = addressFor('refund');
    await f.register('r3', to);
    await f.deliver(f.order('r3', 'o3', '2027-03-01T09:00:00Z'));
    f.bed.clock.set('2027-03-05T10:00:00Z');
    await f.deliver(
      busEvent('order.refunded', { refundId: 'rf1', orderId: 'o3', customerId: 'r3', refundedAt: '2027-03-05T09:00:00Z', amount: 1000 }),
    );
    await f.tick('2027-03-15T10:00:00Z');
    await f.tick('2027-03-23T10:00:00Z');
    expect(await f.store.run('r3', 'review-request', 'o3')).toMatchObject({ status: 'cancelled', endReason: 'event:order.refunded' });
    expect((await inboxOf(to)).filter((m) => m.subject.includes('purchase'))).toHaveLength(0);
    expect(await f.counters('review-request')).toMatchObject({ entered: 1, 'exit:event:order.refunded': 1 });
  });

  it('wins back a member after 120 days without an order: the newest order moves the clock, late ones do not', async () => {
    const f = await flowBed();
    await f.register('w1', addressFor('winback'));
    await f.deliver(f.order('w1', 'o1', '2027-03-01T09:00:00Z', 'running-socks'));
    f.bed.clock.set('2027-04-01T10:00:00Z');
    await f.deliver(f.order('w1', 'o2', '2027-04-01T09:00:00Z', 'running-socks'));
    await f.deliver(f.order('w1', 'o0', '2027-02-01T09:00:00Z', 'running-socks')); // delivered late: older than o2
    const before = await f.balance('w1');

    await f.tick('2027-07-01T10:00:00Z'); // 120 days after o1, not after o2
    expect(await f.balance('w1')).toBe(before);
    await f.tick('2027-07-30T10:00:00Z'); // 120 days after o2
    expect((await f.balance('w1')) - before).toBe(100);
    expect(f.bed.published.filter((e) => e.detailType === 'member.win-back')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ customerId: 'w1', campaign: 'win-back', flowId: 'win-back' }) }),
    ]);
    await f.tick('2027-08-30T10:00:00Z');
    expect((await f.balance('w1')) - before).toBe(100);
  });

  it('an imported order (history import) starts no review request and no win-back clock, and still earns its points', async () => {
    const f = await flowBed();
    const to = addressFor('imported');
    await f.register('i1', to);
    await f.deliver(busEvent('order.placed', { ...orderDetail('i1', 'oi1', '2027-02-20T09:00:00Z'), imported: true }));

    expect(await f.balance('i1')).toBeGreaterThan(0);
    expect(await f.store.runsOf('i1', 'review-request')).toEqual([]);
    expect(await f.store.runsOf('i1', 'win-back')).toEqual([]);
    await f.tick('2027-03-15T10:00:00Z');
    await f.tick('2027-07-30T10:00:00Z');
    expect((await inboxOf(to)).filter((m) => m.subject.includes('purchase'))).toHaveLength(0);
    expect(f.bed.published.filter((e) => e.detailType === 'member.win-back')).toEqual([]);
  });

  it('a crash between the step and its mail loses nothing: the sweeper recovers the action from the outbox, once', async () => {
    const f = await flowBed();
    const to = addressFor('crash');
    await f.register('c1', to);
    await f.deliver(f.order('c1', 'o9', '2027-03-01T09:00:00Z'));
    await f.tick('2027-03-15T10:00:00Z');
    // The mail queue is down when the waitFor times out: the step commits, its mail stays in the outbox.
    const queue = f.bed.queue;
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = async () => {
      throw new Error('SQS unavailable');
    };
    await expect(f.tick('2027-03-22T10:01:00Z')).rejects.toThrow('SQS unavailable');
    queue.enqueue = enqueue;
    expect(await f.store.run('c1', 'review-request', 'o9')).toMatchObject({ status: 'completed' });
    expect(await f.store.actionPending('c1', 'flow:review-request:o9:1:ask')).toBe(true);

    await f.tick('2027-03-22T10:10:00Z'); // past the action's lease: the sweeper emits flow.action.due
    await f.tick('2027-03-22T10:20:00Z');
    expect((await inboxOf(to)).filter((m) => m.subject.includes('purchase'))).toHaveLength(1);
    expect(await f.store.actionPending('c1', 'flow:review-request:o9:1:ask')).toBe(false);
  });

  it('follows up an NPS answer: a detractor is announced to support once, a promoter is invited to refer a friend', async () => {
    const f = await flowBed();
    const to = addressFor('nps');
    await f.register('n1', to);
    const answered = (orderId: string, score: number, answeredAt: string, previousScore: number | null = null) =>
      busEvent(
        'nps.answered',
        {
          idempotencyKey: `nps:n1:${orderId}:${answeredAt}`,
          customerId: 'n1',
          orderId,
          score,
          category: score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor',
          answeredAt,
          previousScore,
        },
        'lojal',
      );
    const low = answered('o1', 3, '2027-03-01T09:00:00.000Z');
    await f.deliver(low);
    await f.deliver(low);
    await f.deliver(answered('o2', 10, '2027-03-01T09:30:00.000Z'));
    await f.bed.drain();

    expect(f.bed.published.filter((e) => e.detailType === 'nps.detractor').map((e) => e.detail)).toEqual([
      expect.objectContaining({ customerId: 'n1', runKey: 'o1', idempotencyKey: 'flow:nps-detractor:o1:1:tell-support' }),
    ]);
    const invites = (await inboxOf(to)).filter((m) => m.subject.includes('refer a friend'));
    expect(invites).toHaveLength(1);
    expect(invites[0]?.body.html).toContain('10 out of 10');
  });

  it('duplicated and shuffled deliveries of the same history end in the runs, points and mail of one in-order delivery', async () => {
    const history = (customerId: string) => [
      { at: '2027-03-01T10:00:00Z', event: busEvent('order.placed', orderDetail(customerId, 'oa', '2027-03-01T09:00:00Z')) },
      { at: '2027-03-02T10:00:00Z', event: busEvent('order.placed', orderDetail(customerId, 'ob', '2027-03-02T09:00:00Z')) },
      {
        at: '2027-03-03T10:00:00Z',
        event: busEvent('order.refunded', { refundId: 'r1', orderId: 'ob', customerId, refundedAt: '2027-03-03T09:00:00Z', amount: 1000 }),
      },
    ];
    const outcome = async (order: number[], dup: boolean[]) => {
      const f = await flowBed('2027-03-04T10:00:00Z');
      await f.register('p1', addressFor('prop'));
      const events = history('p1');
      for (const [k, i] of order.entries()) {
        const e = events[i];
        if (!e) continue;
        await f.deliver(e.event);
        if (dup[k]) await f.deliver(e.event);
      }
      await f.tick('2027-03-20T10:00:00Z');
      await f.tick('2027-03-28T10:00:00Z');
      const mails = await Promise.all(
        ['oa', 'ob'].map(async (key) => (await f.bed.store.get('p1', 'flow', `flow:review-request:${key}:1:ask`))?.status ?? 'none'),
      );
      const runs = (await f.store.allRuns('p1', true)).map((r) => ({ flowId: r.flowId, runKey: r.runKey, status: r.status, path: r.path }));
      return {
        runs: runs.sort((a, b) => `${a.flowId}${a.runKey}`.localeCompare(`${b.flowId}${b.runKey}`)),
        mails,
        counters: await f.counters('review-request'),
      };
    };
    const inOrder = await outcome([0, 1, 2], [false, false, false]);
    expect(inOrder.mails).toEqual(['sent', 'none']);
    expect(inOrder.runs).toEqual([
      { flowId: 'review-request', runKey: 'oa', status: 'completed', path: ['settle', 'reviewed', 'ask'] },
      { flowId: 'review-request', runKey: 'ob', status: 'cancelled', path: ['settle'] },
      { flowId: 'win-back', runKey: 'member', status: 'active', path: [] },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        async (order, dup) => {
          expect(await outcome(order, dup)).toEqual(inOrder);
        },
      ),
      { numRuns: 6 },
    );
  }, 120_000);
});

function orderDetail(customerId: string, orderId: string, placedAt: string) {
  return {
    orderId,
    customerId,
    placedAt,
    currency: 'SEK',
    lines: [{ sku: 'shoe-1', category: 'running-shoes', quantity: 1, unitPrice: 1000, name: 'Trail Runner 3' }],
  };
}

describe('Flows engine: broadcasts', () => {
  it('enters every registered member the audience admits, once, enumerated by slices of the member index', async () => {
    const broadcast = {
      id: 'spring-news',
      name: 'Spring news to members who consent',
      trigger: { schedule: { at: '2027-03-10T08:00:00Z' } },
      audience: { marketingConsent: [true] },
      steps: [
        { id: 'early-access', points: 10, reason: 'Early access to the spring range' },
        { id: 'tell-shop', emit: 'member.spring-news' },
      ],
    };
    const withBroadcast = parseProgramConfig(
      withClientMessages({ ...demo, flows: [...flows, broadcast] }, DEMO_MESSAGES, 'broadcast test'),
      'broadcast test',
    );
    const bed = await mailTestbed({ config: withBroadcast, start: '2027-03-01T10:00:00Z' });
    const store = new FlowStore(bed.table.doc, bed.table.tableName);
    // 30 members registered on 30 different days (30 partitions of the member index), 20 of them consenting.
    const ids = Array.from({ length: 30 }, (_, i) => `b${i}`);
    for (const [i, customerId] of ids.entries()) {
      const registeredAt = new Date(Date.parse('2026-01-01T10:00:00Z') + i * 9 * 86_400_000).toISOString();
      await bed.handlers['customer-registered'](
        busEvent('customer.registered', { customerId, email: `${customerId}@example.com`, registeredAt, marketingConsent: i % 3 !== 0 }),
      );
    }
    const sweeps = new RecordingPublisher();
    const sweeper = timelineSweeperJob(bed.deps, sweeps);
    await sweeper.sweep();
    expect(sweeps.events.filter((e) => e.detailType === 'flow.broadcast.due')).toEqual([]); // not yet
    // The local clock stops at the broadcast: nextDueAt names its instant.
    expect((await sweeper.nextDueAt(bed.clock.now())).toISOString()).toBe('2027-03-10T08:00:00.000Z');

    bed.clock.set('2027-03-10T08:00:30Z');
    await sweeper.sweep();
    await sweeper.sweep();
    const due = sweeps.events.filter((e) => e.detailType === 'flow.broadcast.due');
    expect(due).toHaveLength(1);
    await bed.handlers.flows(busEvent('flow.broadcast.due', due[0]?.detail, 'lojal'));
    const slices = bed.published.filter((e) => e.detailType === 'flow.broadcast.slice');
    expect(slices).toHaveLength(366 * 4);
    // Every slice delivered twice, the second time in reverse order.
    for (const s of [...slices, ...[...slices].reverse()]) await bed.handlers.flows(busEvent('flow.broadcast.slice', s.detail, 'lojal'));

    const runs = (await Promise.all(ids.map((id) => store.run(id, 'spring-news', 'broadcast:2027-03-10T08:00:00.000Z')))).filter(Boolean);
    expect(runs).toHaveLength(20);
    expect(runs.every((r) => r?.status === 'completed')).toBe(true);
    const days = await store.counters('spring-news', '2027-03-01', '2027-03-31');
    expect(days.reduce((n, d) => n + (d.counters.entered ?? 0), 0)).toBe(20);
    expect(bed.published.filter((e) => e.detailType === 'member.spring-news')).toHaveLength(20);
    const ledger = new LedgerStore(bed.table.doc, bed.table.tableName);
    expect((await ledger.readState('b1'))?.view?.balance).toBe(10);
    expect((await ledger.readState('b0'))?.view?.balance ?? 0).toBe(0); // no consent: not in the audience
  }, 120_000);
});

describe('Flows engine: outcomes', () => {
  it('measures the orders after entry per group, and finds a known lift with an interval that covers it', async () => {
    const offer = {
      id: 'welcome-offer',
      name: 'A welcome offer, half the members held out',
      trigger: { event: 'customer.registered' },
      holdoutPercent: 50,
      outcomeWindow: 'P30D',
      steps: [{ id: 'offer', points: 50, reason: 'Welcome offer' }],
    };
    const config = parseProgramConfig({ ...demo, flows: [offer] }, 'outcomes test');
    const bed = await mailTestbed({ config, start: '2027-03-01T10:00:00Z' });
    const flow = config.flows[0] as (typeof config.flows)[number];
    // Treated members buy again 70 % of the time, held-out ones 20 %: a true lift of +50 pp.
    const buys = (i: number, holdout: boolean) => (i * 7919) % 100 < (holdout ? 20 : 70);
    let treated = 0;
    let heldOut = 0;
    for (let i = 0; i < 160; i++) {
      const customerId = `oc${i}`;
      const holdout = inFlowHoldout(flow, customerId);
      if (holdout) heldOut++;
      else treated++;
      const registered = busEvent('customer.registered', {
        customerId,
        email: `${customerId}@example.com`,
        registeredAt: '2027-03-01T09:00:00Z',
      });
      await bed.handlers['customer-registered'](registered);
      await bed.handlers.flows(registered);
      if (!buys(i, holdout)) continue;
      const placed = busEvent('order.placed', {
        orderId: `o-${customerId}`,
        customerId,
        placedAt: '2027-03-01T09:30:00Z',
        currency: 'SEK',
        lines: [{ sku: 's1', category: 'running-socks', quantity: 1, unitPrice: 14_900 }],
      });
      await bed.handlers.flows(placed);
      await bed.handlers.flows(placed); // a redelivery counts once
    }
    const result = (await bed.api(apiRequest('GET', '/v1/flows/welcome-offer'))) as APIGatewayProxyStructuredResultV2;
    const body = JSON.parse(String(result.body));
    expect(body.outcomes.treated.entrants).toBe(treated);
    expect(body.outcomes.holdout.entrants).toBe(heldOut);
    expect(body.outcomes.treated.orders).toBe(body.outcomes.treated.buyers);
    expect(body.outcomes.treated.revenue).toBe(body.outcomes.treated.orders * 14_900);
    const lift = body.outcomes.buyerRateLift;
    expect(lift.significant).toBe(true);
    expect(lift.interval.low).toBeLessThan(0.5);
    expect(lift.interval.high).toBeGreaterThan(0.5);
    expect(body.outcomes.revenuePerEntrantLift.significant).toBe(true);
  }, 120_000);
});
