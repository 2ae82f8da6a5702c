/**
 * How long a mail log line (a mail decision) is kept unless the client says (`mailLogRetentionDays`): a year
 * and a month. Its own module so the mail functions, which need only this number, do not bundle
 * the client file's schema.
 */
export const DEFAULT_MAIL_LOG_RETENTION_DAYS = 400;
