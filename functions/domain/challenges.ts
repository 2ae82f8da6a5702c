import type { ProgramConfig } from '../config/program';
import { entryKey, type LedgerFold, type LedgerInput } from './points';
import { DAY_MS } from './time';

/**
 * Time-boxed challenges (`challenges` in the client config), pure.
 *
 * A member's score in a challenge is a function of their ledger alone: the points their orders
 * (net of those orders' refunds, whenever the refund came) and activities earned, counted when
 * the order or activity happened inside the member's scoring window. Bonuses, adjustments,
 * redemptions and expiry never count, so no prize feeds another challenge. The ledger writer
 * re-derives every open challenge's score with each write and stores it beside the state in the
 * same transaction, so the leaderboard is exact in any delivery order and is read by rank from
 * an index, never by scanning members.
 *
 * Times: a challenge is `upcoming` before `start`, `open` until scoring closes (`end`, or with
 * `firstDays` that many days after `end`, when the last entrant's window ends), `settling` for
 * `settleHours` (at least the return window) while late events may still move scores, and
 * `closed` from `resultsAt`, when the
 * results job freezes the top places and pays the prizes.
 */

export type Challenge = ProgramConfig['challenges'][number];
export type ChallengeStatus = 'upcoming' | 'open' | 'settling' | 'closed';

/** What decides which challenges a member enters: when they registered, and whether they were deleted. */
export interface Membership {
  /** Registration instant (ms), when Lojal has seen `customer.registered`. */
  readonly joinedAt?: number;
  /** A deleted member takes part in nothing and leaves every leaderboard. */
  readonly deleted?: boolean;
}

export interface ChallengeTimes {
  readonly startsAt: number;
  /** Points earned from here on do not count. */
  readonly scoringClosesAt: number;
  /** Scores are frozen and the prizes decided. */
  readonly resultsAt: number;
}

/**
 * When a challenge opens, stops scoring and is decided. The result waits `settleHours`, and at
 * least the client's return window: an order returned within it takes its points back, so a
 * purchase made to win and returned afterwards never wins.
 */
export function challengeTimes(challenge: Challenge, config: Pick<ProgramConfig, 'returnWindowDays'>): ChallengeTimes {
  const startsAt = Date.parse(challenge.start);
  const end = Date.parse(challenge.end);
  const scoringClosesAt = end + (challenge.firstDays ?? 0) * DAY_MS;
  const settleMs = Math.max(challenge.settleHours * 3_600_000, config.returnWindowDays * DAY_MS);
  return { startsAt, scoringClosesAt, resultsAt: scoringClosesAt + settleMs };
}

export function challengeStatus(challenge: Challenge, config: Pick<ProgramConfig, 'returnWindowDays'>, nowMs: number): ChallengeStatus {
  const t = challengeTimes(challenge, config);
  if (nowMs < t.startsAt) return 'upcoming';
  if (nowMs < t.scoringClosesAt) return 'open';
  if (nowMs < t.resultsAt) return 'settling';
  return 'closed';
}

/** The instants [from, to) whose points count for this member, or null when they do not take part. */
export function scoringWindow(challenge: Challenge, membership: Membership): { from: number; to: number } | null {
  if (membership.deleted) return null;
  const start = Date.parse(challenge.start);
  const end = Date.parse(challenge.end);
  if (challenge.entrants === 'all') return { from: start, to: end };
  const joinedAt = membership.joinedAt;
  if (joinedAt === undefined || joinedAt < start || joinedAt >= end) return null;
  return challenge.firstDays === undefined ? { from: joinedAt, to: end } : { from: joinedAt, to: joinedAt + challenge.firstDays * DAY_MS };
}

/**
 * The member's score in every challenge whose scores can still move at `nowMs` (not yet
 * closed); 0 in those the member does not take part in. A closed challenge is missing from the
 * answer: its stored score is final.
 */
export function challengeScores(
  config: ProgramConfig,
  fold: LedgerFold,
  inputs: readonly LedgerInput[],
  membership: Membership,
  nowMs: number,
): Map<string, number> {
  const scores = new Map<string, number>();
  const open = config.challenges.filter((c) => nowMs < challengeTimes(c, config).resultsAt);
  if (open.length === 0) return scores;
  // When each entry counts: an order's refunds count at the order's time, so buying inside the
  // window and returning after it never leaves a score behind.
  const orderAt = new Map<string, number>();
  for (const input of inputs) if (input.kind === 'order') orderAt.set(input.ref, Date.parse(input.at));
  const counted: { at: number; points: number }[] = [];
  for (const input of inputs) {
    const at =
      input.kind === 'order' || input.kind === 'activity'
        ? Date.parse(input.at)
        : input.kind === 'refund'
          ? orderAt.get(input.orderRef)
          : undefined;
    if (at === undefined) continue;
    const points = fold.entries.get(entryKey(input.kind, input.ref))?.points ?? 0;
    if (points !== 0) counted.push({ at, points });
  }
  for (const challenge of open) {
    const window = scoringWindow(challenge, membership);
    if (!window) {
      scores.set(challenge.id, 0);
      continue;
    }
    let score = 0;
    for (const c of counted) if (c.at >= window.from && c.at < window.to) score += c.points;
    scores.set(challenge.id, Math.max(0, score));
  }
  return scores;
}

/** A row of a leaderboard, best first. */
export interface BoardRow {
  readonly customerId: string;
  readonly score: number;
}

export interface PlacedRow extends BoardRow {
  /** Standard competition ranking: members tied on a score share a place (1, 2, 2, 4). */
  readonly rank: number;
}

/** Where a page of the board starts: the place and score of the row before it (none on the first page). */
export interface BoardPosition {
  /** Rows before this page. */
  readonly seen: number;
  readonly lastRank: number;
  readonly lastScore: number;
}

export const BOARD_START: BoardPosition = { seen: 0, lastRank: 0, lastScore: Number.POSITIVE_INFINITY };

/** Places rows given in board order (score descending), continuing from `from`. */
export function placeRows(rows: readonly BoardRow[], from: BoardPosition = BOARD_START): { placed: PlacedRow[]; next: BoardPosition } {
  let { seen, lastRank, lastScore } = from;
  const placed = rows.map((row) => {
    seen++;
    if (row.score < lastScore) lastRank = seen;
    lastScore = row.score;
    return { ...row, rank: lastRank };
  });
  return { placed, next: { seen, lastRank, lastScore } };
}

export interface Winner extends PlacedRow {
  /** The bonus points of the place. */
  readonly prize: number;
}

/** The prize of a place, or undefined outside the paid places. */
export const prizeFor = (challenge: Challenge, rank: number): number | undefined => challenge.prizes[rank - 1];

/** The ledger reference of a challenge's prize: one per member and challenge. */
export const prizeRef = (challengeId: string): string => `challenge-${challengeId}`;
