import type { ProgramConfig } from '../config/program';
import type { Profile } from './profile';
import { instantOfWallTime, wallTimeAt } from './zoned-time';

/**
 * Anniversaries, birthdays and tenure perks as pure calendar arithmetic on local dates
 * (`YYYY-MM-DD`, no time zone attached). Nothing here reads a clock or the table.
 *
 * - A member's **membership anniversary** is the local calendar day of `registeredAt` in the
 *   member's time zone (the client's when the profile has none), every year from year 1.
 * - A **birthday** is the month and day of `birthday` (`YYYY-MM-DD` or `--MM-DD`).
 * - **29 February** is celebrated on 28 February in years without one.
 * - A **perk after N months** is earned on the day of registration N months later; a day the
 *   target month lacks falls on its last day (31 January + 1 month = 28 or 29 February).
 *
 * The daily job walks the client's local calendar; "today" for a member is the client's local
 * date, so the job, the bonus and the member API always agree on which day it is.
 */

/** A calendar date, `YYYY-MM-DD`. */
export type LocalDate = string;
/** A month and day, `MM-DD`: the key of the calendar index. */
export type MonthDay = string;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** Days in a month (1–12) of a year. */
export const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

export function parseDate(date: LocalDate): { year: number; month: number; day: number } {
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

export const formatDate = (year: number, month: number, day: number): LocalDate => `${pad(year, 4)}-${pad(month)}-${pad(day)}`;

/** `MM-DD` of a `YYYY-MM-DD` date or a `--MM-DD` birthday. */
export const monthDayOf = (date: string): MonthDay => date.slice(-5);

/** The local calendar date a clock in `timeZone` shows at `instant` (epoch ms). */
export function localDateAt(instant: number, timeZone: string): LocalDate {
  const w = wallTimeAt(instant, timeZone);
  return formatDate(w.year, w.month, w.day);
}

/** The instant a local date begins (local midnight) in `timeZone`, as ISO UTC. */
export function startOfLocalDate(date: LocalDate, timeZone: string): string {
  const { year, month, day } = parseDate(date);
  return new Date(instantOfWallTime({ year, month, day, hour: 0, minute: 0 }, timeZone)).toISOString();
}

/** The date `days` days later (negative: earlier). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const { year, month, day } = parseDate(date);
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return formatDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** The same day `months` months later; a day the target month lacks becomes its last day. */
export function addMonthsClamped(date: LocalDate, months: number): LocalDate {
  const { year, month, day } = parseDate(date);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return formatDate(y, m, Math.min(day, daysInMonth(y, m)));
}

/** The date in `year` on which a yearly `MM-DD` falls: 29 February moves to the 28th in common years. */
export function celebratedOn(monthDay: MonthDay, year: number): LocalDate {
  if (monthDay === '02-29' && !isLeapYear(year)) return `${pad(year, 4)}-02-28`;
  return `${pad(year, 4)}-${monthDay}`;
}

/** The month-days whose yearly occasions fall on `date`: its own, and 29 February on a common year's 28th. */
export function monthDaysCelebratedOn(date: LocalDate): MonthDay[] {
  const { year } = parseDate(date);
  const own = monthDayOf(date);
  return own === '02-28' && !isLeapYear(year) ? ['02-28', '02-29'] : [own];
}

// ---------------------------------------------------------------------------------------------
// Calendar entries: what the index holds for a member, derived from the merged profile.

export type CalendarKind = 'anniversary' | 'birthday';

export interface AnniversaryEntry {
  readonly kind: 'anniversary';
  /** Local date of registration in `timeZone`. */
  readonly date: LocalDate;
  readonly registeredAt: string;
  /** The zone the local date was taken in: the member's, else the client's. */
  readonly timeZone: string;
}

export interface BirthdayEntry {
  readonly kind: 'birthday';
  /** As given: `YYYY-MM-DD` or `--MM-DD`. */
  readonly date: string;
}

export type CalendarEntry = AnniversaryEntry | BirthdayEntry;

/**
 * A member is deleted when `customer.deleted` is the latest thing that happened to the profile;
 * a change after the deletion (a new registration) makes them a member again.
 */
export function isDeleted(profile: Profile): boolean {
  const { deletedAt } = profile;
  if (deletedAt === undefined) return false;
  return !Object.values(profile.fieldAt).some((at) => at !== undefined && at > deletedAt);
}

/**
 * The calendar entries of a member: a pure function of the merged profile, so whichever order
 * registrations, updates and deletions arrive in, the entries end up the same.
 */
export function calendarEntriesOf(profile: Profile | undefined, clientTimeZone: string): CalendarEntry[] {
  if (!profile || isDeleted(profile)) return [];
  const entries: CalendarEntry[] = [];
  const { registeredAt, birthday } = profile.values;
  if (registeredAt !== undefined) {
    const timeZone = profile.values.timeZone ?? clientTimeZone;
    entries.push({ kind: 'anniversary', date: localDateAt(Date.parse(registeredAt), timeZone), registeredAt, timeZone });
  }
  if (birthday !== undefined) entries.push({ kind: 'birthday', date: birthday });
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Planning a day: which parts of the index to read, and what to emit from what was found.

/**
 * One read of the calendar index on every shard: the whole month-day partition, or only the
 * anniversary entries of members registered on one date (`prefix`, for perks).
 */
export interface IndexRead {
  readonly monthDay: MonthDay;
  /** Local registration date whose anniversary entries to read; the whole partition when absent. */
  readonly registeredOn?: LocalDate;
}

/** An index entry as the job reads it. */
export interface FoundEntry {
  readonly customerId: string;
  readonly kind: CalendarKind;
  /** The entry's date: registration date, or the birthday as given. */
  readonly date: string;
}

/** Registration dates whose perk after `months` months is earned on `date`. */
export function registrationDatesEarningOn(date: LocalDate, months: number): LocalDate[] {
  const { year, month, day } = parseDate(date);
  const source = addMonthsClamped(formatDate(year, month, 1), -months);
  const { year: sy, month: sm } = parseDate(source);
  const sourceDays = daysInMonth(sy, sm);
  if (day > sourceDays) return []; // e.g. 30 March: no February day lands there
  const last = day === daysInMonth(year, month) ? sourceDays : day; // the last day also takes the days it clamps
  const dates: LocalDate[] = [];
  for (let d = day; d <= last; d++) dates.push(formatDate(sy, sm, d));
  return dates;
}

/**
 * The index reads that find every anniversary, birthday and perk of `date`: each celebrated
 * month-day whole, plus, per perk, the anniversary entries of the exact registration dates
 * that earn it today. A perk read on a partition that is read whole anyway is dropped.
 */
export function planDay(date: LocalDate, perks: ProgramConfig['perks']): IndexRead[] {
  const whole = monthDaysCelebratedOn(date);
  const reads: IndexRead[] = whole.map((monthDay) => ({ monthDay }));
  const seen = new Set<string>();
  for (const perk of perks) {
    for (const registeredOn of registrationDatesEarningOn(date, perk.afterMonths)) {
      const monthDay = monthDayOf(registeredOn);
      if (whole.includes(monthDay) || seen.has(registeredOn)) continue;
      seen.add(registeredOn);
      reads.push({ monthDay, registeredOn });
    }
  }
  return reads;
}

export type Occasion =
  | {
      readonly type: 'anniversary';
      readonly customerId: string;
      readonly date: LocalDate;
      readonly years: number;
      readonly registeredOn: LocalDate;
    }
  | { readonly type: 'birthday'; readonly customerId: string; readonly date: LocalDate }
  | {
      readonly type: 'perk';
      readonly customerId: string;
      readonly date: LocalDate;
      readonly perk: ProgramConfig['perks'][number];
      readonly registeredOn: LocalDate;
    };

/**
 * What happens on `date` for the entries found: an anniversary from year 1 on, a birthday, a
 * perk earned. Entries that do not fall on `date` (a registration today is year 0) yield
 * nothing, and an entry found twice yields its occasions once.
 */
export function occasionsOn(date: LocalDate, found: readonly FoundEntry[], perks: ProgramConfig['perks']): Occasion[] {
  const { year } = parseDate(date);
  const occasions: Occasion[] = [];
  const seen = new Set<string>();
  for (const entry of found) {
    const key = `${entry.kind}\n${entry.customerId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (entry.kind === 'birthday') {
      if (celebratedOn(monthDayOf(entry.date), year) === date) occasions.push({ type: 'birthday', customerId: entry.customerId, date });
      continue;
    }
    const registeredOn = entry.date;
    const years = year - parseDate(registeredOn).year;
    if (years >= 1 && celebratedOn(monthDayOf(registeredOn), year) === date) {
      occasions.push({ type: 'anniversary', customerId: entry.customerId, date, years, registeredOn });
    }
    for (const perk of perks) {
      if (addMonthsClamped(registeredOn, perk.afterMonths) === date) {
        occasions.push({ type: 'perk', customerId: entry.customerId, date, perk, registeredOn });
      }
    }
  }
  return occasions;
}

/** A member's perks as of `today`, with the day each was earned, earliest first. */
export function perksHeld(
  registeredOn: LocalDate | undefined,
  today: LocalDate,
  perks: ProgramConfig['perks'],
): { id: string; name: string; earnedOn: LocalDate }[] {
  if (registeredOn === undefined) return [];
  return perks
    .map((perk) => ({ id: perk.id, name: perk.name, earnedOn: addMonthsClamped(registeredOn, perk.afterMonths) }))
    .filter((perk) => perk.earnedOn <= today)
    .sort((a, b) => (a.earnedOn < b.earnedOn ? -1 : a.earnedOn > b.earnedOn ? 1 : a.id < b.id ? -1 : 1));
}

/** Every date from `from` to `to`, both included (empty when `from` is later). */
export function datesBetween(from: LocalDate, to: LocalDate): LocalDate[] {
  const dates: LocalDate[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) dates.push(d);
  return dates;
}
