import { NotFoundError } from '../../runtime/errors';
import { parseQuery } from '../http';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';
import { pageQuery } from './page-query';

const MessagesQuerySchema = pageQuery(25);

/** `GET /v1/members/{customerId}/messages`: mail sent to the member, newest first: when, which kind, the subject and SES's message id. */
export function getMessages({ lists, profiles }: MemberApiContext): Operation<'customerId'> {
  return async ({ params: { customerId }, event }) => {
    const query = parseQuery(MessagesQuerySchema, event);
    const page = await lists.sentMail(customerId, query.limit, query.cursor);
    if (!page.continued && page.items.length === 0 && !(await profiles.get(customerId, false)))
      throw new NotFoundError(`no member ${customerId}`);
    return {
      items: page.items.map((m) => ({ at: m.at, kind: m.kind, subject: m.subject, messageId: m.messageId })),
      nextCursor: page.nextCursor,
    };
  };
}
