import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { CALENDAR_INDEX, CalendarStore } from '../../functions/adapters/dynamo/calendar-store';
import { CALENDAR_SHARDS, calendarPk } from '../../functions/adapters/dynamo/keys';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { createMemberApi } from '../../functions/api/member-api';
import { calendarDailyJob, type CalendarJobDeps } from '../../functions/app/calendar-daily';
import { createHandlers } from '../../functions/handlers/registry';
import type { EventPublisher, LojalEvent, PublishResult } from '../../functions/runtime/event-publisher';
import { silentLogger } from '../../functions/runtime/ports';
import { LocalClock } from '../../local/clock';
import { Scheduler } from '../../local/schedule';
import { WorkTracker } from '../../local/work-tracker';
import { apiRequest } from '../support/api';
import { createTestTable } from '../support/dynamo';
import { arriveAfterBusinessTime, busEvent, manualClock, type RecordingDeps, testDeps } from '../support/deps';

// Each test gets its own table: the calendar index is table-wide, so leftovers would leak between tests.
let table: Awaited<ReturnType<typeof createTestTable>>;
let deps: RecordingDeps & { clock: ReturnType<typeof manualClock> };
let handlers: ReturnType<typeof createHandlers>;
beforeEach(async () => {
  table = await createTestTable('calendar');
  deps = { ...testDeps(table.doc, table.tableName), clock: manualClock('2026-01-01T00:00:00Z') };
  handlers = createHandlers(deps);
});

/** Records what the job puts on the bus and, when asked, delivers it to the real handlers as a Lojal event. */
class BusPublisher implements EventPublisher {
  readonly events: LojalEvent[] = [];
  deliver = false;
  failing: (() => Error) | undefined;

  async publish(events: readonly LojalEvent[]): Promise<PublishResult> {
    if (this.failing) throw this.failing();
    this.events.push(...events);
    if (this.deliver) await Promise.all(events.map((e) => deliver(e)));
    return { failed: [] };
  }

  /** `detailType customerId date` per event, for compact assertions. */
  lines(): string[] {
    return this.events.map((e) => `${e.detailType} ${String(e.detail.customerId)} ${String(e.detail.date)}`);
  }
}

async function deliver(event: LojalEvent) {
  const handler = event.detailType === 'customer.anniversary' ? handlers['customer-anniversary'] : handlers['customer-birthday'];
  if (event.detailType === 'perk.earned') return; // no points for a perk
  await handler(busEvent(event.detailType, event.detail, 'lojal'));
}

function job(publisher: EventPublisher) {
  const jobDeps: CalendarJobDeps = deps;
  return calendarDailyJob(jobDeps, publisher, { concurrency: 8 });
}

/** A webshop event, delivered once it happened: business times are bounded by the clock (issue 12.4); runAt sets the clock again. */
function shop(
  handler: 'customer-registered' | 'customer-updated' | 'customer-deleted',
  detailType: string,
  detail: Record<string, unknown>,
) {
  arriveAfterBusinessTime(deps.clock, detail);
  return handlers[handler](busEvent(detailType, detail));
}

const register = (customerId: string, registeredAt: string, extra: Record<string, unknown> = {}) =>
  shop('customer-registered', 'customer.registered', { customerId, email: `${customerId}@example.com`, registeredAt, ...extra });

/** Local midnight in Stockholm on `date` (CET in winter, CEST in summer). */
const stockholmMidnight = (date: string) => {
  const month = Number(date.slice(5, 7));
  const summer = month > 3 && month < 11;
  return new Date(Date.parse(`${date}T00:00:00${summer ? '+02:00' : '+01:00'}`)).toISOString();
};

/** Runs the job as the scheduler would at local midnight of `date`. */
async function runAt(j: ReturnType<typeof job>, date: string) {
  deps.clock.set(stockholmMidnight(date));
  return j.runOnce();
}

async function ledgerOf(customerId: string) {
  const snapshot = await new LedgerStore(table.doc, table.tableName).read(customerId);
  return { balance: snapshot.state?.balance ?? 0, entries: snapshot.entries.map((e) => `${e.ref} ${e.delta}`) };
}

async function indexPartition(monthDay: string): Promise<string[]> {
  const items: string[] = [];
  for (let shard = 0; shard < CALENDAR_SHARDS; shard++) {
    const { Items } = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: CALENDAR_INDEX,
        KeyConditionExpression: 'calPk = :pk',
        ExpressionAttributeValues: { ':pk': calendarPk(monthDay, shard) },
      }),
    );
    items.push(...(Items ?? []).map((i) => String(i.calSk)));
  }
  return items.sort();
}

describe('Daily calendar job', () => {
  it('celebrates 29 February birthdays on the 28th in common years and on the 29th in leap years', async () => {
    // Prepare
    await register('leap', '2020-06-01T10:00:00Z', { birthday: '2000-02-29' });
    await register('leap-no-year', '2020-06-01T10:00:00Z', { birthday: '--02-29' });
    await register('feb28', '2020-06-01T10:00:00Z', { birthday: '1990-02-28' });
    await register('mar1', '2020-06-01T10:00:00Z', { birthday: '1990-03-01' });
    const publisher = new BusPublisher();
    const store = new CalendarStore(table.doc, table.tableName);

    // Act: the end of February in a common year, then in a leap year.
    await store.advanceWatermark('2027-02-26', deps.clock.now());
    for (const date of ['2027-02-27', '2027-02-28', '2027-03-01']) await runAt(job(publisher), date);
    const common = publisher.lines();
    publisher.events.length = 0;
    await store.advanceWatermark('2028-02-27', deps.clock.now());
    for (const date of ['2028-02-28', '2028-02-29', '2028-03-01']) await runAt(job(publisher), date);

    // Assess
    expect(common.sort()).toEqual([
      'customer.birthday feb28 2027-02-28',
      'customer.birthday leap 2027-02-28',
      'customer.birthday leap-no-year 2027-02-28',
      'customer.birthday mar1 2027-03-01',
    ]);
    expect(publisher.lines().sort()).toEqual([
      'customer.birthday feb28 2028-02-28',
      'customer.birthday leap 2028-02-29',
      'customer.birthday leap-no-year 2028-02-29',
      'customer.birthday mar1 2028-03-01',
    ]);
  });

  it('puts a member registered late on 31 December in New York on 31 December, and the same instant without a time zone on 1 January', async () => {
    // Prepare: 2025-12-31 23:30 in New York is 2026-01-01 05:30 in Stockholm, the client's zone.
    await register('ny', '2025-12-31T23:30:00-05:00', { timeZone: 'America/New_York' });
    await register('local', '2025-12-31T23:30:00-05:00');
    const publisher = new BusPublisher();
    const j = job(publisher);
    await runAt(j, '2026-12-30');

    // Act
    await runAt(j, '2026-12-31');
    await runAt(j, '2027-01-01');

    // Assess
    expect(publisher.events.map((e) => e.detail)).toEqual([
      {
        idempotencyKey: 'anniversary:ny:2026-12-31',
        customerId: 'ny',
        date: '2026-12-31',
        years: 1,
        registeredOn: '2025-12-31',
        bonusPoints: 500,
      },
      {
        idempotencyKey: 'anniversary:local:2027-01-01',
        customerId: 'local',
        date: '2027-01-01',
        years: 1,
        registeredOn: '2026-01-01',
        bonusPoints: 500,
      },
    ]);
  });

  it('catches up days it missed, in date order, and a run that failed resumes where it stopped', async () => {
    // Prepare: anniversaries on 10, 11 and 12 May; the job last finished 9 May.
    await register('a10', '2025-05-10T12:00:00+02:00');
    await register('a11', '2025-05-11T12:00:00+02:00');
    await register('a12', '2025-05-12T12:00:00+02:00');
    const publisher = new BusPublisher();
    const j = job(publisher);
    await runAt(j, '2026-05-09');

    // Act: the runs of 10 and 11 May fail (the bus is unreachable), 12 May's run succeeds.
    publisher.failing = () => Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
    await expect(runAt(j, '2026-05-10')).rejects.toThrow(/ETIMEDOUT/);
    await expect(runAt(j, '2026-05-11')).rejects.toThrow(/ETIMEDOUT/);
    publisher.failing = undefined;
    const report = await runAt(j, '2026-05-12');

    // Assess
    expect(report.dates.map((d) => [d.date, d.anniversaries])).toEqual([
      ['2026-05-10', 1],
      ['2026-05-11', 1],
      ['2026-05-12', 1],
    ]);
    expect(report.watermark).toBe('2026-05-12');
    expect(publisher.lines()).toEqual([
      'customer.anniversary a10 2026-05-10',
      'customer.anniversary a11 2026-05-11',
      'customer.anniversary a12 2026-05-12',
    ]);
    expect(await new CalendarStore(table.doc, table.tableName).readWatermark()).toBe('2026-05-12');
  });

  it('awards the anniversary and birthday bonus once under a rerun of the day and duplicate deliveries', async () => {
    // Prepare: anniversary and birthday on the same day.
    await register('anna', '2025-06-15T09:00:00+02:00', { birthday: '1990-06-15' });
    const publisher = new BusPublisher();
    publisher.deliver = true;
    const j = job(publisher);
    await runAt(j, '2026-06-14');

    // Act: the day's run, the same day emitted again (an operator replay), and each event delivered twice more.
    await runAt(j, '2026-06-15');
    await runAt(j, '2026-06-15');
    await j.emitDate('2026-06-15');
    await Promise.all(publisher.events.map((e) => deliver(e)));

    // Assess
    expect(publisher.events).toHaveLength(4); // the run and the replay; the rerun found the day done
    expect(await ledgerOf('anna')).toEqual({ balance: 700, entries: ['anniversary-2026 500', 'birthday-2026 200'] });
    const ledger = await new LedgerStore(table.doc, table.tableName).read('anna');
    expect(ledger.entries.map((e) => [e.reason, e.at])).toEqual([
      ['membership anniversary, 1 year', '2026-06-14T22:00:00.000Z'],
      ['birthday', '2026-06-14T22:00:00.000Z'],
    ]);
  });

  it('awards nothing to a member deleted before the event arrives, and emits nothing for them once deleted', async () => {
    // Prepare
    await register('gone', '2025-04-01T10:00:00+02:00', { birthday: '1980-04-01' });
    await register('stays', '2025-04-01T11:00:00+02:00', { birthday: '1980-04-01' });
    expect(await indexPartition('04-01')).toHaveLength(4);
    const publisher = new BusPublisher();
    const j = job(publisher);
    await runAt(j, '2026-03-31');
    await runAt(j, '2026-04-01'); // emitted while both were members
    const emitted = [...publisher.events];

    // Act: 'gone' is deleted, then the day's events are delivered (late).
    await shop('customer-deleted', 'customer.deleted', { customerId: 'gone', deletedAt: '2026-04-01T06:00:00+02:00' });
    for (const event of emitted) await deliver(event);

    // Assess: the index lost both of 'gone's entries; only 'stays' got points.
    expect(await indexPartition('04-01')).toEqual(['A#2025-04-01#stays', 'B#1980-04-01#stays']);
    expect((await ledgerOf('gone')).balance).toBe(0);
    expect((await ledgerOf('stays')).balance).toBe(700);
    publisher.events.length = 0;
    await j.emitDate('2026-04-01');
    expect(publisher.lines().sort()).toEqual(['customer.anniversary stays 2026-04-01', 'customer.birthday stays 2026-04-01']);
  });

  it('keeps the index in step with the profile whatever order updates arrive in', async () => {
    // Prepare: the newer birthday arrives before the registration that carries an older one.
    await shop('customer-updated', 'customer.updated', { customerId: 'c1', updatedAt: '2026-02-01T10:00:00Z', birthday: '--07-07' });
    await register('c1', '2026-01-10T10:00:00Z', { birthday: '1985-03-03', timeZone: 'Europe/London' });

    // Act: a stale update, then a move to Tokyo that shifts the registration's local date.
    await shop('customer-updated', 'customer.updated', { customerId: 'c1', updatedAt: '2026-01-20T10:00:00Z', birthday: '--09-09' });
    await shop('customer-updated', 'customer.updated', {
      customerId: 'c1',
      updatedAt: '2026-03-01T10:00:00Z',
      timeZone: 'Pacific/Kiritimati',
    });

    // Assess: 2026-01-10T10:00Z is 10 January in London and Stockholm, 11 January at UTC+14.
    expect(await indexPartition('07-07')).toEqual(['B#--07-07#c1']);
    expect(await indexPartition('03-03')).toEqual([]);
    expect(await indexPartition('09-09')).toEqual([]);
    expect(await indexPartition('01-10')).toEqual([]);
    expect(await indexPartition('01-11')).toEqual(['A#2026-01-11#c1']);
  });

  it('shows a perk on the member API from the day it is earned, and emits perk.earned that day', async () => {
    // Prepare: registered 15 March; Fast payout after 6 months is earned 15 September.
    await register('pia', '2026-03-15T10:00:00+01:00');
    const publisher = new BusPublisher();
    const j = job(publisher);
    const member = async (at: string) => {
      deps.clock.set(at);
      const response = await createMemberApi(deps)(apiRequest('GET', '/v1/members/pia'));
      return JSON.parse(response.body ?? '{}') as { perks: unknown[] };
    };

    // Act
    const before = await member('2026-09-14T21:59:00Z'); // 23:59 on 14 September in Stockholm
    const after = await member('2026-09-14T22:00:00Z'); // midnight
    await runAt(j, '2026-09-14');
    publisher.events.length = 0;
    await runAt(j, '2026-09-15');
    await runAt(j, '2026-09-16');

    // Assess
    expect(before.perks).toEqual([]);
    expect(after.perks).toEqual([{ id: 'fast-payout', name: 'Fast payout', earnedOn: '2026-09-15' }]);
    expect(publisher.events).toEqual([
      {
        detailType: 'perk.earned',
        detail: {
          idempotencyKey: 'perk:pia:fast-payout',
          customerId: 'pia',
          perkId: 'fast-payout',
          perkName: 'Fast payout',
          afterMonths: 6,
          date: '2026-09-15',
          email: true,
        },
      },
    ]);
  });

  it('runs at local midnight on the local scheduler, once per day, when the clock jumps a month', async () => {
    // Prepare
    await register('m1', '2025-03-20T10:00:00+01:00', { birthday: '--03-05' });
    const clock = new LocalClock({ start: new Date('2026-03-01T12:00:00Z'), frozen: true });
    const publisher = new BusPublisher();
    const scheduled = calendarDailyJob({ ...deps, clock }, publisher);
    const scheduler = new Scheduler({ clock, work: new WorkTracker(), logger: silentLogger });
    scheduler.register(scheduled);

    // Act
    const move = await scheduler.advance('P31D');

    // Assess: one run per local midnight (2 March to 1 April; summer time starts 29 March).
    expect(move.failures).toEqual([]);
    expect(move.runs['calendar-daily']).toBe(31);
    expect(publisher.lines()).toEqual(['customer.birthday m1 2026-03-05', 'customer.anniversary m1 2026-03-20']);
    expect(await new CalendarStore(table.doc, table.tableName).readWatermark()).toBe('2026-04-01');
  });
});
