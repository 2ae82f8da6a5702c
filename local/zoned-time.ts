/** The local scheduler's time-zone arithmetic is the domain's own (one implementation of DST rules). */
export { instantOfWallTime, type WallTime, wallTimeAt } from '../functions/domain/zoned-time';

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
