import type { ProgramConfig } from '../../config/program';
import { addMonthsUtc, DAY_MS } from '../time';
import type { LotBook } from './lot-book';
import { qualifyingBefore, tierIndexFor } from './tiers';
import type { ExpiryWarning, TierChange, TierReviewWarning, TierStatus } from './types';

/** What the clock reads of the fold when a time-driven step runs. */
export interface ClockWorld {
  readonly contributions: readonly { readonly at: number; readonly points: number }[];
  readonly book: LotBook;
  readonly balance: () => number;
}

type Step = { readonly at: number; readonly kind: 'review-warning' | 'review' | 'expiry-warning'; readonly expiresAt?: number };

/**
 * Tier status and everything that happens by time alone. The status is raised at once when
 * qualifying points over the rolling 12 months reach a higher tier, and lowered only at the
 * review on the anniversary of the last upgrade or review, to the tier the 12 months before
 * the review support. Warnings (a review that would move the member down, points about to
 * expire) are computed at their own instant from what was known then.
 */
export class TierClock {
  /** An index into config.tiers. */
  private status = 0;
  private since: number | null = null;
  private reviewAt: number | null = null;
  private reviewWarned = false;
  /** Expiry instants that hold lots, and whether their warning instant has passed. */
  private readonly boundaries = new Map<number, boolean>();
  readonly changes: TierChange[] = [];
  readonly tierWarnings: TierReviewWarning[] = [];
  readonly expiryWarnings: ExpiryWarning[] = [];
  private readonly tierWarningMs: number;
  private readonly expiryWarningMs: number;

  constructor(
    private readonly config: ProgramConfig,
    private readonly world: ClockWorld,
  ) {
    this.tierWarningMs = config.tierReviewWarningDays * DAY_MS;
    this.expiryWarningMs = config.expiryWarningDays * DAY_MS;
  }

  get tier(): ProgramConfig['tiers'][number] {
    return this.config.tiers[this.status]!;
  }

  statusNow(): TierStatus {
    return { name: this.tier.name, multiplier: this.tier.multiplier, since: this.since, reviewAt: this.reviewAt };
  }

  /** Plans an expiry warning ahead of `expiresAt` (once per instant). */
  trackExpiry(expiresAt: number): void {
    if (!this.boundaries.has(expiresAt)) this.boundaries.set(expiresAt, false);
  }

  /** Raises the status at `at` if the qualifying points through `at` reach a higher tier. */
  raise(at: number): void {
    const q = qualifyingBefore(this.world.contributions, at + 1);
    const target = tierIndexFor(this.config, q);
    if (target <= this.status) return;
    const next = addMonthsUtc(at, 12);
    this.changes.push({ at, from: this.tier.name, to: this.config.tiers[target]!.name, direction: 'upgrade', qualifying: q, reviewAt: next });
    this.status = target;
    this.since = at;
    this.reviewAt = next;
    this.reviewWarned = false;
  }

  /** Runs every time-driven step due by `until`, in time order. */
  advanceTo(until: number): void {
    for (let step = this.nextStep(); step && step.at <= until; step = this.nextStep()) this.run(step);
  }

  /** The next instant at which the status or a warning changes by time alone, or null. */
  nextCheckpoint(): number | null {
    return this.nextStep()?.at ?? null;
  }

  /** The next step: a review warning, a review, or an expiry warning (the first found wins a tie). */
  private nextStep(): Step | undefined {
    let best: Step | undefined;
    if (this.reviewAt !== null) {
      if (this.tierWarningMs > 0 && !this.reviewWarned) best = { at: this.reviewAt - this.tierWarningMs, kind: 'review-warning' };
      if (!best || this.reviewAt < best.at) best = { at: this.reviewAt, kind: 'review' };
    }
    if (this.expiryWarningMs > 0) {
      for (const [expiresAt, warned] of this.boundaries) {
        if (!warned && (!best || expiresAt - this.expiryWarningMs < best.at)) best = { at: expiresAt - this.expiryWarningMs, kind: 'expiry-warning', expiresAt };
      }
    }
    return best;
  }

  private run(step: Step): void {
    if (step.kind === 'review-warning') this.warnReview(step.at);
    else if (step.kind === 'review') this.review(step.at);
    else this.warnExpiry(step.at, step.expiresAt!);
  }

  private warnReview(at: number): void {
    this.reviewWarned = true;
    const review = this.reviewAt!;
    const q = qualifyingBefore(this.world.contributions, review);
    const projected = tierIndexFor(this.config, q);
    if (projected < this.status) {
      const tier = this.tier;
      this.tierWarnings.push({ at, reviewAt: review, tier: tier.name, projectedTier: this.config.tiers[projected]!.name, qualifying: q, required: tier.qualifyingPoints });
    }
  }

  private review(at: number): void {
    const q = qualifyingBefore(this.world.contributions, at);
    const target = tierIndexFor(this.config, q);
    if (target < this.status) {
      const next = target > 0 ? addMonthsUtc(at, 12) : null;
      this.changes.push({ at, from: this.tier.name, to: this.config.tiers[target]!.name, direction: 'downgrade', qualifying: q, reviewAt: next });
      this.status = target;
      this.since = at;
    }
    this.reviewAt = this.status > 0 ? addMonthsUtc(at, 12) : null;
    this.reviewWarned = false;
  }

  private warnExpiry(at: number, expiresAt: number): void {
    this.boundaries.set(expiresAt, true);
    const points = this.world.book.expiringBy(expiresAt);
    if (points > 0) this.expiryWarnings.push({ at, expiresAt, points, balance: this.world.balance() });
  }
}
