import pLimit from 'p-limit';
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DueItemStore, type ItemKey } from '../adapters/dynamo/due-item-store';
import { MailLog } from '../adapters/dynamo/mail-log';
import { DUE_SHARDS, dueMonth } from '../adapters/dynamo/keys';
import type { StoredTimelineItem } from '../adapters/dynamo/timeline-store';
import type { ProgramConfig } from '../config/program';
import { broadcastsOf, nextBroadcastAt } from '../domain/flows/listening';
import { dueEventFor, isFlowDueItem, isStale } from '../domain/timeline';
import { DAY_MS } from '../domain/time';
import type { EventPublisher, LojalEvent } from '../runtime/event-publisher';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';

/**
 * The timeline sweeper: every minute (an EventBridge schedule in AWS, the local clock's
 * scheduler locally) it emits `checkin.due` and `product.aged` for the items that fell due, and
 * the flow engine's wake-ups (`flow.step.due`, `flow.action.due`, `flow.broadcast.due`).
 *
 * How it finds them without a scan: the `due` index holds only items not yet sent, keyed by
 * month bucket and one of 16 shards and sorted by when to look at them next. A sweep reads,
 * for every month from the watermark to now and every shard, `dueSk <= now`, which is exactly
 * the work due: 16 small Queries a minute normally, 16 more per month of backlog after an
 * outage or a jump of the local clock. (Buckets of a minute would need 16 Queries per minute
 * of backlog and could not tell cheaply when the next item is due.)
 *
 * Exactly once between sweepers, at least once across crashes:
 * 1. Claim each item with a conditional write (pending and due, or claimed with an expired
 *    lease → claimed by this sweep, lease of `leaseMs`), re-indexing it at its lease expiry.
 *    Two sweepers reading the same item cannot both claim it.
 * 2. Put the events, 10 per `PutEvents`, retrying entries EventBridge refused.
 * 3. Mark the accepted items sent (each conditional on this sweep's claim, up to 100 in one
 *    transaction), which takes them out of the index; give refused items back as pending with
 *    a backoff.
 * A sweeper that dies after claiming leaves its items claimed; they surface in the index when
 * the lease ends and the next sweep takes them over. One that dies after emitting but before
 * marking causes a second emission of the same `itemId` after the lease, so consumers dedupe
 * on it. The lease must outlast a sweep: keep `leaseMs` above the function's timeout.
 *
 * The watermark is the month bucket before which the index is empty; a sweep that drained
 * every bucket up to a month that ended at least `closeAfterMs` ago moves it there. Writers
 * never index into a month before the current one (overdue items go into the current month),
 * so a closed, drained month stays empty.
 */

export interface SweepOptions {
  /** How long a claim lasts before another sweep may take the item over. @default 5 minutes */
  readonly leaseMs?: number;
  /** Stop starting new rounds after this much real time; the rest waits for the next sweep. @default 60 seconds */
  readonly budgetMs?: number;
  /** Index items read per shard per round. @default 100 */
  readonly pageSize?: number;
  /** DynamoDB requests in flight at once. @default 32 */
  readonly concurrency?: number;
  /**
   * A month bucket is closed (no writer can still add to it) this long after it ends. Keep it
   * well above `leaseMs`: an item claimed just before a month ended may sit in that month's
   * bucket until its lease runs out. @default 1 hour
   */
  readonly closeAfterMs?: number;
  /** Where the very first sweep starts looking, back from now. @default 31 days */
  readonly initialLookbackMs?: number;
  /** How many months past the current one `nextDueAt` probes before saying "look again then". @default 2 */
  readonly lookaheadMonths?: number;
  /** Pause before an item EventBridge refused is tried again. @default 1 minute doubling per attempt, at most 1 hour */
  readonly retryDelayMs?: (attempt: number) => number;
  /** Identifies one sweep's claims. @default randomUUID */
  readonly newToken?: () => string;
}

export interface SweepDeps {
  readonly dueItems: DueItemStore;
  /** Where an item too late to send leaves its mail decision (skipped, `stale`), for the member API's `/messages`. */
  readonly mailLog: MailLog;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  readonly options?: SweepOptions;
  /**
   * A recurring broadcast's next occurrence after the one being sent (functions/domain/flows/listening.ts,
   * `nextBroadcastAt`), written in the transaction that marks this one sent; none for other items.
   */
  readonly nextBroadcastAt?: (flowId: string, at: string, now: Date) => string | undefined;
}

export interface SweepReport {
  /** Index items read. */
  readonly read: number;
  readonly claimed: number;
  readonly emitted: number;
  /** Claimed but more than 7 days late: recorded as skipped, not sent. */
  readonly skipped: number;
  /** Refused by EventBridge after retries: pending again, retried later. */
  readonly retrying: number;
  /** Another sweeper had it, or it changed after the index was read. */
  readonly notClaimed: number;
  /** Cancelled or replaced while this sweep was sending it. */
  readonly superseded: number;
  /** Month buckets read. */
  readonly months: readonly string[];
  /** False when the budget ran out before every due item was read. */
  readonly complete: boolean;
}

const DEFAULTS = {
  leaseMs: 5 * 60_000,
  budgetMs: 60_000,
  pageSize: 100,
  concurrency: 32,
  closeAfterMs: 60 * 60_000,
  initialLookbackMs: 31 * DAY_MS,
  lookaheadMonths: 2,
  retryDelayMs: (attempt: number) => Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, attempt - 1)),
  newToken: randomUUID,
} satisfies Required<SweepOptions>;

/** Guards against an absurd backlog (a watermark years old) turning one sweep into thousands of Queries. */
const MAX_MONTHS_PER_SWEEP = 24;

/** Emits every timeline item that is due now; see the module comment for the guarantees. */
export async function sweepDueItems(deps: SweepDeps): Promise<SweepReport> {
  const options = { ...DEFAULTS, ...deps.options };
  const { dueItems, clock } = deps;
  const startedAt = Date.now();
  const now = clock.now();
  const nowIso = now.toISOString();
  const token = options.newToken();
  const limit = pLimit(options.concurrency);
  const counts = { read: 0, claimed: 0, emitted: 0, skipped: 0, retrying: 0, notClaimed: 0, superseded: 0 };

  const watermark = (await dueItems.readWatermark()) ?? dueMonth(new Date(now.getTime() - options.initialLookbackMs).toISOString());
  const months = monthRange(watermark, dueMonth(nowIso)).slice(0, MAX_MONTHS_PER_SWEEP);

  const processKeys = async (keys: readonly ItemKey[]) => {
    const claimNow = clock.now();
    const leaseUntil = new Date(claimNow.getTime() + options.leaseMs);
    const results = await Promise.all(keys.map((key) => limit(() => dueItems.claim(key, { token, now: claimNow, leaseUntil }))));
    const claimed = results.filter((item): item is StoredTimelineItem => item !== undefined);
    counts.claimed += claimed.length;
    counts.notClaimed += keys.length - claimed.length;

    const late = claimed.filter((item) => !isFlowDueItem(item) && isStale(Date.parse(item.dueAt), claimNow.getTime()));
    const toSend = claimed.filter((item) => !late.includes(item));
    await Promise.all(
      late.map((item) =>
        limit(() =>
          dueItems.markSkipped(
            keyOf(item),
            token,
            claimNow,
            'more than 7 days late when it could be sent',
            deps.mailLog.entryItem(item.customerId, {
              at: claimNow.toISOString(),
              kind: item.kind,
              refs: [item.itemId],
              status: 'skipped',
              reason: 'stale',
            }),
          ),
        ),
      ),
    );
    counts.skipped += late.length;
    if (toSend.length === 0) return;

    const events = new Map<LojalEvent, StoredTimelineItem>(toSend.map((item) => [dueEventFor(item), item]));
    // Throws when the outcome is unknown: the items stay claimed and the lease hands them on.
    const { failed } = await deps.publisher.publish([...events.keys()]);
    const refused = new Set(failed.map((f) => f.event));
    const doneAt = clock.now();
    const accepted = [...events].filter(([event]) => !refused.has(event)).map(([, item]) => item);
    // A recurring broadcast's occurrence is marked sent together with its next occurrence's due item.
    const chained = accepted.flatMap((item) => {
      const raw = item as unknown as Readonly<Record<string, unknown>>;
      const next = raw.kind === 'flow-broadcast' ? deps.nextBroadcastAt?.(String(raw.flowId), String(raw.at), doneAt) : undefined;
      return next === undefined ? [] : [{ item, next }];
    });
    const sent = accepted.filter((item) => !chained.some((c) => c.item === item)).map(keyOf);
    const retried = [...events].filter(([event]) => refused.has(event)).map(([, item]) => item);
    counts.emitted += accepted.length;
    counts.retrying += retried.length;
    await Promise.all([
      // One transaction per 100 items rather than a write each: the sweep's round trips per item emitted stay near one (the claim).
      limit(async () => {
        counts.superseded += (await dueItems.markAllSent(sent, token, doneAt)).length;
      }),
      ...chained.map(({ item, next }) =>
        limit(async () => {
          const flowId = String((item as unknown as Readonly<Record<string, unknown>>).flowId);
          if (!(await dueItems.markSentAndSchedule(keyOf(item), token, doneAt, { flowId, at: next }))) counts.superseded++;
        }),
      ),
      ...retried.map((item) =>
        limit(() =>
          dueItems.release(keyOf(item), token, new Date(doneAt.getTime() + options.retryDelayMs(Number(item.attempts ?? 1))), doneAt),
        ),
      ),
    ]);
    if (failed.length > 0) {
      deps.logger.warn('EventBridge refused timeline events after retries; they are retried later', {
        count: failed.length,
        errorCodes: [...new Set(failed.map((f) => f.errorCode))],
      });
    }
  };

  /** Reads and processes one month bucket, all shards round by round; true when drained. */
  const sweepMonth = async (month: string): Promise<boolean> => {
    const cursors = new Map<number, Record<string, unknown> | undefined>(
      Array.from({ length: DUE_SHARDS }, (_, shard) => [shard, undefined]),
    );
    while (cursors.size > 0) {
      if (Date.now() - startedAt > options.budgetMs) return false;
      const pages = await Promise.all(
        [...cursors].map(([shard, cursor]) =>
          limit(async () => ({ shard, page: await dueItems.page(month, shard, nowIso, options.pageSize, cursor) })),
        ),
      );
      const keys: ItemKey[] = [];
      for (const { shard, page } of pages) {
        counts.read += page.read;
        keys.push(...page.keys);
        if (page.cursor) cursors.set(shard, page.cursor);
        else cursors.delete(shard);
      }
      if (keys.length > 0) await processKeys(keys);
    }
    return true;
  };

  let drainedUpTo = watermark;
  let complete = true;
  for (const month of months) {
    if (!(await sweepMonth(month))) {
      complete = false;
      break;
    }
    drainedUpTo = nextMonth(month);
  }
  if (months.length < monthRange(watermark, dueMonth(nowIso)).length) complete = false;

  const closed = dueMonth(new Date(now.getTime() - options.closeAfterMs).toISOString());
  const newWatermark = drainedUpTo < closed ? drainedUpTo : closed;
  if (newWatermark > watermark) await dueItems.advanceWatermark(newWatermark, now);

  const report: SweepReport = { ...counts, months: months.slice(), complete };
  deps.metrics.addMetric('TimelineItemsEmitted', 'Count', counts.emitted);
  if (counts.skipped > 0) deps.metrics.addMetric('TimelineItemsSkipped', 'Count', counts.skipped);
  if (counts.retrying > 0) deps.metrics.addMetric('TimelineSendRetries', 'Count', counts.retrying);
  if (!complete) deps.metrics.addMetric('TimelineSweepsIncomplete', 'Count', 1);
  return report;
}

/**
 * The earliest instant at which a sweep would find work (in the past when work is overdue),
 * for the local clock to skip idle minutes. Reads at most one index item per shard and month
 * from the watermark to `lookaheadMonths` past now; when all of that is empty it answers the
 * start of the month after, where the clock runs one (empty) sweep and asks again.
 */
export async function nextDueAt(deps: Pick<SweepDeps, 'dueItems' | 'options'>, now: Date): Promise<Date> {
  const options = { ...DEFAULTS, ...deps.options };
  const from = (await deps.dueItems.readWatermark()) ?? dueMonth(new Date(now.getTime() - options.initialLookbackMs).toISOString());
  let last = dueMonth(now.toISOString());
  for (let i = 0; i < options.lookaheadMonths; i++) last = nextMonth(last);
  for (const month of monthRange(from, last)) {
    const firsts = await Promise.all(Array.from({ length: DUE_SHARDS }, (_, shard) => deps.dueItems.earliest(month, shard)));
    const earliest = firsts.filter((f): f is string => f !== undefined).sort()[0];
    // Items in a bucket are due no later than its end and no bucket holds items due before an
    // earlier bucket's, unless both are overdue; so the first non-empty bucket has the answer.
    if (earliest !== undefined) return new Date(earliest);
  }
  return new Date(`${nextMonth(last)}-01T00:00:00.000Z`);
}

/** What the timeline sweeper needs besides the event publisher; `HandlerDeps` has all of it. */
export interface TimelineSweeperDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  /** How long the mail log keeps the line of a reminder skipped as too late (the client file's `mailLogRetentionDays`). */
  /** Also the flows and campaigns: the sweeper keeps a due item for each broadcast flow's instant. */
  readonly config: Pick<ProgramConfig, 'mailLogRetentionDays' | 'flows' | 'campaigns' | 'timeZone'>;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
}

/** The sweeper's schedule, the one definition the CDK rule and the local scheduler use. */
export const TIMELINE_SWEEPER_SCHEDULE = { name: 'timeline-sweeper', every: 'PT1M', rateMinutes: 1 } as const;

/**
 * The sweeper as a scheduled job: `run` sweeps (`sweep` too, answering the figures), `nextDueAt`
 * tells the local clock when there is next something to do. Structurally a `ScheduledJob` of
 * local/schedule.ts.
 *
 * @example
 * scheduler.register(timelineSweeperJob(deps, EventBridgePublisher.forClient(client)));
 */
export function timelineSweeperJob(deps: TimelineSweeperDeps, publisher: EventPublisher, options: SweepOptions = {}) {
  const sweepDeps: SweepDeps = {
    dueItems: new DueItemStore(deps.dynamo, deps.tableName),
    mailLog: new MailLog(deps.dynamo, deps.tableName, deps.config.mailLogRetentionDays),
    publisher,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
    options,
    nextBroadcastAt: (flowId, at, now) => nextBroadcastAt(deps.config, flowId, at, now),
  };
  // Each broadcast's due item, put once per process (a conditional write: one per cold start and broadcast).
  const ensured = new Set<string>();
  const ensureBroadcasts = async (now: Date) => {
    for (const { flowId, at } of broadcastsOf(deps.config, now)) {
      const id = `${flowId}\n${at}`;
      if (ensured.has(id)) continue;
      await sweepDeps.dueItems.ensureBroadcast(flowId, at, now);
      ensured.add(id);
    }
  };
  const sweep = async (): Promise<SweepReport> => {
    await ensureBroadcasts(deps.clock.now());
    const report = await sweepDueItems(sweepDeps);
    if (report.claimed > 0 || !report.complete) {
      const { months, ...figures } = report;
      deps.logger.info('timeline sweep', { ...figures, months: months.join(',') });
    }
    return report;
  };
  return {
    name: TIMELINE_SWEEPER_SCHEDULE.name,
    every: TIMELINE_SWEEPER_SCHEDULE.every,
    nextDueAt: async (now: Date): Promise<Date> => {
      await ensureBroadcasts(now);
      return nextDueAt(sweepDeps, now);
    },
    /** Sweeps once (the scheduler's entry point). */
    run: async (): Promise<void> => {
      await sweep();
    },
    /** Sweeps once and reports the figures. */
    sweep,
  };
}

const keyOf = (item: StoredTimelineItem): ItemKey => ({ pk: item.pk, sk: item.sk });

function nextMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
}

/** Every `yyyy-mm` from `from` to `to`, both included (empty when `from` is later). */
function monthRange(from: string, to: string): string[] {
  const months: string[] = [];
  for (let m = from; m <= to; m = nextMonth(m)) months.push(m);
  return months;
}
