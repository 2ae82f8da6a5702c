import type { ProfileStore } from '../adapters/dynamo/profile-store';
import { isDeleted, type LocalDate, startOfLocalDate } from '../domain/calendar';
import type { HandlerOutcome } from '../runtime/event-handler';
import { type LedgerDeps, recordLedgerEvent } from './record-ledger-event';

export interface OccasionBonus {
  readonly customerId: string;
  readonly occasion: 'anniversary' | 'birthday';
  /** The day celebrated, in the client's calendar. */
  readonly date: LocalDate;
  readonly points: number;
  readonly reason: string;
}

/**
 * Awards an anniversary or birthday bonus once per member and year: the ledger reference is
 * `<occasion>-<year>`, so a duplicate event, a rerun of the day, or a second anniversary date in
 * one year (the member changed time zone) records nothing twice. The entry's business time is
 * the start of the day in the client's time zone. Members that are unknown or deleted get
 * nothing, and a program without the bonus records no zero-point entry.
 */
export async function awardOccasionBonus(
  deps: LedgerDeps & { readonly profiles: ProfileStore },
  bonus: OccasionBonus,
): Promise<HandlerOutcome> {
  if (bonus.points <= 0) return 'ignored';
  const stored = await deps.profiles.get(bonus.customerId);
  if (!stored || isDeleted(stored.profile)) return 'ignored';
  const result = await recordLedgerEvent(deps, bonus.customerId, {
    kind: 'adjustment',
    ref: `${bonus.occasion}-${bonus.date.slice(0, 4)}`,
    at: startOfLocalDate(bonus.date, deps.config.timeZone),
    points: bonus.points,
    reason: bonus.reason,
  });
  if (result.outcome === 'duplicate') return 'duplicate';
  deps.metrics.addMetric('PointsAwarded', 'Count', result.points + result.corrected);
  return 'applied';
}
