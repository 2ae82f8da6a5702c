import type { LedgerSnapshot } from '../adapters/dynamo/ledger-store';

export interface LedgerCacheOptions {
  /** How long a member's snapshot may be reused. @default 60 000 ms */
  readonly ttlMillis?: number;
  /** Members kept at most; the least recently used go first. @default 2 000 */
  readonly maxMembers?: number;
  /** Members with longer ledgers are not cached (memory). @default 500 */
  readonly maxEntries?: number;
}

/**
 * A short-lived, per-container cache of members' ledger snapshots, so the common case (the
 * same container handling a member's next event) needs no read before its one transactional
 * write. It can never cause a wrong balance: every commit is conditioned on the state version
 * the snapshot was read at, so a stale snapshot makes the commit fail and the event is
 * recomputed from a fresh read. Entries are immutable once written, so a cached entry is also
 * proof of a duplicate.
 */
export class LedgerCache {
  private readonly ttl: number;
  private readonly maxMembers: number;
  private readonly maxEntries: number;
  private readonly members = new Map<string, { snapshot: LedgerSnapshot; until: number }>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly now: () => number,
    options: LedgerCacheOptions = {},
  ) {
    this.ttl = options.ttlMillis ?? 60_000;
    this.maxMembers = options.maxMembers ?? 2_000;
    this.maxEntries = options.maxEntries ?? 500;
  }

  get(customerId: string): LedgerSnapshot | undefined {
    const cached = this.members.get(customerId);
    if (!cached || cached.until < this.now()) {
      if (cached) this.members.delete(customerId);
      this.misses++;
      return undefined;
    }
    // Re-insert to keep Map order = recency order.
    this.members.delete(customerId);
    this.members.set(customerId, cached);
    this.hits++;
    return cached.snapshot;
  }

  set(customerId: string, snapshot: LedgerSnapshot): void {
    this.members.delete(customerId);
    if (snapshot.entries.length > this.maxEntries) return;
    this.members.set(customerId, { snapshot, until: this.now() + this.ttl });
    while (this.members.size > this.maxMembers) {
      const oldest = this.members.keys().next().value;
      if (oldest === undefined) break;
      this.members.delete(oldest);
    }
  }

  forget(customerId: string): void {
    this.members.delete(customerId);
  }
}
