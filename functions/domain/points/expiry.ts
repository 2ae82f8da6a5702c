import type { ProgramConfig } from '../../config/program';
import { instantOfWallTime, wallTimeAt } from '../zoned-time';

/**
 * When points earned at `earnedAt` expire: they are valid through the end of the month
 * `months` after the month they were earned in (client's time zone), and expire at the start
 * of the next month. Null when the program's points never expire.
 */
export function expiryOf(config: ProgramConfig, earnedAt: number): number | null {
  if (config.pointsExpiryMonths === null) return null;
  // Every UTC offset is a whole number of quarter hours, so the local month cannot change within
  // a quarter hour: memoise by it (the time-zone arithmetic is most of a long ledger's fold).
  const key = `${config.timeZone}|${config.pointsExpiryMonths}|${Math.floor(earnedAt / QUARTER_HOUR_MS)}`;
  let expiresAt = expiryMemo.get(key);
  if (expiresAt === undefined) {
    const w = wallTimeAt(earnedAt, config.timeZone);
    expiresAt = instantOfWallTime(
      { year: w.year, month: w.month + config.pointsExpiryMonths + 1, day: 1, hour: 0, minute: 0 },
      config.timeZone,
    );
    if (expiryMemo.size >= 50_000) expiryMemo.clear();
    expiryMemo.set(key, expiresAt);
  }
  return expiresAt;
}

const QUARTER_HOUR_MS = 15 * 60_000;
const expiryMemo = new Map<string, number>();
