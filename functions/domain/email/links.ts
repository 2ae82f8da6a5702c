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

/** Thrown when the signing secret is missing or too short to be a secret. */
export class WeakLinkSecretError extends Error {
  override readonly name = 'WeakLinkSecretError';
}

export interface MailLinksOptions {
  /** The client's signing secret: at least 32 characters. */
  readonly secret: string;
  /**
   * Public base URL of the member API's link routes, e.g. `https://loyalty.example.com`; no
   * trailing slash needed. A function is read at each use (the local copy learns its port late).
   */
  readonly baseUrl: string | (() => string);
  /** Mailbox for `List-Unsubscribe`'s mailto alternative (RFC 2369). */
  readonly unsubscribeMailbox: string;
}

export class MailLinks {
  private readonly secret: Buffer;

  constructor(private readonly options: MailLinksOptions) {
    if (options.secret.length < 32) throw new WeakLinkSecretError('The mail link secret must be at least 32 characters long.');
    this.secret = Buffer.from(options.secret, 'utf8');
  }

  get baseUrl(): string {
    const base = this.options.baseUrl;
    return (typeof base === 'string' ? base : base()).replace(/\/+$/, '');
  }

  /** The token for `purpose` on `customerId`'s `ref` (empty for unsubscribing, the order id for a check-in). */
  sign(purpose: LinkPurpose, customerId: string, ref = ''): string {
    // Length-prefixed fields: no choice of ids can make two different triples sign alike.
    const message = ['lojal-link-v1', purpose, customerId, ref].map((part) => `${part.length}:${part}`).join('|');
    return createHmac('sha256', this.secret).update(message).digest().subarray(0, TOKEN_BYTES).toString('base64url');
  }

  /** True when `token` was made by `sign` with the same arguments (constant-time comparison). */
  verify(purpose: LinkPurpose, customerId: string, ref: string, token: string | undefined): boolean {
    if (token === undefined) return false;
    const expected = Buffer.from(this.sign(purpose, customerId, ref), 'base64url');
    const given = Buffer.from(token, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
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

  /** The link recording `score` (0–10) as the answer to the check-in of `orderId`. */
  checkinAnswerUrl(customerId: string, orderId: string, score: number): string {
    const query = new URLSearchParams({ order: orderId, score: String(score), t: this.sign('checkin', customerId, orderId) });
    return `${this.memberUrl(customerId)}/checkin?${query.toString()}`;
  }

  private memberUrl(customerId: string): string {
    return `${this.baseUrl}/v1/members/${encodeURIComponent(customerId)}`;
  }
}
