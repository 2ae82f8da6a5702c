import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { LedgerStore } from '../adapters/dynamo/ledger-store';
import { ChallengeStore } from '../adapters/dynamo/challenge-store';
import { boardPk, memberPk } from '../adapters/dynamo/keys';
import { BOARD_START, type BoardPosition, challengeStatus, challengeTimes, placeRows, prizeFor, scoringWindow } from '../domain/challenges';
import { ProfileStore } from '../adapters/dynamo/profile-store';
import { TimelineStore } from '../adapters/dynamo/timeline-store';
import { calendarEntriesOf, localDateAt, perksHeld } from '../domain/calendar';
import { redeemPoints, RedemptionRequestSchema } from '../app/redeem-points';
import { memberFiguresFromView, memberFiguresOf } from '../domain/member-view';
import { foldLedger } from '../domain/points';
import { publicStatus } from '../domain/timeline';
import { ConcurrentUpdateError, ConflictError, NotFoundError, ValidationError } from '../runtime/errors';
import type { HandlerDeps } from '../handlers/registry';
import type { MemberApiRouteSpec } from '../contract/member-api';
import { createMailApiOperations, HttpAnswer, MAIL_API_ROUTES } from './mail-api';

/**
 * The member API (PRODUCT.md §3) as one HTTP API v2 (payload format 2.0) handler: API Gateway
 * invokes it in AWS, the local copy's HTTP server invokes it with the same event shape.
 */
export type MemberApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
export type MemberApiDeps = Omit<HandlerDeps, 'deadLetters'>;

/**
 * The routes, shared with the CDK HTTP API and the local server. In AWS a route needs the shop's
 * credentials unless it says `auth: 'public'` (email links; see `MemberApiRouteAuth`).
 */
export const MEMBER_API_ROUTES = [
  { method: 'GET', path: '/v1/members/{customerId}', operation: 'getMember' },
  { method: 'GET', path: '/v1/members/{customerId}/ledger', operation: 'getLedger' },
  { method: 'GET', path: '/v1/members/{customerId}/timeline', operation: 'getTimeline' },
  { method: 'POST', path: '/v1/members/{customerId}/redemptions', operation: 'redeem' },
  // A B2B account's pool (`accounts.pooling: 'pool'`); its operation gets the account id.
  { method: 'GET', path: '/v1/accounts/{accountId}', operation: 'getAccount' },
  // A challenge's leaderboard, best first (functions/domain/challenges.ts); its operation gets the challenge id.
  { method: 'GET', path: '/v1/challenges/{challengeId}/leaderboard', operation: 'getLeaderboard' },
  // The sent-mail log and the pages the links in mail open (functions/api/mail-api.ts).
  ...MAIL_API_ROUTES,
] as const satisfies readonly MemberApiRouteSpec[];
export type MemberApiOperation = (typeof MEMBER_API_ROUTES)[number]['operation'];

const LedgerQuerySchema = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});

const LeaderboardQuerySchema = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 10),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
  /** Also answer this member's own place. */
  customerId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const encodeCursor = (key: Record<string, unknown> | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;

function decodeCursor(cursor: string | undefined, customerId: string): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    // A cursor only ever continues the member it was issued for.
    if (key.pk !== memberPk(customerId) || typeof key.sk !== 'string') throw new Error('foreign cursor');
    return { pk: key.pk, sk: key.sk };
  } catch {
    throw new ValidationError('cursor', 'is not a cursor this API issued');
  }
}

/** A leaderboard cursor: where the Query stopped, and the place and score of the last row shown (ranks continue across pages). */
function encodeBoardCursor(key: Record<string, unknown> | undefined, position: BoardPosition): string | null {
  return key ? Buffer.from(JSON.stringify({ key, position })).toString('base64url') : null;
}

function decodeBoardCursor(cursor: string | undefined, challengeId: string): { key: Record<string, unknown>; position: BoardPosition } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const { key, position } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { key: Record<string, unknown>; position: BoardPosition };
    // A cursor only ever continues the board it was issued for.
    if (key.boardPk !== boardPk(challengeId) || typeof key.boardSk !== 'string' || typeof key.pk !== 'string' || typeof key.sk !== 'string') throw new Error('foreign cursor');
    const { seen, lastRank, lastScore } = position;
    if (![seen, lastRank, lastScore].every((n) => Number.isSafeInteger(n) && n >= 0)) throw new Error('bad position');
    return { key: { pk: key.pk, sk: key.sk, boardPk: key.boardPk, boardSk: key.boardSk }, position: { seen, lastRank, lastScore } };
  } catch {
    throw new ValidationError('cursor', 'is not a cursor this API issued');
  }
}

/** Matches a request to a route; returns the operation and its one path parameter (`customerId`, or a route's other id). */
export function matchMemberRoute(method: string, path: string): { operation: MemberApiOperation; customerId: string } | undefined {
  for (const route of MEMBER_API_ROUTES) {
    if (route.method !== method) continue;
    const pattern = new RegExp(`^${route.path.replace(/\{[A-Za-z]+\}/, '([^/]+)')}$`);
    const match = pattern.exec(path);
    if (match?.[1]) return { operation: route.operation, customerId: decodeURIComponent(match[1]) };
  }
  return undefined;
}

export function createMemberApi(deps: MemberApiDeps): MemberApiHandler {
  const ledger = new LedgerStore(deps.dynamo, deps.tableName);
  const profiles = new ProfileStore(deps.dynamo, deps.tableName);
  const timeline = new TimelineStore(deps.dynamo, deps.tableName);
  const challengeStore = new ChallengeStore(deps.dynamo, deps.tableName);
  /** A member's place on a board: members with a higher score, plus one; null when not on it. */
  const placeOf = async (challengeId: string, customerId: string) => {
    const score = await challengeStore.score(challengeId, customerId);
    const rank = score > 0 ? (await challengeStore.countAbove(challengeId, score)).count + 1 : null;
    return { customerId, score, rank };
  };

  const operations: Record<MemberApiOperation, (customerId: string, event: APIGatewayProxyEventV2) => Promise<unknown>> = {
    ...createMailApiOperations(deps),

    async getMember(customerId) {
      const now = deps.clock.now().getTime();
      const [state, stored] = await Promise.all([ledger.readState(customerId), profiles.get(customerId, false)]);
      if (!state && !stored) throw new NotFoundError(`no member ${customerId}`);
      // From the view the last ledger write stored, one item; when it cannot tell (a review or an
      // expiry has come since), the whole ledger folded to now: a review applies at once.
      const figures =
        (state?.view ? memberFiguresFromView(deps.config, state.view, now) : undefined) ??
        memberFiguresOf(deps.config, foldLedger(deps.config, (await ledger.read(customerId)).entries.map((e) => e.input), { asOf: now }), now);
      // Tenure perks from the registration's local date, as of the client's local today (the
      // day the calendar job emits `perk.earned`); a deleted member holds none.
      const anniversary = calendarEntriesOf(stored?.profile, deps.config.timeZone).find((e) => e.kind === 'anniversary');
      const perks = perksHeld(anniversary?.date, localDateAt(now, deps.config.timeZone), deps.config.perks);
      // B2B pooling: the account the member's points are pooled on (the profile's, else the one
      // the last pooled write recorded) and its pool, all members' contributions together.
      const accountId = stored?.profile.values.accountId ?? state?.accountId;
      const pool = deps.config.accounts.pooling === 'pool' && accountId !== undefined ? await ledger.readAccount(accountId, false) : undefined;
      const account =
        deps.config.accounts.pooling === 'pool' && accountId !== undefined
          ? { accountId, pooledPoints: pool?.pooledPoints ?? 0, members: pool?.members ?? [] }
          : undefined;
      return {
        customerId,
        ...figures,
        accountId: accountId ?? null,
        ...(account ? { account } : {}),
        perks,
        // Consent as Lojal applies it: an opt-out it recorded stays until an explicit newer opt-in.
        marketingConsent: stored?.profile.values.marketingConsent === true,
        unsubscribedAt: stored?.profile.unsubscribedAt !== undefined ? new Date(stored.profile.unsubscribedAt).toISOString() : null,
        // The challenges the member takes part in, with the score their leaderboard shows.
        challenges: deps.config.challenges
          .filter((c) => {
            const joinedAt = state?.joinedAt;
            const membership = { ...(joinedAt ? { joinedAt: Date.parse(joinedAt) } : {}), deleted: state?.leftAt !== undefined };
            return scoringWindow(c, membership) !== null || (state?.challengeScores?.[c.id] ?? 0) > 0;
          })
          .map((c) => ({ challengeId: c.id, name: c.name, status: challengeStatus(c, deps.config, now), score: state?.challengeScores?.[c.id] ?? 0 })),
      };
    },

    /**
     * A challenge's leaderboard, best first: one Query of its `board` partition per page (one
     * item read per row). Members tied on a score share a place; `prize` marks the paid places
     * (final once the status is `closed` and `result` is there). With `customerId`, also that
     * member's own place (`member`), counted from the board above their score.
     */
    async getLeaderboard(challengeId, event) {
      const challenge = deps.config.challenges.find((c) => c.id === challengeId);
      if (!challenge) throw new NotFoundError(`no challenge ${challengeId}`);
      const query = LeaderboardQuerySchema.safeParse(event.queryStringParameters ?? {});
      if (!query.success) throw ValidationError.fromZod(query.error, 'query');
      const start = decodeBoardCursor(query.data.cursor, challengeId);
      const status = challengeStatus(challenge, deps.config, deps.clock.now().getTime());
      const [page, result, member] = await Promise.all([
        challengeStore.board(challengeId, query.data.limit, start?.key),
        // Only a closed challenge can have a result: the board alone while it runs.
        status === 'closed' ? challengeStore.readResult(challengeId) : undefined,
        query.data.customerId === undefined ? undefined : placeOf(challengeId, query.data.customerId),
      ]);
      const { placed, next } = placeRows(page.rows, start?.position ?? BOARD_START);
      const times = challengeTimes(challenge, deps.config);
      const iso = (ms: number) => new Date(ms).toISOString();
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
        nextCursor: encodeBoardCursor(page.cursor, next),
        result: result ? { decidedAt: result.decidedAt, winners: result.winners } : null,
        ...(member ? { member: { ...member, ...(member.rank !== null && prizeFor(challenge, member.rank) !== undefined ? { prize: prizeFor(challenge, member.rank) } : {}) } } : {}),
      };
    },

    /** The pool of a B2B account; 404 unless pooling is on and a member has contributed. */
    async getAccount(accountId) {
      const account = deps.config.accounts.pooling === 'pool' ? await ledger.readAccount(accountId, false) : undefined;
      if (!account) throw new NotFoundError(`no account ${accountId}`);
      return account;
    },

    async getLedger(customerId, event) {
      const query = LedgerQuerySchema.safeParse(event.queryStringParameters ?? {});
      if (!query.success) throw ValidationError.fromZod(query.error, 'query');
      const start = decodeCursor(query.data.cursor, customerId);
      const page = await ledger.page(customerId, query.data.limit, start);
      if (!start && page.items.length === 0 && !(await profiles.get(customerId, false))) {
        throw new NotFoundError(`no member ${customerId}`);
      }
      return {
        items: page.items.map((item) => ({
          at: item.at,
          delta: item.delta,
          reason: item.reason,
          ref: item.type === 'entry' ? `${item.kind}:${item.ref}` : `correction:${item.ref.replace('#', ':')}`,
          ...(item.type === 'entry' && item.status !== 'applied' ? { status: item.status } : {}),
        })),
        nextCursor: encodeCursor(page.cursor) ?? null,
      };
    },

    /** Spends points on a reward or as an amount (functions/app/redeem-points.ts): 201 when made, 200 when answered again. */
    async redeem(customerId, event) {
      let body: unknown;
      try {
        body = JSON.parse(event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body);
      } catch {
        throw new ValidationError('body', 'must be JSON: { "redemptionId", "rewardId" } or { "redemptionId", "points" }');
      }
      const request = RedemptionRequestSchema.safeParse(body);
      if (!request.success) throw ValidationError.fromZod(request.error, 'body');
      const result = await redeemPoints({ ...deps, ledger, profiles }, customerId, request.data);
      return new HttpAnswer(json(result.created ? 201 : 200, result.redemption));
    },

    /** Scheduled check-ins and reminders, by due time (one Query); a claimed item shows as pending. */
    async getTimeline(customerId) {
      const items = await timeline.list(customerId);
      if (items.length === 0 && !(await profiles.get(customerId, false)) && (await ledger.page(customerId, 1)).items.length === 0) {
        throw new NotFoundError(`no member ${customerId}`);
      }
      return {
        items: items
          .map((item) => ({
            dueAt: item.dueAt,
            kind: item.kind,
            ref: item.kind === 'checkin' ? `order:${item.orderId}` : `order:${item.orderId}:${item.product?.sku ?? ''}`,
            status: publicStatus(item.status),
          }))
          .sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.ref < b.ref ? -1 : 1)),
      };
    },
  };

  return async (event) => {
    const route = matchMemberRoute(event.requestContext.http.method, event.rawPath);
    try {
      if (!route) return json(404, { error: { code: 'NotFound', message: `no route ${event.requestContext.http.method} ${event.rawPath}` } });
      const answer = await operations[route.operation](route.customerId, event);
      return answer instanceof HttpAnswer ? answer.result : json(200, answer);
    } catch (error) {
      // The one place errors become HTTP responses; anything unexpected gets a generic body.
      if (error instanceof ValidationError) return json(400, { error: { code: 'ValidationError', message: error.message } });
      if (error instanceof NotFoundError) return json(404, { error: { code: 'NotFound', message: error.message } });
      if (error instanceof ConflictError) return json(409, { error: { code: error.code, message: error.message } });
      // A write (a redemption) lost every optimistic-concurrency race for the member: safe to send again.
      if (error instanceof ConcurrentUpdateError) return json(503, { error: { code: 'Busy', message: 'The member is being updated; try again.' } });
      deps.logger.error('member API failed', { operation: route?.operation, error: (error as Error).name });
      return json(500, { error: { code: 'InternalError', message: 'Something went wrong; try again.' } });
    }
  };
}
