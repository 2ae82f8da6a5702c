import { createHash } from 'node:crypto';
import type { BoardPosition } from '../../domain/challenges';
import { ValidationError } from '../../runtime/errors';
import { boardPk, LEDGER_END, LEDGER_PREFIX, memberPk } from './keys';
import { MAIL_LOG_PREFIX } from './mail-keys';

/**
 * The cursors the member API hands out for its paged lists. A cursor is where a DynamoDB Query
 * stopped (its `LastEvaluatedKey`), plus, for a leaderboard, the place reached; callers see an
 * opaque string and only this adapter knows the key shapes inside. A cursor carries a digest of
 * its content, so an edited or truncated cursor is refused (a 400 naming `cursor`), and it only
 * ever continues the list it was issued for: a member's ledger cursor does not open another
 * member's ledger. The digest is for integrity, not secrecy: a caller who could forge one could
 * only start the same list at another key, which the list's own key condition still bounds.
 */

/** How a decoded key must look to continue one list. */
type KeyCheck = (key: Readonly<Record<string, unknown>>) => boolean;

const DIGEST_LENGTH = 16;

const digest = (payload: string) => createHash('sha256').update(payload).digest('base64url').slice(0, DIGEST_LENGTH);

function refused(): ValidationError {
  return new ValidationError('cursor', 'is not a cursor this API issued');
}

function encode(key: Record<string, unknown>, state?: Record<string, number>): string {
  const payload = Buffer.from(JSON.stringify(state === undefined ? { k: key } : { k: key, s: state })).toString('base64url');
  return `${payload}.${digest(payload)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key (only the attributes `names`, all strings) and state inside a cursor this module made, or a ValidationError. */
function decode(cursor: string, names: readonly string[], check: KeyCheck): { key: Record<string, string>; state: unknown } {
  const dot = cursor.indexOf('.');
  const payload = cursor.slice(0, dot);
  if (dot < 0 || cursor.slice(dot + 1) !== digest(payload)) throw refused();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  if (!isRecord(parsed) || !isRecord(parsed.k) || !check(parsed.k)) throw refused();
  const key: Record<string, string> = {};
  for (const name of names) {
    const value = parsed.k[name];
    if (typeof value !== 'string') throw refused();
    key[name] = value;
  }
  return { key, state: parsed.s };
}

/** A member's ledger (entries and corrections): the member's partition, within the ledger's sort-key range. */
export const ledgerCursor = {
  encode: (key: Record<string, unknown> | undefined): string | null => (key ? encode(key) : null),
  decode: (cursor: string | undefined, customerId: string): Record<string, string> | undefined =>
    cursor === undefined
      ? undefined
      : decode(
          cursor,
          ['pk', 'sk'],
          (k) => k.pk === memberPk(customerId) && typeof k.sk === 'string' && k.sk >= LEDGER_PREFIX && k.sk <= LEDGER_END,
        ).key,
};

/** A member's mail log (every mail decision). */
export const mailLogCursor = {
  encode: (key: Record<string, unknown> | undefined): string | null => (key ? encode(key) : null),
  decode: (cursor: string | undefined, customerId: string): Record<string, string> | undefined =>
    cursor === undefined
      ? undefined
      : decode(cursor, ['pk', 'sk'], (k) => k.pk === memberPk(customerId) && typeof k.sk === 'string' && k.sk.startsWith(MAIL_LOG_PREFIX))
          .key,
};

/** A challenge's leaderboard (the `board` index): where the Query stopped and the place and score of the last row shown, so ranks continue across pages. */
export const boardCursor = {
  encode: (key: Record<string, unknown> | undefined, position: BoardPosition): string | null =>
    key ? encode(key, { seen: position.seen, lastRank: position.lastRank, lastScore: position.lastScore }) : null,
  decode: (cursor: string | undefined, challengeId: string): { key: Record<string, string>; position: BoardPosition } | undefined => {
    if (cursor === undefined) return undefined;
    const { key, state } = decode(cursor, ['pk', 'sk', 'boardPk', 'boardSk'], (k) => k.boardPk === boardPk(challengeId));
    if (!isRecord(state)) throw refused();
    const { seen, lastRank, lastScore } = state;
    const count = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
    if (!count(seen) || !count(lastRank) || !count(lastScore)) throw refused();
    return { key, position: { seen, lastRank, lastScore } };
  },
};
