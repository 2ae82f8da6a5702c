/**
 * ISO-8601 durations: flow waits (`wait: "P14D"`), the local clock (`{ "advance": "P30D" }`)
 * and job schedules (`every: "PT1M"`). Only forward durations: nothing here moves back.
 */

export interface IsoDuration {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  /** May carry up to millisecond fractions, e.g. `PT0.5S`. */
  readonly seconds: number;
}

export class InvalidDurationError extends Error {
  override readonly name = 'InvalidDurationError';
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`"${input}" is not an ISO-8601 duration (${reason}); examples: P30D, PT1H30M, P1Y2M, P2W, PT0S`);
  }
}

const PATTERN = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d{1,3})?)S)?)?$/;

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;

/**
 * Parses `PnYnMnWnDTnHnMnS` (any subset, in that order; weeks may be combined with the other
 * parts as ISO 8601-2 and Temporal allow).
 *
 * @example parseDuration('P1MT12H') // { years: 0, months: 1, ..., hours: 12, ... }
 */
export function parseDuration(input: string): IsoDuration {
  if (typeof input !== 'string') throw new InvalidDurationError(String(input), 'expected a string');
  if (input.startsWith('-')) throw new InvalidDurationError(input, 'negative durations are not allowed');
  const match = PATTERN.exec(input);
  if (!match) throw new InvalidDurationError(input, 'expected the form PnYnMnWnDTnHnMnS');
  if (input.endsWith('T')) throw new InvalidDurationError(input, 'a T must be followed by hours, minutes or seconds');
  const parts = match.slice(1);
  if (parts.every((p) => p === undefined)) throw new InvalidDurationError(input, 'it names no amount');
  const [years, months, weeks, days, hours, minutes, seconds] = parts.map((p) => (p === undefined ? 0 : Number(p.replace(',', '.'))));
  return {
    years: years ?? 0,
    months: months ?? 0,
    weeks: weeks ?? 0,
    days: days ?? 0,
    hours: hours ?? 0,
    minutes: minutes ?? 0,
    seconds: seconds ?? 0,
  };
}

/**
 * Adds a duration in UTC calendar arithmetic: years and months first, keeping the day of the
 * month but clamping to the month's last day (Jan 31 + P1M = Feb 28 or 29), then weeks and
 * days as 24-hour days, then hours, minutes and seconds. UTC keeps the result independent of
 * the laptop's time zone; a day is always 24 hours, as in AWS's `rate(1 day)`.
 */
export function addDuration(instant: Date, duration: IsoDuration): Date {
  const result = new Date(instant.getTime());
  const monthsToAdd = duration.years * 12 + duration.months;
  if (monthsToAdd > 0) {
    const totalMonths = result.getUTCMonth() + monthsToAdd;
    const year = result.getUTCFullYear() + Math.floor(totalMonths / 12);
    const month = totalMonths % 12;
    const day = Math.min(result.getUTCDate(), daysInMonth(year, month));
    result.setUTCFullYear(year, month, day);
  }
  return new Date(result.getTime() + fixedPartMillis(duration));
}

/** The duration in milliseconds, for fixed-rate schedules; months and years have no fixed length and are refused. */
export function durationMillis(duration: IsoDuration, input = 'the duration'): number {
  if (duration.years > 0 || duration.months > 0) {
    throw new InvalidDurationError(input, 'years and months have no fixed length here; use days or weeks');
  }
  return fixedPartMillis(duration);
}

function fixedPartMillis(d: IsoDuration): number {
  return (d.weeks * 7 + d.days) * MS_PER_DAY + d.hours * MS_PER_HOUR + d.minutes * MS_PER_MINUTE + Math.round(d.seconds * MS_PER_SECOND);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}
