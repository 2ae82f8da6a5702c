import { audienceChanges } from '../adapters/dynamo/audience-store';
import { calendarChanges } from '../adapters/dynamo/calendar-store';
import { OptOutNotices } from '../adapters/dynamo/opt-out-notices';
import type { ProfileStore } from '../adapters/dynamo/profile-store';
import { calendarEntriesOf } from '../domain/calendar';
import { applyProfileChange, type ProfileChange } from '../domain/profile';
import { type AttributeChange, type AttributeDeclarations, attributeIssue } from '../domain/attributes';
import { ConcurrentUpdateError, ValidationError } from '../runtime/errors';

const MAX_ATTEMPTS = 8;

/**
 * An event's member attributes, checked against the client's declaration before anything is
 * written: an undeclared name or a value of the wrong type is bad input naming the field
 * (`detail.attributes.shoeSize: must be a number`), dead-lettered like any other.
 */
export function checkedAttributes(declared: AttributeDeclarations, given: AttributeChange | undefined): { attributes?: AttributeChange } {
  if (given === undefined) return {};
  const issue = attributeIssue(declared, given);
  if (issue) throw new ValidationError(`detail.attributes.${issue.name}`, issue.reason);
  return { attributes: given };
}

export interface UpdateProfileOptions {
  /** The client's time zone: a registration's local date is taken there when the member has none. */
  readonly clientTimeZone: string;
}

/**
 * Applies a profile change with optimistic concurrency; a change that alters nothing writes
 * nothing. The member's calendar entries (anniversary, birthday) are derived from the merged
 * profile and written in the same transaction, so they follow the profile's last-writer-wins
 * outcome whatever order the changes arrive in, and a deletion takes them out of the index. So
 * is the member's entry in the `audience` index, with the facts a broadcast filters on.
 */
export async function updateProfile(
  profiles: ProfileStore,
  customerId: string,
  change: ProfileChange,
  options: UpdateProfileOptions,
): Promise<'applied' | 'duplicate'> {
  for (let attempt = 1; ; attempt++) {
    const stored = await profiles.get(customerId);
    const next = applyProfileChange(customerId, stored?.profile, change);
    if (stored && next === stored.profile) return 'duplicate';
    const dates = calendarChanges(
      customerId,
      calendarEntriesOf(stored?.profile, options.clientTimeZone),
      calendarEntriesOf(next, options.clientTimeZone),
    );
    const audience = audienceChanges(customerId, stored?.profile, next, options.clientTimeZone);
    const calendar = { puts: [...dates.puts, ...audience.puts], deletes: [...dates.deletes, ...audience.deletes] };
    // A new opt-out is recorded with its notice (customer.unsubscribed, announced after the write).
    const { unsubscribedAt, unsubscribeReason } = next;
    const newOptOut = unsubscribedAt !== undefined && unsubscribeReason !== undefined && unsubscribedAt !== stored?.profile.unsubscribedAt;
    const derived = newOptOut
      ? { ...calendar, puts: [...calendar.puts, OptOutNotices.item(customerId, unsubscribedAt, unsubscribeReason)] }
      : calendar;
    if (await profiles.put(next, stored?.version ?? 0, derived)) return 'applied';
    if (attempt >= MAX_ATTEMPTS) throw new ConcurrentUpdateError(`gave up updating a profile after ${attempt} concurrent updates`);
    await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
  }
}
