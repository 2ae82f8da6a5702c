import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DueItemStore } from '../../functions/adapters/dynamo/due-item-store';
import { checkinSk } from '../../functions/adapters/dynamo/keys';
import { TimelineStore } from '../../functions/adapters/dynamo/timeline-store';
import { EventBridgePublisher } from '../../functions/adapters/eventbridge/publisher';
import { nextDueAt, type SweepOptions, timelineSweeperJob } from '../../functions/app/sweep-due-items';
import { createHandlers } from '../../functions/handlers/registry';
import type { EventPublisher } from '../../functions/runtime/event-publisher';
import { type Clock, silentLogger } from '../../functions/runtime/ports';
import { LocalClock } from '../../local/clock';
import { Scheduler } from '../../local/schedule';
import { WorkTracker } from '../../local/work-tracker';
import { createTestTable } from '../support/dynamo';
import { busEvent, demoConfig, manualClock, testDeps } from '../support/deps';
import { checkinDueAt, RecordingPublisher, loadTimeline } from '../support/timeline';

// Each test gets its own table: the due index is table-wide, so leftovers would leak between tests.
let table: Awaited<ReturnType<typeof createTestTable>>;
beforeEach(async () => {
  table = await createTestTable('sweeper');
});

const MINUTE = 60_000;
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

function sweeper(publisher: EventPublisher, clock: Clock, options: SweepOptions = {}) {
  return timelineSweeperJob(
    { dynamo: table.doc, tableName: table.tableName, config: demoConfig, clock, logger: silentLogger, metrics: { addMetric() {} } },
    publisher,
    options,
  );
}

const storeOf = () => new TimelineStore(table.doc, table.tableName);
const statusOf = async (customerId: string, orderId: string) =>
  (await storeOf().list(customerId, true)).find((i) => i.sk === checkinSk(orderId))?.status;

/** `count` check-ins of distinct customers, due one every few seconds from `firstDue`. */
async function seedDue(count: number, firstDue: string, scheduledAt: string, spacingMs = 1_000, prefix = 'c') {
  const items = Array.from({ length: count }, (_, i) => checkinDueAt(`${prefix}${i}`, `o${i}`, plus(firstDue, i * spacingMs)));
  await loadTimeline(table.doc, table.tableName, items, new Date(scheduledAt));
  return items;
}

describe('Timeline sweeper', () => {
  it('emits a due check-in and later the reminder, each once, with what an email needs', async () => {
    // Prepare: an order placed through the real handler.
    const clock = manualClock('2026-05-04T10:00:00Z');
    const handlers = createHandlers({ ...testDeps(table.doc, table.tableName), clock });
    const order = {
      orderId: 'o1',
      customerId: 'c1',
      placedAt: '2026-05-04T12:00:00+02:00',
      currency: 'SEK',
      lines: [{ sku: 'shoe-1', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' }],
    };
    await handlers['order-placed'](busEvent('order.placed', order));
    const publisher = new RecordingPublisher();
    const job = sweeper(publisher, clock);

    // Act: one minute before the check-in is due, at it, and again.
    clock.set('2026-06-03T09:59:00Z');
    const early = await job.sweep();
    clock.set('2026-06-03T10:00:00Z');
    const due = await job.sweep();
    const again = await job.sweep();

    // Assess
    expect(early.emitted).toBe(0);
    expect(due).toMatchObject({ read: 1, claimed: 1, emitted: 1, complete: true });
    expect(again.emitted).toBe(0);
    expect(publisher.events).toEqual([
      {
        detailType: 'checkin.due',
        detail: {
          itemId: 'checkin:o1',
          kind: 'checkin',
          customerId: 'c1',
          orderId: 'o1',
          placedAt: '2026-05-04T10:00:00.000Z',
          dueAt: '2026-06-03T10:00:00.000Z',
          ageDays: 30,
          sku: 'shoe-1',
          category: 'running-shoes',
          productName: 'Trail Runner 3',
          products: [{ sku: 'shoe-1', category: 'running-shoes', productName: 'Trail Runner 3' }],
        },
      },
    ]);
    expect(await statusOf('c1', 'o1')).toBe('sent');

    // Act: 270 days on, across month buckets the sweeper never visited minute by minute.
    clock.set('2027-01-29T11:00:00Z');
    const aged = await job.sweep();
    expect(aged.emitted).toBe(1);
    expect(publisher.events[1]).toMatchObject({
      detailType: 'product.aged',
      detail: { sku: 'shoe-1', ageDays: 270, itemId: 'replacement:running-shoes:o1' },
    });
  });

  it('reads only what is due: items due later this month and next are not read', async () => {
    const clock = manualClock('2026-06-10T12:00:00Z');
    await seedDue(40, '2026-06-10T11:00:00Z', '2026-06-09T00:00:00Z', 1_000, 'due');
    await seedDue(60, '2026-06-10T12:01:00Z', '2026-06-09T00:00:00Z', 6 * 60 * MINUTE, 'later');
    const report = await sweeper(new RecordingPublisher(), clock).sweep();
    expect(report).toMatchObject({ read: 40, emitted: 40, complete: true });
  });

  it('two sweepers running at once over 2 000 due items emit each item exactly once', async () => {
    // Prepare: 2 000 items due over the past 40 minutes.
    const clock = manualClock('2026-06-10T12:00:00Z');
    const items = await seedDue(2_000, '2026-06-10T11:20:00Z', '2026-06-09T00:00:00Z', 1_200);
    const [a, b] = [new RecordingPublisher(), new RecordingPublisher()];
    const options = { pageSize: 25 };

    // Act
    const [ra, rb] = await Promise.all([sweeper(a, clock, options).sweep(), sweeper(b, clock, options).sweep()]);

    // Assess
    const emitted = [...a.itemIds(), ...b.itemIds()];
    expect(emitted).toHaveLength(2_000);
    expect(new Set(emitted)).toEqual(new Set(items.map((i) => i.itemId)));
    expect(ra.emitted + rb.emitted).toBe(2_000);
    expect(ra.claimed + rb.claimed).toBe(2_000);
    expect((await sweeper(new RecordingPublisher(), clock).sweep()).read).toBe(0);
  });

  it('a sweeper that dies between claiming and emitting loses nothing: the next sweep after the lease takes over', async () => {
    // Prepare
    const clock = manualClock('2026-06-10T12:00:00Z');
    await seedDue(30, '2026-06-10T11:30:00Z', '2026-06-09T00:00:00Z');
    const dying = new RecordingPublisher().failWith(() => new Error('the sweeper was killed'));

    // Act: the first sweeper claims, then dies.
    await expect(sweeper(dying, clock).sweep()).rejects.toThrow('the sweeper was killed');
    expect(await statusOf('c0', 'o0')).toBe('claimed');

    // Within the lease nobody touches the items.
    const healthy = new RecordingPublisher();
    clock.set('2026-06-10T12:04:59Z');
    expect(await sweeper(healthy, clock).sweep()).toMatchObject({ read: 0, emitted: 0 });

    // Once the lease has run out (5 minutes), the next sweep takes every item over.
    clock.set('2026-06-10T12:05:00Z');
    const takeover = await sweeper(healthy, clock).sweep();

    // Assess
    expect(takeover).toMatchObject({ read: 30, claimed: 30, emitted: 30 });
    expect(new Set(healthy.itemIds()).size).toBe(30);
    expect(await statusOf('c0', 'o0')).toBe('sent');
    clock.set('2026-06-10T13:00:00Z');
    expect((await sweeper(healthy, clock).sweep()).read).toBe(0);
  });

  describe('with the real EventBridge adapter', () => {
    const client = new EventBridgeClient({ region: 'eu-north-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const eventBridge = mockClient(client);
    afterEach(() => {
      eventBridge.reset();
    });
    const publisher = () => EventBridgePublisher.forClient(client, { eventBusName: 'lojal-demo', sleep: async () => {} });
    const itemIdOf = (entry: PutEventsRequestEntry) => JSON.parse(entry.Detail ?? '{}').itemId as string;
    const sentEntries = () => eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);

    it('retries exactly the entries a PutEvents partial failure refused, and sends each item once', async () => {
      // Prepare: the first request answers with three entries refused.
      const clock = manualClock('2026-06-10T12:00:00Z');
      await seedDue(12, '2026-06-10T11:50:00Z', '2026-06-09T00:00:00Z');
      const accepted: string[] = [];
      let first = true;
      eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
        const refuse = first && input.Entries.length === 10 ? new Set([1, 4, 7]) : new Set<number>();
        if (refuse.size > 0) first = false;
        const entries = input.Entries.map((entry, i) => {
          if (refuse.has(i)) return { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' };
          accepted.push(itemIdOf(entry));
          return { EventId: `e-${accepted.length}` };
        });
        return { FailedEntryCount: refuse.size, Entries: entries };
      });

      // Act
      const report = await sweeper(publisher(), clock).sweep();

      // Assess
      const requests = sentEntries();
      const firstBatch = requests.find((entries) => entries.length === 10) ?? [];
      const retry = requests.find((entries) => entries.length === 3) ?? [];
      expect(requests.map((r) => r.length).sort((x, y) => x - y)).toEqual([2, 3, 10]);
      expect(retry.map(itemIdOf)).toEqual([1, 4, 7].map((i) => itemIdOf(firstBatch[i] ?? {})));
      expect(retry.every((e) => e.Source === 'lojal' && e.EventBusName === 'lojal-demo' && e.DetailType === 'checkin.due')).toBe(true);
      expect(accepted).toHaveLength(12);
      expect(new Set(accepted).size).toBe(12);
      expect(report).toMatchObject({ emitted: 12, retrying: 0 });
      expect(await statusOf('c1', 'o1')).toBe('sent');
    });

    it('an entry refused on every attempt goes back to pending and is sent by a sweep after the backoff', async () => {
      // Prepare: c3's event is refused until the outage ends.
      const clock = manualClock('2026-06-10T12:00:00Z');
      await seedDue(5, '2026-06-10T11:50:00Z', '2026-06-09T00:00:00Z');
      let outage = true;
      eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
        const entries = input.Entries.map((entry, i) =>
          outage && itemIdOf(entry) === 'checkin:o3' ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' } : { EventId: `e-${i}` },
        );
        return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
      });

      // Act and assess: four attempts, then given back.
      const first = await sweeper(publisher(), clock).sweep();
      expect(first).toMatchObject({ emitted: 4, retrying: 1 });
      expect(sentEntries().filter((entries) => entries.some((e) => itemIdOf(e) === 'checkin:o3'))).toHaveLength(4);
      expect(await statusOf('c3', 'o3')).toBe('pending');

      // Not before the backoff (1 minute after the first attempt)...
      outage = false;
      expect((await sweeper(publisher(), clock).sweep()).emitted).toBe(0);
      clock.set('2026-06-10T12:01:00Z');
      // ...then once.
      expect(await sweeper(publisher(), clock).sweep()).toMatchObject({ emitted: 1, read: 1 });
      expect(await statusOf('c3', 'o3')).toBe('sent');
    });
  });

  it('an item more than 7 days late when it is swept is skipped, not sent', async () => {
    const clock = manualClock('2026-06-18T12:00:00Z');
    await seedDue(1, '2026-06-10T11:59:59Z', '2026-06-09T00:00:00Z', 1_000, 'late');
    await seedDue(1, '2026-06-11T12:00:00Z', '2026-06-09T00:00:00Z', 1_000, 'just');
    const publisher = new RecordingPublisher();
    const report = await sweeper(publisher, clock).sweep();
    expect(report).toMatchObject({ claimed: 2, skipped: 1, emitted: 1 });
    expect(publisher.itemIds()).toEqual(['checkin:o0']);
    expect(await statusOf('late0', 'o0')).toBe('skipped');
    expect(await statusOf('just0', 'o0')).toBe('sent');
  });

  it('an overdue item scheduled after the sweeper has left its month behind is still sent', async () => {
    // Prepare: sweeps on 2 June move the watermark to June.
    const clock = manualClock('2026-06-02T02:00:00Z');
    const publisher = new RecordingPublisher();
    await sweeper(publisher, clock).sweep();
    expect(await new DueItemStore(table.doc, table.tableName).readWatermark()).toBe('2026-06');

    // Act: a late event schedules an item that was due on 30 May.
    await seedDue(1, '2026-05-30T10:00:00Z', '2026-06-02T02:00:00Z');
    clock.set('2026-06-02T02:01:00Z');
    const report = await sweeper(publisher, clock).sweep();

    // Assess
    expect(report.emitted).toBe(1);
  });

  it('an item cancelled while a sweeper is sending it stays cancelled', async () => {
    const clock = manualClock('2026-06-10T12:00:00Z');
    await seedDue(1, '2026-06-10T11:00:00Z', '2026-06-09T00:00:00Z');
    const cancelling: EventPublisher = {
      async publish() {
        await storeOf().cancel('c0', checkinSk('o0'), 'the customer was deleted', clock.now());
        return { failed: [] };
      },
    };
    const report = await sweeper(cancelling, clock).sweep();
    expect(report).toMatchObject({ emitted: 1, superseded: 1 });
    expect(await statusOf('c0', 'o0')).toBe('cancelled');
  });

  it('of five items sent together, the one cancelled while they were sent stays cancelled and the four others are marked sent', async () => {
    // Prepare: c2's item is cancelled while the events are on their way.
    const clock = manualClock('2026-06-10T12:00:00Z');
    await seedDue(5, '2026-06-10T11:00:00Z', '2026-06-09T00:00:00Z');
    const cancelling: EventPublisher = {
      async publish() {
        await storeOf().cancel('c2', checkinSk('o2'), 'the customer was deleted', clock.now());
        return { failed: [] };
      },
    };

    // Act
    const report = await sweeper(cancelling, clock).sweep();

    // Assess
    expect(report).toMatchObject({ emitted: 5, superseded: 1 });
    expect(await Promise.all([0, 1, 2, 3, 4].map((i) => statusOf(`c${i}`, `o${i}`)))).toEqual([
      'sent',
      'sent',
      'cancelled',
      'sent',
      'sent',
    ]);
  });

  it('marks 250 emitted items sent in three transactions, so a sweep makes little more than one round trip per item (its claim)', async () => {
    // Prepare: a client that counts requests by command.
    const clock = manualClock('2026-06-10T12:00:00Z');
    await seedDue(250, '2026-06-10T10:00:00Z', '2026-06-09T00:00:00Z', 10);
    const calls = new Map<string, number>();
    table.doc.middlewareStack.add(
      (next, context) => async (args) => {
        calls.set(context.commandName ?? '?', (calls.get(context.commandName ?? '?') ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'countSweepRequests' },
    );

    // Act
    const report = await sweeper(new RecordingPublisher(), clock).sweep();

    // Assess: a claim per item, one transaction per 100 marks, and the index reads and watermark besides.
    expect(report).toMatchObject({ emitted: 250, superseded: 0 });
    expect(calls.get('UpdateItemCommand')).toBe(250);
    expect(calls.get('TransactWriteItemsCommand')).toBe(3);
    expect(await statusOf('c249', 'o249')).toBe('sent');
  });

  it("on the local copy's scheduler, a year's clock jump sends each item at its due minute in a handful of runs", async () => {
    // Prepare: items due in 3 days, in 40 days and in 200 days; the sweeper on the local scheduler.
    const clock = new LocalClock({ start: new Date('2026-06-10T12:00:00Z'), frozen: true });
    const dues = ['2026-06-13T08:00:00.000Z', '2026-07-20T08:00:00.000Z', '2026-12-27T09:00:00.000Z'];
    await loadTimeline(
      table.doc,
      table.tableName,
      dues.map((d, i) => checkinDueAt(`c${i}`, `o${i}`, d)),
      clock.now(),
    );
    const sentAt: string[] = [];
    const publisher: EventPublisher = {
      async publish(events) {
        for (const _ of events) sentAt.push(clock.now().toISOString());
        return { failed: [] };
      },
    };
    const job = sweeper(publisher, clock);
    expect((await job.nextDueAt(clock.now())).toISOString()).toBe(dues[0]);
    const scheduler = new Scheduler({ clock, work: new WorkTracker(), logger: silentLogger, maxRunsPerMove: 50 });
    scheduler.register(job);

    // Act
    const move = await scheduler.advance('P365D');

    // Assess: each sent at its due minute; the runs are the three items plus a few month-boundary look-agains.
    expect(move.failures).toEqual([]);
    expect(sentAt).toEqual(dues);
    expect(move.runs['timeline-sweeper']).toBeLessThan(15);
  });

  it('nextDueAt with nothing pending answers the start of the month after its look-ahead', async () => {
    const dueItems = new DueItemStore(table.doc, table.tableName);
    expect((await nextDueAt({ dueItems }, new Date('2026-06-10T12:00:00Z'))).toISOString()).toBe('2026-09-01T00:00:00.000Z');
  });
});
