import { groupOf } from '../../domain/measurement/groups';
import { NotFoundError } from '../../runtime/errors';
import { parseQuery } from '../http';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';
import { pageQuery } from './page-query';

const LedgerQuerySchema = pageQuery(25);

/** `GET /v1/members/{customerId}/ledger`: entries and corrections, newest first, 25 a page by default. */
export function getLedger({ deps, lists, profiles }: MemberApiContext): Operation<'customerId'> {
  return async ({ params: { customerId }, event }) => {
    const query = parseQuery(LedgerQuerySchema, event);
    const page = await lists.ledgerEntries(customerId, query.limit, query.cursor);
    if (!page.continued && page.items.length === 0 && !(await profiles.get(customerId, false))) {
      throw new NotFoundError(`no member ${customerId}`);
    }
    return {
      // Exported with the entries, so a ledger read outside Lojal can tell control members apart (docs/measurement.md).
      group: groupOf(deps.config, customerId),
      items: page.items.map((item) => ({
        at: item.at,
        delta: item.delta,
        reason: item.reason,
        ref: item.type === 'entry' ? `${item.kind}:${item.ref}` : `correction:${item.ref.replace('#', ':')}`,
        ...(item.type === 'entry' && item.status !== 'applied' ? { status: item.status } : {}),
        ...(item.type === 'entry' && item.pricing ? { pricing: item.pricing } : {}),
      })),
      nextCursor: page.nextCursor,
    };
  };
}
