import type { MemberApiRouteSpec } from '../contract/member-api';

/**
 * The member API's routes (docs/member-api.md), the one definition the CDK HTTP API (lib/member-api.ts),
 * the handler's router (functions/api/router.ts) and the local copy's HTTP server all read. Each
 * path parameter is named for what it is. In AWS a route needs the shop's credentials unless it
 * says `auth: 'public'` (email links; see `MemberApiRouteAuth`). Free of the handler's code, so
 * importing the routes does not import the API.
 */
export const MEMBER_API_ROUTES = [
  { method: 'GET', path: '/v1/members/{customerId}', operation: 'getMember' },
  { method: 'GET', path: '/v1/members/{customerId}/ledger', operation: 'getLedger' },
  { method: 'GET', path: '/v1/members/{customerId}/timeline', operation: 'getTimeline' },
  { method: 'POST', path: '/v1/members/{customerId}/redemptions', operation: 'redeem' },
  // The client's flows (docs/flows.md): a member's runs, and a flow's counters per day.
  { method: 'GET', path: '/v1/members/{customerId}/flows', operation: 'getMemberFlows' },
  { method: 'GET', path: '/v1/flows/{flowId}', operation: 'getFlow' },
  // A B2B account's pool (`accounts.pooling: 'pool'`).
  { method: 'GET', path: '/v1/accounts/{accountId}', operation: 'getAccount' },
  // A challenge's leaderboard, best first (functions/domain/challenges.ts).
  { method: 'GET', path: '/v1/challenges/{challengeId}/leaderboard', operation: 'getLeaderboard' },
  // The program report from the report counters (docs/measurement.md): the shop's credentials, like the routes above.
  { method: 'GET', path: '/v1/program/report', operation: 'getProgramReport' },
  // Every mail decision about the member (the mail log).
  { method: 'GET', path: '/v1/members/{customerId}/messages', operation: 'getMessages' },
  // The pages the links in mail open: public, as a mail client cannot carry credentials; they
  // prove themselves by their HMAC signature (functions/domain/email/links.ts).
  { method: 'GET', path: '/v1/members/{customerId}/unsubscribe', operation: 'showUnsubscribe', auth: 'public' },
  { method: 'POST', path: '/v1/members/{customerId}/unsubscribe', operation: 'unsubscribe', auth: 'public' },
  { method: 'GET', path: '/v1/members/{customerId}/checkin', operation: 'showCheckinAnswer', auth: 'public' },
  { method: 'POST', path: '/v1/members/{customerId}/checkin', operation: 'answerCheckin', auth: 'public' },
] as const satisfies readonly MemberApiRouteSpec[];

export type MemberApiRoute = (typeof MEMBER_API_ROUTES)[number];
export type MemberApiOperation = MemberApiRoute['operation'];
