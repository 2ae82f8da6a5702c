import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod/mini';
import { ConcurrentUpdateError, ConflictError, NotFoundError, ValidationError } from '../runtime/errors';

/**
 * What every member API operation shares: JSON answers, query and body parsing with zod, and the
 * one table that turns named errors into HTTP answers. Speaks API Gateway's HTTP API payload
 * format 2.0, which the local copy's HTTP server builds too (local/api-gateway-event.ts).
 */

export type HttpRequest = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export const json = (statusCode: number, body: unknown): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** `{ error: { code, message } }`, the body of every error answer. */
export const errorJson = (statusCode: number, code: string, message: string): HttpResult => json(statusCode, { error: { code, message } });

/** A complete HTTP answer (an HTML page, a 201), passed through instead of being serialised as a 200 JSON body. */
export class HttpAnswer {
  constructor(readonly result: HttpResult) {}
}

/** The query string through `schema`; a failure is a ValidationError naming `query.<field>`. */
export function parseQuery<S extends z.ZodMiniType>(schema: S, event: HttpRequest): z.output<S> {
  const query = schema.safeParse(event.queryStringParameters ?? {});
  if (!query.success) throw ValidationError.fromZod(query.error, 'query');
  return query.data;
}

/** The JSON body through `schema`; not JSON is a ValidationError naming `body` with `expected`, a failure names `body.<field>`. */
export function parseJsonBody<S extends z.ZodMiniType>(schema: S, event: HttpRequest, expected: string): z.output<S> {
  let body: unknown;
  try {
    body = JSON.parse(
      event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body,
    );
  } catch {
    throw new ValidationError('body', `must be JSON: ${expected}`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw ValidationError.fromZod(parsed.error, 'body');
  return parsed.data;
}

/** One row of the error table: the errors of one class become this status and code. */
interface ErrorRow {
  readonly answer: (error: unknown) => HttpResult | undefined;
}

function row<E extends Error>(
  type: abstract new (...args: never[]) => E,
  status: number,
  code: (error: E) => string,
  message: (error: E) => string = (e) => e.message,
): ErrorRow {
  return { answer: (error) => (error instanceof type ? errorJson(status, code(error), message(error)) : undefined) };
}

/**
 * The one place errors become HTTP answers, first match wins. Messages of these errors are
 * written for the caller (they name the field or the missing member); anything else gets
 * `INTERNAL_ERROR`, never its own message.
 */
export const HTTP_ERRORS: readonly ErrorRow[] = [
  row(ValidationError, 400, () => 'ValidationError'),
  row(NotFoundError, 404, () => 'NotFound'),
  row(ConflictError, 409, (e) => e.code),
  // A write (a redemption) lost every optimistic-concurrency race for the member: safe to send again.
  row(
    ConcurrentUpdateError,
    503,
    () => 'Busy',
    () => 'The member is being updated; try again.',
  ),
];

/** The generic answer to anything unexpected: the details go to the log, never to the caller. */
export const INTERNAL_ERROR: HttpResult = errorJson(500, 'InternalError', 'Something went wrong; try again.');

/** The answer for a named error, or undefined for an unexpected one. */
export function errorAnswer(error: unknown): HttpResult | undefined {
  for (const r of HTTP_ERRORS) {
    const answer = r.answer(error);
    if (answer) return answer;
  }
  return undefined;
}
