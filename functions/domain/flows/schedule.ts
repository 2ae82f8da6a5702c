import { addDays, celebratedOn, type IndexRead, type LocalDate, monthDayOf, monthDaysCelebratedOn, parseDate } from '../calendar';
import { parseDuration } from '../duration';
import { offsetDays } from './offset';
import { instantOfWallTime, wallTimeAt } from '../zoned-time';

/**
 * When the time-driven flows fire, as pure calendar arithmetic (docs/flows.md, "Member dates"
 * and "Recurring broadcasts"). Nothing here reads a clock or the table.
 *
 * - A **member-date trigger** (`{ date: 'birthday', offset: '-P3D', at: '09:00' }`) fires on
 *   the day `offset` away from the member's birthday or membership anniversary, at `at` on the
 *   member's clock. 29 February birthdays are celebrated on 28 February in common years, as
 *   the daily calendar job does (functions/domain/calendar.ts), and the offset counts from that.
 * - A **recurring schedule** (`{ every: 'P1M', starting }`) fires at `starting` and every
 *   `every` after it, on the client's wall clock: 09:00 stays 09:00 across summer time, and a
 *   monthly schedule from the 31st falls on each month's last day without drifting.
 */

export { isDayOffset, offsetDays } from './offset';

/**
 * The daily job looks ahead: on local date `D` it finds the members whose date-triggered runs
 * fire on `D + DATE_LOOKAHEAD_DAYS`, so the run's wait is set a day before its local `at` in
 * every time zone (UTC-12 to UTC+14 are less than a day either side of the client's).
 */
export const DATE_LOOKAHEAD_DAYS = 1;

/** The occasion whose offset lands on `fireOn`: the birthday or anniversary date `-offset` days away. */
export const occasionDateFor = (fireOn: LocalDate, days: number): LocalDate => addDays(fireOn, -days);

/** The day a member-date run fires for an occasion on `occasionDate` (itself already moved off 29 February). */
export const fireDateFor = (occasionDate: LocalDate, days: number): LocalDate => addDays(occasionDate, days);

/** The calendar-index reads that find every member whose occasion falls on `occasionDate`: its month-day partitions, whole. */
export const occasionReads = (occasionDate: LocalDate): IndexRead[] =>
  monthDaysCelebratedOn(occasionDate).map((monthDay) => ({ monthDay }));

/** Whether an index entry's date (a birthday as given, or a registration date) is celebrated on `occasionDate`. */
export function celebratedOnDate(entryDate: string, occasionDate: LocalDate): boolean {
  return celebratedOn(monthDayOf(entryDate), parseDate(occasionDate).year) === occasionDate;
}

/** `HH:MM` on a local date in `timeZone`, as an instant (epoch ms). */
export function localTimeOn(date: LocalDate, at: string, timeZone: string): number {
  const { year, month, day } = parseDate(date);
  const [hour, minute] = at.split(':').map(Number) as [number, number];
  return instantOfWallTime({ year, month, day, hour, minute }, timeZone);
}

/** A recurring schedule as the client file writes it. */
export interface Recurrence {
  readonly every: string;
  readonly starting: string;
  readonly until?: string | undefined;
}

/**
 * The `n`-th occurrence (0 = `starting`) as UTC ISO: `n × every` added to the starting wall
 * time in `timeZone` (months first, clamped to the month's last day, from the start each time
 * so nothing drifts), then read back as an instant.
 */
export function occurrence(schedule: Recurrence, n: number, timeZone: string): string {
  const d = parseDuration(schedule.every);
  const start = Date.parse(schedule.starting);
  const w = wallTimeAt(start, timeZone);
  const months = (d.years * 12 + d.months) * n;
  const index = w.year * 12 + (w.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const day = Math.min(w.day, new Date(Date.UTC(year, month, 0)).getUTCDate());
  const days = (d.weeks * 7 + d.days) * n;
  const millis = ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000 * n;
  // Days move the wall date (09:00 stays 09:00 across summer time); hours and less are elapsed time.
  const wall = instantOfWallTime({ year, month, day: day + days, hour: w.hour, minute: w.minute, second: w.second }, timeZone);
  return new Date(wall + millis + (start % 1000)).toISOString();
}

/**
 * The first occurrence strictly after `afterIso` (or at or after `atOrAfterIso` when given
 * instead), or undefined once the schedule's `until` has passed. A binary search over `n`, as
 * the occurrences only grow.
 */
export function nextOccurrence(
  schedule: Recurrence,
  timeZone: string,
  bound: { after: string } | { atOrAfter: string },
): string | undefined {
  const beyond = (iso: string) =>
    'after' in bound ? iso > new Date(bound.after).toISOString() : iso >= new Date(bound.atOrAfter).toISOString();
  let lo = 0;
  let hi = 1;
  while (!beyond(occurrence(schedule, hi, timeZone))) {
    lo = hi;
    hi *= 2;
    if (hi > 1_000_000) return undefined;
  }
  if (beyond(occurrence(schedule, 0, timeZone))) hi = 0;
  else
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (beyond(occurrence(schedule, mid, timeZone))) hi = mid;
      else lo = mid;
    }
  const at = occurrence(schedule, hi, timeZone);
  return schedule.until !== undefined && at > new Date(schedule.until).toISOString() ? undefined : at;
}

/** Whether `at` is one of the schedule's occurrences (a due item from an older schedule is not). */
export function isOccurrence(schedule: Recurrence, timeZone: string, at: string): boolean {
  return nextOccurrence(schedule, timeZone, { atOrAfter: at }) === new Date(at).toISOString();
}

/** A member-date flow as the daily job needs it. */
export interface DateFlow {
  readonly id: string;
  readonly trigger: { readonly date: 'birthday' | 'anniversary'; readonly offset: string } | object;
}

/** One `flow.date.due`: a member whose date is a flow's offset away from `fireOn`. */
export interface DateDue {
  readonly flowId: string;
  readonly customerId: string;
  readonly kind: 'birthday' | 'anniversary';
  /** The occasion this year. */
  readonly date: LocalDate;
  readonly fireOn: LocalDate;
  readonly years?: number;
}

/**
 * What the daily job reads for the member-date flows that fire on `fireOn`: per distinct
 * offset, the occasion date it points at and that date's index partitions (flows sharing an
 * offset share the reads). Empty when no flow has a date trigger.
 */
export function dateTriggerReads(
  fireOn: LocalDate,
  flows: readonly DateFlow[],
): { readonly occasionDate: LocalDate; readonly reads: IndexRead[]; readonly flowIds: readonly string[] }[] {
  const byOffset = new Map<number, string[]>();
  for (const f of flows) {
    if (!('date' in f.trigger)) continue;
    const days = offsetDays(f.trigger.offset);
    byOffset.set(days, [...(byOffset.get(days) ?? []), f.id]);
  }
  return [...byOffset].map(([days, flowIds]) => {
    const occasionDate = occasionDateFor(fireOn, days);
    return { occasionDate, reads: occasionReads(occasionDate), flowIds };
  });
}

/**
 * The runs due for the entries found on an occasion date's partitions: each birthday celebrated
 * that day and each anniversary from year 1, for every flow of its kind among `flowIds`; an
 * entry found twice yields its runs once.
 */
export function dateRunsDue(
  fireOn: LocalDate,
  occasionDate: LocalDate,
  found: readonly { readonly customerId: string; readonly kind: 'birthday' | 'anniversary'; readonly date: string }[],
  flows: readonly DateFlow[],
  flowIds: readonly string[],
): DateDue[] {
  const due: DateDue[] = [];
  const seen = new Set<string>();
  const year = parseDate(occasionDate).year;
  for (const entry of found) {
    const id = `${entry.kind}\n${entry.customerId}`;
    if (seen.has(id) || !celebratedOnDate(entry.date, occasionDate)) continue;
    const years = entry.kind === 'anniversary' ? year - parseDate(entry.date).year : undefined;
    if (years !== undefined && years < 1) continue;
    seen.add(id);
    for (const f of flows)
      if (flowIds.includes(f.id) && 'date' in f.trigger && f.trigger.date === entry.kind)
        due.push({ flowId: f.id, customerId: entry.customerId, kind: entry.kind, date: occasionDate, fireOn, ...(years ? { years } : {}) });
  }
  return due;
}
