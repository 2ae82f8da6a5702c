/**
 * The member API's deployment contract, shared by the CDK construct (lib/member-api.ts), the
 * client configuration schema, the Lambda entries and the tests. Free of zod and the AWS SDK,
 * so anything may import it. The routes themselves are `MEMBER_API_ROUTES`
 * (functions/api/routes.ts).
 */

/**
 * How the shop authenticates to the member API in AWS:
 * - `iam`: requests signed with SigV4 (service `execute-api`) by a role allowed to invoke the
 *   routes, e.g. the caller role the stack outputs;
 * - `apiKey`: the client's key in the `x-api-key` header, checked by a Lambda authorizer against
 *   a secret in Secrets Manager.
 * Locally the API is open (docs/member-api.md).
 */
export const MEMBER_API_AUTH_MODES = ['iam', 'apiKey'] as const;
export type MemberApiAuth = (typeof MEMBER_API_AUTH_MODES)[number];

/** The header that carries the client's API key when `auth` is `apiKey` (lower case, as API Gateway passes headers). */
export const MEMBER_API_KEY_HEADER = 'x-api-key';

/** The Lambda entry (functions/lambda/<name>.ts) that serves every member API route. */
export const MEMBER_API_FUNCTION = 'member-api';
/** The Lambda entry of the API-key authorizer, deployed only when `auth` is `apiKey`. */
export const MEMBER_API_KEY_AUTHORIZER_FUNCTION = 'member-api-key-authorizer';

/** Every Lambda entry behind the member API, besides the event handlers (routes.ts) and the jobs (jobs.ts). */
export const MEMBER_API_ENTRY_NAMES = [MEMBER_API_FUNCTION, MEMBER_API_KEY_AUTHORIZER_FUNCTION] as const;

/** The member API's Lambda entries a stack deploys for the given auth mode. */
export function memberApiFunctionNames(auth: MemberApiAuth): readonly string[] {
  return auth === 'apiKey' ? MEMBER_API_ENTRY_NAMES : [MEMBER_API_FUNCTION];
}

/** Requests per second the API's stage allows, across all callers; API Gateway answers 429 above it. */
export interface MemberApiThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst of a second or so above the steady rate. */
  readonly burstLimit: number;
}

/**
 * 50 requests a second, bursts of 100: several times what a shop's account pages ask for, yet it
 * stops a runaway client long before it reaches the account's Lambda concurrency.
 */
export const DEFAULT_MEMBER_API_THROTTLE: MemberApiThrottle = { rateLimit: 50, burstLimit: 100 };

/**
 * Who may call a member API route in AWS. A route is a `member` route unless it says
 * `auth: 'public'`: the links in emails (unsubscribe, answering a check-in) must work from a mail
 * client without credentials, so they get no authorizer and prove themselves with the HMAC
 * signature they carry (functions/domain/email/links.ts). Locally every route is open.
 */
export type MemberApiRouteAuth = 'member' | 'public';

/** The shape of a `MEMBER_API_ROUTES` entry (functions/api/routes.ts), as the CDK construct reads it. */
export interface MemberApiRouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway route syntax, e.g. `/v1/members/{customerId}/ledger`. */
  readonly path: string;
  readonly operation: string;
  /** @default 'member' */
  readonly auth?: MemberApiRouteAuth;
}

/** True for a route reached from an email link, without credentials. */
export function isPublicRoute(route: MemberApiRouteSpec): boolean {
  return route.auth === 'public';
}
