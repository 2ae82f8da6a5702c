import { type Lift, meanLift, rateLift, SQUARE_SCALE, sampleSizeForRates, verdictOf } from '../measurement/statistics';

/**
 * A flow's figures from its day counters (functions/adapters/dynamo/flow-store.ts): totals, the
 * goal rate of treated and held-out entrants, and the lift of treated over held out with its
 * 95 % interval (Newcombe's hybrid score method, docs/measurement.md).
 */
export interface FlowSummary {
  readonly totals: Readonly<Record<string, number>>;
  readonly entered: number;
  readonly heldOut: number;
  /** Goals reached per entrant, treated and held out; null without entrants in the group. */
  readonly goalRate: { readonly treated: number | null; readonly holdout: number | null };
  /** Treated goal rate minus held out, with its interval; null for a flow without a goal or a holdout. */
  readonly lift:
    | (Lift & {
        readonly verdict: string;
        /** Entrants each group still needs to detect the difference seen (80 % power), or null once significant. */
        readonly needed: number | null;
      })
    | null;
  /**
   * Orders after entry (within the flow's `outcomeWindow`), for a flow with a holdout: per group
   * entrants, buyers, orders and revenue (minor units); the buyer rate's lift (Newcombe) and the
   * revenue per entrant's lift (Welch, normal approximation), each with its 95 % interval.
   */
  readonly outcomes: {
    readonly treated: GroupOutcome;
    readonly holdout: GroupOutcome;
    readonly buyerRateLift: Lift & { readonly verdict: string };
    readonly revenuePerEntrantLift: Lift & { readonly verdict: string };
  } | null;
}

export interface GroupOutcome {
  readonly entrants: number;
  readonly buyers: number;
  readonly orders: number;
  readonly revenue: number;
}

export function summarizeFlow(
  days: readonly { readonly counters: Readonly<Record<string, number>> }[],
  flow: { readonly goal?: unknown; readonly holdoutPercent: number } = { holdoutPercent: 0 },
): FlowSummary {
  const totals: Record<string, number> = {};
  for (const day of days) for (const [name, value] of Object.entries(day.counters)) totals[name] = (totals[name] ?? 0) + value;
  const entered = totals.entered ?? 0;
  const heldOut = totals['entered:holdout'] ?? 0;
  const treated = entered - heldOut;
  const treatedGoals = totals.goal ?? 0;
  const heldOutGoals = totals['goal:holdout'] ?? 0;
  const measured = flow.goal !== undefined && flow.holdoutPercent > 0;
  const lift = measured ? rateLift({ successes: treatedGoals, trials: treated }, { successes: heldOutGoals, trials: heldOut }) : undefined;
  const needed = lift && !lift.significant && treated > 0 && heldOut > 0 ? sampleSizeForRates(lift.treated, lift.control) : null;
  const group = (suffix: string, entrants: number): GroupOutcome => ({
    entrants,
    buyers: totals[`buyers${suffix}`] ?? 0,
    orders: totals[`orders${suffix}`] ?? 0,
    revenue: totals[`revenue${suffix}`] ?? 0,
  });
  const withVerdict = (lift: Lift) => ({ ...lift, verdict: verdictOf(lift) });
  const outcomes =
    flow.holdoutPercent > 0
      ? {
          treated: group('', treated),
          holdout: group(':holdout', heldOut),
          buyerRateLift: withVerdict(
            rateLift({ successes: totals.buyers ?? 0, trials: treated }, { successes: totals['buyers:holdout'] ?? 0, trials: heldOut }),
          ),
          revenuePerEntrantLift: withVerdict(
            meanLift(
              { n: treated, sum: totals.revenue ?? 0, sumOfSquares: (totals.revenueSq ?? 0) * SQUARE_SCALE },
              { n: heldOut, sum: totals['revenue:holdout'] ?? 0, sumOfSquares: (totals['revenueSq:holdout'] ?? 0) * SQUARE_SCALE },
            ),
          ),
        }
      : null;
  return {
    outcomes,
    totals,
    entered,
    heldOut,
    goalRate: { treated: treated > 0 ? treatedGoals / treated : null, holdout: heldOut > 0 ? heldOutGoals / heldOut : null },
    lift: lift ? { ...lift, verdict: verdictOf(lift), needed: needed === null || Number.isFinite(needed) ? needed : null } : null,
  };
}
