import pLimit from 'p-limit';
import { CalendarStore } from '../adapters/dynamo/calendar-store';
import { CALENDAR_SHARDS } from '../adapters/dynamo/keys';
import type { ProgramConfig } from '../config/program';
import type { CustomerAnniversary, CustomerBirthday, FlowDateDue, PerkEarned } from '../contract/lojal-events';
import {
  addDays,
  datesBetween,
  type FoundEntry,
  type IndexRead,
  type LocalDate,
  localDateAt,
  type Occasion,
  occasionsOn,
  planDay,
} from '../domain/calendar';
import { DATE_LOOKAHEAD_DAYS, dateRunsDue, dateTriggerReads } from '../domain/flows/schedule';
import type { EventPublisher, LojalEvent } from '../runtime/event-publisher';
import type { LojalDeps } from '../runtime/ports';

/**
 * The daily calendar job: at the client's local midnight it emits `customer.anniversary`,
 * `customer.birthday` and `perk.earned` for the day that begins, finding the members through
 * the `calendar` index (a month-day partition per shard, never a scan of the members).
 *
 * It works through every local date after its watermark (the last date it finished) up to
 * today, one date at a time: read the date's index partitions on all shards, put the events on
 * the bus, then move the watermark to that date. So a day the job missed (a failed run, an
 * outage, the local clock jumping a month) is caught up by the next run, in date order, and a
 * run that fails part-way resumes at the first unfinished date. Emitting a date twice (a retry
 * after the events went out but before the watermark moved) is harmless: every event carries
 * an idempotency key and the handlers award a bonus once per member and year.
 */

export interface CalendarJobOptions {
  /** Stop starting new dates after this much real time; the rest waits for the next run. @default 4 minutes */
  readonly budgetMs?: number;
  /** Index items per Query page. @default 500 */
  readonly pageSize?: number;
  /** Queries in flight at once. @default 16 */
  readonly concurrency?: number;
  /** With no watermark yet, the first run starts this many days before today, so the day of deployment is not lost. @default 1 */
  readonly initialLookbackDays?: number;
  /** At most this many dates per run, a guard against a watermark years old. @default 400 */
  readonly maxDatesPerRun?: number;
}

/** What the job needs of the calendar store. */
export type CalendarIndex = Pick<CalendarStore, 'page' | 'readWatermark' | 'advanceWatermark'>;

export type CalendarJobDeps = LojalDeps;

export interface CalendarDateReport {
  readonly date: LocalDate;
  /** Index items read (`ScannedCount`). */
  readonly read: number;
  /** Index Queries (pages) sent. */
  readonly queries: number;
  readonly anniversaries: number;
  readonly birthdays: number;
  readonly perks: number;
  /** `flow.date.due` events: members whose member-date flow fires the day after (docs/flows.md, "Member dates"). */
  readonly flowDates: number;
  /** Events the bus refused after the publisher's retries. */
  readonly refused: number;
}

export interface CalendarRunReport {
  readonly dates: readonly CalendarDateReport[];
  /** False when the budget, the date cap or refused events left dates for the next run. */
  readonly complete: boolean;
  /** The last finished date after this run. */
  readonly watermark: LocalDate | undefined;
}

/** Some events of a date were refused by the bus after retries: the date stays unfinished and is emitted again next run. */
export class CalendarEventsRefusedError extends Error {
  override readonly name = 'CalendarEventsRefusedError';
}

const DEFAULTS = {
  budgetMs: 4 * 60_000,
  pageSize: 500,
  concurrency: 16,
  initialLookbackDays: 1,
  maxDatesPerRun: 400,
} satisfies Required<CalendarJobOptions>;

/** The job's schedule, local midnight in the client's time zone: the one definition the CDK schedule and the local scheduler use. */
export const CALENDAR_DAILY_SCHEDULE = { name: 'calendar-daily', hour: 0, minute: 0 } as const;

/** The event for an occasion, as contract/lojal-events.ts defines it. */
export function occasionEvent(occasion: Occasion, config: ProgramConfig): LojalEvent {
  switch (occasion.type) {
    case 'anniversary': {
      const detail: CustomerAnniversary = {
        idempotencyKey: `anniversary:${occasion.customerId}:${occasion.date}`,
        customerId: occasion.customerId,
        date: occasion.date,
        years: occasion.years,
        registeredOn: occasion.registeredOn,
        bonusPoints: config.anniversaryBonus,
      };
      return { detailType: 'customer.anniversary', detail };
    }
    case 'birthday': {
      const detail: CustomerBirthday = {
        idempotencyKey: `birthday:${occasion.customerId}:${occasion.date}`,
        customerId: occasion.customerId,
        date: occasion.date,
        bonusPoints: config.birthdayBonus,
      };
      return { detailType: 'customer.birthday', detail };
    }
    case 'perk': {
      const detail: PerkEarned = {
        idempotencyKey: `perk:${occasion.customerId}:${occasion.perk.id}`,
        customerId: occasion.customerId,
        perkId: occasion.perk.id,
        perkName: occasion.perk.name,
        afterMonths: occasion.perk.afterMonths,
        date: occasion.date,
        email: occasion.perk.email,
      };
      return { detailType: 'perk.earned', detail };
    }
  }
}

/**
 * Finds and emits the occasions of one local date, without touching the watermark: the job's
 * step, and an operator's way to replay a date.
 */
export async function emitCalendarDate(
  deps: CalendarJobDeps,
  store: CalendarIndex,
  publisher: EventPublisher,
  date: LocalDate,
  options: CalendarJobOptions = {},
): Promise<CalendarDateReport> {
  const { pageSize, concurrency } = { ...DEFAULTS, ...options };
  const limit = pLimit(concurrency);
  let read = 0;
  let queries = 0;
  const found: FoundEntry[] = [];
  const readAll = async (indexRead: IndexRead, shard: number, into = found) => {
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await limit(() => store.page(indexRead, shard, pageSize, cursor));
      queries++;
      read += page.read;
      into.push(...page.entries);
      cursor = page.cursor;
    } while (cursor);
  };
  const reads = planDay(date, deps.config.perks);
  // Member-date flows look a day ahead: the members whose run enters tomorrow, at its local time.
  const fireOn = addDays(date, DATE_LOOKAHEAD_DAYS);
  const dateReads = dateTriggerReads(fireOn, deps.config.flows).map((d) => ({ ...d, found: [] as FoundEntry[] }));
  await Promise.all([
    ...reads.flatMap((r) => Array.from({ length: CALENDAR_SHARDS }, (_, shard) => readAll(r, shard))),
    ...dateReads.flatMap((d) => d.reads.flatMap((r) => Array.from({ length: CALENDAR_SHARDS }, (_, shard) => readAll(r, shard, d.found)))),
  ]);

  const occasions = occasionsOn(date, found, deps.config.perks);
  const dateRuns = dateReads.flatMap((d) => dateRunsDue(fireOn, d.occasionDate, d.found, deps.config.flows, d.flowIds));
  const events = [
    ...occasions.map((o) => occasionEvent(o, deps.config)),
    ...dateRuns.map((detail): LojalEvent => ({ detailType: 'flow.date.due', detail: { ...(detail satisfies FlowDateDue) } })),
  ];
  const { failed } = events.length > 0 ? await publisher.publish(events) : { failed: [] };
  const count = (type: Occasion['type']) => occasions.filter((o) => o.type === type).length;
  return {
    date,
    read,
    queries,
    anniversaries: count('anniversary'),
    birthdays: count('birthday'),
    perks: count('perk'),
    flowDates: dateRuns.length,
    refused: failed.length,
  };
}

/**
 * Runs the job once: every date after the watermark up to the client's local today, each
 * emitted and then recorded as finished. Throws `CalendarEventsRefusedError` when the bus
 * refused events of a date (that date and the later ones wait for the next run), after moving
 * the watermark past the dates that did finish.
 */
export async function runCalendarJob(
  deps: CalendarJobDeps,
  store: CalendarIndex,
  publisher: EventPublisher,
  options: CalendarJobOptions = {},
): Promise<CalendarRunReport> {
  const settings = { ...DEFAULTS, ...options };
  const startedAt = Date.now();
  const now = deps.clock.now();
  const today = localDateAt(now.getTime(), deps.config.timeZone);
  let watermark = await store.readWatermark();
  const first = watermark !== undefined ? addDays(watermark, 1) : addDays(today, -settings.initialLookbackDays);
  const pending = datesBetween(first, today);
  const dates = pending.slice(0, settings.maxDatesPerRun);
  const reports: CalendarDateReport[] = [];
  let complete = dates.length === pending.length;

  for (const date of dates) {
    if (reports.length > 0 && Date.now() - startedAt > settings.budgetMs) {
      complete = false;
      break;
    }
    const report = await emitCalendarDate(deps, store, publisher, date, settings);
    reports.push(report);
    deps.metrics.addMetric(
      'CalendarEventsEmitted',
      'Count',
      report.anniversaries + report.birthdays + report.perks + report.flowDates - report.refused,
    );
    if (report.refused > 0) {
      deps.metrics.addMetric('CalendarEventsRefused', 'Count', report.refused);
      throw new CalendarEventsRefusedError(
        `the bus refused ${report.refused} calendar events of ${date}; the date is emitted again next run`,
      );
    }
    await store.advanceWatermark(date, deps.clock.now());
    watermark = date;
  }
  if (!complete) deps.metrics.addMetric('CalendarRunsIncomplete', 'Count', 1);
  return { dates: reports, complete, watermark };
}

/**
 * The daily calendar job as a scheduled job (structurally a `ScheduledJob` of local/schedule.ts):
 * daily at local midnight in the client's time zone.
 *
 * @example
 * scheduler.register(calendarDailyJob(deps, EventBridgePublisher.forClient(client)));
 */
export function calendarDailyJob(deps: CalendarJobDeps, publisher: EventPublisher, options: CalendarJobOptions = {}) {
  const store = new CalendarStore(deps.dynamo, deps.tableName);
  const runOnce = async (): Promise<CalendarRunReport> => {
    const report = await runCalendarJob(deps, watermarkCached(store), publisher, options);
    for (const d of report.dates) {
      if (d.anniversaries + d.birthdays + d.perks + d.flowDates > 0) {
        deps.logger.info('calendar date emitted', { ...d });
      }
    }
    if (!report.complete) deps.logger.warn('calendar run left dates for the next run', { watermark: report.watermark });
    return report;
  };
  return {
    name: CALENDAR_DAILY_SCHEDULE.name,
    daily: {
      at: `${String(CALENDAR_DAILY_SCHEDULE.hour).padStart(2, '0')}:${String(CALENDAR_DAILY_SCHEDULE.minute).padStart(2, '0')}`,
      timeZone: deps.config.timeZone,
    },
    /** Runs once (the scheduler's entry point). */
    run: async (): Promise<void> => {
      await runOnce();
    },
    /** Runs once and reports the figures. */
    runOnce,
    /** Emits one date again without touching the watermark (an operator's replay). */
    emitDate: (date: LocalDate): Promise<CalendarDateReport> => emitCalendarDate(deps, store, publisher, date, options),
  };
}

/**
 * The store with the watermark remembered between runs of one job instance: a daily run then
 * reads only the index. A remembered value can only lag the stored one (another instance moved
 * it on), which makes a run emit a finished date again: harmless, as every consumer is idempotent.
 */
function watermarkCached(store: CalendarIndex): CalendarIndex {
  let known: LocalDate | undefined;
  return {
    page: (...args) => store.page(...args),
    async readWatermark() {
      known ??= await store.readWatermark();
      return known;
    },
    async advanceWatermark(date, now) {
      await store.advanceWatermark(date, now);
      if (known === undefined || date > known) known = date;
    },
  };
}
