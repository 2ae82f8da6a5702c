import * as z from 'zod/mini';
import { OptOutNotices } from '../../adapters/dynamo/opt-out-notices';
import { recordOptOut } from '../../app/record-opt-out';
import { escapeHtml } from '../../domain/email/escape';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';
import type { MailPages } from './mail-pages';

const LinkQuerySchema = z.object({ t: z.optional(z.string().check(z.maxLength(200))) });

/** `GET /v1/members/{customerId}/unsubscribe` (public, signed link): a page asking to confirm, with the button that POSTs. */
export function showUnsubscribe({ deps }: MemberApiContext, pages: MailPages): Operation<'customerId'> {
  return async ({ params: { customerId }, event }) => {
    const query = LinkQuerySchema.safeParse(event.queryStringParameters ?? {});
    if (!query.success || !pages.verified('unsubscribe', customerId, '', query.data.t)) return pages.invalid(customerId);
    const copy = await pages.copyFor(customerId);
    return pages.page(
      200,
      copy.pages.unsubscribeTitle,
      `<p>${escapeHtml(copy.pages.unsubscribeQuestion(deps.config.brand.name))}</p>${pages.form(event, copy.pages.unsubscribeButton)}`,
    );
  };
}

/**
 * `POST /v1/members/{customerId}/unsubscribe` (public, signed link; also RFC 8058 one-click):
 * withdraws marketing consent at this instant, stickily, and announces it as customer.unsubscribed
 * (docs/emails.md).
 */
export function unsubscribe({ deps, profiles }: MemberApiContext, pages: MailPages): Operation<'customerId'> {
  const notices = new OptOutNotices(deps.dynamo, deps.tableName);
  return async ({ params: { customerId }, event }) => {
    const query = LinkQuerySchema.safeParse(event.queryStringParameters ?? {});
    if (!query.success || !pages.verified('unsubscribe', customerId, '', query.data.t)) return pages.invalid(customerId);
    await recordOptOut({ ...deps, profiles, notices, clientTimeZone: deps.config.timeZone }, customerId, 'unsubscribe');
    deps.metrics.addMetric('Unsubscribes', 'Count', 1);
    const copy = await pages.copyFor(customerId);
    return pages.page(200, copy.pages.unsubscribeTitle, `<p>${escapeHtml(copy.pages.unsubscribed(deps.config.brand.name))}</p>`);
  };
}
