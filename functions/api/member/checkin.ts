import * as z from 'zod/mini';
import { recordCheckinAnswer } from '../../app/record-checkin-answer';
import { escapeHtml } from '../../domain/email/escape';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';
import type { MailPages } from './mail-pages';

const CheckinQuerySchema = z.object({
  t: z.optional(z.string().check(z.maxLength(200))),
  order: z.string().check(z.minLength(1), z.maxLength(200)),
  score: z.coerce.number().check(z.int(), z.minimum(0), z.maximum(10)),
});

/** `GET /v1/members/{customerId}/checkin` (public, signed link): the score chosen, with the button that POSTs it. */
export function showCheckinAnswer(_context: MemberApiContext, pages: MailPages): Operation<'customerId'> {
  return async ({ params: { customerId }, event }) => {
    const query = CheckinQuerySchema.safeParse(event.queryStringParameters ?? {});
    if (!query.success || !pages.verified('checkin', customerId, query.data.order, query.data.t, query.data.score))
      return pages.invalid(customerId);
    const copy = await pages.copyFor(customerId);
    return pages.page(
      200,
      copy.pages.checkinButton,
      `<p>${escapeHtml(copy.pages.checkinChosen(query.data.score))}</p>${pages.form(event, copy.pages.checkinButton)}`,
    );
  };
}

/**
 * `POST /v1/members/{customerId}/checkin` (public, signed link): records the answer (0–10) to an
 * order's check-in with its NPS counters, and announces it as `nps.answered`; answering again replaces it.
 */
export function answerCheckin({ deps, checkins }: MemberApiContext, pages: MailPages): Operation<'customerId'> {
  return async ({ params: { customerId }, event }) => {
    const query = CheckinQuerySchema.safeParse(event.queryStringParameters ?? {});
    if (!query.success || !pages.verified('checkin', customerId, query.data.order, query.data.t, query.data.score))
      return pages.invalid(customerId);
    await recordCheckinAnswer({ ...deps, checkins }, customerId, query.data.order, query.data.score);
    const copy = await pages.copyFor(customerId);
    return pages.page(200, copy.pages.checkinThanks, `<p>${escapeHtml(copy.pages.checkinThanks)}</p>`);
  };
}
