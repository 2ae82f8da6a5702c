import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { FlowStore } from '../../functions/adapters/dynamo/flow-store';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { calendarDailyJob } from '../../functions/app/calendar-daily';
import { timelineSweeperJob } from '../../functions/app/sweep-due-items';
import { parseProgramConfig } from '../../functions/config/program';
import { DATE_STEP } from '../../functions/domain/flows/engine';
import type { LojalEvent } from '../../functions/runtime/event-publisher';
import { busEvent } from '../support/deps';
import { mailTestbed } from '../support/mail';
import { RecordingPublisher } from '../support/timeline';

/**
 * Time-driven flows on DynamoDB Local (docs/flows.md, "Member dates" and "Recurring
 * broadcasts"): the daily job finds the members a date flow fires for through the calendar
 * index, the run enters at the member's local time once per year; a recurring broadcast fires
 * each occurrence once, chained by the sweeper, and stops with its flow.
 */

const birthdayWeek = {
  id: 'birthday-week',
  name: 'Three days before the birthday, at nine on the member’s clock',
  trigger: { date: 'birthday', offset: '-P3D', at: '09:00' },
  exitOn: [{ event: 'order.placed' }], // so the flow also hears orders: they end a live run, and start none
  steps: [
    { id: 'gift', points: 30, reason: 'Your birthday week' },
    { id: 'tell-shop', emit: 'member.birthday-soon' },
  ],
};
const weekly = {
  id: 'weekly-tips',
  name: 'Every Monday at nine, to members who consent',
  trigger: { schedule: { every: 'P1W', starting: '2027-03-08T09:00:00+01:00' } },
  audience: { marketingConsent: [true] },
  steps: [{ id: 'tip', points: 5, reason: 'Weekly tip' }],
};
const config = parseProgramConfig({ ...demo, flows: [birthdayWeek, weekly] }, 'schedules test');

/** Delivers each event twice, the second round in reverse order (EventBridge: at least once, any order). */
async function deliverTwice(handler: (e: ReturnType<typeof busEvent>) => Promise<unknown>, events: readonly LojalEvent[]) {
  for (const e of [...events, ...[...events].reverse()]) await handler(busEvent(e.detailType, e.detail, 'lojal'));
}

describe('Flows: member-date triggers', () => {
  it('enters three days before the birthday at nine on each member’s clock, once however often the job and its events repeat', async () => {
    const bed = await mailTestbed({ config, start: '2027-06-01T10:00:00Z' });
    const store = new FlowStore(bed.table.doc, bed.table.tableName);
    const ledger = new LedgerStore(bed.table.doc, bed.table.tableName);
    const register = (customerId: string, birthday: string, timeZone?: string) =>
      bed.handlers['customer-registered'](
        busEvent('customer.registered', {
          customerId,
          email: `${customerId}@example.com`,
          registeredAt: '2026-01-01T10:00:00Z',
          birthday,
          ...(timeZone ? { timeZone } : {}),
        }),
      );
    await register('tokyo', '1990-06-10', 'Asia/Tokyo');
    await register('sthlm', '--06-10');
    await register('later', '1990-06-11');

    // The job at local midnight on 6 June (22:00 UTC, summer time) catches up 5 and 6 June and looks a day ahead.
    bed.clock.set('2027-06-05T22:00:30Z');
    const jobEvents = new RecordingPublisher();
    const job = calendarDailyJob(bed.deps, jobEvents);
    await job.runOnce();
    await job.emitDate('2027-06-06'); // an operator's replay: the same events again
    const due = jobEvents.events.filter((e) => e.detailType === 'flow.date.due');
    expect(due.map((e) => e.detail.customerId).sort()).toEqual(['sthlm', 'sthlm', 'tokyo', 'tokyo']);
    expect(due[0]?.detail).toMatchObject({ flowId: 'birthday-week', date: '2027-06-10', fireOn: '2027-06-07' });
    await deliverTwice(bed.handlers.flows, due);

    expect(await store.run('tokyo', 'birthday-week', 'birthday:2027')).toMatchObject({
      status: 'active',
      waiting: { stepId: DATE_STEP, until: '2027-06-07T00:00:00.000Z' }, // 09:00 in Tokyo
    });
    expect((await store.run('sthlm', 'birthday-week', 'birthday:2027'))?.waiting?.until).toBe('2027-06-07T07:00:00.000Z');
    expect(await store.run('later', 'birthday-week', 'birthday:2027')).toBeUndefined();

    const sweeps = new RecordingPublisher();
    const sweeper = timelineSweeperJob(bed.deps, sweeps);
    expect((await sweeper.nextDueAt(bed.clock.now())).toISOString()).toBe('2027-06-07T00:00:00.000Z');
    const tick = async (iso: string) => {
      bed.clock.set(iso);
      const before = sweeps.events.length;
      await sweeper.sweep();
      await deliverTwice(bed.handlers.flows, sweeps.events.slice(before));
    };
    await tick('2027-06-07T00:00:30Z');
    expect((await ledger.readState('tokyo'))?.view?.balance).toBe(30);
    expect((await ledger.readState('sthlm'))?.view?.balance ?? 0).toBe(0); // still night in Stockholm
    await tick('2027-06-07T07:00:30Z');
    expect((await ledger.readState('sthlm'))?.view?.balance).toBe(30);

    // A late redelivery of the day's events after the runs completed enters nobody again.
    await deliverTwice(bed.handlers.flows, due);
    expect(await store.run('tokyo', 'birthday-week', 'birthday:2027')).toMatchObject({ status: 'completed', entry: 1 });
    await bed.handlers.flows(
      busEvent('order.placed', {
        orderId: 'o1',
        customerId: 'tokyo',
        placedAt: '2027-06-07T07:00:00Z',
        currency: 'SEK',
        lines: [{ sku: 's1', category: 'running-socks', quantity: 1, unitPrice: 14_900 }],
      }),
    );
    expect((await store.runsOf('tokyo', 'birthday-week')).map((r) => r.runKey)).toEqual(['birthday:2027']);
    const days = await store.counters('birthday-week', '2027-06-01', '2027-06-30');
    expect(days.reduce((n, d) => n + (d.counters.entered ?? 0), 0)).toBe(2);
    expect(bed.published.filter((e) => e.detailType === 'member.birthday-soon')).toHaveLength(2);
  }, 120_000);
});

describe('Flows: member-date triggers under generated deliveries', () => {
  // Property: however the job's events and the wake-ups are duplicated, shuffled and delivered late, each member enters once and gets one gift.
  it('gives the same run and points as one in-order delivery', async () => {
    const bed = await mailTestbed({ config, start: '2027-06-01T10:00:00Z' });
    const store = new FlowStore(bed.table.doc, bed.table.tableName);
    const ledger = new LedgerStore(bed.table.doc, bed.table.tableName);
    const sweeps = new RecordingPublisher();
    const sweeper = timelineSweeperJob(bed.deps, sweeps);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('Asia/Tokyo', 'Europe/Stockholm', 'America/New_York', 'Pacific/Auckland', 'Pacific/Honolulu'),
        fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 6 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        async (timeZone, copies, randoms) => {
          const customerId = `gen${n++}`;
          await bed.handlers['customer-registered'](
            busEvent('customer.registered', {
              customerId,
              email: `${customerId}@example.com`,
              registeredAt: '2026-01-01T10:00:00Z',
              birthday: '1991-06-10',
              timeZone,
            }),
          );
          const shuffle = <T>(xs: readonly T[]) =>
            xs
              .map((x) => [x, randoms.take(1).next().value ?? 0] as const)
              .sort((a, b) => a[1] - b[1])
              .map(([x]) => x);
          bed.clock.set('2027-06-05T22:00:30Z');
          const jobEvents = new RecordingPublisher();
          await calendarDailyJob(bed.deps, jobEvents).emitDate('2027-06-06');
          const due = jobEvents.events.filter((e) => e.detailType === 'flow.date.due' && e.detail.customerId === customerId);
          expect(due).toHaveLength(1);
          const copiesOf = (events: readonly LojalEvent[], i: number) =>
            events.flatMap((e) => Array.from({ length: 1 + (copies[i % copies.length] ?? 0) }, () => e));
          for (const e of shuffle(copiesOf(due, 0))) await bed.handlers.flows(busEvent(e.detailType, e.detail, 'lojal'));
          bed.clock.set('2027-06-07T23:00:00Z'); // past nine on 7 June in every zone above
          const before = sweeps.events.length;
          await sweeper.sweep();
          // The wake-ups, duplicated, shuffled in with late copies of the job's event.
          const later = [...sweeps.events.slice(before), ...due];
          for (const e of shuffle(copiesOf(later, 1))) await bed.handlers.flows(busEvent(e.detailType, e.detail, 'lojal'));

          expect(await store.runsOf(customerId, 'birthday-week')).toEqual([
            expect.objectContaining({ runKey: 'birthday:2027', status: 'completed', entry: 1, path: ['gift', 'tell-shop'] }),
          ]);
          expect((await ledger.readState(customerId))?.view?.balance).toBe(30);
          expect(bed.published.filter((e) => e.detailType === 'member.birthday-soon' && e.detail.customerId === customerId)).toHaveLength(
            1,
          );
        },
      ),
      { numRuns: 6 },
    );
  }, 240_000);
});

describe('Flows: recurring broadcasts', () => {
  it('fires each occurrence once, chained by the sweeper through a crash, and stops when the flow is removed', async () => {
    const bed = await mailTestbed({ config, start: '2027-03-01T10:00:00Z' });
    const store = new FlowStore(bed.table.doc, bed.table.tableName);
    const ledger = new LedgerStore(bed.table.doc, bed.table.tableName);
    const ids = ['w0', 'w1', 'w2'];
    for (const [i, customerId] of ids.entries())
      await bed.handlers['customer-registered'](
        busEvent('customer.registered', {
          customerId,
          email: `${customerId}@example.com`,
          registeredAt: `2026-0${i + 1}-15T10:00:00Z`,
          marketingConsent: customerId !== 'w0',
        }),
      );
    const sweeps = new RecordingPublisher();
    const sweeper = timelineSweeperJob(bed.deps, sweeps);
    expect((await sweeper.nextDueAt(bed.clock.now())).toISOString()).toBe('2027-03-08T08:00:00.000Z');
    const fire = async (events: readonly LojalEvent[]) => {
      const before = bed.published.length;
      await deliverTwice(
        bed.handlers.flows,
        events.filter((e) => e.detailType === 'flow.broadcast.due'),
      );
      await deliverTwice(
        bed.handlers.flows,
        bed.published.slice(before).filter((e) => e.detailType === 'flow.broadcast.slice'),
      );
    };

    // The first occurrence: a sweeper that dies after putting the events on the bus, before marking them sent.
    bed.clock.set('2027-03-08T08:00:30Z');
    const dying = timelineSweeperJob(bed.deps, {
      publish: async (events) => {
        sweeps.events.push(...events);
        throw new Error('the process died');
      },
    });
    await expect(dying.sweep()).rejects.toThrow('the process died');
    bed.clock.set('2027-03-08T08:06:00Z'); // its lease ran out: the next sweep takes the occurrence over
    await sweeper.sweep();
    await sweeper.sweep();
    const first = sweeps.events.filter((e) => e.detailType === 'flow.broadcast.due');
    expect(first.map((e) => e.detail.at)).toEqual(['2027-03-08T08:00:00.000Z', '2027-03-08T08:00:00.000Z']);
    await fire(first);
    expect((await sweeper.nextDueAt(bed.clock.now())).toISOString()).toBe('2027-03-15T08:00:00.000Z');

    // The second, and a cold start on the way that ensures the same next occurrence again.
    await timelineSweeperJob(bed.deps, new RecordingPublisher()).nextDueAt(bed.clock.now());
    bed.clock.set('2027-03-15T08:00:30Z');
    const before = sweeps.events.length;
    await sweeper.sweep();
    const second = sweeps.events.slice(before).filter((e) => e.detailType === 'flow.broadcast.due');
    expect(second.map((e) => e.detail.at)).toEqual(['2027-03-15T08:00:00.000Z']);
    await fire(second);

    for (const id of ['w1', 'w2']) {
      expect((await ledger.readState(id))?.view?.balance).toBe(10);
      expect((await store.runsOf(id, 'weekly-tips')).map((r) => r.runKey).sort()).toEqual([
        'broadcast:2027-03-08T08:00:00.000Z',
        'broadcast:2027-03-15T08:00:00.000Z',
      ]);
    }
    expect(await store.runsOf('w0', 'weekly-tips')).toEqual([]); // no consent: never in the audience

    // The flow is removed: the occurrence already chained is fired and ignored, and nothing follows it.
    const without = { ...bed.deps, config: { ...config, flows: config.flows.filter((f) => f.id !== 'weekly-tips') } };
    const after = new RecordingPublisher();
    const removedSweeper = timelineSweeperJob(without, after);
    bed.clock.set('2027-03-22T08:00:30Z');
    await removedSweeper.sweep();
    expect(after.events.filter((e) => e.detailType === 'flow.broadcast.due').map((e) => e.detail.at)).toEqual(['2027-03-22T08:00:00.000Z']);
    bed.clock.set('2027-03-29T08:00:30Z');
    await removedSweeper.sweep();
    expect(after.events.filter((e) => e.detailType === 'flow.broadcast.due')).toHaveLength(1);
    expect((await removedSweeper.nextDueAt(bed.clock.now())).getTime()).toBeGreaterThan(Date.parse('2027-05-01T00:00:00Z'));
  }, 120_000);
});
