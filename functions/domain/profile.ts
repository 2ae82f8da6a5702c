/**
 * A member's profile as a per-field last-writer-wins register in business time: each field
 * keeps the time of the change that set it, so registrations and updates commute and an
 * older update never overwrites a newer one. Deletion is a tombstone that erases personal
 * data and ignores every change from before it.
 */

export const PROFILE_FIELDS = [
  'email',
  'firstName',
  'locale',
  'timeZone',
  'birthday',
  'accountId',
  'marketingConsent',
  'registeredAt',
] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** Fields erased by `customer.deleted` (personal data). */
export const PERSONAL_FIELDS: readonly ProfileField[] = ['email', 'firstName', 'birthday'];

export interface ProfileValues {
  email?: string;
  firstName?: string;
  locale?: string;
  timeZone?: string;
  birthday?: string;
  accountId?: string;
  marketingConsent?: boolean;
  registeredAt?: string;
}

export interface Profile {
  readonly customerId: string;
  readonly values: ProfileValues;
  /** Business time (epoch ms) of the change that set each field. */
  readonly fieldAt: Partial<Record<ProfileField, number>>;
  /** Latest deletion, epoch ms. */
  readonly deletedAt?: number;
}

export type ProfileChange =
  | { readonly type: 'set'; readonly at: number; readonly values: ProfileValues }
  | { readonly type: 'delete'; readonly at: number };

/** Applies a change; returns the same object when it changes nothing (a duplicate or a stale update). */
export function applyProfileChange(customerId: string, current: Profile | undefined, change: ProfileChange): Profile {
  const base: Profile = current ?? { customerId, values: {}, fieldAt: {} };
  if (change.type === 'delete') {
    if (base.deletedAt !== undefined && base.deletedAt >= change.at) return base;
    const values: ProfileValues = { ...base.values };
    const fieldAt = { ...base.fieldAt };
    for (const field of PROFILE_FIELDS) {
      // Erase personal data set before the deletion; what a later change set stays.
      if (PERSONAL_FIELDS.includes(field) && (fieldAt[field] ?? 0) <= change.at) {
        delete values[field];
        delete fieldAt[field];
      }
    }
    return { customerId, values, fieldAt, deletedAt: change.at };
  }
  // Changes from before the latest deletion may only fill in non-personal fields.
  const values =
    base.deletedAt !== undefined && change.at <= base.deletedAt
      ? (Object.fromEntries(
          Object.entries(change.values).filter(([k]) => !PERSONAL_FIELDS.includes(k as ProfileField)),
        ) as ProfileValues)
      : change.values;
  return setFields(base, change.at, values);
}

function setFields(base: Profile, at: number, change: ProfileValues): Profile {
  let changed = false;
  const values: ProfileValues = { ...base.values };
  const fieldAt = { ...base.fieldAt };
  for (const field of PROFILE_FIELDS) {
    const value = change[field];
    if (value === undefined) continue;
    const setAt = fieldAt[field];
    // Ties go to the larger value so the outcome does not depend on arrival order.
    if (setAt === undefined || at > setAt || (at === setAt && String(value) > String(values[field]))) {
      if (values[field] !== value || setAt !== at) changed = true;
      (values as Record<string, unknown>)[field] = value;
      fieldAt[field] = at;
    }
  }
  return changed ? { ...base, values, fieldAt } : base;
}
