import type { ProgramConfig } from '../../config/program';

/** The languages Lojal ships mail copy in (functions/domain/email/copy.ts). */
export const TEMPLATE_LOCALES = ['sv', 'nb', 'en'] as const;
export type TemplateLocale = (typeof TEMPLATE_LOCALES)[number];

const hasTemplate = (tag: string): tag is TemplateLocale => (TEMPLATE_LOCALES as readonly string[]).includes(tag);

/** `sv-SE` → `sv`; Norwegian without a written standard (`no`) is written as Bokmål. */
function language(tag: string): string {
  const lang = tag.toLowerCase().split('-')[0] ?? '';
  return lang === 'no' ? 'nb' : lang;
}

/**
 * The language a member's mail is written in: the member's own locale when the client offers
 * it (`locales`, matched by language, so `sv-SE` matches `sv`) and Lojal has copy for it, else
 * the client's `defaultLocale`, else English. A member whose locale the client does not list
 * gets the client's default even when Lojal could write it: the client decides its languages.
 */
export function mailLocale(memberLocale: string | undefined, config: Pick<ProgramConfig, 'locales' | 'defaultLocale'>): TemplateLocale {
  const offered = new Set(config.locales.map(language));
  if (memberLocale !== undefined) {
    const lang = language(memberLocale);
    if (offered.has(lang) && hasTemplate(lang)) return lang;
  }
  const fallback = language(config.defaultLocale);
  return hasTemplate(fallback) ? fallback : 'en';
}
