import type { LedgerInput } from './types';

/** At one instant, expiry comes first (the points were valid up to it), redemptions last. */
const KIND_RANK: Record<LedgerInput['kind'], number> = { expiry: 0, order: 1, refund: 2, activity: 3, adjustment: 4, redemption: 5 };

/** The one tie-break rule: business time, then kind, then reference, so the fold is deterministic. */
function compareTimed(aAt: number, a: LedgerInput, bAt: number, b: LedgerInput): number {
  return aAt - bAt || KIND_RANK[a.kind] - KIND_RANK[b.kind] || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);
}

/** Business-time order; ties broken by kind, then reference, so the fold is deterministic. */
export function compareInputs(a: LedgerInput, b: LedgerInput): number {
  return compareTimed(Date.parse(a.at), a, Date.parse(b.at), b);
}

/** The inputs in `compareInputs` order, each with its parsed time (parsing in the comparator dominates a long ledger's sort). */
export function sortInputs(inputs: readonly LedgerInput[]): { readonly input: LedgerInput; readonly at: number }[] {
  return inputs.map((input) => ({ input, at: Date.parse(input.at) })).sort((a, b) => compareTimed(a.at, a.input, b.at, b.input));
}
