import { MAIL_COPY } from '../../domain/email/copy';
import { escapeHtml } from '../../domain/email/escape';
import { mailLocale } from '../../domain/email/locale';
import { HttpAnswer, type HttpRequest } from '../http';
import type { MemberApiContext } from './context';

/**
 * The pages the links in mail open (unsubscribe.ts, checkin.ts). The link routes are public (no
 * shop credentials: they are opened from a mail client) and prove themselves by their HMAC
 * signature (functions/domain/email/links.ts); a forged or altered link gets a 403 and changes
 * nothing. A `GET` only shows a page with a button: mail scanners and link previews fetch every
 * link in a mail, and must not unsubscribe anybody or answer a check-in with each score in turn.
 * The button `POST`s; so does a mail client's one-click unsubscribe (RFC 8058).
 */
export interface MailPages {
  /** The mail copy in the member's language. */
  copyFor(customerId: string): Promise<(typeof MAIL_COPY)[keyof typeof MAIL_COPY]>;
  /** The link's signature, checked before anything is read or written for the member. */
  verified(purpose: 'unsubscribe' | 'checkin', customerId: string, ref: string, token: string | undefined, score?: number): boolean;
  page(status: number, title: string, body: string): HttpAnswer;
  /** The 403 page of a link that is not one Lojal signed. */
  invalid(customerId: string): Promise<HttpAnswer>;
  /** A form that POSTs back to the same signed URL. */
  form(event: HttpRequest, button: string): string;
}

export function mailPages({ deps, profiles }: MemberApiContext): MailPages {
  const brand = deps.config.brand.name;
  const copyFor = async (customerId: string) =>
    MAIL_COPY[mailLocale((await profiles.get(customerId, false))?.profile.values.locale, deps.config)];
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
  return {
    copyFor,
    verified: (purpose, customerId, ref, token, score) =>
      deps.email?.links?.verify(purpose, customerId, ref, token, score === undefined ? {} : { score }) ?? false,
    page,
    // In the client's own language, never the member's: a bad token is answered without reading
    // the table, so flooding the link routes costs no reads and leaks no member's locale.
    invalid: async (_customerId) => {
      const copy = MAIL_COPY[mailLocale(undefined, deps.config)];
      return page(403, copy.pages.invalidLink, `<p>${escapeHtml(copy.pages.invalidLink)}</p>`);
    },
    form: (event, button) =>
      `<form method="post" action="${escapeHtml(`${event.rawPath}?${event.rawQueryString}`)}"><button type="submit" style="padding:12px 20px;font-size:16px">${escapeHtml(button)}</button></form>`,
  };
}
