import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { memberPk } from '../adapters/dynamo/keys';
import { MailStore } from '../adapters/dynamo/mail-store';
import { ProfileStore } from '../adapters/dynamo/profile-store';
import { updateProfile } from '../app/update-profile';
import type { MemberApiRouteSpec } from '../contract/member-api';
import { MAIL_COPY } from '../domain/email/copy';
import { escapeHtml } from '../domain/email/escape';
import { mailLocale } from '../domain/email/locale';
import { NotFoundError, ValidationError } from '../runtime/errors';
import type { HandlerDeps } from '../handlers/registry';

/**
 * The member API's mail routes: the sent-mail log, and the two pages the links in mail open.
 *
 * The link routes are public (no shop credentials: they are opened from a mail client) and
 * prove themselves by their HMAC signature (functions/domain/email/links.ts); a forged or
 * altered link gets a 403 and changes nothing. A `GET` only shows a page with a button: mail
 * scanners and link previews fetch every link in a mail, and must not unsubscribe anybody or
 * answer a check-in with each score in turn. The button `POST`s; so does a mail client's
 * one-click unsubscribe (RFC 8058, body `List-Unsubscribe=One-Click`).
 */
export const MAIL_API_ROUTES = [
  { method: 'GET', path: '/v1/members/{customerId}/messages', operation: 'getMessages' },
  { method: 'GET', path: '/v1/members/{customerId}/unsubscribe', operation: 'showUnsubscribe', auth: 'public' },
  { method: 'POST', path: '/v1/members/{customerId}/unsubscribe', operation: 'unsubscribe', auth: 'public' },
  { method: 'GET', path: '/v1/members/{customerId}/checkin', operation: 'showCheckinAnswer', auth: 'public' },
  { method: 'POST', path: '/v1/members/{customerId}/checkin', operation: 'answerCheckin', auth: 'public' },
] as const satisfies readonly MemberApiRouteSpec[];
export type MailApiOperation = (typeof MAIL_API_ROUTES)[number]['operation'];

/** A complete HTTP answer (an HTML page), passed through by the member API instead of being serialised as JSON. */
export class HttpAnswer {
  constructor(readonly result: APIGatewayProxyStructuredResultV2) {}
}

const PageQuerySchema = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});

const LinkQuerySchema = z.object({ t: z.optional(z.string().check(z.maxLength(200))) });
const CheckinQuerySchema = z.object({
  t: z.optional(z.string().check(z.maxLength(200))),
  order: z.string().check(z.minLength(1), z.maxLength(200)),
  score: z.coerce.number().check(z.int(), z.minimum(0), z.maximum(10)),
});

type Operation = (customerId: string, event: APIGatewayProxyEventV2) => Promise<unknown>;

export function createMailApiOperations(deps: Omit<HandlerDeps, 'deadLetters'>): Record<MailApiOperation, Operation> {
  const mail = new MailStore(deps.dynamo, deps.tableName);
  const profiles = new ProfileStore(deps.dynamo, deps.tableName);
  const brand = deps.config.brand.name;

  const copyFor = async (customerId: string) => MAIL_COPY[mailLocale((await profiles.get(customerId, false))?.profile.values.locale, deps.config)];

  /** The link's signature, checked before anything is read or written for the member. */
  const verified = (purpose: 'unsubscribe' | 'checkin', customerId: string, ref: string, token: string | undefined, score?: number): boolean =>
    deps.email?.links?.verify(purpose, customerId, ref, token, score === undefined ? {} : { score }) ?? false;

  const page = (status: number, title: string, body: string) =>
    new HttpAnswer({
      statusCode: status,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // The pages carry a signed link: keep it out of referrers, frames and scripts.
        'referrer-policy': 'no-referrer',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      },
      body:
        `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>` +
        `<body style="font-family:Helvetica,Arial,sans-serif;max-width:480px;margin:48px auto;padding:0 16px;color:#18181b">` +
        `<p style="font-weight:bold">${escapeHtml(brand)}</p>${body}</body></html>`,
    });
  // In the client's own language, never the member's: a bad token is answered without reading
  // the table, so flooding the link routes costs no reads and leaks no member's locale.
  const invalid = async (_customerId: string) => {
    const copy = MAIL_COPY[mailLocale(undefined, deps.config)];
    return page(403, copy.pages.invalidLink, `<p>${escapeHtml(copy.pages.invalidLink)}</p>`);
  };
  /** A form that POSTs back to the same signed URL. */
  const form = (event: APIGatewayProxyEventV2, button: string) =>
    `<form method="post" action="${escapeHtml(`${event.rawPath}?${event.rawQueryString}`)}"><button type="submit" style="padding:12px 20px;font-size:16px">${escapeHtml(button)}</button></form>`;

  return {
    /** Mail sent to the member, newest first: when, which kind, the subject and SES's message id. */
    async getMessages(customerId, event) {
      const query = PageQuerySchema.safeParse(event.queryStringParameters ?? {});
      if (!query.success) throw ValidationError.fromZod(query.error, 'query');
      const start = decodeCursor(query.data.cursor, customerId);
      const result = await mail.logPage(customerId, query.data.limit, start);
      if (!start && result.items.length === 0 && !(await profiles.get(customerId, false))) throw new NotFoundError(`no member ${customerId}`);
      return {
        items: result.items.map((m) => ({ at: m.at, kind: m.kind, subject: m.subject, messageId: m.messageId })),
        nextCursor: result.cursor ? Buffer.from(JSON.stringify(result.cursor)).toString('base64url') : null,
      };
    },

    async showUnsubscribe(customerId, event) {
      const query = LinkQuerySchema.safeParse(event.queryStringParameters ?? {});
      if (!query.success || !verified('unsubscribe', customerId, '', query.data.t)) return invalid(customerId);
      const copy = await copyFor(customerId);
      return page(200, copy.pages.unsubscribeTitle, `<p>${escapeHtml(copy.pages.unsubscribeQuestion(brand))}</p>${form(event, copy.pages.unsubscribeButton)}`);
    },

    /** Withdraws marketing consent, as a profile change at this instant (last writer wins, like the shop's own updates). */
    async unsubscribe(customerId, event) {
      const query = LinkQuerySchema.safeParse(event.queryStringParameters ?? {});
      if (!query.success || !verified('unsubscribe', customerId, '', query.data.t)) return invalid(customerId);
      await updateProfile(
        profiles,
        customerId,
        { type: 'set', at: deps.clock.now().getTime(), values: { marketingConsent: false } },
        { clientTimeZone: deps.config.timeZone },
      );
      deps.metrics.addMetric('Unsubscribes', 'Count', 1);
      const copy = await copyFor(customerId);
      return page(200, copy.pages.unsubscribeTitle, `<p>${escapeHtml(copy.pages.unsubscribed(brand))}</p>`);
    },

    async showCheckinAnswer(customerId, event) {
      const query = CheckinQuerySchema.safeParse(event.queryStringParameters ?? {});
      if (!query.success || !verified('checkin', customerId, query.data.order, query.data.t, query.data.score)) return invalid(customerId);
      const copy = await copyFor(customerId);
      return page(200, copy.pages.checkinButton, `<p>${escapeHtml(copy.pages.checkinChosen(query.data.score))}</p>${form(event, copy.pages.checkinButton)}`);
    },

    /** Records the answer (0–10) to the check-in of an order; answering again replaces it. */
    async answerCheckin(customerId, event) {
      const query = CheckinQuerySchema.safeParse(event.queryStringParameters ?? {});
      if (!query.success || !verified('checkin', customerId, query.data.order, query.data.t, query.data.score)) return invalid(customerId);
      await mail.recordCheckinAnswer(customerId, query.data.order, query.data.score, deps.clock.now());
      deps.metrics.addMetric('CheckinAnswers', 'Count', 1);
      const copy = await copyFor(customerId);
      return page(200, copy.pages.checkinThanks, `<p>${escapeHtml(copy.pages.checkinThanks)}</p>`);
    },
  };
}

function decodeCursor(cursor: string | undefined, customerId: string): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (key.pk !== memberPk(customerId) || typeof key.sk !== 'string' || !key.sk.startsWith('MAILLOG#')) throw new Error('foreign cursor');
    return { pk: key.pk, sk: key.sk };
  } catch {
    throw new ValidationError('cursor', 'is not a cursor this API issued');
  }
}
