import { ChallengeStore, type ChallengeResult } from '../adapters/dynamo/challenge-store';
import { LedgerStore } from '../adapters/dynamo/ledger-store';
import type { ChallengeCompleted } from '../contract/lojal-events';
import { BOARD_START, type Challenge, challengeTimes, placeRows, prizeFor, prizeRef, type Winner } from '../domain/challenges';
import type { EventPublisher } from '../runtime/event-publisher';
import type { LojalDeps } from '../runtime/ports';
import { recordLedgerEvent } from './record-ledger-event';

/**
 * The challenge results job: every 15 minutes it looks for challenges whose result is due
 * (`resultsAt` has passed; functions/domain/challenges.ts) and not yet published, and for each
 * 1. decides the winners from the top of its leaderboard (the `board` index, read best first
 *    until the paid places are filled; ties at the last paid place all win) and freezes them in
 *    a result item, conditional on none existing, so every later or racing run pays the same;
 * 2. pays each winner's prize as a ledger adjustment `challenge-<id>` (idempotent per member);
 * 3. puts `challenge.completed` on the bus, then marks the result published.
 * A crash anywhere resumes from the frozen result on the next run: prizes are never paid twice,
 * and the result event may go out twice with the same idempotency key, never not at all.
 */

export type ChallengeResultsDeps = LojalDeps;

/** The job's schedule, the one definition the CDK rule and the local scheduler use. */
export const CHALLENGE_RESULTS_SCHEDULE = { name: 'challenge-results', every: 'PT15M', rateMinutes: 15 } as const;

/** Board rows read per Query while deciding winners: the paid places and the first unpaid row, unless ties go on. */
const pageSize = (challenge: Challenge): number => Math.min(100, challenge.prizes.length + 1);
/**
 * At most this many winners: a tie at the last paid place among thousands of members would
 * otherwise outgrow the result item (400 KB) and the event (256 KB). Reaching it is logged.
 */
export const MAX_WINNERS = 1_000;

export interface ChallengeRunReport {
  readonly challengeId: string;
  readonly outcome: 'published' | 'refused';
  readonly winners: number;
  /** Board items read to decide (0 when the result was decided by an earlier run). */
  readonly read: number;
}

/** Reads the board best first until every paid place is filled. */
async function decideWinners(store: ChallengeStore, challenge: Challenge): Promise<{ winners: Winner[]; read: number; capped: boolean }> {
  const winners: Winner[] = [];
  let position = BOARD_START;
  let cursor: Record<string, unknown> | undefined;
  let read = 0;
  do {
    const page = await store.board(challenge.id, pageSize(challenge), cursor);
    read += page.read;
    const { placed, next } = placeRows(page.rows, position);
    position = next;
    for (const row of placed) {
      const prize = prizeFor(challenge, row.rank);
      if (prize === undefined) return { winners, read, capped: false };
      if (winners.length >= MAX_WINNERS) return { winners, read, capped: true };
      winners.push({ ...row, prize });
    }
    cursor = page.cursor;
  } while (cursor);
  return { winners, read, capped: false };
}

/** Decides (or resumes) one challenge whose result is due, pays its prizes and announces it. */
export async function completeChallenge(
  deps: ChallengeResultsDeps,
  publisher: EventPublisher,
  challenge: Challenge,
): Promise<ChallengeRunReport> {
  const store = new ChallengeStore(deps.dynamo, deps.tableName);
  const ledger = new LedgerStore(deps.dynamo, deps.tableName);
  const times = challengeTimes(challenge, deps.config);
  let read = 0;
  let result: ChallengeResult | undefined = await store.readResult(challenge.id);
  if (!result) {
    const decided = await decideWinners(store, challenge);
    read = decided.read;
    if (decided.capped) deps.logger.warn('challenge winners capped', { challengeId: challenge.id, winners: decided.winners.length });
    const decidedAt = deps.clock.now().toISOString();
    const created = await store.createResult({ challengeId: challenge.id, decidedAt, winners: decided.winners });
    result =
      created === 'created'
        ? { challengeId: challenge.id, decidedAt, winners: decided.winners, status: 'awarding' }
        : await store.readResult(challenge.id);
    if (!result) throw new Error(`the result of ${challenge.id} vanished`); // cannot happen: results are never deleted
  }
  if (result.status === 'published') return { challengeId: challenge.id, outcome: 'published', winners: result.winners.length, read };

  const prizeAt = new Date(times.resultsAt).toISOString();
  for (const winner of result.winners) {
    await recordLedgerEvent({ ...deps, ledger }, winner.customerId, {
      kind: 'adjustment',
      ref: prizeRef(challenge.id),
      at: prizeAt,
      points: winner.prize,
      reason: `${challenge.name}: place ${winner.rank}`,
    });
  }
  const detail: ChallengeCompleted = {
    idempotencyKey: `challenge:${challenge.id}`,
    challengeId: challenge.id,
    challengeName: challenge.name,
    scoringClosedAt: new Date(times.scoringClosesAt).toISOString(),
    decidedAt: result.decidedAt,
    winners: result.winners.map(({ customerId, rank, score, prize }) => ({ customerId, rank, score, prize })),
  };
  // Throws when the outcome is unknown; the next run publishes again with the same key.
  const { failed } = await publisher.publish([{ detailType: 'challenge.completed', detail }]);
  if (failed.length > 0) {
    deps.metrics.addMetric('ChallengeResultsRefused', 'Count', 1);
    return { challengeId: challenge.id, outcome: 'refused', winners: result.winners.length, read };
  }
  await store.markPublished(challenge.id, deps.clock.now());
  deps.metrics.addMetric('ChallengesCompleted', 'Count', 1);
  return { challengeId: challenge.id, outcome: 'published', winners: result.winners.length, read };
}

/** Challenges whose result is due at `nowMs`, and not yet published. */
async function dueChallenges(deps: ChallengeResultsDeps, store: ChallengeStore, nowMs: number): Promise<Challenge[]> {
  const due = deps.config.challenges.filter((c) => challengeTimes(c, deps.config).resultsAt <= nowMs);
  const results = await Promise.all(due.map((c) => store.readResult(c.id)));
  return due.filter((_, i) => results[i]?.status !== 'published');
}

/** Completes every challenge whose result is due. One challenge's failure does not stop the others. */
export async function runChallengeResults(deps: ChallengeResultsDeps, publisher: EventPublisher): Promise<ChallengeRunReport[]> {
  const store = new ChallengeStore(deps.dynamo, deps.tableName);
  const reports: ChallengeRunReport[] = [];
  for (const challenge of await dueChallenges(deps, store, deps.clock.now().getTime())) {
    try {
      reports.push(await completeChallenge(deps, publisher, challenge));
    } catch (error) {
      deps.metrics.addMetric('ChallengeResultFailures', 'Count', 1);
      deps.logger.error('challenge result failed', {
        challengeId: challenge.id,
        error: (error as Error).name,
        message: (error as Error).message,
      });
    }
  }
  return reports;
}

/**
 * The results job as a scheduled job (structurally a `ScheduledJob` of local/schedule.ts):
 * every 15 minutes; `nextDueAt` is the earliest unpublished result's `resultsAt`, so the local
 * clock runs it only when a result is due.
 */
export function challengeResultsJob(deps: ChallengeResultsDeps, publisher: EventPublisher) {
  const store = new ChallengeStore(deps.dynamo, deps.tableName);
  const complete = async (): Promise<ChallengeRunReport[]> => {
    const reports = await runChallengeResults(deps, publisher);
    for (const report of reports) deps.logger.info('challenge result', { ...report });
    return reports;
  };
  return {
    name: CHALLENGE_RESULTS_SCHEDULE.name,
    every: CHALLENGE_RESULTS_SCHEDULE.every,
    nextDueAt: async (): Promise<Date | null> => {
      const pending = await Promise.all(
        deps.config.challenges.map(async (c) =>
          (await store.readResult(c.id))?.status === 'published' ? null : challengeTimes(c, deps.config).resultsAt,
        ),
      );
      const next = pending.filter((t): t is number => t !== null).sort((a, b) => a - b)[0];
      return next === undefined ? null : new Date(next);
    },
    /** Runs once (the scheduler's entry point). */
    run: async (): Promise<void> => {
      await complete();
    },
    /** Runs once and reports each challenge it worked on. */
    complete,
  };
}
