import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeferredMailStore } from '../adapters/dynamo/deferred-mail-store';
import { MAIL_DUE_SHARDS } from '../adapters/dynamo/mail-keys';
import type { MailJob } from '../contract/mail-job';
import { DAY_MS } from '../domain/time';
import type { MailQueue } from '../runtime/mail-ports';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';

/**
 * The deferred-mail release job: every minute it puts the mail whose deferral ended (the cap
 * made room, quiet hours ended) back on the mail queue, where the sender judges it afresh.
 *
 * Deferred mail waits in the timeline's `due` index, under its own partitions
 * (`MAILDUE#<month>#<shard>`, see functions/adapters/dynamo/mail-keys.ts), so a run reads
 * exactly the mail that is due, as the timeline sweeper does for its items; the timeline's
 * sweeper itself could not carry it, because it turns timeline items into bus events, and mail
 * must go to the queue. SQS delays were the other choice, but they end after 15 minutes, so a
 * mail waiting out the night would go round the queue 44 times and a capped one 670.
 *
 * Each release takes the mail under a lease (re-indexed `leaseMs` ahead) before queuing it:
 * if the queue refuses or the sender never settles it, the next run after the lease finds it
 * again; a mail released `maxReleases` times without being settled is given up as failed.
 */

export interface ReleaseOptions {
  /** @default 10 minutes */
  readonly leaseMs?: number;
  /** @default 5 */
  readonly maxReleases?: number;
  /** Index items read per shard and page. @default 100 */
  readonly pageSize?: number;
  /** Where the very first run starts looking, back from now. @default 31 days */
  readonly initialLookbackMs?: number;
  /** A month is closed (nothing is indexed into it any more) this long after it ends. @default 1 hour */
  readonly closeAfterMs?: number;
}

export interface ReleaseDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly queue: MailQueue;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  readonly options?: ReleaseOptions;
}

const DEFAULTS = { leaseMs: 10 * 60_000, maxReleases: 5, pageSize: 100, initialLookbackMs: 31 * DAY_MS, closeAfterMs: 60 * 60_000 };

/** The job's schedule: the CDK rule and the local scheduler both use it. */
export const MAIL_RELEASE_SCHEDULE = { name: 'email-release', every: 'PT1M', rateMinutes: 1 } as const;

export function deferredMailReleaseJob(deps: ReleaseDeps) {
  const options = { ...DEFAULTS, ...deps.options };
  const store = new DeferredMailStore(deps.dynamo, deps.tableName);

  const monthsFrom = async (now: Date, extra = 0) => {
    const first = (await store.readWatermark()) ?? new Date(now.getTime() - options.initialLookbackMs).toISOString().slice(0, 7);
    let last = now.toISOString().slice(0, 7);
    for (let i = 0; i < extra; i++) last = nextMonth(last);
    const months: string[] = [];
    for (let m = first; m <= last; m = nextMonth(m)) months.push(m);
    return months;
  };

  /** Releases every deferred mail that is due; returns how many went back on the queue. */
  const release = async (): Promise<{ released: number; abandoned: number }> => {
    const now = deps.clock.now();
    const nowIso = now.toISOString();
    const months = await monthsFrom(now);
    let released = 0;
    let abandoned = 0;
    for (const month of months) {
      for (let shard = 0; shard < MAIL_DUE_SHARDS; shard++) {
        let cursor: Record<string, unknown> | undefined;
        do {
          const page = await store.page(month, shard, nowIso, options.pageSize, cursor);
          cursor = page.cursor;
          const jobs: MailJob[] = [];
          for (const key of page.keys) {
            const record = await store.take(key, now, new Date(now.getTime() + options.leaseMs));
            if (!record?.job) continue;
            if ((record.releases ?? 0) > options.maxReleases) {
              await store.abandon(key, `released ${options.maxReleases} times without being sent`, now);
              abandoned++;
              continue;
            }
            jobs.push(record.job);
          }
          if (jobs.length > 0) await deps.queue.enqueue(jobs);
          released += jobs.length;
        } while (cursor);
      }
    }
    // Every month before the current one is drained once it is closed: move the watermark up.
    const closed = new Date(now.getTime() - options.closeAfterMs).toISOString().slice(0, 7);
    if (months[0] !== undefined && closed > months[0]) await store.advanceWatermark(closed, now);
    if (released > 0) deps.metrics.addMetric('EmailsReleased', 'Count', released);
    if (abandoned > 0) {
      deps.metrics.addMetric('EmailsAbandoned', 'Count', abandoned);
      deps.logger.error('deferred mail given up after repeated releases', { abandoned });
    }
    if (released > 0) deps.logger.info('deferred mail released', { released });
    return { released, abandoned };
  };

  return {
    name: MAIL_RELEASE_SCHEDULE.name,
    every: MAIL_RELEASE_SCHEDULE.every,
    /** For the local clock: the earliest deferred mail (overdue ones included), looking a month ahead. */
    nextDueAt: async (now: Date): Promise<Date | null> => {
      // Every month and shard at once (one index item each): the local clock asks at every step.
      const months = await monthsFrom(now, 1);
      const firsts = await Promise.all(
        months.flatMap((month) => Array.from({ length: MAIL_DUE_SHARDS }, (_, shard) => store.earliest(month, shard))),
      );
      const earliest = firsts.filter((f): f is string => f !== undefined).sort()[0];
      return earliest === undefined ? null : new Date(earliest);
    },
    run: async (): Promise<void> => {
      await release();
    },
    release,
  };
}

function nextMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
}
