import { parseDuration } from '../duration';

/**
 * A member-date trigger's offset (`-P3D`: three days before the date), read in whole days. Kept
 * apart from schedule.ts so the client-file schema can check it without the calendar.
 */

/** `-P3D` → -3, `P1W` → 7, `P0D` → 0: a member-date offset in whole days. */
export function offsetDays(offset: string): number {
  const negative = offset.startsWith('-');
  const d = parseDuration(negative ? offset.slice(1) : offset);
  const days = d.weeks * 7 + d.days;
  return negative ? -days : days;
}

/** Whether an offset is whole days or weeks only (the member-date syntax): `P3D`, `-P1W`, `P0D`. */
export const isDayOffset = (offset: string): boolean => /^-?P(\d+W)?(\d+D)?$/.test(offset) && offset.replace('-', '') !== 'P';
