import { describe, expect, it } from 'vitest';
import { crossSellCategories } from '../../functions/domain/email/cross-sell';
import { escapeHtml, oneLine } from '../../functions/domain/email/escape';
import { MailLinks, WeakLinkSecretError } from '../../functions/domain/email/links';
import { mailLocale } from '../../functions/domain/email/locale';
import { earliestSendTime, eligibility, firstAllowedByCap, inHoldout, localDay } from '../../functions/domain/email/policy';
import { addressHash } from '../../functions/domain/email/suppression';
import { RENDERABLE_KINDS, renderMail, TemplateDataError } from '../../functions/domain/email/templates';
import { senderAddress } from '../../functions/app/send-mail';
import { demoConfig } from '../support/deps';

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

describe('Function: mailLocale', () => {
  const demo = { locales: ['sv', 'en'], defaultLocale: 'sv' };
  it.each([
    ['sv-SE', demo, 'sv'],
    ['en-US', demo, 'en'],
    ['nb-NO', demo, 'sv'],
    [undefined, demo, 'sv'],
    ['nb-NO', { locales: ['nb', 'en'], defaultLocale: 'en' }, 'nb'],
    ['no', { locales: ['nb'], defaultLocale: 'nb' }, 'nb'],
    ['de', { locales: ['de', 'en'], defaultLocale: 'de' }, 'en'],
  ] as const)('a member with locale %s of a client offering %o reads %s', (member, config, expected) => {
    expect(mailLocale(member, { locales: [...config.locales], defaultLocale: config.defaultLocale })).toBe(expected);
  });
});

describe('Function: firstAllowedByCap', () => {
  const cap = { emails: 2, perDays: 7 };
  it('allows a mail at once while fewer than the cap went out in the window', () => {
    expect(firstAllowedByCap([at('2027-03-01T10:00:00Z')], at('2027-03-05T10:00:00Z'), cap)).toBe(at('2027-03-05T10:00:00Z'));
  });
  it('defers one more to when the oldest mail that blocks it leaves the rolling window', () => {
    const sent = [at('2027-03-04T09:00:00Z'), at('2027-03-01T10:00:00Z'), at('2027-03-03T08:00:00Z')];
    expect(firstAllowedByCap(sent, at('2027-03-05T10:00:00Z'), cap)).toBe(at('2027-03-03T08:00:00Z') + 7 * DAY);
  });
  it('forgets mail older than the window', () => {
    const sent = [at('2027-02-01T10:00:00Z'), at('2027-02-02T10:00:00Z')];
    expect(firstAllowedByCap(sent, at('2027-03-05T10:00:00Z'), cap)).toBe(at('2027-03-05T10:00:00Z'));
  });
});

describe('Function: earliestSendTime', () => {
  const input = { kind: 'birthday' as const, mailClass: 'marketing' as const, marketingSentAt: [], timeZone: 'Europe/Stockholm' };
  it('moves scheduled mail out of quiet hours on the member’s clock, across a daylight-saving change', () => {
    // 23:30 on 27 March 2027 in Stockholm; clocks go forward that night, so 08:00 is 06:00 UTC.
    expect(new Date(earliestSendTime(demoConfig, { ...input, now: at('2027-03-27T22:30:00Z') })).toISOString()).toBe(
      '2027-03-28T06:00:00.000Z',
    );
  });
  it('sends the welcome at once, even at night', () => {
    const now = at('2027-03-10T23:30:00Z');
    expect(earliestSendTime(demoConfig, { ...input, kind: 'welcome', mailClass: 'service', now })).toBe(now);
  });
  it('a mail the cap pushes into the night waits for the morning after', () => {
    const sent = [at('2027-03-03T21:30:00Z'), at('2027-03-04T08:00:00Z')];
    const now = at('2027-03-05T10:00:00Z');
    expect(new Date(earliestSendTime(demoConfig, { ...input, marketingSentAt: sent, now })).toISOString()).toBe('2027-03-11T07:00:00.000Z');
  });
});

describe('Function: eligibility', () => {
  it('lets service mail through without consent, never marketing mail; a suppressed or missing address stops both', () => {
    expect(eligibility(demoConfig, 'checkin', 'c1', { email: 'a@b.se', suppressed: false })).toEqual({ send: true, mailClass: 'service' });
    expect(eligibility(demoConfig, 'birthday', 'c1', { email: 'a@b.se', suppressed: false })).toEqual({
      send: false,
      reason: 'no-consent',
    });
    expect(eligibility(demoConfig, 'birthday', 'c1', { email: 'a@b.se', marketingConsent: true, suppressed: false })).toEqual({
      send: true,
      mailClass: 'marketing',
    });
    expect(eligibility(demoConfig, 'welcome', 'c1', { email: 'a@b.se', suppressed: true })).toEqual({ send: false, reason: 'suppressed' });
    expect(eligibility(demoConfig, 'welcome', 'c1', { suppressed: false })).toEqual({ send: false, reason: 'no-address' });
    expect(
      eligibility({ ...demoConfig, emailKinds: { birthday: 'service' } }, 'birthday', 'c1', { email: 'a@b.se', suppressed: false }).send,
    ).toBe(true);
  });
  it('keeps a stable holdout share of members out of marketing mail', () => {
    const members = Array.from({ length: 10_000 }, (_, i) => `m${i}`);
    const held = members.filter((m) => inHoldout(m, 10)).length;
    expect(held).toBeGreaterThan(900);
    expect(held).toBeLessThan(1100);
    expect(members.filter((m) => inHoldout(m, 0))).toEqual([]);
    expect(inHoldout('m42', 10)).toBe(inHoldout('m42', 10));
  });
  it('counts days on the member’s calendar', () => {
    expect(localDay(at('2027-03-10T23:30:00Z'), 'Europe/Stockholm')).toBe('2027-03-11');
    expect(localDay(at('2027-03-10T23:30:00Z'), 'America/New_York')).toBe('2027-03-10');
  });
});

describe('Class: MailLinks', () => {
  const links = new MailLinks({ secret: 'x'.repeat(40), baseUrl: 'https://loyalty.example.com/', unsubscribeMailbox: 'hello@example.com' });
  it('verifies its own tokens and nothing else: another member, purpose, ref or secret fails', () => {
    const token = links.sign('checkin', 'c1', 'o1');
    expect(links.verify('checkin', 'c1', 'o1', token)).toBe(true);
    expect(links.verify('checkin', 'c2', 'o1', token)).toBe(false);
    expect(links.verify('checkin', 'c1', 'o2', token)).toBe(false);
    expect(links.verify('unsubscribe', 'c1', 'o1', token)).toBe(false);
    expect(links.verify('checkin', 'c1', 'o1', undefined)).toBe(false);
    expect(links.verify('checkin', 'c1', 'o1', `${token}x`)).toBe(false);
    const other = new MailLinks({ secret: 'y'.repeat(40), baseUrl: 'https://x', unsubscribeMailbox: 'a@b.c' });
    expect(other.verify('checkin', 'c1', 'o1', token)).toBe(false);
    // Field boundaries are length-prefixed: ("c1o", "1") never signs like ("c1", "o1").
    expect(links.verify('checkin', 'c1o', '1', token)).toBe(false);
  });
  it('builds https unsubscribe and answer links under the base URL, ids encoded', () => {
    expect(links.unsubscribeUrl('c/1')).toMatch(/^https:\/\/loyalty\.example\.com\/v1\/members\/c%2F1\/unsubscribe\?t=1\.[\w-]{22}$/);
    expect(links.checkinAnswerUrl('c1', 'o 1', 7)).toMatch(/\/v1\/members\/c1\/checkin\?order=o\+1&score=7&t=1\.[0-9a-z]+\.[\w-]{22}$/);
    expect(links.unsubscribeMailto('c1')).toMatch(/^mailto:hello@example\.com\?subject=unsubscribe%20c1%201\.[\w-]{22}$/);
  });
  it('refuses a secret too short to be one', () => {
    expect(() => new MailLinks({ secret: 'short', baseUrl: 'https://x', unsubscribeMailbox: 'a@b.c' })).toThrow(WeakLinkSecretError);
  });
});

describe('Function: renderMail', () => {
  const brand = { name: 'Shop & "Co"' };
  it('names the bad field and renders nothing when the data fails its schema', () => {
    expect(() => renderMail('anniversary', 'en', { brand, years: 0, bonusPoints: 500, unsubscribeUrl: 'https://x/u' })).toThrow(
      TemplateDataError,
    );
    expect(() => renderMail('anniversary', 'en', { brand, years: 2, bonusPoints: 500 })).toThrow(/anniversary\.unsubscribeUrl/);
    expect(() => renderMail('checkin', 'en', { brand, orders: [], answerUrls: [] })).toThrow(/checkin\.orders/);
  });
  it('escapes every value in HTML, brand included, and keeps the subject on one line', () => {
    const mail = renderMail('birthday', 'en', {
      brand,
      firstName: '<b>Eve</b>\r\nBcc: x@y.z',
      bonusPoints: 0,
      unsubscribeUrl: 'https://x/u?a=1&b=2',
    });
    expect(mail.html).toContain('Hi &lt;b&gt;Eve&lt;/b&gt;');
    expect(mail.html).toContain('Shop &amp; &quot;Co&quot;');
    expect(mail.html).toContain('href="https://x/u?a=1&amp;b=2"');
    expect(mail.html).not.toMatch(/<b>/);
    expect(mail.subject).toBe('Happy birthday from Shop & "Co"!');
    expect(mail.text).toContain('Hi <b>Eve</b> Bcc: x@y.z,');
  });
  it('has copy for every renderable kind in sv, nb and en', () => {
    const data = {
      welcome: { balance: 0, earnRates: [], multipliers: [], activities: [], firstOrderBonus: 0 },
      checkin: { orders: [{ orderId: 'o1', products: [] }], answerUrls: Array.from({ length: 11 }, (_, i) => `https://x/${i}`) },
      replacement: {
        products: [{ sku: 's', category: 'running-shoes', name: null, ageDays: 270 }],
        related: [],
        unsubscribeUrl: 'https://x/u',
      },
      anniversary: { years: 1, bonusPoints: 500, unsubscribeUrl: 'https://x/u' },
      birthday: { bonusPoints: 200, unsubscribeUrl: 'https://x/u' },
      tier: { change: 'expiring', tier: 'Gold', projectedTier: 'Silver', pointsToKeep: 120, reviewDate: '2028-03-10' },
      reward: { rewardName: '100 kr off', code: 'ABC-123', validUntil: '2027-06-08' },
      expiry: { points: 340, lastValidDate: '2028-03-31' },
      perk: { perkName: 'Fast payout', afterMonths: 6 },
      challenge: { challengeName: 'Spring sprint', rank: 1, prize: 300 },
    } as const;
    for (const kind of RENDERABLE_KINDS) {
      const subjects = (['sv', 'nb', 'en'] as const).map((locale) => renderMail(kind, locale, { brand, ...data[kind] }).subject);
      expect(new Set(subjects).size, kind).toBe(3);
    }
  });
});

describe('Loyalty notice templates', () => {
  const brand = { name: 'Demo' };
  it('writes tier, reward and expiry mail in Norwegian with local dates and numbers', () => {
    const up = renderMail('tier', 'nb', {
      brand,
      firstName: 'Ola',
      change: 'upgrade',
      tier: 'Gull',
      multiplier: 1.5,
      reviewDate: '2028-03-10',
    });
    expect(up.subject).toBe('Velkommen til Gull!');
    expect(up.text).toContain('Fra nå av får du 1,5× poengene på hvert kjøp.');
    expect(up.text).toContain('Nivået ditt vurderes neste gang 10. mars 2028.');
    const expiring = renderMail('tier', 'nb', {
      brand,
      change: 'expiring',
      tier: 'Gull',
      projectedTier: 'Sølv',
      pointsToKeep: 1000,
      reviewDate: '2027-04-09',
    });
    expect(expiring.text).toMatch(/Tjen 1\s000 poeng til før det for å beholde Gull\./);
    expect(renderMail('reward', 'nb', { brand, rewardName: 'Sokker', code: 'RS-1' }).text).not.toContain('senest');
    expect(renderMail('expiry', 'nb', { brand, points: 1, lastValidDate: '2027-03-31' }).subject).toBe('1 poeng utløper snart');
  });
  it('refuses a tier warning without the points to keep or the review date, and an unknown change', () => {
    expect(() =>
      renderMail('tier', 'en', { brand, change: 'expiring', tier: 'Gold', projectedTier: 'Silver', reviewDate: '2027-04-09' }),
    ).toThrow(/tier\.pointsToKeep/);
    expect(() => renderMail('tier', 'en', { brand, change: 'expiring', tier: 'Gold', projectedTier: 'Silver', pointsToKeep: 5 })).toThrow(
      TemplateDataError,
    );
    expect(() => renderMail('tier', 'en', { brand, change: 'sideways', tier: 'Gold', multiplier: 1 })).toThrow(TemplateDataError);
    expect(() => renderMail('expiry', 'en', { brand, points: 0, lastValidDate: '2027-03-31' })).toThrow(/expiry\.points/);
  });
});

describe('Perk template', () => {
  it.each([
    {
      locale: 'sv',
      subject: 'En ny förmån till dig: Fast payout',
      lines: [
        'Hej Ada!',
        'Nu har du varit medlem i 6 månader, och det ger dig en ny förmån: Fast payout.',
        'Tack för att du är medlem hos Demo.',
      ],
    },
    {
      locale: 'nb',
      subject: 'En ny fordel til deg: Fast payout',
      lines: [
        'Hei Ada!',
        'Nå har du vært medlem i 6 måneder, og det gir deg en ny fordel: Fast payout.',
        'Takk for at du er medlem hos Demo.',
      ],
    },
    {
      locale: 'en',
      subject: 'A new perk for you: Fast payout',
      lines: [
        'Hi Ada,',
        'You have now been a member for 6 months, and that brings you a new perk: Fast payout.',
        'Thank you for staying with Demo.',
      ],
    },
  ] as const)('names the perk, the months of membership and the brand in $locale', ({ locale, subject, lines }) => {
    const mail = renderMail('perk', locale, {
      brand: { name: 'Demo', websiteUrl: 'https://shop.example.com' },
      firstName: 'Ada',
      perkName: 'Fast payout',
      afterMonths: 6,
    });
    expect(mail.subject).toBe(subject);
    for (const part of [mail.html, mail.text]) {
      for (const line of lines) expect(part).toContain(line);
      expect(part).toContain('https://shop.example.com');
    }
  });
  it('says one month in the singular', () => {
    expect(renderMail('perk', 'en', { brand: { name: 'Demo' }, perkName: 'Free returns', afterMonths: 1 }).text).toContain(
      'a member for 1 month, and',
    );
    expect(renderMail('perk', 'sv', { brand: { name: 'Demo' }, perkName: 'Fri retur', afterMonths: 1 }).text).toContain(
      'medlem i 1 månad, och',
    );
    expect(renderMail('perk', 'nb', { brand: { name: 'Demo' }, perkName: 'Gratis retur', afterMonths: 1 }).text).toContain(
      'medlem i 1 måned, og',
    );
  });
  it('escapes the configured perk name, the brand and the member’s name in HTML, and keeps the subject on one line', () => {
    const mail = renderMail('perk', 'en', {
      brand: { name: 'Shop & "Co"' },
      firstName: '<img src=x onerror=alert(1)>',
      perkName: '<b>Fast</b> &\r\npayout',
      afterMonths: 6,
    });
    expect(mail.html).toContain('Hi &lt;img src=x onerror=alert(1)&gt;,');
    expect(mail.html).toContain('a new perk: &lt;b&gt;Fast&lt;/b&gt; &amp;');
    expect(mail.html).toContain('Thank you for staying with Shop &amp; &quot;Co&quot;.');
    expect(mail.html).not.toMatch(/<b>|<img/);
    expect(mail.subject).toBe('A new perk for you: <b>Fast</b> & payout');
    expect(mail.text).toContain('a new perk: <b>Fast</b> & payout.');
  });
  it('refuses a perk without a name or with no months of membership, naming the field', () => {
    expect(() => renderMail('perk', 'en', { brand: { name: 'Demo' }, perkName: '', afterMonths: 6 })).toThrow(/perk\.perkName/);
    expect(() => renderMail('perk', 'en', { brand: { name: 'Demo' }, perkName: 'Fast payout', afterMonths: 0 })).toThrow(TemplateDataError);
    expect(() => renderMail('perk', 'en', { brand: { name: 'Demo' }, perkName: 'Fast payout' })).toThrow(/perk\.afterMonths/);
  });
});

describe('Challenge template', () => {
  const brand = { name: 'Demo', websiteUrl: 'https://shop.example.com' };
  it.each([
    {
      locale: 'sv',
      subject: 'Du kom på 2:a plats i Spring sprint',
      lines: [
        'Hej Ada!',
        'Resultatet i Spring sprint är klart: du kom på 2:a plats.',
        'Ditt pris, 1 000 poäng, finns redan på ditt konto.',
        'Grattis från oss alla på Demo!',
      ],
    },
    {
      locale: 'nb',
      subject: 'Du kom på 2. plass i Spring sprint',
      lines: [
        'Hei Ada!',
        'Resultatet i Spring sprint er klart: du kom på 2. plass.',
        'Premien din, 1 000 poeng, er allerede på kontoen din.',
        'Gratulerer fra oss alle i Demo!',
      ],
    },
    {
      locale: 'en',
      subject: 'You came 2nd in Spring sprint',
      lines: [
        'Hi Ada,',
        'The results of Spring sprint are in: you came 2nd.',
        'Your prize of 1,000 points is already in your account.',
        'Congratulations from all of us at Demo!',
      ],
    },
  ] as const)('names the challenge, the place, the prize points and the brand in $locale', ({ locale, subject, lines }) => {
    const mail = renderMail('challenge', locale, { brand, firstName: 'Ada', challengeName: 'Spring sprint', rank: 2, prize: 1000 });
    expect(mail.subject).toBe(subject);
    // Intl groups thousands with a no-break space in Swedish and Norwegian.
    for (const part of [mail.html, mail.text].map((p) => p.replace(/[\u00a0\u202f]/g, ' '))) {
      for (const line of lines) expect(part).toContain(line);
      expect(part).toContain('https://shop.example.com');
    }
  });
  it.each([
    // Ordinal suffixes: 11–13 are the exceptions in English, 11 and 12 in Swedish.
    { rank: 1, en: '1st', sv: '1:a', nb: '1.' },
    { rank: 2, en: '2nd', sv: '2:a', nb: '2.' },
    { rank: 3, en: '3rd', sv: '3:e', nb: '3.' },
    { rank: 4, en: '4th', sv: '4:e', nb: '4.' },
    { rank: 11, en: '11th', sv: '11:e', nb: '11.' },
    { rank: 12, en: '12th', sv: '12:e', nb: '12.' },
    { rank: 13, en: '13th', sv: '13:e', nb: '13.' },
    { rank: 21, en: '21st', sv: '21:a', nb: '21.' },
    { rank: 22, en: '22nd', sv: '22:a', nb: '22.' },
    { rank: 23, en: '23rd', sv: '23:e', nb: '23.' },
    { rank: 111, en: '111th', sv: '111:e', nb: '111.' },
  ])('writes place $rank as $en, $sv and $nb', ({ rank, en, sv, nb }) => {
    const subject = (locale: 'sv' | 'nb' | 'en') =>
      renderMail('challenge', locale, { brand, challengeName: 'Sprint', rank, prize: 10 }).subject;
    expect(subject('en')).toBe(`You came ${en} in Sprint`);
    expect(subject('sv')).toBe(`Du kom på ${sv} plats i Sprint`);
    expect(subject('nb')).toBe(`Du kom på ${nb} plass i Sprint`);
  });
  it('says a place held by members tied on the score is shared, in every language', () => {
    const shared = (locale: 'sv' | 'nb' | 'en') =>
      renderMail('challenge', locale, { brand, challengeName: 'Sprint', rank: 2, prize: 500, shared: true });
    expect(shared('en').subject).toBe('You share 2nd place in Sprint');
    expect(shared('en').text).toContain('The results of Sprint are in: you share 2nd place with others on the same score.');
    expect(shared('sv').subject).toBe('Du delar 2:a platsen i Sprint');
    expect(shared('sv').text).toContain('du delar 2:a platsen med andra som har lika många poäng.');
    expect(shared('nb').subject).toBe('Du deler 2. plass i Sprint');
    expect(shared('nb').text).toContain('du deler 2. plass med andre som har like mange poeng.');
  });
  it('says one prize point in the singular', () => {
    expect(renderMail('challenge', 'en', { brand, challengeName: 'Sprint', rank: 1, prize: 1 }).text).toContain('Your prize of 1 point is');
  });
  it('escapes the configured challenge name, the brand and the member’s name in HTML, and keeps the subject on one line', () => {
    const mail = renderMail('challenge', 'en', {
      brand: { name: 'Shop & "Co"' },
      firstName: '<img src=x onerror=alert(1)>',
      challengeName: '<b>Spring</b> &\r\nsprint',
      rank: 1,
      prize: 300,
    });
    expect(mail.html).toContain('Hi &lt;img src=x onerror=alert(1)&gt;,');
    expect(mail.html).toContain('The results of &lt;b&gt;Spring&lt;/b&gt; &amp;');
    expect(mail.html).toContain('Congratulations from all of us at Shop &amp; &quot;Co&quot;!');
    expect(mail.html).not.toMatch(/<b>|<img/);
    expect(mail.subject).toBe('You came 1st in <b>Spring</b> & sprint');
    expect(mail.text).toContain('The results of <b>Spring</b> & sprint are in: you came 1st.');
  });
  it('refuses a challenge without a name, a place or a prize, naming the field', () => {
    expect(() => renderMail('challenge', 'en', { brand, challengeName: '', rank: 1, prize: 300 })).toThrow(/challenge\.challengeName/);
    expect(() => renderMail('challenge', 'en', { brand, challengeName: 'Sprint', rank: 0, prize: 300 })).toThrow(/challenge\.rank/);
    expect(() => renderMail('challenge', 'en', { brand, challengeName: 'Sprint', rank: 1 })).toThrow(/challenge\.prize/);
    expect(() => renderMail('challenge', 'en', { brand, challengeName: 'Sprint', rank: 1, prize: 0 })).toThrow(TemplateDataError);
  });
});

describe('Function: crossSellCategories', () => {
  const config = { relatedCategories: { 'running-shoes': ['running-socks', 'insoles', 'running-shoes'] }, lifespans: { insoles: 180 } };
  it('suggests related categories, never the reminded one nor one bought within its lifespan', () => {
    const now = at('2027-12-05T10:00:00Z');
    const purchases = [
      { category: 'insoles', placedAt: '2027-10-01T10:00:00Z' },
      { category: 'running-socks', placedAt: '2027-05-01T10:00:00Z' },
    ];
    expect(crossSellCategories(config, ['running-shoes'], purchases, now)).toEqual(['running-socks']);
    expect(crossSellCategories(config, ['running-shoes'], [], now)).toEqual(['running-socks', 'insoles']);
  });
});

describe('Mail helpers', () => {
  it('hash addresses case- and space-insensitively, never keeping them', () => {
    expect(addressHash(' Ada@Example.com')).toBe(addressHash('ada@example.com'));
    expect(addressHash('ada@example.com')).toMatch(/^[0-9a-f]{64}$/);
  });
  it('quote or MIME-encode the sender’s display name', () => {
    expect(senderAddress('Lojal "Demo"', 'a@b.se')).toBe('"Lojal \\"Demo\\"" <a@b.se>');
    expect(senderAddress('Åre Sport', 'a@b.se')).toBe(`=?UTF-8?B?${Buffer.from('Åre Sport').toString('base64')}?= <a@b.se>`);
  });
  it('escape and flatten text', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(oneLine(' a\r\nb\tc ')).toBe('a b c');
  });
});
