import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHECKIN_LINK_DAYS, MailLinks, WeakLinkSecretError } from '../../functions/domain/email/links';

const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);
const base = { baseUrl: 'https://loyalty.example.com', unsubscribeMailbox: 'hello@example.com' };
const ring = (current: string, keys: Record<string, string>) => JSON.stringify({ current, keys });
const tokenOf = (url: string) => new URL(url).searchParams.get('t') ?? '';

/** A token as links were signed before key ids (lojal-link-v1). */
function v1Token(secret: string, parts: string[]): string {
  const message = ['lojal-link-v1', ...parts].map((p) => `${p.length}:${p}`).join('|');
  return createHmac('sha256', secret).update(message).digest().subarray(0, 16).toString('base64url');
}

describe('Class: MailLinks, key rotation', () => {
  it('keeps links signed with the old key working while the new key signs new ones', () => {
    // Prepare
    const before = new MailLinks({ ...base, secret: OLD });
    const during = new MailLinks({ ...base, secret: ring('2', { 1: OLD, 2: NEW }) });
    const after = new MailLinks({ ...base, secret: ring('2', { 2: NEW }) });
    const oldLink = tokenOf(before.unsubscribeUrl('c1'));

    // Act
    const newLink = tokenOf(during.unsubscribeUrl('c1'));

    // Assess
    expect(oldLink.startsWith('1.')).toBe(true);
    expect(newLink.startsWith('2.')).toBe(true);
    expect(during.verify('unsubscribe', 'c1', '', oldLink)).toBe(true);
    expect(during.verify('unsubscribe', 'c1', '', newLink)).toBe(true);
    expect(before.verify('unsubscribe', 'c1', '', newLink)).toBe(false);
    // Once the old key is removed, its links stop working.
    expect(after.verify('unsubscribe', 'c1', '', oldLink)).toBe(false);
    expect(after.verify('unsubscribe', 'c1', '', newLink)).toBe(true);
  });

  it('still accepts links mailed before key ids (v1), with key 1 only', () => {
    const legacy = v1Token(OLD, ['unsubscribe', 'c1', '']);
    expect(new MailLinks({ ...base, secret: OLD }).verify('unsubscribe', 'c1', '', legacy)).toBe(true);
    expect(new MailLinks({ ...base, secret: ring('2', { 1: OLD, 2: NEW }) }).verify('unsubscribe', 'c1', '', legacy)).toBe(true);
    expect(new MailLinks({ ...base, secret: ring('2', { 2: NEW }) }).verify('unsubscribe', 'c1', '', legacy)).toBe(false);
  });

  it('refuses a malformed key ring, a short key and a current key not in the ring', () => {
    expect(() => new MailLinks({ ...base, secret: '{"keys":{}}' })).toThrow(WeakLinkSecretError);
    expect(() => new MailLinks({ ...base, secret: ring('1', { 1: 'short' }) })).toThrow(WeakLinkSecretError);
    expect(() => new MailLinks({ ...base, secret: ring('3', { 1: OLD }) })).toThrow(WeakLinkSecretError);
    expect(() => new MailLinks({ ...base, secret: ring('A', { A: OLD }) })).toThrow(WeakLinkSecretError);
  });
});

describe('Class: MailLinks, token format', () => {
  const links = new MailLinks({ ...base, secret: OLD });

  // Invariant: any change to a valid token (a character added, removed or replaced, or padding, whitespace, case) is refused.
  it('accepts only the exact token it made', () => {
    const token = tokenOf(links.unsubscribeUrl('c1'));
    fc.assert(
      fc.property(fc.nat({ max: token.length }), fc.string({ minLength: 1, maxLength: 3 }), fc.boolean(), (at, insert, replace) => {
        const mutated = token.slice(0, at) + insert + token.slice(replace ? at + insert.length : at);
        fc.pre(mutated !== token);
        expect(links.verify('unsubscribe', 'c1', '', mutated)).toBe(false);
      }),
    );
    for (const variant of [`${token}=`, ` ${token}`, `${token}\n`, token.toUpperCase(), token.replace('.', '..')]) {
      expect(links.verify('unsubscribe', 'c1', '', variant)).toBe(false);
    }
    // The last base64url character carries 2 bits of the MAC; the other 63 must not decode to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const last of alphabet.replace(token.at(-1) ?? '', '')) {
      expect(links.verify('unsubscribe', 'c1', '', token.slice(0, -1) + last)).toBe(false);
    }
  });
});

describe('Class: MailLinks, check-in tokens', () => {
  let now = new Date('2027-01-01T12:00:00Z');
  const links = new MailLinks({ ...base, secret: OLD, now: () => now });

  it('sign the score: the token of one button does not record another score', () => {
    now = new Date('2027-01-01T12:00:00Z');
    const token = tokenOf(links.checkinAnswerUrl('c1', 'o1', 9));
    expect(links.verify('checkin', 'c1', 'o1', token, { score: 9 })).toBe(true);
    expect(links.verify('checkin', 'c1', 'o1', token, { score: 0 })).toBe(false);
    expect(links.verify('checkin', 'c1', 'o1', token)).toBe(false);
  });

  it(`expire ${CHECKIN_LINK_DAYS} days after they are made`, () => {
    now = new Date('2027-01-01T12:00:00Z');
    const token = tokenOf(links.checkinAnswerUrl('c1', 'o1', 5));
    now = new Date(Date.parse('2027-01-01T12:00:00Z') + (CHECKIN_LINK_DAYS - 1) * 86_400_000);
    expect(links.verify('checkin', 'c1', 'o1', token, { score: 5 })).toBe(true);
    now = new Date(Date.parse('2027-01-01T12:00:00Z') + (CHECKIN_LINK_DAYS + 1) * 86_400_000);
    expect(links.verify('checkin', 'c1', 'o1', token, { score: 5 })).toBe(false);
  });

  it('cannot have their expiry moved: the expiry is signed', () => {
    now = new Date('2027-01-01T12:00:00Z');
    const [kid, expiry, mac] = tokenOf(links.checkinAnswerUrl('c1', 'o1', 5)).split('.');
    const later = (parseInt(expiry!, 36) + 365).toString(36);
    expect(links.verify('checkin', 'c1', 'o1', `${kid}.${later}.${mac}`, { score: 5 })).toBe(false);
  });
});
