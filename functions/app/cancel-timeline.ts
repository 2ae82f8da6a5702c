import type { TimelineStore } from '../adapters/dynamo/timeline-store';
import type { ProgramConfig } from '../config/program';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';

/**
 * The timeline outside the ledger. Orders and refunds change a member's timeline in the same
 * transaction as their ledger entry (`planLedgerCommit` in record-ledger-event.ts, with the
 * changes `orderTimelineChanges` / `refundTimelineChanges` of functions/domain/timeline.ts
 * decide), so they serialise with each other per member. What is left here is the deletion.
 */
export interface TimelineDeps {
  readonly config: ProgramConfig;
  readonly timeline: TimelineStore;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
}

/**
 * Cancels every item not yet sent that was planned from a purchase up to `deletedAt` (UTC
 * ISO). An older deletion delivered late leaves a returning customer's newer orders alone.
 *
 * Run it after the deletion is recorded in the member's ledger state (`recordMembership`): an
 * order whose ledger write commits after that sees the deletion and writes its items
 * cancelled, and one that committed before has its items here, so none survives a race.
 */
export async function cancelCustomerTimeline(deps: TimelineDeps, customerId: string, deletedAt: string): Promise<void> {
  const now = deps.clock.now();
  const upTo = new Date(deletedAt).toISOString();
  const items = await deps.timeline.list(customerId, true);
  const active = items.filter((i) => (i.status === 'pending' || i.status === 'claimed') && i.placedAt <= upTo);
  const cancelled = await Promise.all(
    active.map((i) => deps.timeline.cancel(customerId, i.sk, 'the customer was deleted', now, { placedUpTo: upTo })),
  );
  const count = cancelled.filter(Boolean).length;
  if (count > 0) deps.metrics.addMetric('TimelineItemsCancelled', 'Count', count);
}
