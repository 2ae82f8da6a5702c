import type { AttributeChange, AttributeValue } from './attributes';

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

/**
 * Fields erased by `customer.deleted`: everything that says who the member is or where and when
 * they live (the language, time zone, company account and registration date single a person out
 * as surely as a name). The consent flag stays, as the record that mail must not go out.
 */
export const PERSONAL_FIELDS: readonly ProfileField[] = [
  'email',
  'firstName',
  'birthday',
  'locale',
  'timeZone',
  'accountId',
  'registeredAt',
];

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
  /**
   * When Lojal recorded the member's opt-out from marketing mail (epoch ms) and how; cleared by
   * an explicit newer opt-in. While set, `marketingConsent: true` needs a `consentAt` after it.
   */
  readonly unsubscribedAt?: number;
  readonly unsubscribeReason?: OptOutReason;
  /**
   * The client-declared attributes (functions/domain/attributes.ts), each a last-writer-wins
   * register like the fields: `attributeAt` keeps the business time that set it. `null` is a
   * clear, kept so an older value delivered late cannot come back. Erased by a deletion.
   */
  readonly attributes?: Readonly<Record<string, AttributeValue | null>>;
  readonly attributeAt?: Readonly<Record<string, number>>;
}

/** How an opt-out reached Lojal: its unsubscribe link or page (one-click included), a complaint, a hard bounce. */
export type OptOutReason = 'unsubscribe' | 'complaint' | 'bounce';

export type ProfileChange =
  | {
      readonly type: 'set';
      readonly at: number;
      readonly values: ProfileValues;
      /** When the customer gave the consent this change reports (`marketingConsentAt`), if the shop says; never after now. */
      readonly consentAt?: number | undefined;
      /** Client-declared attributes this change sets (`null` clears one), already checked against the declaration. */
      readonly attributes?: AttributeChange | undefined;
    }
  | { readonly type: 'delete'; readonly at: number }
  /** An opt-out Lojal itself recorded: sticky (docs/events.md, "Consent"). */
  | { readonly type: 'opt-out'; readonly at: number; readonly reason: OptOutReason };

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
    // Attributes are the customer's own data too: those set before the deletion go.
    const attributes = { ...base.attributes };
    const attributeAt = { ...base.attributeAt };
    for (const [name, at] of Object.entries(attributeAt))
      if (at <= change.at) {
        delete attributes[name];
        delete attributeAt[name];
      }
    const { attributes: _a, attributeAt: _t, ...rest } = base;
    return {
      ...rest,
      customerId,
      values,
      fieldAt,
      deletedAt: change.at,
      ...(Object.keys(attributeAt).length > 0 ? { attributes, attributeAt } : {}),
    };
  }
  if (change.type === 'opt-out') return applyOptOut(base, change.at, change.reason);
  // Changes from before the latest deletion may only fill in non-personal fields.
  const values =
    base.deletedAt !== undefined && change.at <= base.deletedAt
      ? (Object.fromEntries(Object.entries(change.values).filter(([k]) => !PERSONAL_FIELDS.includes(k as ProfileField))) as ProfileValues)
      : change.values;
  const beforeDeletion = base.deletedAt !== undefined && change.at <= base.deletedAt;
  const fields = setFields(base, change.at, stickyConsent(base, change, values));
  return beforeDeletion || change.attributes === undefined ? fields : setAttributes(fields, change.at, change.attributes);
}

/** Sets attributes, each only when this change is newer than the one that set it (ties: the larger value), like `setFields`. */
function setAttributes(base: Profile, at: number, change: AttributeChange): Profile {
  let changed = false;
  const attributes: Record<string, AttributeValue | null> = { ...base.attributes };
  const attributeAt: Record<string, number> = { ...base.attributeAt };
  for (const [name, value] of Object.entries(change)) {
    const setAt = attributeAt[name];
    if (setAt === undefined || at > setAt || (at === setAt && String(value) > String(attributes[name]))) {
      if (attributes[name] !== value || setAt !== at) changed = true;
      attributes[name] = value;
      attributeAt[name] = at;
    }
  }
  return changed ? { ...base, attributes, attributeAt } : base;
}

/**
 * Records an opt-out: consent off at its own instant, whatever business time the shop's last
 * update claimed (a future-dated one included); later `true`s pass only through stickyConsent.
 * Recording the same opt-out again changes nothing: the first instant stays.
 */
function applyOptOut(base: Profile, at: number, reason: OptOutReason): Profile {
  if (base.unsubscribedAt !== undefined && base.values.marketingConsent !== true) return base;
  return {
    ...base,
    values: { ...base.values, marketingConsent: false },
    fieldAt: { ...base.fieldAt, marketingConsent: at },
    unsubscribedAt: at,
    unsubscribeReason: reason,
  };
}

/**
 * After an opt-out Lojal recorded, `marketingConsent: true` counts only as an explicit opt-in
 * given after it (`consentAt`): a shop's nightly sync of its stale flag is dropped. An accepted
 * opt-in clears the opt-out (see `setFields`).
 */
function stickyConsent(base: Profile, change: Extract<ProfileChange, { type: 'set' }>, values: ProfileValues): ProfileValues {
  if (values.marketingConsent !== true || base.unsubscribedAt === undefined) return values;
  if (change.consentAt !== undefined && change.consentAt > base.unsubscribedAt) return values;
  const { marketingConsent: _dropped, ...rest } = values;
  return rest;
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
  if (!changed) return base;
  // An opt-in that got through stickyConsent ends the opt-out it came after.
  if (values.marketingConsent === true && base.unsubscribedAt !== undefined) {
    const { unsubscribedAt: _u, unsubscribeReason: _r, ...rest } = base;
    return { ...rest, values, fieldAt };
  }
  return { ...base, values, fieldAt };
}
