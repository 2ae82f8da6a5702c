import type { ProgramConfig } from '../config/program';
import type { LedgerSnapshot, LedgerStore, StoredCorrection, StoredEntry } from '../adapters/dynamo/ledger-store';
import { entryKey, foldLedger, type LedgerInput } from '../domain/points';
import { ConcurrentUpdateError } from '../runtime/errors';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';
import type { LedgerCache } from './ledger-cache';

export interface LedgerDeps {
  readonly config: ProgramConfig;
  readonly ledger: LedgerStore;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  /** Optional snapshot cache; without it every event reads the ledger first. */
  readonly cache?: LedgerCache;
}

export type RecordOutcome =
  | { readonly outcome: 'applied'; readonly points: number; readonly corrected: number; readonly balance: number }
  | { readonly outcome: 'duplicate' };

const MAX_ATTEMPTS = 8;

/**
 * Records one distinct event in a member's ledger, exactly once.
 *
 * Read the member's ledger, re-run the points fold with the new event, and write the new
 * entry, any corrections to entries the late event re-priced (a tier multiplier, a first-order
 * bonus, a refund waiting for its order) and the new balance in one transaction. Because the
 * fold is over distinct events in business time, every delivery order ends in the same state.
 */
export async function recordLedgerEvent(deps: LedgerDeps, customerId: string, input: LedgerInput): Promise<RecordOutcome> {
  const key = entryKey(input.kind, input.ref);
  for (let attempt = 1; ; attempt++) {
    // The first attempt may use a cached snapshot; after a failed commit, always read afresh.
    const cached = attempt === 1 ? deps.cache?.get(customerId) : undefined;
    const snapshot = cached ?? (await deps.ledger.read(customerId));
    if (snapshot.entries.some((e) => entryKey(e.kind, e.ref) === key)) return { outcome: 'duplicate' };

    const fold = foldLedger(deps.config, [...snapshot.entries.map((e) => e.input), input]);
    const priced = fold.entries.get(key);
    if (!priced) throw new Error(`the fold lost ${key}`); // cannot happen: every input yields an entry

    const credited = new Map(snapshot.entries.map((e) => [entryKey(e.kind, e.ref), e.delta]));
    for (const c of snapshot.corrections) {
      for (const [k, d] of Object.entries(c.deltas)) credited.set(k, (credited.get(k) ?? 0) + d);
    }
    const deltas: Record<string, number> = {};
    let corrected = 0;
    for (const [k, was] of credited) {
      const now = fold.entries.get(k)?.points ?? 0;
      if (now !== was) {
        deltas[k] = now - was;
        corrected += now - was;
      }
    }
    const recordedAt = deps.clock.now().toISOString();
    const correction: Omit<StoredCorrection, 'type' | 'sk'> | undefined =
      corrected !== 0 || Object.keys(deltas).length > 0
        ? {
            at: input.at,
            ref: key,
            delta: corrected,
            deltas,
            reason: `re-priced ${Object.keys(deltas).join(', ')} after ${key} arrived late`,
            recordedAt,
          }
        : undefined;

    const entry: Omit<StoredEntry, 'type' | 'sk'> = {
      kind: input.kind,
      ref: input.ref,
      at: input.at,
      input,
      delta: priced.points,
      reason: priced.reason,
      status: priced.status,
      recordedAt,
    };
    const state = { balance: fold.balance, lifetimePoints: fold.lifetimePoints, updatedAt: recordedAt };
    const expectedVersion = snapshot.state?.version ?? 0;
    const outcome = await deps.ledger.commit(customerId, { entry, ...(correction ? { correction } : {}), state, expectedVersion });
    if (outcome === 'duplicate') {
      deps.cache?.forget(customerId);
      return { outcome: 'duplicate' };
    }
    if (outcome === 'committed') {
      deps.cache?.set(customerId, afterCommit(snapshot, entry, correction, { ...state, version: expectedVersion + 1 }));
      return { outcome: 'applied', points: priced.points, corrected, balance: fold.balance };
    }
    deps.cache?.forget(customerId);
    // Another event for this member committed between our read and our write: recompute.
    deps.metrics.addMetric('LedgerConflicts', 'Count', 1);
    if (attempt >= MAX_ATTEMPTS) throw new ConcurrentUpdateError(`gave up on ${key} after ${attempt} concurrent updates`);
    await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
  }
}

/** The snapshot as it is after a successful commit, for the cache. */
function afterCommit(
  before: LedgerSnapshot,
  entry: Omit<StoredEntry, 'type' | 'sk'>,
  correction: Omit<StoredCorrection, 'type' | 'sk'> | undefined,
  state: NonNullable<LedgerSnapshot['state']>,
): LedgerSnapshot {
  return {
    entries: [...before.entries, { type: 'entry', sk: '', ...entry }],
    corrections: correction ? [...before.corrections, { type: 'correction', sk: '', ...correction }] : before.corrections,
    state,
  };
}
