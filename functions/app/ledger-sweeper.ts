import pLimit from 'p-limit';
import { DUE_SHARDS } from '../adapters/dynamo/keys';
import { LedgerStore } from '../adapters/dynamo/ledger-store';
import { localDateAt } from '../domain/calendar';
import { groupOf } from '../domain/measurement/groups';
import { entryKey, expiryDue, type ExpiryInput, foldLedger } from '../domain/points';
import { ConcurrentUpdateError } from '../runtime/errors';
import type { EventPublisher } from '../runtime/event-publisher';
import type { LojalDeps } from '../runtime/ports';
import { planLedgerCommit } from './record-ledger-event';

/**
 * The ledger job: every minute it looks at the members whose ledger has work due (the `due`
 * index's `WAKE#<shard>` partitions, `dueSk <= now`: a Query per shard, never a scan), and for
 * each one
 * 1. writes an `expiry` entry when points are past their expiry (the fold decides how many:
 *    what is left of the expired lots, oldest first);
 * 2. puts on the bus every notice due since the member's watermark — `tier.changed` (an upgrade
 *    that just happened, a review that moved the member down), `tier.expiring`,
 *    `points.expiring`, `reward.earned` — in one `PutEvents` batch per 10;
 * 3. writes the member's state with the watermark at now and the next wake-up, conditional on
 *    the version it read (a concurrent event makes it start over for that member).
 * Notices go out before the write, so a crash in between sends them again on the next run, with
 * the same idempotency keys: at least once, never lost. A member whose events the bus refused is
 * left as it was and tried again next run.
 */

export interface LedgerSweepOptions {
  /** Stop starting new pages after this much real time; the rest waits for the next run. @default 50 seconds */
  readonly budgetMs?: number;
  /** Members read per shard per page. @default 100 */
  readonly pageSize?: number;
  /** Members worked on at once. @default 16 */
  readonly concurrency?: number;
}

export type LedgerSweeperDeps = LojalDeps;

export interface MemberSweep {
  /** Notices put on the bus. */
  readonly sent: number;
  /** Points an expiry entry took (0 when none was written). */
  readonly expired: number;
  /** `refused`: the bus refused some notices; nothing was written and the member stays due. */
  readonly outcome: 'done' | 'refused';
}

export interface LedgerSweepReport {
  /** Index items read. */
  readonly read: number;
  readonly members: number;
  readonly sent: number;
  /** Expiry entries written, and the points they took. */
  readonly expiries: number;
  readonly pointsExpired: number;
  /** Members left due because the bus refused their notices. */
  readonly refused: number;
  /** Members that failed otherwise (logged); they stay due. */
  readonly failed: number;
  /** False when the budget ran out before every due member was read. */
  readonly complete: boolean;
}

const DEFAULTS = { budgetMs: 50_000, pageSize: 100, concurrency: 16 } satisfies Required<LedgerSweepOptions>;
const MAX_ATTEMPTS = 8;

/** The job's schedule, the one definition the CDK rule and the local scheduler use. */
export const LEDGER_SWEEPER_SCHEDULE = { name: 'ledger-sweeper', every: 'PT1M', rateMinutes: 1 } as const;

/** Brings one member's ledger up to now: expiry, due notices, the next wake-up. */
export async function sweepMemberLedger(
  deps: Pick<LedgerSweeperDeps, 'config' | 'clock' | 'metrics'> & { readonly ledger: LedgerStore },
  publisher: EventPublisher,
  customerId: string,
): Promise<MemberSweep> {
  for (let attempt = 1; ; attempt++) {
    const snapshot = await deps.ledger.read(customerId);
    if (!snapshot.state) return { sent: 0, expired: 0, outcome: 'done' };
    const now = deps.clock.now();
    const due = expiryDue(
      foldLedger(
        deps.config,
        snapshot.entries.map((e) => e.input),
        { asOf: now.getTime(), control: groupOf(deps.config, customerId) === 'control' },
      ),
      now.getTime(),
    );
    const expiry: ExpiryInput | undefined =
      due === null ? undefined : { kind: 'expiry', ref: localDateAt(due, deps.config.timeZone), at: new Date(due).toISOString() };
    const fresh = expiry && !snapshot.entries.some((e) => entryKey(e.kind, e.ref) === entryKey('expiry', expiry.ref)) ? expiry : undefined;
    const plan = planLedgerCommit(deps.config, customerId, snapshot, fresh, now, 'job');

    if (plan.send.length > 0) {
      // Throws when the outcome is unknown: nothing is written, and the next run sends them again.
      const { failed } = await publisher.publish(plan.send.map((n) => n.event));
      if (failed.length > 0) {
        deps.metrics.addMetric('LedgerNoticesRefused', 'Count', failed.length);
        return { sent: plan.send.length - failed.length, expired: 0, outcome: 'refused' };
      }
    }
    const outcome = await deps.ledger.commit(customerId, plan.commit);
    if (outcome === 'committed') {
      return { sent: plan.send.length, expired: -(plan.priced?.points ?? 0), outcome: 'done' };
    }
    deps.metrics.addMetric('LedgerConflicts', 'Count', 1);
    if (attempt >= MAX_ATTEMPTS)
      throw new ConcurrentUpdateError(`gave up on the ledger of ${customerId} after ${attempt} concurrent updates`);
    await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
  }
}

/** Works through every member whose ledger wake-up is due now. */
export async function sweepLedgers(
  deps: LedgerSweeperDeps,
  publisher: EventPublisher,
  options: LedgerSweepOptions = {},
): Promise<LedgerSweepReport> {
  const settings = { ...DEFAULTS, ...options };
  const startedAt = Date.now();
  const ledger = new LedgerStore(deps.dynamo, deps.tableName);
  const nowIso = deps.clock.now().toISOString();
  const limit = pLimit(settings.concurrency);
  const counts = { read: 0, members: 0, sent: 0, expiries: 0, pointsExpired: 0, refused: 0, failed: 0 };
  let complete = true;

  const sweepShard = async (shard: number) => {
    let cursor: Record<string, unknown> | undefined;
    do {
      if (Date.now() - startedAt > settings.budgetMs) {
        complete = false;
        return;
      }
      const page = await limit(() => ledger.dueMembers(shard, nowIso, settings.pageSize, cursor));
      counts.read += page.read;
      await Promise.all(
        page.members.map((member) =>
          limit(async () => {
            try {
              const result = await sweepMemberLedger({ ...deps, ledger }, publisher, member.customerId);
              counts.members++;
              counts.sent += result.sent;
              if (result.expired !== 0) {
                counts.expiries++;
                counts.pointsExpired += result.expired;
              }
              if (result.outcome === 'refused') counts.refused++;
            } catch (error) {
              // One member's failure must not stop the others; it stays due for the next run.
              counts.failed++;
              deps.logger.error('ledger sweep of a member failed', { error: (error as Error).name, message: (error as Error).message });
            }
          }),
        ),
      );
      cursor = page.cursor;
    } while (cursor);
  };
  await Promise.all(Array.from({ length: DUE_SHARDS }, (_, shard) => sweepShard(shard)));

  deps.metrics.addMetric('LedgerNoticesSent', 'Count', counts.sent);
  if (counts.pointsExpired > 0) deps.metrics.addMetric('PointsExpired', 'Count', counts.pointsExpired);
  if (counts.failed > 0) deps.metrics.addMetric('LedgerSweepFailures', 'Count', counts.failed);
  if (!complete) deps.metrics.addMetric('LedgerSweepsIncomplete', 'Count', 1);
  return { ...counts, complete };
}

/**
 * The ledger job as a scheduled job (structurally a `ScheduledJob` of local/schedule.ts): every
 * minute; `nextDueAt` is the earliest member wake-up, so the local clock can skip idle minutes.
 *
 * @example
 * scheduler.register(ledgerSweeperJob(deps, EventBridgePublisher.forClient(client)));
 */
export function ledgerSweeperJob(deps: LedgerSweeperDeps, publisher: EventPublisher, options: LedgerSweepOptions = {}) {
  const ledger = new LedgerStore(deps.dynamo, deps.tableName);
  const sweep = async (): Promise<LedgerSweepReport> => {
    const report = await sweepLedgers(deps, publisher, options);
    if (report.members > 0 || !report.complete) deps.logger.info('ledger sweep', { ...report });
    return report;
  };
  return {
    name: LEDGER_SWEEPER_SCHEDULE.name,
    every: LEDGER_SWEEPER_SCHEDULE.every,
    nextDueAt: async (): Promise<Date | null> => {
      const earliest = await ledger.earliestWake();
      return earliest === undefined ? null : new Date(earliest);
    },
    /** Sweeps once (the scheduler's entry point). */
    run: async (): Promise<void> => {
      await sweep();
    },
    /** Sweeps once and reports the figures. */
    sweep,
  };
}
