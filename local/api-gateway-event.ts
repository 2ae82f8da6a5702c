import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MEMBER_API_ROUTES } from '../functions/api/routes';

/**
 * Turns local HTTP requests into the events API Gateway gives the member API. The routes are
 * the member API's own list (`MEMBER_API_ROUTES`, functions/api/routes.ts), the one the
 * CDK HTTP API uses too, so the local server answers exactly the paths AWS would. Route keys
 * use API Gateway's syntax (`GET /v1/members/{customerId}`).
 */
export interface MemberApiRoute {
  readonly method: string;
  readonly path: string;
}

export function routeKey(route: MemberApiRoute): string {
  return `${route.method} ${route.path}`;
}

export interface RouteMatch {
  readonly route: MemberApiRoute;
  readonly pathParameters: Record<string, string>;
}

/**
 * Finds the route for a method and raw path the way API Gateway does: literal segments match
 * exactly, `{name}` matches one non-empty segment and is URL-decoded into `pathParameters`
 * (kept as sent when it is not valid percent-encoding).
 */
export function matchMemberApiRoute(
  method: string,
  rawPath: string,
  routes: readonly MemberApiRoute[] = MEMBER_API_ROUTES,
): RouteMatch | undefined {
  const segments = rawPath.split('/');
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue;
    const template = route.path.split('/');
    if (template.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const matched = template.every((part, i) => {
      const segment = segments[i] as string;
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name === undefined) return part === segment;
      if (segment === '') return false;
      // A malformed percent-encoding still matches (API Gateway matches raw segments): the
      // parameter stays as sent, and the handler answers 400 naming it.
      try {
        pathParameters[name] = decodeURIComponent(segment);
      } catch {
        pathParameters[name] = segment;
      }
      return true;
    });
    if (matched) return { route, pathParameters };
  }
  return undefined;
}

export interface IncomingHttpRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/v1/members/c-1/ledger?limit=10`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  readonly sourceIp: string;
}

/**
 * The HTTP API payload format 2.0 event API Gateway would send the member API for this
 * request: lower-case headers joined by commas, repeated query parameters joined by commas,
 * cookies split out, the body as text.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export function toApiGatewayEvent(request: IncomingHttpRequest, match: RouteMatch, now: Date, requestId: string): APIGatewayProxyEventV2 {
  const questionMark = request.url.indexOf('?');
  const rawPath = questionMark >= 0 ? request.url.slice(0, questionMark) : request.url;
  const rawQueryString = questionMark >= 0 ? request.url.slice(questionMark + 1) : '';

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.toLowerCase() === 'cookie') continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const cookieHeader = request.headers.cookie;
  const cookies = (Array.isArray(cookieHeader) ? cookieHeader.join('; ') : (cookieHeader ?? ''))
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c.length > 0);

  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(query.keys())) queryStringParameters[key] = query.getAll(key).join(',');

  const key = routeKey(match.route);
  return {
    version: '2.0',
    routeKey: key,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    pathParameters: match.pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: key,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(request.body.length > 0 ? { body: request.body } : {}),
    isBase64Encoded: false,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time` format: `12/Mar/2020:19:03:58 +0000`. */
function apiGatewayTime(instant: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(instant.getUTCDate())}/${MONTHS[instant.getUTCMonth()]}/${instant.getUTCFullYear()}:${pad(instant.getUTCHours())}:${pad(
    instant.getUTCMinutes(),
  )}:${pad(instant.getUTCSeconds())} +0000`;
}
