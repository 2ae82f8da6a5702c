import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import demo from '../clients/demo';
import { calendarRecord, CalendarStore } from '../functions/adapters/dynamo/calendar-store';
import { runCalendarJob } from '../functions/app/calendar-daily';
import { parseProgramConfig } from '../functions/config/program';
import { addDays, calendarEntriesOf, type LocalDate, startOfLocalDate } from '../functions/domain/calendar';
import type { EventPublisher } from '../functions/runtime/event-publisher';
import { noMetrics, silentLogger } from '../functions/runtime/ports';
import { ensureTable, localDynamoClients } from '../local/services/dynamodb';
import { instrumentDynamo, runPool } from './instrument';

export interface CalendarBenchOptions {
  /** A running DynamoDB Local; the bench makes its own table there. */
  readonly endpoint: string;
  /** Members in the calendar index. @default 200 000 */
  readonly members?: number;
  /** Share of members who gave a birthday, 0–1. @default 0.8 */
  readonly birthdayShare?: number;
  /** Years over which members registered, ending the day before the first measured date. @default 5 */
  readonly years?: number;
  /** The client-local dates whose daily run is measured, each run on its own. @default a mid-September day (a perk read besides the day) and 28 February of a common year (29 February too) */
  readonly dates?: readonly LocalDate[];
  /** BatchWriteItem requests in flight while loading. @default 16 */
  readonly loadConcurrency?: number;
}

export interface CalendarDayFigures {
  readonly date: LocalDate;
  /** Index items the day's Queries read (`ScannedCount`). */
  readonly itemsRead: number;
  /** Anniversaries (year ≥ 1), birthdays and perks found and emitted. */
  readonly found: number;
  readonly anniversaries: number;
  readonly birthdays: number;
  readonly perks: number;
  /** The aim is at most 1.1. */
  readonly itemsReadPerFound: number;
  /** DynamoDB requests of the run (Queries of every shard, the watermark) by command. */
  readonly calls: Record<string, number>;
  readonly readUnits: number;
  /** Wall time of the whole run (watermark, index, emitting to a bus that answers at once). */
  readonly runMs: number;
}

export interface CalendarBenchResult {
  readonly members: number;
  /** Calendar items loaded (an anniversary per member, a birthday for most). */
  readonly itemsLoaded: number;
  /** Loading is not part of the daily run; it is reported apart. */
  readonly loadSeconds: number;
  readonly days: readonly CalendarDayFigures[];
}

const DEFAULT_DATES = ['2026-09-15', '2027-02-28'] as const;

/**
 * The daily calendar job against DynamoDB Local with `members` members: how many index items a
 * day's run reads per anniversary, birthday or perk it finds, and how long the run takes. The
 * items are loaded with BatchWriteItem in exactly the shape the profile handlers write them
 * (`calendarRecord` of `calendarEntriesOf`), registrations spread over `years` years in the
 * client's time zone, birthdays over 1950–2005. The demo client's perk (after 6 months) makes
 * a mid-month day read a second partition by registration date.
 *
 * @example
 * const figures = await benchCalendar({ endpoint: dynamo.endpoint, members: 20_000 });
 * for (const d of figures.days) console.log(d.date, d.itemsReadPerFound.toFixed(2), d.runMs);
 */
export async function benchCalendar(options: CalendarBenchOptions): Promise<CalendarBenchResult> {
  const members = options.members ?? 200_000;
  const birthdayShare = options.birthdayShare ?? 0.8;
  const years = options.years ?? 5;
  const dates = [...(options.dates ?? DEFAULT_DATES)].sort();
  const config = parseProgramConfig(demo, 'clients/demo.ts');
  const random = mulberry32(20260915);

  const { client, doc } = localDynamoClients(options.endpoint);
  const tableName = `bench-calendar-${Date.now()}`;
  await ensureTable(client, tableName);
  try {
    // Prepare: every member's calendar items, as the profile handlers derive and write them.
    const end = Date.parse(startOfLocalDate(dates[0] ?? DEFAULT_DATES[0], config.timeZone));
    const span = years * 365.25 * 86_400_000;
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < members; i++) {
      const customerId = `m${i}`;
      const registeredAt = new Date(end - 1 - Math.floor(random() * span)).toISOString();
      const birthday = random() < birthdayShare ? randomBirthday(random) : undefined;
      const values = { registeredAt, ...(birthday ? { birthday } : {}) };
      const profile = { customerId, values, fieldAt: { registeredAt: 1, ...(birthday ? { birthday: 1 } : {}) } };
      for (const entry of calendarEntriesOf(profile, config.timeZone)) items.push(calendarRecord(customerId, entry));
    }
    const loadStarted = performance.now();
    await load(doc, tableName, items, options.loadConcurrency ?? 16);
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    // Act: each date's run on its own, the job's watermark at the day before.
    const store = new CalendarStore(doc, tableName);
    const probe = instrumentDynamo(doc);
    const publisher: EventPublisher = { publish: async () => ({ failed: [] }) };
    const days: CalendarDayFigures[] = [];
    for (const date of dates) {
      await store.advanceWatermark(addDays(date, -1), new Date());
      const clock = { now: () => new Date(Date.parse(startOfLocalDate(date, config.timeZone))) };
      probe.reset();
      const started = performance.now();
      const report = await runCalendarJob(
        { config, dynamo: doc, tableName, clock, logger: silentLogger, metrics: noMetrics },
        store,
        publisher,
      );
      const runMs = performance.now() - started;
      const day = report.dates[0];
      if (!day || report.dates.length !== 1) throw new Error(`expected one date run for ${date}, got ${report.dates.length}`);
      const found = day.anniversaries + day.birthdays + day.perks;
      days.push({
        date,
        itemsRead: day.read,
        found,
        anniversaries: day.anniversaries,
        birthdays: day.birthdays,
        perks: day.perks,
        itemsReadPerFound: day.read / Math.max(1, found),
        calls: Object.fromEntries(probe.totals.calls),
        readUnits: probe.totals.readUnits,
        runMs,
      });
    }
    return { members, itemsLoaded: items.length, loadSeconds, days };
  } finally {
    doc.destroy();
    client.destroy();
  }
}

/** A birthday between 1950 and 2005, a tenth of them without the year (`--MM-DD`). */
function randomBirthday(random: () => number): string {
  const day = new Date(Date.UTC(1950, 0, 1) + Math.floor(random() * 56 * 365.25) * 86_400_000).toISOString().slice(0, 10);
  return random() < 0.1 ? `-${day.slice(4)}` : day;
}

/** Loads items 25 per BatchWriteItem, `concurrency` requests in flight, retrying unprocessed ones. */
async function load(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
  concurrency: number,
): Promise<void> {
  const batches = Math.ceil(items.length / 25);
  await runPool(batches, concurrency, async (b) => {
    let requests = items.slice(b * 25, b * 25 + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  });
}

/** A small seeded PRNG, so every run loads the same members. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
