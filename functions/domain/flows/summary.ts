/**
 * A flow's figures from its day counters (functions/adapters/dynamo/flow-store.ts): totals, and
 * the goal rate of treated and held-out entrants, which `docs/measurement.md` turns into lift.
 */
export interface FlowSummary {
  readonly totals: Readonly<Record<string, number>>;
  readonly entered: number;
  readonly heldOut: number;
  /** Goals reached per entrant, treated and held out; null without entrants in the group. */
  readonly goalRate: { readonly treated: number | null; readonly holdout: number | null };
}

export function summarizeFlow(days: readonly { readonly counters: Readonly<Record<string, number>> }[]): FlowSummary {
  const totals: Record<string, number> = {};
  for (const day of days) for (const [name, value] of Object.entries(day.counters)) totals[name] = (totals[name] ?? 0) + value;
  const entered = totals.entered ?? 0;
  const heldOut = totals['entered:holdout'] ?? 0;
  const treated = entered - heldOut;
  return {
    totals,
    entered,
    heldOut,
    goalRate: {
      treated: treated > 0 ? (totals.goal ?? 0) / treated : null,
      holdout: heldOut > 0 ? (totals['goal:holdout'] ?? 0) / heldOut : null,
    },
  };
}
