import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import type { MemberApiHandler } from '../functions/api/member-api';
import { MEMBER_API_ROUTES } from '../functions/api/routes';
import type { LoggerPort } from '../functions/runtime/ports';
import type { LocalBus } from './bus';
import { ClockMovedBackwardError, type LocalClock } from './clock';
import type { InMemoryDeadLetterQueue } from './dead-letters';
import { InvalidDurationError, parseDuration } from '../functions/domain/duration';
import { matchMemberApiRoute, routeKey, toApiGatewayEvent } from './api-gateway-event';
import { AwsProtocolError, parsePutEventsRequest, type PutEventsRequestEntry, type PutEventsResult } from './put-events';
import { type MoveReport, type Scheduler, ScheduleRunawayError } from './schedule';
import { isLoopbackHost } from './services/dynamodb';

/**
 * The local copy's one HTTP server:
 * - `POST /` with `X-Amz-Target: AWSEvents.PutEvents`: EventBridge over AWS JSON 1.1, so the
 *   real `@aws-sdk/client-eventbridge` works with `endpoint` set (any credentials);
 * - `/v1/members/...`: the member API, through the same handler API Gateway invokes;
 * - `/_local/clock` and `/_local/dead-letters`: the local copy's own controls.
 */

export interface LocalHttpDeps {
  readonly bus: LocalBus;
  readonly scheduler: Scheduler;
  readonly clock: LocalClock;
  readonly deadLetters: InMemoryDeadLetterQueue;
  readonly memberApi: MemberApiHandler;
  readonly logger: LoggerPort;
  /** PutEvents with the webshop doors (local/webshop-integrations.ts). @default bus.putEvents as the webshop */
  readonly putEvents?: (entries: readonly PutEventsRequestEntry[]) => PutEventsResult;
  /** The webshop webhook receivers (`POST /webhooks/...`, local/webshop-integrations.ts). @default none */
  readonly webhooks?: LocalWebhookReceiver;
}

/** Answers a request on a webhook path, or undefined when the path is not a webhook. */
export type LocalWebhookReceiver = (request: {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The body's bytes as received: webhook signatures cover these. */
  readonly rawBody: Buffer;
}) => Promise<{ readonly status: number; readonly headers?: Record<string, string>; readonly body: string } | undefined>;

/** Requests larger than this are refused before parsing (PutEvents itself allows 256 KB of entries). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

const ClockMoveSchema = z.union([z.strictObject({ advance: z.string().min(1) }), z.strictObject({ to: z.iso.datetime({ offset: true }) })]);

class RequestTooLargeError extends Error {
  override readonly name = 'RequestTooLargeError';
}

/** The `(req, res)` listener for `http.createServer`. */
export function createRequestListener(deps: LocalHttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      deps.logger.error('Unexpected error in the local HTTP server', { error: describe(error), method: req.method, path: req.url });
      if (!res.headersSent) sendError(res, 500, 'InternalError', 'Internal server error; see the local copy log.');
      else res.end();
    });
  };
}

async function handle(deps: LocalHttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = req.url ?? '/';
  const path = url.split('?')[0] ?? '/';
  if (method === 'POST') {
    const refusal = refusePost(req, path);
    if (refusal) {
      // The body is not read, so the connection cannot carry another request.
      res.setHeader('connection', 'close');
      return sendError(res, refusal.status, refusal.code, refusal.message);
    }
  }
  let body: string;
  let rawBody: Buffer;
  try {
    rawBody = await readBody(req);
    body = rawBody.toString('utf8');
  } catch (error) {
    if (error instanceof RequestTooLargeError) {
      // The rest of the body is not read, so the connection cannot carry another request.
      res.setHeader('connection', 'close');
      return sendError(res, 413, 'RequestTooLarge', error.message);
    }
    throw error;
  }

  const target = header(req, 'x-amz-target');
  if (target !== undefined) return handleAwsJson(deps, res, method, path, target, body);

  if (path === '/_local/clock') {
    if (method === 'GET') return sendJson(res, 200, { now: deps.clock.now().toISOString() });
    if (method === 'POST') return handleClockMove(deps, res, body);
    return sendError(res, 405, 'MethodNotAllowed', 'Use GET or POST on /_local/clock.');
  }
  if (path === '/_local/dead-letters') {
    if (method !== 'GET') return sendError(res, 405, 'MethodNotAllowed', 'Use GET on /_local/dead-letters.');
    return sendJson(res, 200, {
      items: deps.deadLetters.list().map((l) => ({
        detailType: l.detailType,
        source: l.source,
        error: l.error,
        ...(l.field ? { field: l.field } : {}),
        ...(l.handler ? { handler: l.handler } : {}),
        ...(l.attempts ? { attempts: l.attempts } : {}),
        receivedAt: l.receivedAt,
        event: l.event,
      })),
    });
  }
  if ((path === '/' || path === '/_local') && method === 'GET') {
    return sendJson(res, 200, {
      service: 'Lojal local copy',
      putEvents: 'POST / with X-Amz-Target: AWSEvents.PutEvents (AWS JSON 1.1)',
      memberApi: MEMBER_API_ROUTES.map(routeKey),
      clock: 'GET|POST /_local/clock',
      deadLetters: 'GET /_local/dead-letters',
      ...(deps.webhooks ? { webhooks: 'POST /webhooks/shopify, POST /webhooks/woocommerce' } : {}),
    });
  }

  if (deps.webhooks && path.startsWith('/webhooks/')) {
    const answer = await deps.webhooks({ method, path, headers: req.headers, body, rawBody });
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      return void res.end(answer.body);
    }
  }

  const match = matchMemberApiRoute(method, path);
  if (match) {
    const event = toApiGatewayEvent(
      { method, url, headers: req.headers, body, sourceIp: req.socket.remoteAddress ?? '127.0.0.1' },
      match,
      deps.clock.now(),
      randomUUID(),
    );
    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = await deps.memberApi(event);
    } catch (error) {
      // API Gateway answers 500 when the integration fails; the details go to the log only.
      deps.logger.error('Member API handler failed', { routeKey: event.routeKey, error: describe(error) });
      return sendError(res, 500, 'InternalError', 'Internal server error.');
    }
    return writeApiResult(res, result);
  }
  return sendError(res, 404, 'NotFound', `No route for ${method} ${path}.`);
}

/** Content types of a JSON body: JSON itself, `+json` types, and AWS JSON 1.0/1.1 (the SDK's PutEvents). */
const JSON_CONTENT_TYPE = /^application\/(json|[\w.+-]+\+json|x-amz-json-1\.[01])$/;

/**
 * Why a POST is refused, if it is. A web page the developer opens can make a browser POST to
 * 127.0.0.1 without asking (forms, text/plain), or reach it under its own name by DNS rebinding:
 * so a POST must name a loopback Host, and carry JSON, which a browser sends cross-origin only
 * after a CORS preflight this server never grants. The email-link routes take forms (a mail
 * client's one-click unsubscribe, RFC 8058) and the webhooks what their platform sends; both
 * act only on a valid signature.
 */
export function refusePost(
  req: Pick<IncomingMessage, 'headers'>,
  path: string,
): { status: 403 | 415; code: string; message: string } | undefined {
  const host = header(req as IncomingMessage, 'host') ?? '';
  if (!isLoopbackHostHeader(host)) {
    return {
      status: 403,
      code: 'ForbiddenHost',
      message: `The local copy takes POSTs only with a loopback Host (127.0.0.1, localhost or [::1]), not "${host}".`,
    };
  }
  const route = matchMemberApiRoute('POST', path);
  if (route !== undefined && 'auth' in route.route && route.route.auth === 'public') return undefined;
  // Webhooks come as the platform sends them (WooCommerce's ping is a form) and are verified by signature.
  if (path.startsWith('/webhooks/')) return undefined;
  const contentType = (header(req as IncomingMessage, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!JSON_CONTENT_TYPE.test(contentType)) {
    return {
      status: 415,
      code: 'UnsupportedMediaType',
      message: `POST bodies must be JSON: send Content-Type: application/json${contentType ? `, not "${contentType}"` : ''}.`,
    };
  }
  return undefined;
}

/** A Host header naming a loopback address, with or without a port. */
export function isLoopbackHostHeader(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : (host.split(':')[0] ?? '');
  return isLoopbackHost(name.toLowerCase());
}

function handleAwsJson(deps: LocalHttpDeps, res: ServerResponse, method: string, path: string, target: string, body: string): void {
  const requestId = randomUUID();
  try {
    if (method !== 'POST' || path !== '/') throw new AwsProtocolError('UnknownOperationException', 'AWS JSON requests are POST /.');
    if (target !== 'AWSEvents.PutEvents') {
      throw new AwsProtocolError('UnknownOperationException', `The local copy implements AWSEvents.PutEvents only, not ${target}.`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body || '{}');
    } catch {
      throw new AwsProtocolError('SerializationException', 'The request body is not valid JSON.');
    }
    const entries = parsePutEventsRequest(parsed);
    const result = deps.putEvents ? deps.putEvents(entries) : deps.bus.putEvents(entries, 'webshop');
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId });
    res.end(JSON.stringify(result));
  } catch (error) {
    if (!(error instanceof AwsProtocolError)) throw error;
    res.writeHead(error.statusCode, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': error.code,
    });
    res.end(JSON.stringify({ __type: error.code, message: error.message }));
  }
}

async function handleClockMove(deps: LocalHttpDeps, res: ServerResponse, body: string): Promise<void> {
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return sendError(res, 400, 'InvalidRequest', 'Send JSON: { "advance": "P30D" } or { "to": "2026-01-01T00:00:00Z" }.');
  }
  const parsed = ClockMoveSchema.safeParse(input);
  if (!parsed.success) {
    return sendError(
      res,
      400,
      'InvalidRequest',
      'Send exactly one of { "advance": ISO-8601 duration, e.g. "P30D" } or { "to": ISO-8601 date-time with offset, e.g. "2026-01-01T00:00:00Z" }.',
    );
  }
  let report: MoveReport;
  try {
    report =
      'advance' in parsed.data
        ? await deps.scheduler.advanceBy(parseDuration(parsed.data.advance))
        : await deps.scheduler.advanceTo(new Date(parsed.data.to));
  } catch (error) {
    if (error instanceof InvalidDurationError) return sendError(res, 400, 'InvalidDuration', error.message);
    if (error instanceof ClockMovedBackwardError) return sendError(res, 400, 'ClockMovedBackward', error.message);
    if (error instanceof ScheduleRunawayError) return sendError(res, 500, 'ScheduleRunaway', error.message);
    throw error;
  }
  sendJson(res, 200, report);
}

function writeApiResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  if (body.length > 0 && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        reject(new RequestTooLargeError(`The request body is larger than ${MAX_BODY_BYTES} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
