import type { ProgramConfig } from '../../config/program';
import { addMonthsUtc, DAY_MS } from '../time';
import type { LotBook } from './lot-book';
import { rulesAt } from './rules';
import { qualifyingBefore, type Tier, tierAt, tierIndexFor } from './tiers';
import type { ExpiryWarning, TierChange, TierReviewWarning, TierStatus } from './types';

/** What the clock reads of the fold when a time-driven step runs. */
export interface ClockWorld {
  readonly contributions: readonly { readonly at: number; readonly points: number }[];
  readonly book: LotBook;
  readonly balance: () => number;
}

type Step =
  | { readonly at: number; readonly kind: 'review-warning' | 'review' }
  | { readonly at: number; readonly kind: 'expiry-warning'; readonly expiresAt: number };

/**
 * Tier status and everything that happens by time alone. The status is raised at once when
 * qualifying points over the rolling 12 months reach a higher tier, and lowered only at the
 * review on the anniversary of the last upgrade or review, to the tier the 12 months before
 * the review support. Warnings (a review that would move the member down, points about to
 * expire) are computed at their own instant from what was known then.
 */
export class TierClock {
  /** The tier's name: revisions may add tiers, so an index would move (rule-revisions.ts keeps every name). */
  private status: string;
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
    this.status = tierAt(config, 0).name;
    this.tierWarningMs = config.tierReviewWarningDays * DAY_MS;
    this.expiryWarningMs = config.expiryWarningDays * DAY_MS;
  }

  /** The member's tier as the rules in force at `at` define it (its multiplier may have been revised). */
  tierAt(at: number): Tier {
    return this.position(rulesAt(this.config, at).rules).tier;
  }

  /** The status as of `at` (the last input, or the fold's `asOf`). */
  statusAt(at: number): TierStatus {
    const tier = this.tierAt(at);
    return { name: tier.name, multiplier: tier.multiplier, since: this.since, reviewAt: this.reviewAt };
  }

  /** The status's index and tier among the tiers of `rules`. */
  private position(rules: ProgramConfig): { index: number; tier: Tier } {
    const index = Math.max(
      0,
      rules.tiers.findIndex((t) => t.name === this.status),
    );
    return { index, tier: tierAt(rules, index) };
  }

  /** Plans an expiry warning ahead of `expiresAt` (once per instant). */
  trackExpiry(expiresAt: number): void {
    if (!this.boundaries.has(expiresAt)) this.boundaries.set(expiresAt, false);
  }

  /** Raises the status at `at` if the qualifying points through `at` reach a higher tier. */
  raise(at: number): void {
    const q = qualifyingBefore(this.world.contributions, at + 1);
    const { rules } = rulesAt(this.config, at);
    const target = tierIndexFor(rules, q);
    const current = this.position(rules);
    if (target <= current.index) return;
    const next = addMonthsUtc(at, 12);
    this.changes.push({ at, from: current.tier.name, to: tierAt(rules, target).name, direction: 'upgrade', qualifying: q, reviewAt: next });
    this.status = tierAt(rules, target).name;
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
        if (!warned && (!best || expiresAt - this.expiryWarningMs < best.at))
          best = { at: expiresAt - this.expiryWarningMs, kind: 'expiry-warning', expiresAt };
      }
    }
    return best;
  }

  private run(step: Step): void {
    if (step.kind === 'expiry-warning') this.warnExpiry(step.at, step.expiresAt);
    else if (step.kind === 'review-warning') this.warnReview(step.at);
    else this.review(step.at);
  }

  private warnReview(at: number): void {
    this.reviewWarned = true;
    const review = this.reviewAt;
    if (review === null) return; // nextStep plans a review warning only while a review is set
    const q = qualifyingBefore(this.world.contributions, review);
    const { rules } = rulesAt(this.config, review);
    const projected = tierIndexFor(rules, q);
    const { index, tier } = this.position(rules);
    if (projected < index) {
      this.tierWarnings.push({
        at,
        reviewAt: review,
        tier: tier.name,
        projectedTier: tierAt(rules, projected).name,
        qualifying: q,
        required: tier.qualifyingPoints,
      });
    }
  }

  private review(at: number): void {
    const q = qualifyingBefore(this.world.contributions, at);
    const { rules } = rulesAt(this.config, at);
    const target = tierIndexFor(rules, q);
    const current = this.position(rules);
    let index = current.index;
    if (target < index) {
      const next = target > 0 ? addMonthsUtc(at, 12) : null;
      this.changes.push({
        at,
        from: current.tier.name,
        to: tierAt(rules, target).name,
        direction: 'downgrade',
        qualifying: q,
        reviewAt: next,
      });
      this.status = tierAt(rules, target).name;
      this.since = at;
      index = target;
    }
    this.reviewAt = index > 0 ? addMonthsUtc(at, 12) : null;
    this.reviewWarned = false;
  }

  private warnExpiry(at: number, expiresAt: number): void {
    this.boundaries.set(expiresAt, true);
    const points = this.world.book.expiringBy(expiresAt);
    if (points > 0) this.expiryWarnings.push({ at, expiresAt, points, balance: this.world.balance() });
  }
}
