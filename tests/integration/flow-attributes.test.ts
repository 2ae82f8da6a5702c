import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { instrumentDynamo } from '../../bench/instrument';
import { AudienceStore } from '../../functions/adapters/dynamo/audience-store';
import { CalendarStore } from '../../functions/adapters/dynamo/calendar-store';
import { FlowStore } from '../../functions/adapters/dynamo/flow-store';
import { ProfileStore } from '../../functions/adapters/dynamo/profile-store';
import { backfillAudience } from '../../functions/app/backfill-audience';
import { timelineSweeperJob } from '../../functions/app/sweep-due-items';
import { parseProgramConfig } from '../../functions/config/program';
import { fileURLToPath } from 'node:url';
import { withClientMessages } from '../../lib/messages/client-messages';
import type { BusEvent } from '../../functions/runtime/ports';
import { busEvent } from '../support/deps';
import { injectFault, timeoutError } from '../support/faults';
import { RecordingPublisher } from '../support/timeline';
import { mailTestbed } from '../support/mail';

/**
 * Member attributes, the `set` step, the audience index and the one Query of a member's runs
 * per event, on DynamoDB Local (docs/flows.md, docs/client-file.md "Member attributes").
 */

const attributes = { shoeSize: 'number', favouriteSport: { enum: ['running', 'trail', 'gym'] }, vip: 'boolean' } as const;

const flows = [
  {
    id: 'runner-welcome',
    name: 'A running-shoe order marks the member a runner; big feet get a tip',
    trigger: { event: 'order.placed', where: { lines: { category: ['running-shoes'] } } },
    key: 'orderId',
    steps: [
      { id: 'mark', set: { favouriteSport: 'running' } },
      { id: 'tell', emit: 'member.marked' },
      {
        id: 'size',
        branch: [{ when: { attributes: { shoeSize: [{ numeric: ['>=', 46] }] } }, steps: [{ id: 'wide', emit: 'member.wide-fit' }] }],
      },
    ],
  },
  {
    id: 'vip-news',
    name: 'VIP runners hear about the spring range',
    trigger: { schedule: { at: '2027-03-10T08:00:00Z' } },
    audience: { marketingConsent: [true], attributes: { vip: [true] } },
    steps: [{ id: 'tell-shop', emit: 'member.vip-news' }],
  },
  {
    id: 'gold-news',
    name: 'Gold members hear about the spring range',
    trigger: { schedule: { at: '2027-03-10T08:00:00Z' } },
    audience: { attributes: { vip: [true] }, tier: ['Gold'] },
    steps: [{ id: 'tell-shop', emit: 'member.gold-news' }],
  },
];

/** The sweeper's `flow.broadcast.due` for a broadcast of this file (tests/integration/flows.test.ts drives the sweeper itself). */
const broadcastDue = (flowId: string) => ({
  itemId: `broadcast:${flowId}`,
  kind: 'flow-broadcast',
  flowId,
  at: '2027-03-10T08:00:00.000Z',
});

const config = parseProgramConfig({ ...demo, attributes, flows }, 'flow attributes test');

async function bed(start = '2027-03-01T10:00:00Z') {
  const b = await mailTestbed({ config, start });
  const profiles = new ProfileStore(b.table.doc, b.table.tableName);
  const store = new FlowStore(b.table.doc, b.table.tableName);
  const deliver = async (event: BusEvent) => {
    const own = { 'customer.registered': 'customer-registered', 'customer.updated': 'customer-updated', 'order.placed': 'order-placed' }[
      event['detail-type']
    ] as keyof typeof b.handlers | undefined;
    if (own) await b.handlers[own](event);
    await b.handlers.flows(event);
  };
  const shoeOrder = (customerId: string, orderId: string, placedAt: string) =>
    busEvent('order.placed', {
      orderId,
      customerId,
      placedAt,
      currency: 'SEK',
      lines: [{ sku: 'tr3', category: 'running-shoes', quantity: 1, unitPrice: 100000, name: 'Trail Runner 3' }],
    });
  const partition = async (customerId: string) =>
    (
      await b.table.doc.send(
        new QueryCommand({
          TableName: b.table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `MEMBER#${customerId}` },
        }),
      )
    ).Items ?? [];
  const sport = async (customerId: string) => (await profiles.get(customerId))?.profile.attributes?.favouriteSport;
  return { ...b, profiles, store, deliver, shoeOrder, partition, sport };
}

describe('Member attributes', () => {
  it('a wrong type or an undeclared attribute is rejected naming the field, writes nothing, and is dead-lettered', async () => {
    const b = await bed();
    const registration = { customerId: 'bad1', email: 'bad1@example.com', registeredAt: '2027-02-01T10:00:00Z', marketingConsent: true };
    await b.deliver(busEvent('customer.registered', { ...registration, attributes: { shoeSize: '44' } }));
    // The welcome mail's handler applies the same registration: it refuses it the same way.
    await b.handlers['welcome-email'](busEvent('customer.registered', { ...registration, attributes: { shoeSize: '44' } }));
    await b.deliver(
      busEvent('customer.updated', { customerId: 'bad2', updatedAt: '2027-02-01T10:00:00Z', attributes: { hairColour: 'red' } }),
    );
    expect(b.deps.deadLettered.map((d) => d.error)).toEqual([
      'detail.attributes.shoeSize: must be a number',
      'detail.attributes.shoeSize: must be a number',
      'detail.attributes.hairColour: is not an attribute of this program (shoeSize, favouriteSport, vip)',
    ]);
    expect(await b.partition('bad1')).toEqual([]);
    expect(await b.partition('bad2')).toEqual([]);
    expect(b.queue.take()).toEqual([]);
  });

  it('stores attributes with the profile, newest business time first, and a flow sees them as attributes.<name>', async () => {
    const b = await bed();
    await b.deliver(
      busEvent('customer.registered', {
        customerId: 'ada',
        email: 'ada@example.com',
        registeredAt: '2027-02-01T10:00:00Z',
        attributes: { shoeSize: 46, vip: true },
      }),
    );
    // An older update delivered late changes nothing; a clear (null) newer than the value wins.
    await b.deliver(busEvent('customer.updated', { customerId: 'ada', updatedAt: '2027-01-01T10:00:00Z', attributes: { shoeSize: 40 } }));
    expect((await b.profiles.get('ada'))?.profile.attributes).toEqual({ shoeSize: 46, vip: true });
    await b.deliver(b.shoeOrder('ada', 'o1', '2027-03-01T09:00:00Z'));
    expect(b.published.map((e) => e.detailType).sort()).toEqual(['member.marked', 'member.wide-fit']);
    await b.deliver(busEvent('customer.updated', { customerId: 'ada', updatedAt: '2027-03-01T09:30:00Z', attributes: { shoeSize: null } }));
    await b.deliver(b.shoeOrder('ada', 'o2', '2027-03-01T09:45:00Z'));
    expect(b.published.map((e) => e.detailType).sort()).toEqual(['member.marked', 'member.marked', 'member.wide-fit']);
  });

  it('a deletion erases the attributes from the profile and takes the member out of the audience index', async () => {
    const b = await bed();
    await b.deliver(
      busEvent('customer.registered', {
        customerId: 'del',
        email: 'd@example.com',
        registeredAt: '2027-02-01T10:00:00Z',
        attributes: { vip: true },
      }),
    );
    expect((await b.partition('del')).map((i) => i.sk)).toContain('AUDIENCE');
    await b.handlers['customer-deleted'](busEvent('customer.deleted', { customerId: 'del', deletedAt: '2027-03-01T09:00:00Z' }));
    const items = await b.partition('del');
    expect(items.map((i) => i.sk)).not.toContain('AUDIENCE');
    expect(JSON.stringify(items)).not.toContain('vip');
  });
});

describe('Flows: the set step', () => {
  it('a newer customer.updated wins over a flow’s set in either delivery order; an older one does not; a redelivery sets nothing twice', async () => {
    const b = await bed('2027-03-01T10:00:00Z');
    for (const id of ['first', 'second', 'older']) {
      await b.deliver(
        busEvent('customer.registered', { customerId: id, email: `${id}@example.com`, registeredAt: '2027-02-01T10:00:00Z' }),
      );
    }
    // The set step runs at Lojal's 10:00:00; the webshop's update is a minute newer.
    const newer = (id: string) =>
      busEvent('customer.updated', { customerId: id, updatedAt: '2027-03-01T10:01:00Z', attributes: { favouriteSport: 'gym' } });
    await b.deliver(newer('first'));
    await b.deliver(b.shoeOrder('first', 'o1', '2027-03-01T09:00:00Z'));
    await b.deliver(b.shoeOrder('second', 'o1', '2027-03-01T09:00:00Z'));
    await b.deliver(newer('second'));
    expect(await b.sport('first')).toBe('gym');
    expect(await b.sport('second')).toBe('gym');

    await b.deliver(b.shoeOrder('older', 'o1', '2027-03-01T09:00:00Z'));
    const set = await b.profiles.get('older');
    await b.deliver(
      busEvent('customer.updated', { customerId: 'older', updatedAt: '2027-03-01T09:59:00Z', attributes: { favouriteSport: 'trail' } }),
    );
    expect(await b.sport('older')).toBe('running');
    // The same order again, and the action recovered from the outbox again: nothing moves.
    await b.deliver(b.shoeOrder('older', 'o1', '2027-03-01T09:00:00Z'));
    expect((await b.profiles.get('older'))?.profile).toEqual(set?.profile);
    expect((await b.store.allRuns('older', true)).map((r) => r.path)).toEqual([['mark', 'tell', 'size']]);
  });
});

describe('Flows: the set step under duplicated and reordered deliveries', () => {
  it('any order and duplicates of the same events end in the runs and attributes of one in-order delivery', async () => {
    const b = await bed('2027-03-01T10:00:00Z');
    const history = (id: string) => [
      busEvent('customer.registered', {
        customerId: id,
        email: `${id}@example.com`,
        registeredAt: '2027-02-01T10:00:00Z',
        attributes: { favouriteSport: 'trail', shoeSize: 42 },
      }),
      busEvent('customer.updated', { customerId: id, updatedAt: '2027-03-01T09:00:00Z', attributes: { vip: true, shoeSize: 43 } }),
      b.shoeOrder(id, 'o1', '2027-03-01T09:10:00Z'),
      busEvent('customer.updated', { customerId: id, updatedAt: '2027-03-01T10:02:00Z', attributes: { favouriteSport: 'gym' } }),
      b.shoeOrder(id, 'o2', '2027-03-01T09:20:00Z'),
      busEvent('customer.updated', {
        customerId: id,
        updatedAt: '2027-03-01T08:00:00Z',
        attributes: { favouriteSport: 'running', vip: false },
      }),
    ];
    const outcome = async (id: string) => ({
      attributes: (await b.profiles.get(id))?.profile.attributes,
      runs: (await b.store.allRuns(id, true)).map((r) => ({ flowId: r.flowId, runKey: r.runKey, status: r.status, path: r.path })),
    });
    for (const event of history('inorder')) await b.deliver(event);
    const expected = await outcome('inorder');
    expect(expected.attributes).toEqual({ favouriteSport: 'gym', shoeSize: 43, vip: true });
    expect(expected.runs).toHaveLength(2);
    // A fixed set of shuffles (a seeded permutation each), every event delivered twice.
    for (let seed = 1; seed <= 4; seed++) {
      const id = `shuffled${seed}`;
      const events = [...history(id), ...history(id)];
      let state = seed;
      const random = () => {
        state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
        return state / 2 ** 31;
      };
      for (let i = events.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [events[i], events[j]] = [events[j] as BusEvent, events[i] as BusEvent];
      }
      for (const event of events) await b.deliver(event);
      expect(await outcome(id)).toEqual(expected);
    }
  }, 60_000);
});

describe('Flows: a step’s actions', () => {
  it('run concurrently: the mail is queued while the event of the same step goes out, each once', async () => {
    const messages = fileURLToPath(new URL('../../clients/demo/messages/', import.meta.url));
    const both = parseProgramConfig(
      withClientMessages(
        {
          ...demo,
          attributes,
          flows: [
            {
              id: 'ask-and-tell',
              name: 'ask and tell',
              trigger: { event: 'order.placed' },
              key: 'orderId',
              steps: [
                { id: 'ask', email: 'review-request' },
                { id: 'tell', emit: 'member.asked' },
                { id: 'mark', set: { vip: true } },
              ],
            },
          ],
        },
        messages,
        'concurrent actions test',
      ),
      'concurrent actions test',
    );
    const b = await mailTestbed({ config: both, start: '2027-03-01T10:00:00Z' });
    // The mail queue answers only once the step's event is on the bus: one after the other, it never would.
    const enqueue = b.queue.enqueue.bind(b.queue);
    b.queue.enqueue = async (jobs) => {
      for (let i = 0; i < 100 && !b.published.some((e) => e.detailType === 'member.asked'); i++)
        await new Promise((r) => setTimeout(r, 10));
      if (!b.published.some((e) => e.detailType === 'member.asked')) throw new Error('the actions ran one after another');
      return enqueue(jobs);
    };
    const order = busEvent('order.placed', {
      orderId: 'o1',
      customerId: 'both',
      placedAt: '2027-03-01T09:00:00Z',
      currency: 'SEK',
      lines: [{ sku: 's1', category: 'socks', quantity: 1, unitPrice: 100 }],
    });
    await b.handlers.flows(order);
    await b.handlers.flows(order);
    expect(b.queue.take().map((j) => j.ref)).toEqual(['flow:ask-and-tell:o1:1:ask']);
    expect(b.published.filter((e) => e.detailType === 'member.asked')).toHaveLength(1);
    expect((await new ProfileStore(b.table.doc, b.table.tableName).get('both'))?.profile.attributes).toEqual({ vip: true });
    expect(await new FlowStore(b.table.doc, b.table.tableName).actionPending('both', 'flow:ask-and-tell:o1:1:ask')).toBe(false);
  });
});

describe('Flows: a set step recovered after a crash', () => {
  it('keeps the step’s instant: a webshop update newer than the step still wins, an older one still loses', async () => {
    const marking = parseProgramConfig(
      {
        ...demo,
        attributes,
        flows: [
          {
            id: 'mark',
            name: 'mark runners',
            trigger: { event: 'order.placed' },
            key: 'orderId',
            steps: [{ id: 'mark', set: { favouriteSport: 'running' } }],
          },
        ],
      },
      'set recovery test',
    );
    const b = await mailTestbed({ config: marking, start: '2027-03-01T10:00:00Z' });
    const profiles = new ProfileStore(b.table.doc, b.table.tableName);
    const sweeps = new RecordingPublisher();
    const sweeper = timelineSweeperJob(b.deps, sweeps);
    const order = (customerId: string) =>
      busEvent('order.placed', {
        orderId: 'o1',
        customerId,
        placedAt: '2027-03-01T09:00:00Z',
        currency: 'SEK',
        lines: [{ sku: 's1', category: 'socks', quantity: 1, unitPrice: 100 }],
      });
    for (const customerId of ['newer', 'older']) {
      // The step commits, then the profile read before its write times out: the set stays in the outbox.
      const fault = injectFault(b.table.doc, { command: 'GetItemCommand', when: 'before', times: 1, error: timeoutError });
      await expect(b.handlers.flows(order(customerId))).rejects.toThrow('socket hang up');
      fault.remove();
    }
    expect(await profiles.get('newer')).toBeUndefined();
    // Meanwhile the shop updates both: one a minute after the step ran, one a minute before it.
    await b.handlers['customer-updated'](
      busEvent('customer.updated', { customerId: 'newer', updatedAt: '2027-03-01T10:01:00Z', attributes: { favouriteSport: 'gym' } }),
    );
    await b.handlers['customer-updated'](
      busEvent('customer.updated', { customerId: 'older', updatedAt: '2027-03-01T09:59:00Z', attributes: { favouriteSport: 'trail' } }),
    );
    b.clock.set('2027-03-01T10:05:00Z'); // past the action's lease
    await sweeper.sweep();
    const due = sweeps.events.filter((e) => e.detailType === 'flow.action.due');
    expect(due).toHaveLength(2);
    for (const e of [...due, ...due]) await b.handlers.flows(busEvent(e.detailType, e.detail, 'lojal'));
    expect(b.deps.deadLettered).toEqual([]);
    expect((await profiles.get('newer'))?.profile.attributes).toEqual({ favouriteSport: 'gym' });
    expect((await profiles.get('older'))?.profile.attributes).toEqual({ favouriteSport: 'running' });
    expect((await profiles.get('older'))?.profile.attributeAt).toEqual({ favouriteSport: Date.parse('2027-03-01T10:00:00Z') });
  });
});

describe('Flows: reads per event and per broadcast member', () => {
  it('an event reads all the member’s runs with one Query however many flows listen', async () => {
    const many = parseProgramConfig(
      {
        ...demo,
        flows: Array.from({ length: 6 }, (_, i) => ({
          id: `f${i}`,
          name: `flow ${i}`,
          trigger: { event: 'order.placed' },
          key: 'orderId',
          exitOn: [{ event: 'order.refunded', sameKey: true }],
          steps: [
            { id: 'settle', wait: 'P14D' },
            { id: 'tell', emit: 'bench.thanks' },
          ],
        })),
      },
      'one query test',
    );
    const b = await mailTestbed({ config: many, start: '2027-03-01T10:00:00Z' });
    const meter = instrumentDynamo(b.table.doc);
    const order = busEvent('order.placed', {
      orderId: 'o1',
      customerId: 'q1',
      placedAt: '2027-03-01T09:00:00Z',
      currency: 'SEK',
      lines: [{ sku: 's1', category: 'socks', quantity: 1, unitPrice: 100 }],
    });
    await b.handlers.flows(order);
    expect(meter.totals.calls.get('QueryCommand')).toBe(1);
    expect(meter.totals.calls.get('TransactWriteItemsCommand')).toBe(6);
    meter.reset();
    await b.handlers.flows(order); // a redelivery: one Query, nothing to write
    expect(Object.fromEntries(meter.totals.calls)).toEqual({ QueryCommand: 1 });
    meter.reset();
    await b.handlers.flows(
      busEvent('order.refunded', { refundId: 'r1', orderId: 'o1', customerId: 'q1', refundedAt: '2027-03-01T09:30:00Z', amount: 100 }),
    );
    expect(meter.totals.calls.get('QueryCommand')).toBe(1);
    const runs = await new FlowStore(b.table.doc, b.table.tableName).allRuns('q1', true);
    expect(runs.map((r) => `${r.flowId}:${r.endReason}`).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `f${i}:event:order.refunded`));
  });

  it('a broadcast over profile facts reads one index item per member and nothing else for members it rules out', async () => {
    const b = await bed('2027-03-01T10:00:00Z');
    // 24 members on 24 registration days: a third VIPs who consent, a third VIPs who do not, a third neither.
    const ids = Array.from({ length: 24 }, (_, i) => `v${i}`);
    for (const [i, customerId] of ids.entries()) {
      const registeredAt = new Date(Date.parse('2026-01-01T10:00:00Z') + i * 11 * 86_400_000).toISOString();
      await b.handlers['customer-registered'](
        busEvent('customer.registered', {
          customerId,
          email: `${customerId}@example.com`,
          registeredAt,
          marketingConsent: i % 3 === 0,
          attributes: { vip: i % 3 !== 2 },
        }),
      );
    }
    const admitted = ids.filter((_, i) => i % 3 === 0);
    b.clock.set('2027-03-10T08:00:30Z');
    await b.handlers.flows(busEvent('flow.broadcast.due', broadcastDue('vip-news'), 'lojal'));
    const slices = b.published.filter((e) => e.detailType === 'flow.broadcast.slice');
    expect(slices).toHaveLength(366 * 4);
    const meter = instrumentDynamo(b.table.doc, { measureItems: true });
    for (const s of slices) await b.handlers.flows(busEvent('flow.broadcast.slice', s.detail, 'lojal'));
    // One index item per member; besides them only the run read of each member it admits (none yet: an empty GetItem).
    expect(meter.totals.itemsRead).toBe(ids.length);
    expect(meter.totals.calls.get('GetItemCommand')).toBe(admitted.length);
    expect(b.published.filter((e) => e.detailType === 'member.vip-news')).toHaveLength(admitted.length);

    // Delivered again: the index items again, and each admitted member's run, found entered: nobody twice.
    meter.reset();
    for (const s of slices.slice().reverse()) await b.handlers.flows(busEvent('flow.broadcast.slice', s.detail, 'lojal'));
    expect(meter.totals.itemsRead).toBe(ids.length + admitted.length);
    expect(b.published.filter((e) => e.detailType === 'member.vip-news')).toHaveLength(admitted.length);

    // An audience that names a ledger fact (tier) reads the state only for the members the index admits (the VIPs).
    meter.reset();
    await b.handlers.flows(busEvent('flow.broadcast.due', broadcastDue('gold-news'), 'lojal'));
    for (const s of b.published.filter(
      (e) => e.detailType === 'flow.broadcast.slice' && (e.detail as { flowId: string }).flowId === 'gold-news',
    ))
      await b.handlers.flows(busEvent('flow.broadcast.slice', s.detail, 'lojal'));
    const vips = ids.filter((_, i) => i % 3 !== 2).length;
    expect(meter.totals.calls.get('GetItemCommand')).toBe(vips); // each VIP's state item, none of the others'
    expect(b.published.filter((e) => e.detailType === 'member.gold-news')).toHaveLength(0); // nobody is Gold
  }, 120_000);
});

describe('Function: backfillAudience', () => {
  it('gives members registered before the audience index their item, once, and none to a deleted member', async () => {
    const b = await bed();
    const ids = ['old1', 'old2', 'old3', 'gone'];
    for (const [i, customerId] of ids.entries())
      await b.deliver(
        busEvent('customer.registered', {
          customerId,
          email: `${customerId}@example.com`,
          registeredAt: `2026-0${i + 1}-15T10:00:00Z`,
          marketingConsent: true,
          attributes: { vip: true },
        }),
      );
    const written = await Promise.all(ids.map(async (id) => (await b.partition(id)).find((item) => item.sk === 'AUDIENCE')));
    // As a stack deployed before the index has them: no audience items.
    for (const id of ids)
      await b.table.doc.send(new DeleteCommand({ TableName: b.table.tableName, Key: { pk: `MEMBER#${id}`, sk: 'AUDIENCE' } }));
    await b.handlers['customer-deleted'](busEvent('customer.deleted', { customerId: 'gone', deletedAt: '2027-03-01T09:00:00Z' }));
    const deps = {
      calendar: new CalendarStore(b.table.doc, b.table.tableName),
      audience: new AudienceStore(b.table.doc, b.table.tableName),
      profiles: b.profiles,
      clientTimeZone: config.timeZone,
    };
    expect(await backfillAudience(deps)).toEqual({ members: 3, written: 3 });
    for (const [i, id] of ids.slice(0, 3).entries())
      expect((await b.partition(id)).find((item) => item.sk === 'AUDIENCE')).toEqual(written[i]);
    expect((await b.partition('gone')).map((item) => item.sk)).not.toContain('AUDIENCE');
    expect(await backfillAudience(deps)).toEqual({ members: 3, written: 0 });
  }, 60_000);
});
