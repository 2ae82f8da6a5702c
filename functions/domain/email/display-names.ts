import type { ProgramConfig } from '../../config/program';

/** `sv-SE` → `sv`, as display names are keyed. */
const language = (locale: string) => locale.toLowerCase().split('-')[0] ?? '';

export interface MemberDisplayNames {
  readonly locale: string;
  /** The member's tier as the member's language names it. */
  readonly tier: string;
  /** Held perks by id. */
  readonly perks: Readonly<Record<string, string>>;
}

/**
 * The names a shop shows a member in their language (the client file's `names`), for the
 * member API's `?locale=` (GET /v1/members/{id}?locale=sv): the configured name where the
 * client gave none.
 */
export function memberDisplayNames(
  config: Pick<ProgramConfig, 'names' | 'perks'>,
  locale: string,
  tier: string,
  perkIds: readonly string[],
): MemberDisplayNames {
  const lang = language(locale);
  const pick = (entry: Readonly<Record<string, string>> | undefined, fallback: string) => entry?.[locale] ?? entry?.[lang] ?? fallback;
  return {
    locale: lang,
    tier: pick(config.names.tiers?.[tier], tier),
    perks: Object.fromEntries(perkIds.map((id) => [id, pick(config.names.perks?.[id], config.perks.find((p) => p.id === id)?.name ?? id)])),
  };
}
