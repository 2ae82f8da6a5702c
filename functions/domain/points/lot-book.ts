import type { ProgramConfig } from '../../config/program';
import { expiryOf } from './expiry';
import type { PointsLot } from './types';

/** A lot as the fold mutates it: only `remaining` changes. */
export interface Lot extends Omit<PointsLot, 'remaining'> {
  remaining: number;
}

/**
 * Every credit is a lot (earned when, spendable from when, expires when, how much is left).
 * Debits take from lots oldest first; what no lot can cover becomes debt, which later credits
 * pay off first. So `Σ lot.remaining − debt` is the balance, and debt is only ever owed when
 * no lot has points left.
 */
export class LotBook {
  readonly lots: Lot[] = [];
  debt = 0;

  /** @param onExpiry told of each lot's expiry instant, so warnings ahead of it can be planned. */
  constructor(
    private readonly config: ProgramConfig,
    private readonly onExpiry: (expiresAt: number) => void,
  ) {}

  /** Credits `amount` points (paying off debt first); no lot for nothing. */
  credit(source: string, amount: number, earnedAt: number, spendableAt: number): Lot | undefined {
    if (amount <= 0) return undefined;
    const paid = Math.min(this.debt, amount);
    this.debt -= paid;
    const lot: Lot = { source, earnedAt, amount, remaining: amount - paid, spendableAt, expiresAt: expiryOf(this.config, earnedAt) };
    this.lots.push(lot);
    if (lot.expiresAt !== null) this.onExpiry(lot.expiresAt);
    return lot;
  }

  /**
   * Takes `amount` points: from `own` first, then spendable lots oldest first, then pending ones,
   * then as debt. (A lot past its expiry whose expiry entry is not written yet may still be
   * taken; once the entry is written it sorts before the debit and takes the lot first, so the
   * final state does not depend on when the job ran. The redemption check counts no expired lot.)
   */
  debit(amount: number, at: number, own?: Lot): void {
    let left = amount;
    const take = (lot: Lot) => {
      const n = Math.min(lot.remaining, left);
      lot.remaining -= n;
      left -= n;
    };
    if (own) take(own);
    for (const lot of this.lots) {
      if (left === 0) break;
      if (lot.spendableAt <= at) take(lot);
    }
    for (const lot of this.lots) {
      if (left === 0) break;
      take(lot);
    }
    this.debt += left;
  }

  /** Empties every lot that expired by `at`; returns how many points that took. */
  expire(at: number): number {
    let expired = 0;
    for (const lot of this.lots) {
      if (lot.expiresAt !== null && lot.expiresAt <= at && lot.remaining > 0) {
        expired += lot.remaining;
        lot.remaining = 0;
      }
    }
    return expired;
  }

  /** Points left in lots that expire at or before `expiresAt`. */
  expiringBy(expiresAt: number): number {
    let points = 0;
    for (const lot of this.lots) if (lot.expiresAt !== null && lot.expiresAt <= expiresAt) points += lot.remaining;
    return points;
  }

  /** The lots as plain values, in the order earned (FIFO). */
  snapshot(): PointsLot[] {
    return this.lots.map((l) => ({ ...l }));
  }
}
