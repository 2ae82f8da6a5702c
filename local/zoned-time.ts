/**
 * Wall-clock time in an IANA time zone without a date library: enough to find "the next local
 * midnight in Europe/Stockholm" for daily jobs, across daylight-saving changes.
 */

export interface WallTime {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
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

/** The wall time shown on a clock in `timeZone` at `instant`. */
export function wallTimeAt(instant: number, timeZone: string): WallTime & { readonly second: number } {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** Milliseconds the zone is ahead of UTC at `instant` (whole seconds). */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallTimeAt(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which clocks in `timeZone` show `wall`. A wall time repeated when clocks go
 * back resolves to its first occurrence; one skipped when they jump forward, to the same
 * distance after the jump.
 */
export function instantOfWallTime(wall: WallTime, timeZone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const before = asUtc - offsetAt(asUtc - 86_400_000, timeZone);
  const after = asUtc - offsetAt(asUtc + 86_400_000, timeZone);
  // Try the offset in force before and after any change near this wall time.
  const candidates = [before, after].filter((t) => asUtc - offsetAt(t, timeZone) === t).sort((a, b) => a - b);
  // Skipped wall time (spring forward): read it with the offset before the jump, which lands
  // as far after the jump as the wall time was after the last valid minute (Temporal's
  // "compatible" disambiguation: 02:30 on a 02:00→03:00 night becomes 03:30).
  return candidates[0] ?? before;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
