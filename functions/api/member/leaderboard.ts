import * as z from 'zod/mini';
import { challengeStatus, challengeTimes, placeRows, prizeFor } from '../../domain/challenges';
import { NotFoundError } from '../../runtime/errors';
import { parseQuery } from '../http';
import { PathIdSchema } from '../path-id';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';

const LeaderboardQuerySchema = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 10),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
  /** Also answer this member's own place. */
  customerId: z.optional(PathIdSchema),
});

/**
 * `GET /v1/challenges/{challengeId}/leaderboard`: a challenge's board, best first: one Query of
 * its `board` partition per page (one item read per row). Members tied on a score share a place;
 * `prize` marks the paid places (final once the status is `closed` and `result` is there). With
 * `customerId`, also that member's own place (`member`), counted from the board above their score.
 */
export function getLeaderboard({ deps, challenges, lists }: MemberApiContext): Operation<'challengeId'> {
  /** A member's place on a board: members with a higher score, plus one; null when not on it. */
  const placeOf = async (challengeId: string, customerId: string) => {
    const score = await challenges.score(challengeId, customerId);
    const rank = score > 0 ? (await challenges.countAbove(challengeId, score)).count + 1 : null;
    return { customerId, score, rank };
  };

  return async ({ params: { challengeId }, event }) => {
    const challenge = deps.config.challenges.find((c) => c.id === challengeId);
    if (!challenge) throw new NotFoundError(`no challenge ${challengeId}`);
    const query = parseQuery(LeaderboardQuerySchema, event);
    const status = challengeStatus(challenge, deps.config, deps.clock.now().getTime());
    const [page, result, member] = await Promise.all([
      lists.board(challengeId, query.limit, query.cursor),
      // Only a closed challenge can have a result: the board alone while it runs.
      status === 'closed' ? challenges.readResult(challengeId) : undefined,
      query.customerId === undefined ? undefined : placeOf(challengeId, query.customerId),
    ]);
    const { placed, next } = placeRows(page.rows, page.from);
    const times = challengeTimes(challenge, deps.config);
    const iso = (ms: number) => new Date(ms).toISOString();
    const memberPrize = member?.rank != null ? prizeFor(challenge, member.rank) : undefined;
    return {
      challengeId,
      name: challenge.name,
      status,
      startsAt: iso(times.startsAt),
      scoringClosesAt: iso(times.scoringClosesAt),
      resultsAt: iso(times.resultsAt),
      prizes: challenge.prizes,
      items: placed.map((row) => {
        const prize = prizeFor(challenge, row.rank);
        return { rank: row.rank, customerId: row.customerId, score: row.score, ...(prize !== undefined ? { prize } : {}) };
      }),
      nextCursor: page.nextCursor(next),
      result: result ? { decidedAt: result.decidedAt, winners: result.winners } : null,
      ...(member ? { member: { ...member, ...(memberPrize !== undefined ? { prize: memberPrize } : {}) } } : {}),
    };
  };
}
