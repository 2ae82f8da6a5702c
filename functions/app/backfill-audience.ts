import { type AudienceStore, audienceRecord } from '../adapters/dynamo/audience-store';
import type { CalendarStore } from '../adapters/dynamo/calendar-store';
import { CALENDAR_SHARDS } from '../adapters/dynamo/keys';
import type { ProfileStore } from '../adapters/dynamo/profile-store';
import { MONTH_DAYS } from './run-flows';

export interface AudienceBackfillDeps {
  readonly calendar: Pick<CalendarStore, 'members'>;
  readonly audience: Pick<AudienceStore, 'putIfAbsent'>;
  readonly profiles: Pick<ProfileStore, 'get'>;
  /** The client's time zone: a registration's local date is taken there when the member has none. */
  readonly clientTimeZone: string;
}

export interface AudienceBackfillReport {
  /** Registered members found in the calendar index. */
  readonly members: number;
  /** Audience items written (members registered before the `audience` index existed). */
  readonly written: number;
}

/**
 * Gives every registered member who has none their `audience` index item (docs/flows.md,
 * "Broadcasts"): a stack upgraded from before the index has its members' anniversary entries in
 * the `calendar` index but no audience items, and a broadcast enumerates only the latter. Reads
 * the calendar index partition by partition (366 month-days × 4 shards, no scan), each member's
 * profile, and writes the item only if it is still missing and the profile has not moved since
 * it was read (audience-store.ts `putIfAbsent`), so it never overwrites a profile write's newer
 * facts nor brings back a deleted member. Idempotent: a second run writes nothing.
 */
export async function backfillAudience(
  deps: AudienceBackfillDeps,
  onPartition?: (done: number, total: number) => void,
): Promise<AudienceBackfillReport> {
  let members = 0;
  let written = 0;
  const partitions = MONTH_DAYS.flatMap((monthDay) => Array.from({ length: CALENDAR_SHARDS }, (_, shard) => ({ monthDay, shard })));
  for (const [i, { monthDay, shard }] of partitions.entries()) {
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await deps.calendar.members(monthDay, shard, 100, cursor);
      for (const customerId of page.customerIds) {
        members++;
        // A profile write between the read and the put moves the version: read again (it may have written the item).
        for (let attempt = 1; attempt <= 3; attempt++) {
          const stored = await deps.profiles.get(customerId);
          const record = audienceRecord(stored?.profile, deps.clientTimeZone);
          if (!stored || !record) break;
          const outcome = await deps.audience.putIfAbsent(record, stored.version);
          if (outcome === 'committed') written++;
          if (outcome !== 'moved') break;
        }
      }
      cursor = page.cursor;
    } while (cursor);
    onPartition?.(i + 1, partitions.length);
  }
  return { members, written };
}
