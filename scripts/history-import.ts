import pLimit from 'p-limit';
import type { FailedEntry, LojalClient } from '../sdk';
import type { WebshopEvent } from '../functions/integrations/translation';
import { type HistoryOptions, type HistoryPlan, type HistoryRecord, planHistory } from './history-file';

/**
 * The history import's sending half, shared by `npm run import` and `npm run reconcile`: plan
 * the whole file first (scripts/history-file.ts), refuse it whole on any error, then send its
 * events in chunks through the typed client (sdk/: batches of 10 under 256 KB, refused entries
 * retried). Sending again is harmless: each event is idempotent on its own id (orderId,
 * refundId; a registration is last-writer-wins in business time), so a file run twice, or
 * again after a failure, changes nothing the first run did.
 */

export interface ImportOptions extends HistoryOptions {
  /** Validate and count, send nothing. @default false */
  readonly dryRun?: boolean;
  /** Events per `client.send`: the unit of progress. @default 100 */
  readonly chunkSize?: number;
  /** Chunks in flight at once. @default 4 */
  readonly concurrency?: number;
  /**
   * Refuse everything when any record is bad (the history import: fix the file and run it
   * again). The reconciliation sends the good records and reports the others, as the webhook
   * receiver dead-letters one bad delivery without holding back the rest. @default true
   */
  readonly refuseWhole?: boolean;
  /** Called after each chunk with the events sent (accepted or finally refused) so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ImportReport {
  readonly plan: HistoryPlan;
  /** False when the plan had errors and was refused whole (nothing was sent), or on a dry run. */
  readonly sent: boolean;
  readonly accepted: number;
  /** Events still refused after the client's retries: run the file again to send them. */
  readonly failed: readonly FailedEntry[];
}

/** Sends planned events in chunks; `makeClient` gives the client for the plan's `Source`. */
export async function sendEvents(
  client: LojalClient,
  events: readonly WebshopEvent[],
  options: Pick<ImportOptions, 'chunkSize' | 'concurrency' | 'onProgress'> = {},
): Promise<{ accepted: number; failed: FailedEntry[] }> {
  const size = options.chunkSize ?? 100;
  const limit = pLimit(options.concurrency ?? 4);
  const chunks: WebshopEvent[][] = [];
  for (let i = 0; i < events.length; i += size) chunks.push(events.slice(i, i + size));
  let done = 0;
  let accepted = 0;
  const failed: FailedEntry[] = [];
  await Promise.all(
    chunks.map((chunk) =>
      limit(async () => {
        const result = await client.send(chunk);
        accepted += result.sent;
        failed.push(...result.failed);
        done += chunk.length;
        options.onProgress?.(done, events.length);
      }),
    ),
  );
  return { accepted, failed };
}

/**
 * Plans `records` and, when every one is valid and this is not a dry run, sends their events.
 * @throws IntegrationNotConfiguredError when the client file has no mapping for the format
 */
export async function importHistory(
  makeClient: (source: string) => LojalClient,
  records: readonly HistoryRecord[],
  options: ImportOptions,
): Promise<ImportReport> {
  const plan = await planHistory(records, options);
  if ((plan.errors.length > 0 && options.refuseWhole !== false) || options.dryRun === true)
    return { plan, sent: false, accepted: 0, failed: [] };
  const { accepted, failed } = await sendEvents(makeClient(plan.source), plan.events, options);
  return { plan, sent: true, accepted, failed };
}

/** The summary line the CLIs print. */
export function summarize(report: ImportReport): string {
  const { counts } = report.plan;
  const found = `${counts.records} records: ${counts.orders} orders, ${counts.refunds} refunds, ${counts.customers} customers, ${counts.ignored} ignored`;
  if (!report.sent) return `${found}; nothing sent`;
  return `${found}; ${report.accepted} events accepted, ${report.failed.length} refused`;
}
