/** Calendar arithmetic in UTC, integer milliseconds. */

/** The instant `months` calendar months after `ms` (negative goes back); the 31st clamps to the month's last day. */
export function addMonthsUtc(ms: number, months: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d.getTime();
}

export const DAY_MS = 86_400_000;

export function toIsoUtc(ms: number): string {
  return new Date(ms).toISOString();
}
