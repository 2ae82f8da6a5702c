import { describe, expect, it } from 'vitest';
import { summarizeFlow } from '../../functions/domain/flows/summary';

describe('Function: summarizeFlow', () => {
  const flow = { goal: { event: 'activity.completed' }, holdoutPercent: 10 };

  it('adds the days up and gives each group its goal rate', () => {
    const summary = summarizeFlow(
      [
        { counters: { entered: 60, 'entered:holdout': 6, goal: 20, 'goal:holdout': 1, 'step:ask': 54 } },
        { counters: { entered: 40, 'entered:holdout': 4, goal: 10, 'goal:holdout': 1 } },
      ],
      flow,
    );
    expect(summary).toMatchObject({ entered: 100, heldOut: 10, totals: { goal: 30, 'step:ask': 54 } });
    expect(summary.goalRate.treated).toBeCloseTo(30 / 90);
    expect(summary.goalRate.holdout).toBeCloseTo(0.2);
  });

  it('finds a real lift significant, with an interval around it, and says when it is not yet', () => {
    const strong = summarizeFlow([{ counters: { entered: 2200, 'entered:holdout': 200, goal: 1000, 'goal:holdout': 40 } }], flow);
    // 50 % against 20 %: Newcombe's interval lies well above 0.
    expect(strong.lift).toMatchObject({ significant: true, needed: null });
    expect(strong.lift?.difference).toBeCloseTo(0.3);
    expect(strong.lift?.interval.low).toBeGreaterThan(0.2);
    expect(strong.lift?.interval.high).toBeLessThan(0.37);

    const weak = summarizeFlow([{ counters: { entered: 110, 'entered:holdout': 10, goal: 30, 'goal:holdout': 2 } }], flow);
    expect(weak.lift).toMatchObject({ significant: false, verdict: expect.stringMatching(/^not yet significant/) });
    expect(weak.lift?.needed).toBeGreaterThan(100);
  });

  it('has no lift without a goal or a holdout', () => {
    const counters = [{ counters: { entered: 10, goal: 3 } }];
    expect(summarizeFlow(counters, { holdoutPercent: 0, goal: {} }).lift).toBeNull();
    expect(summarizeFlow(counters, { holdoutPercent: 10 }).lift).toBeNull();
  });
});
