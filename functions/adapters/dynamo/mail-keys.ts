/**
 * Keys of the mail items in Lojal's single table (documented with the others in
 * table-definition.ts):
 * - `MEMBER#<customerId>` / `MAIL#<kind>#<ref>`        one mail's record: deferred, claimed, sent, skipped or failed
 * - `MEMBER#<customerId>` / `MAILLOG#<sentAt>#<kind>#<ref>` one line of the mail log (a decision: sent, deferred, skipped, failed), newest last
 * - `MEMBER#<customerId>` / `MAILCAP`                  when the member's recent marketing mails went out
 * - `MEMBER#<customerId>` / `NPS#<orderId>`           the member's answer to a check-in
 * - `SUPPRESS#<address hash>` / `SUPPRESSION`         an address that bounced hard or complained
 * - `SWEEP#mail` / `WATERMARK`                        the month before which no deferred mail waits
 * Deferred mail is indexed in the `due` GSI under `MAILDUE#<yyyy-mm>#<0-3>`, partitions the
 * timeline sweeper never reads (it reads `DUE#…`).
 */
const keyPart = (id: string): string => encodeURIComponent(id);

export const mailSk = (kind: string, ref: string): string => `MAIL#${kind}#${keyPart(ref)}`;
export const MAIL_LOG_PREFIX = 'MAILLOG#';
export const mailLogSk = (sentAtIso: string, kind: string, ref: string): string => `${MAIL_LOG_PREFIX}${sentAtIso}#${kind}#${keyPart(ref)}`;
export const MAIL_CAP_SK = 'MAILCAP';
export const checkinAnswerSk = (orderId: string): string => `NPS#${keyPart(orderId)}`;
export const suppressionKey = (addressHash: string) => ({ pk: `SUPPRESS#${addressHash}`, sk: 'SUPPRESSION' }) as const;

/** Partitions per month of deferred mail: a morning's burst (every greeting waits for 08:00) spreads over four. */
export const MAIL_DUE_SHARDS = 4;
export const mailDuePk = (month: string, shard: number): string => `MAILDUE#${month}#${shard}`;
export const MAIL_RELEASE_WATERMARK_KEY = { pk: 'SWEEP#mail', sk: 'WATERMARK' } as const;

/** A stable shard per mail (FNV-1a of its key). */
export function mailDueShard(pk: string, sk: string): number {
  let hash = 0x811c9dc5;
  const text = `${pk}\n${sk}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % MAIL_DUE_SHARDS;
}
