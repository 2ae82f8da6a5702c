import type { EmailKind } from '../config/email-kinds';

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
 * Each public link route's own throttle (unsubscribe and check-in, GET and POST): 10 requests a
 * second, bursts of 20. A link is one person's click, so a campaign's clicks stay far below it,
 * while a flood of forged links is cut off there, before it reaches the shop's routes' share of
 * the stage or the function's concurrency.
 */
export const DEFAULT_LINK_ROUTE_THROTTLE: MemberApiThrottle = { rateLimit: 10, burstLimit: 20 };

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

/**
 * A mail decision as `GET /v1/members/{customerId}/messages` lists it, newest first: every
 * decision the mail sender made about the member, not only the mail that went out. A mail
 * deferred and sent later is listed twice (the deferral, then the send).
 * Skip reasons: `no-consent`, `unsubscribed`, `suppressed`, `holdout`, `control-group`,
 * `no-address`, `cancelled` (the reminder was cancelled or replaced before it went out),
 * `no-template`, `no-content`; defer reasons: `cap`, `quiet-hours`; failures:
 * `invalid-data: <field>` and `rejected: <SES code>`.
 */
export type MemberMessage = {
  /** When the decision was made (UTC ISO). */
  readonly at: string;
  readonly kind: EmailKind;
  /** The mail's ref (the timeline item's id for a reminder, the date of a greeting…); the lead one of a digest. */
  readonly ref: string;
} & (
  | {
      readonly status: 'sent';
      /** Absent once the member is erased. */
      readonly subject?: string;
      readonly messageId: string;
    }
  | { readonly status: 'deferred'; readonly until: string; readonly reason: string }
  | { readonly status: 'skipped' | 'failed'; readonly reason: string }
);

/** What became of the mail an emitted timeline item asked for: `pending` until the sender decided (or while it was deferred: see `until`). */
export interface TimelineMail {
  readonly status: 'pending' | 'deferred' | 'sent' | 'skipped' | 'failed';
  /** Why it was deferred, skipped or failed. */
  readonly reason?: string;
  /** A deferred mail goes out no earlier than this (UTC ISO). */
  readonly until?: string;
}

/** One item of `GET /v1/members/{customerId}/timeline`. */
export interface MemberTimelineItem {
  readonly dueAt: string;
  readonly kind: 'checkin' | 'replacement';
  readonly ref: string;
  /**
   * The reminder's own state: `pending` (not yet due, or being emitted), `sent` (emitted: its
   * mail was asked for; what became of the mail is `mail`), `cancelled` or `skipped` (never
   * emitted; `reason` says why, e.g. too late to send).
   */
  readonly status: 'pending' | 'sent' | 'cancelled' | 'skipped';
  readonly reason?: string;
  /** Present once the item was emitted (until its mail record expires, 400 days on): the mail's outcome, so a reminder whose mail was skipped never reads as mailed. */
  readonly mail?: TimelineMail;
}
