/**
 * The Lambda entries of mail besides the email route handlers (routes.ts): the mail queue's
 * consumer, the SES feedback handler and the deferred-mail release job. Deployed by
 * lib/lojal-email.ts; the infrastructure tests count functions and bundles from this list.
 */
export const EMAIL_ENTRY_NAMES = ['email-sender', 'email-feedback', 'email-release'] as const;
export type EmailEntryName = (typeof EMAIL_ENTRY_NAMES)[number];
