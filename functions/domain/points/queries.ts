import { qualifyingBefore } from './tiers';
import type { LedgerFold } from './types';

/** Questions asked of a finished fold: what counts, what is spendable, pending or expiring at an instant. */

/** Qualifying points in the rolling 12 months before `atMs`, from a fold. */
export function qualifyingPointsAt(fold: LedgerFold, atMs: number): number {
  return qualifyingBefore(fold.contributions, atMs + 1);
}

/**
 * Points that can be spent at `atMs`: lots past their return window and not yet expired (the
 * ledger job's expiry entry may still be on its way), less any debt (negative then).
 */
export function spendableAt(fold: LedgerFold, atMs: number): number {
  let sum = 0;
  for (const lot of fold.lots) if (lot.spendableAt <= atMs && (lot.expiresAt === null || lot.expiresAt > atMs)) sum += lot.remaining;
  return sum - fold.debt;
}

/** Order points still in their return window at `atMs`, by the instant they become spendable. */
export function pendingAt(fold: LedgerFold, atMs: number): { points: number; spendableAt: number }[] {
  const byTime = new Map<number, number>();
  for (const lot of fold.lots) {
    if (lot.spendableAt > atMs && lot.remaining > 0) byTime.set(lot.spendableAt, (byTime.get(lot.spendableAt) ?? 0) + lot.remaining);
  }
  return [...byTime].sort(([a], [b]) => a - b).map(([spendableAt, points]) => ({ points, spendableAt }));
}

/** The next expiry after `atMs` and how many points it would take if nothing else happened, or null. */
export function nextExpiry(fold: LedgerFold, atMs: number): { points: number; expiresAt: number } | null {
  let next: number | null = null;
  for (const lot of fold.lots) {
    if (lot.remaining > 0 && lot.expiresAt !== null && lot.expiresAt > atMs && (next === null || lot.expiresAt < next))
      next = lot.expiresAt;
  }
  if (next === null) return null;
  let points = 0;
  for (const lot of fold.lots) if (lot.expiresAt !== null && lot.expiresAt <= next) points += lot.remaining;
  return { points, expiresAt: next };
}

/** The latest expiry instant at or before `atMs` that still has points to take, or null: the daily job then writes an expiry entry. */
export function expiryDue(fold: LedgerFold, atMs: number): number | null {
  let due: number | null = null;
  for (const lot of fold.lots) {
    if (lot.remaining > 0 && lot.expiresAt !== null && lot.expiresAt <= atMs && (due === null || lot.expiresAt > due)) due = lot.expiresAt;
  }
  return due;
}
