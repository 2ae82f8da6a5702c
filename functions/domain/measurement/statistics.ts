/**
 * The statistics behind the lift report (docs/measurement.md), pure and from counts alone, so the
 * report needs no member-level scan: proportions from successes and trials, means from sums and
 * sums of squares. Every interval is two-sided at 95 %; sample sizes are for 80 % power.
 */

/** z for a two-sided 95 % interval. */
export const Z_95 = 1.959963984540054;
/** z for 80 % power (one-sided). */
export const Z_POWER_80 = 0.8416212335729143;

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** The Wilson score interval of a proportion `successes / trials` (trials 0: the whole [0, 1]). */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Interval {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const spread = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  const denominator = 1 + z2 / trials;
  return { low: Math.max(0, (centre - spread) / denominator), high: Math.min(1, (centre + spread) / denominator) };
}

export interface Rate {
  readonly successes: number;
  readonly trials: number;
}

export interface Lift {
  /** Treated minus control, in the metric's unit (a proportion, or minor units per member). */
  readonly difference: number;
  readonly interval: Interval;
  /** The interval excludes 0. */
  readonly significant: boolean;
  readonly treated: number;
  readonly control: number;
  /** `difference / control`, or null when the control figure is 0. */
  readonly relative: number | null;
}

/**
 * The difference of two proportions, treated − control, with Newcombe's hybrid score interval
 * (method 10 of Newcombe 1998): the two Wilson intervals combined, which keeps its coverage
 * with small samples and rates near 0 or 1, where the textbook Wald interval does not.
 */
export function rateLift(treated: Rate, control: Rate): Lift {
  const p1 = treated.trials > 0 ? treated.successes / treated.trials : 0;
  const p2 = control.trials > 0 ? control.successes / control.trials : 0;
  const w1 = wilsonInterval(treated.successes, treated.trials);
  const w2 = wilsonInterval(control.successes, control.trials);
  const difference = p1 - p2;
  const low = difference - Math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2);
  const high = difference + Math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2);
  const known = treated.trials > 0 && control.trials > 0;
  return {
    difference,
    interval: { low, high },
    significant: known && (low > 0 || high < 0),
    treated: p1,
    control: p2,
    relative: p2 > 0 ? difference / p2 : null,
  };
}

/**
 * Sums of squares of money are kept in (minor units ÷ 100)², rounded: a member's revenue of
 * 949 000 SEK is 9.0 × 10¹⁵ öre², past what a JavaScript number holds exactly (and what the
 * DynamoDB client writes), which would stop that member's orders being recorded. In hundreds of
 * minor units a member may reach 90 million SEK; the rounding moves a variance by far less than
 * the interval shows. `SQUARE_SCALE` turns such a sum back into minor units².
 */
export const SQUARE_SCALE = 10_000;
export const squareForCounter = (minor: number): number => Math.round((minor / 100) ** 2);
/** The change of a counted square when a member's figure goes from `before` to `after` (minor units). */
export const squareDelta = (before: number, after: number): number => squareForCounter(after) - squareForCounter(before);

/** A metric per member as the counters keep it: how many members, the sum and the sum of squares. */
export interface Moments {
  readonly n: number;
  readonly sum: number;
  readonly sumOfSquares: number;
}

const meanOf = (m: Moments) => (m.n > 0 ? m.sum / m.n : 0);
/** The unbiased sample variance (0 with fewer than two members). */
export function varianceOf(m: Moments): number {
  if (m.n < 2) return 0;
  return Math.max(0, (m.sumOfSquares - (m.sum * m.sum) / m.n) / (m.n - 1));
}

/**
 * The difference of two means, treated − control (e.g. net revenue per member), with Welch's
 * unequal-variance standard error and a normal approximation (z, not t: the groups a shop
 * measures have hundreds of members, where the two differ by less than the rounding shown).
 */
export function meanLift(treated: Moments, control: Moments): Lift {
  const m1 = meanOf(treated);
  const m2 = meanOf(control);
  const difference = m1 - m2;
  const known = treated.n >= 2 && control.n >= 2;
  const se = known ? Math.sqrt(varianceOf(treated) / treated.n + varianceOf(control) / control.n) : Number.POSITIVE_INFINITY;
  const low = difference - Z_95 * se;
  const high = difference + Z_95 * se;
  return {
    difference,
    interval: { low, high },
    significant: known && (low > 0 || high < 0),
    treated: m1,
    control: m2,
    relative: m2 !== 0 ? difference / m2 : null,
  };
}

/**
 * Members needed in each group to detect rates `p1` against `p2` (two-sided 5 %, 80 % power),
 * by the normal approximation without continuity correction (Fleiss): p1 = 0.05 against
 * p2 = 0.10 needs 435 a group.
 */
export function sampleSizeForRates(p1: number, p2: number): number {
  const delta = Math.abs(p1 - p2);
  if (delta === 0) return Number.POSITIVE_INFINITY;
  const mean = (p1 + p2) / 2;
  const a = Z_95 * Math.sqrt(2 * mean * (1 - mean));
  const b = Z_POWER_80 * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil(((a + b) * (a + b)) / (delta * delta));
}

/** Members needed in each group to detect a difference `delta` of means with standard deviation `sd` (two-sided 5 %, 80 % power). */
export function sampleSizeForMeans(sd: number, delta: number): number {
  if (delta === 0) return Number.POSITIVE_INFINITY;
  return Math.ceil((2 * (Z_95 + Z_POWER_80) ** 2 * sd * sd) / (delta * delta));
}

/** The words the report uses for a lift: a plain statement of whether it is significant yet. */
export function verdictOf(lift: Lift): string {
  if (!lift.significant) return 'not yet significant: the 95 % interval includes no effect';
  return lift.difference > 0 ? 'significant: treated members do better' : 'significant: treated members do worse';
}

/** A Net Promoter Score (−100 to 100) from the count of answers per score 0–10: % promoters (9–10) less % detractors (0–6). */
export function npsOf(distribution: readonly number[]): { score: number | null; answers: number; promoters: number; detractors: number } {
  let answers = 0;
  let promoters = 0;
  let detractors = 0;
  distribution.forEach((count, score) => {
    answers += count;
    if (score >= 9) promoters += count;
    else if (score <= 6) detractors += count;
  });
  return { score: answers > 0 ? Math.round(((promoters - detractors) / answers) * 100) : null, answers, promoters, detractors };
}
