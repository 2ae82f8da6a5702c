import { describe, expect, it } from 'vitest';
import {
  meanLift,
  npsOf,
  rateLift,
  sampleSizeForMeans,
  sampleSizeForRates,
  verdictOf,
  wilsonInterval,
} from '../../functions/domain/measurement/statistics';

describe('Function: wilsonInterval', () => {
  it('matches the published interval for 81 of 263 (Newcombe 1998: 0.2553 to 0.3662)', () => {
    const { low, high } = wilsonInterval(81, 263);
    expect(low).toBeCloseTo(0.2553, 4);
    expect(high).toBeCloseTo(0.3662, 4);
  });

  it('stays inside [0, 1] at 0 of 10 and is the whole range with no trials', () => {
    expect(wilsonInterval(0, 10).low).toBe(0);
    expect(wilsonInterval(0, 10).high).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });
});

describe('Function: rateLift', () => {
  it('matches Newcombe’s hybrid score interval for 56/70 against 48/80 (0.0524 to 0.3339)', () => {
    const lift = rateLift({ successes: 56, trials: 70 }, { successes: 48, trials: 80 });
    expect(lift.difference).toBeCloseTo(0.2, 10);
    expect(lift.interval.low).toBeCloseTo(0.0524, 4);
    expect(lift.interval.high).toBeCloseTo(0.3339, 4);
    expect(lift.significant).toBe(true);
    expect(lift.relative).toBeCloseTo(0.2 / 0.6, 10);
  });

  it('calls an interval that covers 0 not yet significant (Newcombe: 10/10 against 0/20 is significant, 5/10 against 4/10 is not)', () => {
    expect(rateLift({ successes: 10, trials: 10 }, { successes: 0, trials: 20 }).significant).toBe(true);
    const small = rateLift({ successes: 5, trials: 10 }, { successes: 4, trials: 10 });
    expect(small.significant).toBe(false);
    expect(verdictOf(small)).toMatch(/^not yet significant/);
  });

  it('is never significant without members in both groups', () => {
    expect(rateLift({ successes: 5, trials: 10 }, { successes: 0, trials: 0 }).significant).toBe(false);
  });
});

describe('Function: meanLift', () => {
  it('gives the Welch standard error from sums and sums of squares', () => {
    // Treated 2, 4, 6 (mean 4, variance 4); control 1, 1, 1, 1 (mean 1, variance 0): se = sqrt(4/3).
    const lift = meanLift({ n: 3, sum: 12, sumOfSquares: 56 }, { n: 4, sum: 4, sumOfSquares: 4 });
    expect(lift.difference).toBe(3);
    const se = Math.sqrt(4 / 3);
    expect(lift.interval.low).toBeCloseTo(3 - 1.959964 * se, 5);
    expect(lift.interval.high).toBeCloseTo(3 + 1.959964 * se, 5);
    expect(lift.significant).toBe(true);
  });

  it('is not significant with fewer than two members in a group', () => {
    expect(meanLift({ n: 1, sum: 100, sumOfSquares: 10_000 }, { n: 5, sum: 5, sumOfSquares: 5 }).significant).toBe(false);
  });
});

describe('Function: sample sizes', () => {
  it('needs 435 members a group for 5 % against 10 % (Fleiss, no continuity correction)', () => {
    expect(sampleSizeForRates(0.05, 0.1)).toBe(435);
    expect(sampleSizeForRates(0.3, 0.3)).toBe(Number.POSITIVE_INFINITY);
  });

  it('needs 16 members a group per unit of standardised effect squared: sd 1, delta 1 gives 16', () => {
    expect(sampleSizeForMeans(1, 1)).toBe(16);
    expect(sampleSizeForMeans(10, 5)).toBe(63);
  });
});

describe('Function: npsOf', () => {
  it('is % promoters less % detractors', () => {
    // 0–10: two detractors (3, 6), one passive (8), three promoters (9, 10, 10).
    const distribution = [0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 2];
    expect(npsOf(distribution)).toEqual({ score: 17, answers: 6, promoters: 3, detractors: 2 });
    expect(npsOf([]).score).toBeNull();
  });
});
