import type { MailLogEntry } from '../../adapters/dynamo/mail-log';
import type { MemberMessage } from '../../contract/member-api';
import { NotFoundError } from '../../runtime/errors';
import { parseQuery } from '../http';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';
import { pageQuery } from './page-query';

const MessagesQuerySchema = pageQuery(25);

/**
 * `GET /v1/members/{customerId}/messages`: every mail decision about the member, newest first:
 * sent (subject, SES message id), deferred until, skipped or failed with the reason.
 */
export function getMessages({ lists, profiles }: MemberApiContext): Operation<'customerId'> {
  return async ({ params: { customerId }, event }) => {
    const query = parseQuery(MessagesQuerySchema, event);
    const page = await lists.mailDecisions(customerId, query.limit, query.cursor);
    if (!page.continued && page.items.length === 0 && !(await profiles.get(customerId, false)))
      throw new NotFoundError(`no member ${customerId}`);
    return { items: page.items.map(memberMessage), nextCursor: page.nextCursor };
  };
}

function memberMessage(entry: MailLogEntry): MemberMessage {
  const head = { at: entry.at, kind: entry.kind, ref: entry.refs[0] ?? '' };
  switch (entry.status) {
    case 'sent':
      return { ...head, status: 'sent', ...(entry.subject === undefined ? {} : { subject: entry.subject }), messageId: entry.messageId };
    case 'deferred':
      return { ...head, status: 'deferred', until: entry.until, reason: entry.reason };
    default:
      return { ...head, status: entry.status, reason: entry.reason };
  }
}
