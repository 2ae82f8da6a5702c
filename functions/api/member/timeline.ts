import { type MailRecord, recordMayHaveExpired } from '../../adapters/dynamo/mail-records';
import type { StoredTimelineItem } from '../../adapters/dynamo/timeline-store';
import type { MemberTimelineItem, TimelineMail } from '../../contract/member-api';
import { publicStatus } from '../../domain/timeline';
import { NotFoundError } from '../../runtime/errors';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';

/**
 * `GET /v1/members/{customerId}/timeline`: scheduled check-ins and reminders, by due time (one
 * Query), a claimed item shown as pending; an emitted item carries what became of its mail (one
 * BatchGetItem of the mail records per kind), so a reminder whose mail was skipped says so.
 */
export function getTimeline({ deps, timeline, profiles, ledger, mail }: MemberApiContext): Operation<'customerId'> {
  return async ({ params: { customerId } }) => {
    const items = await timeline.list(customerId);
    if (items.length === 0 && !(await profiles.get(customerId, false)) && (await ledger.page(customerId, 1)).items.length === 0) {
      throw new NotFoundError(`no member ${customerId}`);
    }
    const emitted = (kind: StoredTimelineItem['kind']) => items.filter((i) => i.kind === kind && i.status === 'sent').map((i) => i.itemId);
    const [checkins, reminders] = await Promise.all(
      (['checkin', 'replacement'] as const).map((kind) =>
        emitted(kind).length > 0 ? mail.getMany(customerId, kind, emitted(kind)) : new Map<string, MailRecord>(),
      ),
    );
    const records = { checkin: checkins, replacement: reminders };
    const now = deps.clock.now();
    const mailOf = (item: StoredTimelineItem): { mail?: TimelineMail } => {
      const record = records[item.kind]?.get(item.itemId);
      // A record older than its TTL is gone: say nothing rather than `pending`.
      if (!record && recordMayHaveExpired(item.sentAt ?? item.updatedAt, now)) return {};
      return { mail: mailOutcome(record) };
    };
    return {
      items: items
        .map(
          (item): MemberTimelineItem => ({
            dueAt: item.dueAt,
            kind: item.kind,
            ref: item.kind === 'checkin' ? `order:${item.orderId}` : `order:${item.orderId}:${item.product?.sku ?? ''}`,
            status: publicStatus(item.status),
            ...((item.status === 'cancelled' || item.status === 'skipped') && item.reason ? { reason: item.reason } : {}),
            ...(item.status === 'sent' ? mailOf(item) : {}),
          }),
        )
        .sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.ref < b.ref ? -1 : 1)),
    };
  };
}

/** The mail's record in the API's words: no record yet, open or claimed is `pending` (the sender has not decided). */
function mailOutcome(record: MailRecord | undefined): TimelineMail {
  switch (record?.status) {
    case 'sent':
      return { status: 'sent' };
    case 'deferred':
      return {
        status: 'deferred',
        ...(record.reason ? { reason: record.reason } : {}),
        ...(record.notBefore ? { until: record.notBefore } : {}),
      };
    case 'skipped':
    case 'failed':
      return { status: record.status, ...(record.reason ? { reason: record.reason } : {}) };
    default:
      return { status: 'pending' };
  }
}
