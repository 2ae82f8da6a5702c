import { ValidationError } from '../runtime/errors';

/**
 * Bounds on business times (issue 12.4): a webshop event's time fields must lie between
 * 2000-01-01 and a few minutes ahead of Lojal's clock. A time far in the future would win
 * every last-writer-wins comparison (consent, profile fields) forever and place points in a
 * year nobody reaches; a time before 2000 is a default value or a typo, not a sale.
 *
 * Pure: the caller passes the clock's reading and the configured skew.
 */

/** The earliest business time Lojal accepts. */
export const EARLIEST_BUSINESS_TIME = Date.UTC(2000, 0, 1);

/** Default allowed skew of a shop's clock ahead of Lojal's, in minutes. */
export const DEFAULT_MAX_CLOCK_SKEW_MINUTES = 5;

/**
 * A business time field is a top-level string field whose name ends in `At` (placedAt,
 * refundedAt, registeredAt, updatedAt, deletedAt, occurredAt, marketingConsentAt, ...): one
 * rule for every event kind, so a kind or field added later is bounded without a list to
 * keep in step. The schemas have already checked these are ISO-8601 with an offset.
 */
export function isBusinessTimeField(name: string): boolean {
  return /^[a-z][A-Za-z]*At$/.test(name);
}

/** Throws a `ValidationError` naming the first business time of `detail` outside the bounds. */
export function assertBusinessTimesBounded(
  detail: unknown,
  now: Date,
  maxSkewMinutes: number = DEFAULT_MAX_CLOCK_SKEW_MINUTES,
  prefix = 'detail',
): void {
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return;
  const latest = now.getTime() + maxSkewMinutes * 60_000;
  for (const [name, value] of Object.entries(detail)) {
    if (!isBusinessTimeField(name) || typeof value !== 'string') continue;
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw new ValidationError(`${prefix}.${name}`, 'is not a valid time');
    if (at < EARLIEST_BUSINESS_TIME) throw new ValidationError(`${prefix}.${name}`, 'must not be before 2000-01-01T00:00:00Z');
    if (at > latest) {
      throw new ValidationError(
        `${prefix}.${name}`,
        `must not be more than ${maxSkewMinutes} minutes ahead of Lojal's clock (${new Date(latest).toISOString()})`,
      );
    }
  }
}
