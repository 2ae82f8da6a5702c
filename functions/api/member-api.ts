import { errorAnswer, errorJson, HttpAnswer, type HttpRequest, type HttpResult, INTERNAL_ERROR, json } from './http';
import { getAccount } from './member/account';
import { answerCheckin, showCheckinAnswer } from './member/checkin';
import { memberApiContext, type MemberApiDeps } from './member/context';
import { getMember } from './member/get-member';
import { getFlow, getMemberFlows } from './member/flows';
import { getLeaderboard } from './member/leaderboard';
import { getLedger } from './member/ledger';
import { mailPages } from './member/mail-pages';
import { getMessages } from './member/messages';
import { getProgramReport } from './member/program-report';
import { redeem } from './member/redeem';
import { getTimeline } from './member/timeline';
import { showUnsubscribe, unsubscribe } from './member/unsubscribe';
import { compileRouter } from './router';
import { MEMBER_API_ROUTES } from './routes';

export { MEMBER_API_ROUTES, type MemberApiOperation } from './routes';
export type { MemberApiDeps } from './member/context';

/**
 * The member API (docs/member-api.md) as one HTTP API v2 (payload format 2.0) handler: API Gateway
 * invokes it in AWS, the local copy's HTTP server invokes it with the same event shape. Each
 * operation is its own file under functions/api/member/; this file only wires them to the routes
 * (functions/api/routes.ts) and answers errors through the one table in functions/api/http.ts.
 */
export type MemberApiHandler = (event: HttpRequest) => Promise<HttpResult>;

export function createMemberApi(deps: MemberApiDeps): MemberApiHandler {
  const context = memberApiContext(deps);
  const pages = mailPages(context);
  const route = compileRouter(MEMBER_API_ROUTES, {
    getMember: getMember(context),
    getLedger: getLedger(context),
    getTimeline: getTimeline(context),
    redeem: redeem(context),
    getMemberFlows: getMemberFlows(context),
    getFlow: getFlow(context),
    getAccount: getAccount(context),
    getLeaderboard: getLeaderboard(context),
    getMessages: getMessages(context),
    showUnsubscribe: showUnsubscribe(context, pages),
    unsubscribe: unsubscribe(context, pages),
    showCheckinAnswer: showCheckinAnswer(context, pages),
    answerCheckin: answerCheckin(context, pages),
    getProgramReport: getProgramReport(context),
  });

  return async (event) => {
    let operation: string | undefined;
    try {
      const routed = route(event);
      if (!routed) return errorJson(404, 'NotFound', `no route ${event.requestContext.http.method} ${event.rawPath}`);
      operation = routed.operation;
      const answer = await routed.run();
      return answer instanceof HttpAnswer ? answer.result : json(200, answer);
    } catch (error) {
      const answer = errorAnswer(error);
      if (answer) return answer;
      // Only the error's name: its message may quote a member's data.
      deps.logger.error('member API failed', { operation, error: error instanceof Error ? error.name : typeof error });
      return INTERNAL_ERROR;
    }
  };
}
