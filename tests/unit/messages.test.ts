import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { parseProgramConfig } from '../../functions/config/program';
import { memberDisplayNames } from '../../functions/domain/email/display-names';
import { DEFAULT_MESSAGES } from '../../functions/domain/email/default-messages';
import { cleanName } from '../../functions/domain/email/escape';
import { renderMessage } from '../../functions/domain/email/message';
import { RENDERABLE_KINDS, renderClientMail, renderMail } from '../../functions/domain/email/templates';
import { compileMessage, MessageSyntaxError } from '../../lib/messages/compile';
import { defaultMessagesModule } from '../../lib/messages/defaults';
import { InvalidMessagesError, loadMessages } from '../../lib/messages/load-messages';
import { PRESET_SAMPLES } from '../support/preset-samples';

const before: Record<string, { subject: string; text: string }> = JSON.parse(
  readFileSync(new URL('../fixtures/preset-mails-before-messages.json', import.meta.url), 'utf8'),
);
const LOCALES = ['sv', 'nb', 'en'] as const;

/** A client messages folder in a temporary directory, with these files. */
function messagesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lojal-messages-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const issuesOf = (dir: string, locales: readonly string[] = ['sv', 'en']) => {
  try {
    loadMessages({ dir, locales, relativeTo: dir });
  } catch (error) {
    if (error instanceof InvalidMessagesError) return error.issues;
    throw error;
  }
  return [];
};

describe('Shipped messages', () => {
  it('cover every preset in sv, nb and en', () => {
    for (const kind of RENDERABLE_KINDS)
      for (const locale of LOCALES) expect(DEFAULT_MESSAGES[kind]?.[locale], `${kind}.${locale}`).toBeDefined();
  });

  it.each(Object.keys(PRESET_SAMPLES).flatMap((name) => LOCALES.map((locale) => [name, locale] as const)))(
    'say in %s (%s) word for word what the TypeScript copy said before messages became files',
    (name, locale) => {
      const sample = PRESET_SAMPLES[name];
      if (!sample) throw new Error(name);
      const mail = renderMail(sample.kind, locale, sample.data);
      expect({ subject: mail.subject, text: mail.text }).toEqual(before[`${name}.${locale}`]);
    },
  );

  it('are compiled into default-messages.ts exactly as the Markdown says (run `npm run messages` after editing)', () => {
    expect(readFileSync(new URL('../../functions/domain/email/default-messages.ts', import.meta.url), 'utf8')).toBe(
      defaultMessagesModule(),
    );
  });
});

describe('Function: renderMessage', () => {
  const brand = { name: 'Shop & "Co"', websiteUrl: 'https://shop.example.com' };
  it('builds mail-client HTML: tables, inline styles, dark-mode metadata and the preheader hidden', () => {
    const mail = renderMail('birthday', 'en', { brand, bonusPoints: 200, unsubscribeUrl: 'https://x/u' });
    expect(mail.html).toContain('<table role="presentation"');
    expect(mail.html).toContain('<meta name="color-scheme" content="light dark">');
    expect(mail.html).toContain('@media (prefers-color-scheme: dark)');
    expect(mail.html).toMatch(/<div style="display:none;[^"]*">We hope you have a wonderful day\./);
    expect(mail.text).not.toContain('&amp;');
  });

  it('uses the theme: logo, colours, font, footer text and postal address in both parts', () => {
    const theme = {
      logoUrl: 'https://cdn.example.com/logo.png',
      colors: { background: '#101010', card: '#fafafa', text: '#222222', muted: '#666666', accent: '#0a7d3b', accentText: '#ffffff' },
      fontStack: 'Georgia, serif',
      footerText: { sv: 'Kundservice: 09–17' },
      postalAddress: 'Storgatan 1, 111 22 Stockholm',
    };
    const mail = renderClientMail({ messages: DEFAULT_MESSAGES, theme }, 'expiry', 'sv', {
      brand,
      points: 10,
      lastValidDate: '2027-03-31',
    });
    expect(mail.html).toContain('<img src="https://cdn.example.com/logo.png" alt="Shop &amp; &quot;Co&quot;"');
    expect(mail.html).toContain('background:#0a7d3b');
    expect(mail.html).toContain('font-family:Georgia, serif');
    for (const part of [mail.html, mail.text]) {
      expect(part).toContain('Kundservice: 09–17');
      expect(part).toContain('Storgatan 1, 111 22 Stockholm');
    }
  });

  it('escapes every value, drops a link that is not https, and leaves out a missing variable instead of failing', () => {
    const { message } = compileMessage(
      '---\nsubject: Hi {{member.firstName}}\n---\n**{{member.firstName}}** [shop]({{brand.websiteUrl}}) [x]({{member.firstName}})\n\n{{> button "Go" brand.websiteUrl}}',
      'x.md',
    );
    const mail = renderMessage({
      message,
      locale: 'en',
      scope: { 'member.firstName': { text: '<script>"', on: true }, 'brand.websiteUrl': { text: 'javascript:alert(1)', on: true } },
      brand: { name: 'B' },
      footerReason: 'Why',
      unsubscribeLabel: 'Unsubscribe',
    });
    expect(mail.html).toContain('<strong>&lt;script&gt;&quot;</strong>');
    expect(mail.html).not.toContain('javascript:');
    expect(mail.html).not.toContain('<script');
    expect(mail.subject).toBe('Hi <script>"');
  });
});

describe('Function: cleanName', () => {
  it('strips bidirectional overrides and control characters from a name, so 200 × U+202E shows as no name', () => {
    expect(cleanName('\u202E'.repeat(200))).toBe('');
    expect(cleanName('Ann\u202Ea\u0007\r\nBcc: x')).toBe('Anna Bcc: x');
    const mail = renderMail('birthday', 'en', {
      brand: { name: 'B' },
      firstName: '\u202E'.repeat(200),
      bonusPoints: 0,
      unsubscribeUrl: 'https://x/u',
    });
    expect(mail.text).toContain('Hi,');
    expect(mail.html).not.toContain('\u202E');
  });
});

describe('Function: compileMessage', () => {
  it.each([
    ['no subject', '---\npreheader: x\n---\nHi', /needs a subject/],
    ['an unclosed if', '---\nsubject: s\n---\n{{#if member.firstName}}\nHi', /missing \{\{else\}\} or \{\{\/if\}\}/],
    ['an unknown block', '---\nsubject: s\n---\n{{> carousel}}', /unknown block/],
    ['raw HTML', '---\nsubject: s\n---\n<b>hi</b>', /HTML, images and tables/],
    ['an unknown front matter key', '---\nsubject: s\nfrom: x\n---\nHi', /unknown front matter key "from"/],
  ])('refuses %s, naming the file and line', (_, text, reason) => {
    expect(() => compileMessage(text, 'clients/x/messages/welcome.sv.md')).toThrow(MessageSyntaxError);
    expect(() => compileMessage(text, 'clients/x/messages/welcome.sv.md')).toThrow(reason);
  });
});

describe('Function: loadMessages', () => {
  const ok = '---\nsubject: Välkommen till {{brand.name}}\n---\nHej {{member.firstName}}!';
  it('fills the presets a client did not write with the shipped ones, and keeps the ones it did', () => {
    const { messages } = loadMessages({
      dir: messagesDir({ 'welcome.sv.md': ok, 'welcome.en.md': ok.replace('Välkommen till', 'Welcome to') }),
      locales: ['sv', 'en'],
    });
    expect(messages.welcome?.sv?.subject).toEqual(['Välkommen till ', ['v', 'brand.name']]);
    expect(messages.birthday?.en).toEqual(DEFAULT_MESSAGES.birthday?.en);
    expect(messages.birthday?.nb).toBeUndefined();
  });

  it('names the file, the locale and the variable of an unknown variable', () => {
    const dir = messagesDir({ 'welcome.sv.md': ok.replace('member.firstName', 'member.fistName'), 'welcome.en.md': ok });
    expect(issuesOf(dir)).toEqual([
      expect.objectContaining({
        file: 'welcome.sv.md',
        locale: 'sv',
        variable: 'member.fistName',
        reason: expect.stringMatching(/^unknown variable/),
      }),
    ]);
  });

  it('requires every locale the client lists', () => {
    expect(issuesOf(messagesDir({ 'welcome.sv.md': ok }))).toEqual([
      expect.objectContaining({ file: 'welcome.en.md', locale: 'en', reason: 'welcome has no en version (the client lists sv, en)' }),
    ]);
  });

  it('requires a message for a locale Lojal ships none in', () => {
    expect(issuesOf(messagesDir({}), ['de']).map((i) => i.file)).toEqual(RENDERABLE_KINDS.map((k) => `${k}.de.md`));
  });

  it.each([
    ['a plain http link', '[shop](http://shop.example.com)', /must be https/],
    ['a text variable as a link', '[x]({{member.firstName}})', /is not a link/],
    ['a block the trigger cannot fill', '{{> nps "Q" "H"}}', /nps block/],
    ['each over something that is not a list', '{{#each brand.name as b}}\n- x\n{{/each}}', /is not a list/],
  ])('refuses %s', (_, body, reason) => {
    const text = `---\nsubject: s\n---\n${body}`;
    const issues = issuesOf(messagesDir({ 'birthday.sv.md': text, 'birthday.en.md': text }));
    expect(issues.length).toBe(2);
    expect(issues[0]?.reason).toMatch(reason);
  });

  it('refuses a list printed as text', () => {
    const text = '---\nsubject: s\n---\n{{products}}';
    expect(issuesOf(messagesDir({ 'replacement.sv.md': text, 'replacement.en.md': text }))[0]).toMatchObject({
      variable: 'products',
      reason: expect.stringMatching(/is a list/),
    });
  });

  it('refuses a subject that does not fit one line', () => {
    const text = `---\nsubject: ${'Lång '.repeat(30)}\n---\nHej`;
    expect(issuesOf(messagesDir({ 'birthday.sv.md': text, 'birthday.en.md': text }))[0]?.reason).toMatch(/at most 120 fit one line/);
  });

  it('accepts a message only a flow sends, with the variables of its trigger event, and refuses one without a trigger', () => {
    const flow =
      '---\nsubject: Tack för din order {{event.orderId}}\ntrigger: order.placed\n---\n{{#each event.lines as line}}\n- {{line.name}} ({{line.quantity}})\n{{/each}}';
    const { messages, triggers } = loadMessages({
      dir: messagesDir({ 'review-request.sv.md': flow, 'review-request.en.md': flow }),
      locales: ['sv', 'en'],
    });
    expect(triggers).toEqual({ 'review-request': 'order.placed' });
    expect(messages['review-request']?.sv?.body[0]?.[0]).toBe('each');
    const bad = issuesOf(
      messagesDir({
        'review-request.sv.md': flow.replace('event.orderId', 'event.ordreId'),
        'review-request.en.md': flow.replace('trigger: order.placed\n', ''),
      }),
    );
    expect(bad.map((i) => [i.locale, i.variable ?? i.reason.slice(0, 40)])).toEqual([
      ['en', 'review-request is not a preset (welcome,'],
      ['sv', 'event.ordreId'],
    ]);
  });
});

describe('Function: memberDisplayNames', () => {
  it('names the tier and perks in the member’s language, and falls back to the configured names', () => {
    const config = {
      names: { tiers: { Gold: { sv: 'Guld' } }, perks: { 'fast-payout': { sv: 'Snabb utbetalning' } } },
      perks: [{ id: 'fast-payout', name: 'Fast payout', afterMonths: 6, email: true }],
    };
    expect(memberDisplayNames(config, 'sv-SE', 'Gold', ['fast-payout'])).toEqual({
      locale: 'sv',
      tier: 'Guld',
      perks: { 'fast-payout': 'Snabb utbetalning' },
    });
    expect(memberDisplayNames(config, 'en', 'Gold', ['fast-payout'])).toEqual({
      locale: 'en',
      tier: 'Gold',
      perks: { 'fast-payout': 'Fast payout' },
    });
  });
});

describe('Function: parseProgramConfig (messages, theme, names)', () => {
  it('refuses a plain-http website, a bad colour and a display name for a perk the client does not have', () => {
    expect(() => parseProgramConfig({ ...demo, brand: { ...demo.brand, websiteUrl: 'http://demo.lojal.dev' } })).toThrow(
      /brand\.websiteUrl: must be an https:\/\/ URL/,
    );
    expect(() => parseProgramConfig({ ...demo, theme: { ...demo.theme, colors: { ...demo.theme?.colors, accent: 'green' } } })).toThrow(
      /theme\.colors\.accent/,
    );
    expect(() => parseProgramConfig({ ...demo, names: { perks: { 'free-lunch': { sv: 'Gratis lunch' } } } })).toThrow(
      /names\.perks\.free-lunch: is not one of the configured perks/,
    );
  });

  it('fills the shipped messages for every language the client lists', () => {
    const config = parseProgramConfig({ ...demo, locales: ['nb'], defaultLocale: 'nb' });
    expect(config.messages.tier?.nb).toEqual(DEFAULT_MESSAGES.tier?.nb);
  });
});
