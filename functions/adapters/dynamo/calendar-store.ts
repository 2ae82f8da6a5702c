import { advanceWatermark, type IndexPageCost, readWatermark } from './common';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CalendarEntry, CalendarKind, FoundEntry, IndexRead, LocalDate } from '../../domain/calendar';
import { monthDayOf } from '../../domain/calendar';
import { CALENDAR_WATERMARK_KEY, calendarIndexSk, calendarPk, calendarShard, calendarSk, calendarSkPrefix, memberPk } from './keys';

export const CALENDAR_INDEX = 'calendar';

/** A base-table key. */
export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** The calendar item of an entry: under its member, and in the `calendar` index by month-day. */
export function calendarRecord(customerId: string, entry: CalendarEntry): Record<string, unknown> {
  return {
    pk: memberPk(customerId),
    sk: calendarSk(entry.kind),
    type: 'calendar',
    customerId,
    calPk: calendarPk(monthDayOf(entry.date), calendarShard(customerId)),
    calSk: calendarIndexSk(entry.kind, entry.date, customerId),
    ...(entry.kind === 'anniversary' ? { registeredAt: entry.registeredAt, timeZone: entry.timeZone } : { birthday: entry.date }),
  };
}

/** The writes that turn a member's calendar items from `before` into `after`; nothing when they agree. */
export function calendarChanges(
  customerId: string,
  before: readonly CalendarEntry[],
  after: readonly CalendarEntry[],
): { puts: Record<string, unknown>[]; deletes: ItemKey[] } {
  const puts: Record<string, unknown>[] = [];
  const deletes: ItemKey[] = [];
  for (const kind of ['anniversary', 'birthday'] as const) {
    const was = before.find((e) => e.kind === kind);
    const now = after.find((e) => e.kind === kind);
    if (now && JSON.stringify(calendarRecord(customerId, now)) !== (was ? JSON.stringify(calendarRecord(customerId, was)) : undefined)) {
      puts.push(calendarRecord(customerId, now));
    } else if (!now && was) {
      deletes.push({ pk: memberPk(customerId), sk: calendarSk(kind) });
    }
  }
  return { puts, deletes };
}

export interface CalendarPage extends IndexPageCost {
  readonly entries: FoundEntry[];
}

/** The DynamoDB adapter for the daily calendar job: the `calendar` index and the job's watermark. */
export class CalendarStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** One page of an index read on one shard. */
  async page(read: IndexRead, shard: number, limit: number, cursor?: Record<string, unknown>): Promise<CalendarPage> {
    const byDate = read.registeredOn !== undefined;
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: CALENDAR_INDEX,
        KeyConditionExpression: byDate ? 'calPk = :pk AND begins_with(calSk, :prefix)' : 'calPk = :pk',
        ExpressionAttributeValues: {
          ':pk': calendarPk(read.monthDay, shard),
          ...(byDate ? { ':prefix': calendarSkPrefix('anniversary', read.registeredOn) } : {}),
        },
        ProjectionExpression: 'calSk, customerId',
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    );
    const entries: FoundEntry[] = [];
    for (const item of result.Items ?? []) {
      const [kind, date] = String(item.calSk).split('#');
      if (typeof item.customerId !== 'string' || date === undefined) continue;
      entries.push({ customerId: item.customerId, kind: (kind === 'A' ? 'anniversary' : 'birthday') as CalendarKind, date });
    }
    return {
      entries,
      read: result.ScannedCount ?? result.Count ?? 0,
      ...(result.LastEvaluatedKey ? { cursor: result.LastEvaluatedKey } : {}),
    };
  }

  /**
   * One page of the registered members of a calendar partition (month-day and shard of their
   * registration date): the member index a broadcast enumerates, one index item per member.
   */
  async members(monthDay: string, shard: number, limit: number, cursor?: Record<string, unknown>) {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: CALENDAR_INDEX,
        KeyConditionExpression: 'calPk = :pk AND begins_with(calSk, :prefix)',
        ExpressionAttributeValues: { ':pk': calendarPk(monthDay, shard), ':prefix': 'A#' },
        ProjectionExpression: 'customerId',
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    );
    return {
      customerIds: (result.Items ?? []).flatMap((i) => (typeof i.customerId === 'string' ? [i.customerId] : [])),
      read: result.ScannedCount ?? result.Count ?? 0,
      ...(result.LastEvaluatedKey ? { cursor: result.LastEvaluatedKey } : {}),
    };
  }

  async readWatermark(): Promise<LocalDate | undefined> {
    return readWatermark(this.doc, this.tableName, { key: CALENDAR_WATERMARK_KEY, field: 'date' }) as Promise<LocalDate | undefined>;
  }

  /** Moves the watermark forward; never back, whichever of two runs writes last. */
  async advanceWatermark(value: LocalDate, now: Date): Promise<void> {
    await advanceWatermark(this.doc, this.tableName, { key: CALENDAR_WATERMARK_KEY, field: 'date' }, value, now);
  }
}
