import { publicStatus } from '../../domain/timeline';
import { NotFoundError } from '../../runtime/errors';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';

/** `GET /v1/members/{customerId}/timeline`: scheduled check-ins and reminders, by due time (one Query); a claimed item shows as pending. */
export function getTimeline({ timeline, profiles, ledger }: MemberApiContext): Operation<'customerId'> {
  return async ({ params: { customerId } }) => {
    const items = await timeline.list(customerId);
    if (items.length === 0 && !(await profiles.get(customerId, false)) && (await ledger.page(customerId, 1)).items.length === 0) {
      throw new NotFoundError(`no member ${customerId}`);
    }
    return {
      items: items
        .map((item) => ({
          dueAt: item.dueAt,
          kind: item.kind,
          ref: item.kind === 'checkin' ? `order:${item.orderId}` : `order:${item.orderId}:${item.product?.sku ?? ''}`,
          status: publicStatus(item.status),
        }))
        .sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.ref < b.ref ? -1 : 1)),
    };
  };
}
