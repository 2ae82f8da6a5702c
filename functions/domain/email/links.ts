import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links in mail: unsubscribing and answering a check-in act for one member without a
 * login, so each link carries an HMAC-SHA256 of what it does, for whom, keyed with the
 * client's secret (Secrets Manager in AWS). Nobody without the secret can make a link for
 * another member, and a link for one purpose or member is worthless for any other.
 */

export type LinkPurpose = 'unsubscribe' | 'checkin';

/** 128 bits of the MAC, base64url: short enough for a URL, long enough never to be guessed. */
const TOKEN_BYTES = 16;
/**
 * 16 bytes in base64url, unpadded: 21 characters and a last one that carries only 2 bits, so it
 * must be one of the four whose other 4 bits are zero. Without that, 16 different last
 * characters would decode to the same MAC and a changed token would still verify.
 */
const MAC = '[A-Za-z0-9_-]{21}[AQgw]';
/** The exact token formats: `<mac>` (v1, before key ids), `<kid>.<mac>`, and a check-in's `<kid>.<expiry day>.<mac>`. */
const V1_TOKEN = new RegExp(`^${MAC}$`);
const UNSUBSCRIBE_TOKEN = new RegExp(`^([0-9a-z]{1,8})\\.(${MAC})$`);
const CHECKIN_TOKEN = new RegExp(`^([0-9a-z]{1,8})\\.([0-9a-z]{1,6})\\.(${MAC})$`);
const DAY_MS = 86_400_000;
/**
 * How long a check-in answer link works. Unsubscribe links never expire (the law wants them to
 * keep working); a check-in answer months after the order says nothing about the purchase.
 */
export const CHECKIN_LINK_DAYS = 90;

/** Thrown when the signing secret is missing or too short to be a secret. */
export class WeakLinkSecretError extends Error {
  override readonly name = 'WeakLinkSecretError';
}

/**
 * The link keys: the secret string is either one key (id `1`), or, to rotate, a JSON key ring
 * `{"current":"2","keys":{"1":"<old>","2":"<new>"}}`: new links are signed with `current`, and a
 * link signed with any key still in the ring verifies, so links in mailboxes keep working until
 * the old key is removed (docs/security.md).
 */
export interface LinkKeyRing {
  readonly current: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export function parseLinkKeys(secret: string): LinkKeyRing {
  const trimmed = secret.trim();
  let entries: [string, string][];
  let current: string;
  if (trimmed.startsWith('{')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed !== 'object' || parsed === null || !('current' in parsed) || !('keys' in parsed)) {
      throw new WeakLinkSecretError('A link key ring must be {"current": "<id>", "keys": {"<id>": "<secret>"}}.');
    }
    const keys = parsed.keys;
    if (typeof parsed.current !== 'string' || typeof keys !== 'object' || keys === null) {
      throw new WeakLinkSecretError('A link key ring must be {"current": "<id>", "keys": {"<id>": "<secret>"}}.');
    }
    current = parsed.current;
    entries = Object.entries(keys).map(([id, value]): [string, string] => [id, typeof value === 'string' ? value : '']);
  } else {
    current = '1';
    entries = [['1', secret]];
  }
  for (const [id, value] of entries) {
    if (!/^[0-9a-z]{1,8}$/.test(id)) throw new WeakLinkSecretError(`Link key id "${id}" must be 1 to 8 lower-case letters or digits.`);
    if (value.length < 32) throw new WeakLinkSecretError('The mail link secret must be at least 32 characters long.');
  }
  const keys = new Map(entries.map(([id, value]) => [id, Buffer.from(value, 'utf8')]));
  if (!keys.has(current)) throw new WeakLinkSecretError(`The current link key "${current}" is not in the key ring.`);
  return { current, keys };
}

export interface MailLinksOptions {
  /** The client's signing secret (at least 32 characters), or a JSON key ring (see parseLinkKeys). */
  readonly secret: string;
  /**
   * Public base URL of the member API's link routes, e.g. `https://loyalty.example.com`; no
   * trailing slash needed. A function is read at each use (the local copy learns its port late).
   */
  readonly baseUrl: string | (() => string);
  /** Mailbox for `List-Unsubscribe`'s mailto alternative (RFC 2369). */
  readonly unsubscribeMailbox: string;
  /** Business time, for check-in link expiry (the local copy passes its clock). @default the wall clock */
  readonly now?: () => Date;
}

/** What else a check-in token signs: the score of its button. */
export interface LinkExtra {
  readonly score?: number;
}

export class MailLinks {
  private readonly ring: LinkKeyRing;
  private readonly now: () => Date;

  constructor(private readonly options: MailLinksOptions) {
    this.ring = parseLinkKeys(options.secret);
    this.now = options.now ?? (() => new Date());
  }

  get baseUrl(): string {
    const base = this.options.baseUrl;
    return (typeof base === 'string' ? base : base()).replace(/\/+$/, '');
  }

  /**
   * The token for `purpose` on `customerId`'s `ref` (empty for unsubscribing, the order id for a
   * check-in), signed with the current key. A check-in token also signs its score and expires
   * CHECKIN_LINK_DAYS after it is made.
   */
  sign(purpose: LinkPurpose, customerId: string, ref = '', extra: LinkExtra = {}): string {
    const kid = this.ring.current;
    if (purpose === 'unsubscribe') return `${kid}.${this.mac(kid, [purpose, customerId, ref])}`;
    const expiry = (Math.floor(this.now().getTime() / DAY_MS) + CHECKIN_LINK_DAYS).toString(36);
    return `${kid}.${expiry}.${this.mac(kid, [purpose, customerId, ref, String(extra.score ?? ''), expiry])}`;
  }

  /**
   * True when `token` is exactly one of the token formats, was made by `sign` with the same
   * arguments and a key still in the ring (constant-time comparison), and has not expired.
   */
  verify(purpose: LinkPurpose, customerId: string, ref: string, token: string | undefined, extra: LinkExtra = {}): boolean {
    if (token === undefined) return false;
    if (V1_TOKEN.test(token)) {
      // Links mailed before key ids: the key that was the whole secret then is id 1 of the ring.
      const key = this.ring.keys.get('1');
      return key !== undefined && equalMac(v1Mac(key, [purpose, customerId, ref]), token);
    }
    if (purpose === 'unsubscribe') {
      const match = UNSUBSCRIBE_TOKEN.exec(token);
      if (!match) return false;
      const [, kid = '', mac = ''] = match;
      return this.ring.keys.has(kid) && equalMac(this.mac(kid, [purpose, customerId, ref]), mac);
    }
    const match = CHECKIN_TOKEN.exec(token);
    if (!match) return false;
    const [, kid = '', expiry = '', mac = ''] = match;
    if (!this.ring.keys.has(kid)) return false;
    if (parseInt(expiry, 36) * DAY_MS < this.now().getTime()) return false;
    return equalMac(this.mac(kid, [purpose, customerId, ref, String(extra.score ?? ''), expiry]), mac);
  }

  /** The https link of `List-Unsubscribe` and the mail footer; a POST to it unsubscribes at once (RFC 8058). */
  unsubscribeUrl(customerId: string): string {
    return `${this.memberUrl(customerId)}/unsubscribe?t=${this.sign('unsubscribe', customerId)}`;
  }

  /** The mailto alternative: a message to the client's mailbox whose subject names the member and carries the token. */
  unsubscribeMailto(customerId: string): string {
    const subject = `unsubscribe ${customerId} ${this.sign('unsubscribe', customerId)}`;
    return `mailto:${this.options.unsubscribeMailbox}?subject=${encodeURIComponent(subject)}`;
  }

  /** The link recording `score` (0–10) as the answer to the check-in of `orderId`; the token signs the score. */
  checkinAnswerUrl(customerId: string, orderId: string, score: number): string {
    const query = new URLSearchParams({ order: orderId, score: String(score), t: this.sign('checkin', customerId, orderId, { score }) });
    return `${this.memberUrl(customerId)}/checkin?${query.toString()}`;
  }

  private mac(kid: string, parts: readonly string[]): string {
    const key = this.ring.keys.get(kid);
    if (key === undefined) throw new WeakLinkSecretError(`No link key "${kid}"`);
    // Length-prefixed fields: no choice of ids can make two different tuples sign alike.
    const message = ['lojal-link-v2', kid, ...parts].map((part) => `${part.length}:${part}`).join('|');
    return createHmac('sha256', key).update(message).digest().subarray(0, TOKEN_BYTES).toString('base64url');
  }

  private memberUrl(customerId: string): string {
    return `${this.baseUrl}/v1/members/${encodeURIComponent(customerId)}`;
  }
}

function v1Mac(key: Buffer, parts: readonly string[]): string {
  const message = ['lojal-link-v1', ...parts].map((part) => `${part.length}:${part}`).join('|');
  return createHmac('sha256', key).update(message).digest().subarray(0, TOKEN_BYTES).toString('base64url');
}

function equalMac(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'base64url');
  const b = Buffer.from(given, 'base64url');
  return a.length === b.length && timingSafeEqual(a, b);
}
