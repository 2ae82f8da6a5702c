/**
 * Wall-clock time in an IANA time zone with nothing but `Intl`: what a customer's clock shows
 * at an instant, and the instant at which it shows a given time, correct across daylight-saving
 * changes. Pure; every function takes and returns epoch milliseconds.
 */

export interface WallTime {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  /** Day of month; out-of-range values roll over like `Date.UTC` (day 32 of January is 1 February). */
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  /** @default 0 */
  readonly second?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall time a clock in `timeZone` shows at `instant` (whole seconds). */
export function wallTimeAt(instant: number, timeZone: string): Required<WallTime> {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** How far (ms) the zone's clocks are ahead of UTC at `instant`. */
export function utcOffsetAt(instant: number, timeZone: string): number {
  const w = wallTimeAt(instant, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which clocks in `timeZone` show `wall`. A wall time that occurs twice (clocks
 * go back) resolves to the first occurrence; one that never occurs (clocks jump forward) moves
 * forward by the size of the jump, so 02:30 on a 02:00→03:00 night is 03:30 (Temporal's
 * "compatible" disambiguation).
 */
export function instantOfWallTime(wall: WallTime, timeZone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second ?? 0);
  // Offsets a day either side bracket any transition near this wall time.
  const offsetBefore = utcOffsetAt(asUtc - 86_400_000, timeZone);
  const offsetAfter = utcOffsetAt(asUtc + 86_400_000, timeZone);
  const candidates = [asUtc - offsetBefore, asUtc - offsetAfter]
    .filter((t) => utcOffsetAt(t, timeZone) === asUtc - t)
    .sort((a, b) => a - b);
  return candidates[0] ?? asUtc - offsetBefore;
}

/**
 * The same local wall time `days` calendar days later: 14:00 on 10 March plus 30 days is 14:00
 * on 9 April in Stockholm, although summer time makes that 30 days less one hour.
 */
export function addLocalDays(instant: number, days: number, timeZone: string): number {
  const w = wallTimeAt(instant, timeZone);
  const subSecond = instant - Math.floor(instant / 1000) * 1000;
  return instantOfWallTime({ ...w, day: w.day + days }, timeZone) + subSecond;
}
