import type { LedgerInput } from './points';

/**
 * B2B account pools in business time (`accounts.pooling: 'pool'`). Pure.
 *
 * A member belongs to an account from the business time of the event that said so: a
 * `customer.registered` or `customer.updated` carrying `accountId`, or an order carrying one.
 * Each ledger entry is pooled on the account the member belonged to at the entry's time (a
 * refund at its order's time, so it takes back from the pool its order went to). The pool a
 * member contributes to each account is therefore a function of the distinct events alone,
 * whatever order they arrive in: a registration delivered after its order still pools the order,
 * and a late account change moves the contributions it covers.
 */

/** "From `at` on, the member belongs to `accountId`." */
export interface AccountFact {
  readonly accountId: string;
  /** UTC ISO business time of the event that said so. */
  readonly at: string;
}

/**
 * How many facts a member state keeps. A shop's nightly sync may repeat the same account every
 * day; past this many, the oldest repetitions (a fact whose predecessor names the same account)
 * are dropped first. Dropping one only matters if a change to another account later arrives
 * between it and its predecessor, years late: an accepted limit, documented in
 * docs/loyalty-program.md.
 */
export const MAX_ACCOUNT_FACTS = 50;

const byTime = (a: AccountFact, b: AccountFact) =>
  Date.parse(a.at) - Date.parse(b.at) || (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0);

/** The distinct facts of both lists in time order (ties by account id), at most `MAX_ACCOUNT_FACTS`. */
export function mergeAccountFacts(recorded: readonly AccountFact[], added: readonly AccountFact[]): AccountFact[] {
  const distinct = new Map<string, AccountFact>();
  for (const f of [...recorded, ...added]) {
    const at = new Date(f.at).toISOString(); // one spelling per instant
    distinct.set(`${at}|${f.accountId}`, { accountId: f.accountId, at });
  }
  const facts = [...distinct.values()].sort(byTime);
  for (let i = 1; facts.length > MAX_ACCOUNT_FACTS && i < facts.length; ) {
    if (facts[i]?.accountId === facts[i - 1]?.accountId) facts.splice(i, 1);
    else i++;
  }
  return facts;
}

/** The account at `atMs`: the newest fact at or before it (the greater id on a tie); undefined before the first. */
export function accountAt(facts: readonly AccountFact[], atMs: number): string | undefined {
  let found: string | undefined;
  for (const f of facts) {
    if (Date.parse(f.at) > atMs) break;
    found = f.accountId;
  }
  return found;
}

/** The account the member belongs to now: the newest fact's. */
export const currentAccount = (facts: readonly AccountFact[]): string | undefined => facts.at(-1)?.accountId;

/**
 * What the member's entries contribute to each account: every entry's points (as the fold prices
 * them now, corrections included) on the account of its business time. Accounts whose
 * contribution is 0 are left out.
 */
export function poolContributions(
  facts: readonly AccountFact[],
  inputs: readonly LedgerInput[],
  points: (input: LedgerInput) => number,
): Map<string, number> {
  const orderTimes = new Map<string, string>();
  for (const i of inputs) if (i.kind === 'order') orderTimes.set(i.ref, i.at);
  const pools = new Map<string, number>();
  for (const input of inputs) {
    const at = input.kind === 'refund' ? (orderTimes.get(input.orderRef) ?? input.at) : input.at;
    const accountId = accountAt(facts, Date.parse(at));
    const p = points(input);
    if (accountId !== undefined && p !== 0) pools.set(accountId, (pools.get(accountId) ?? 0) + p);
  }
  for (const [accountId, p] of pools) if (p === 0) pools.delete(accountId);
  return pools;
}

/** One account's change in a commit: points to add to its pool, and whether the member joins or leaves its member list. */
export interface PoolChange {
  readonly accountId: string;
  readonly delta: number;
  readonly membership?: 'join' | 'leave';
}

/**
 * The writes that bring the pools from what the member's state recorded (`recorded`, per account)
 * to `desired`, and the member lists from the account the member was in to the one they are in now.
 */
export function poolChanges(
  recorded: Readonly<Record<string, number>>,
  desired: ReadonlyMap<string, number>,
  wasIn: string | undefined,
  isIn: string | undefined,
): PoolChange[] {
  const ids = [...new Set([...Object.keys(recorded), ...desired.keys(), ...(wasIn ? [wasIn] : []), ...(isIn ? [isIn] : [])])].sort();
  const changes: PoolChange[] = [];
  for (const accountId of ids) {
    const delta = (desired.get(accountId) ?? 0) - (recorded[accountId] ?? 0);
    const membership = accountId === isIn && wasIn !== isIn ? 'join' : accountId === wasIn && wasIn !== isIn ? 'leave' : undefined;
    if (delta !== 0 || membership) changes.push({ accountId, delta, ...(membership ? { membership } : {}) });
  }
  return changes;
}
