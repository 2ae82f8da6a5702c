/**
 * The member a mail went to, as an SES message tag: it comes back on bounce and complaint
 * events, so the opt-out they mean is recorded for the member (record-mail-feedback.ts). SES
 * tag values allow only [A-Za-z0-9_.@-] up to 256 characters: base64url, left off when longer.
 */
export function memberTag(customerId: string): { readonly name: string; readonly value: string }[] {
  const value = Buffer.from(customerId, 'utf8').toString('base64url');
  return value.length <= 256 ? [{ name: MEMBER_TAG, value }] : [];
}
export const MEMBER_TAG = 'member';

/** The member a tagged mail went to (see `memberTag`). */
export function memberOfTags(tags: Readonly<Record<string, readonly string[]>> | undefined): string | undefined {
  const value = tags?.[MEMBER_TAG]?.[0];
  if (value === undefined || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  const id = Buffer.from(value, 'base64url').toString('utf8');
  return id.length > 0 && Buffer.from(id, 'utf8').toString('base64url') === value ? id : undefined;
}
