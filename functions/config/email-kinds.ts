/**
 * Mail kinds and whether each is service or marketing mail by default (docs/member-api.md). Apart
 * from program.ts so Lambda bundles can read them without importing the configuration schema,
 * which is written in classic zod and would add its weight to every function that mails.
 */
export const EMAIL_KINDS = [
  'welcome',
  'checkin',
  'replacement',
  'anniversary',
  'birthday',
  'tier',
  'reward',
  'expiry',
  'perk',
  'challenge',
  // A client message a flow's `email` step sends (docs/flows.md); the job names the message.
  'flow',
] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

export const DEFAULT_EMAIL_CLASSES: Record<EmailKind, 'service' | 'marketing'> = {
  welcome: 'service',
  checkin: 'service',
  replacement: 'marketing',
  anniversary: 'marketing',
  birthday: 'marketing',
  tier: 'service',
  reward: 'service',
  expiry: 'service',
  // News about the member's own membership, like a tier change: not an offer.
  perk: 'service',
  // About prize points the member has just received, like a reward: not an offer.
  challenge: 'service',
  // What a client's flow sends on its own: offers, asks and news, so it needs consent.
  flow: 'marketing',
};

/** Whether `kind` is service or marketing mail for a client: its `emailKinds` override, else the default. */
export function emailClass(
  config: { readonly emailKinds: Partial<Record<EmailKind, 'service' | 'marketing'>> },
  kind: EmailKind,
): 'service' | 'marketing' {
  return config.emailKinds[kind] ?? DEFAULT_EMAIL_CLASSES[kind];
}
