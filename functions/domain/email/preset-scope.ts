import { categoryName, formatDate, formatFactor, formatMinor, formatNumber, listOf, MAIL_COPY, type MailCopy } from './copy';
import { cleanName, oneLine } from './escape';
import type { TemplateLocale } from './locale';
import { type MessageScope, type MessageValue, textValue } from './message';
import type { RenderableKind, TemplateData } from './template-data';

/**
 * The variables a preset message may use, by kind, and how each is made from the mail's
 * validated data (templates.ts `TEMPLATE_DATA`). One definition serves both sides: the build
 * checks a message's `{{…}}` against `PRESET_VARIABLES`, and the function fills them in with
 * `presetScope`, so a message can never name a variable the function does not provide.
 */

/** `text` prints as is; `url` may also be a link's target; `items` is a list for `{{#each}}` with these fields. */
export type VariableType = 'text' | 'url' | { readonly items: Readonly<Record<string, 'text' | 'url'>> };

export interface MessageVariables {
  readonly variables: Readonly<Record<string, VariableType>>;
  /** Which of the blocks `products`, `nps` and `points` the trigger can fill. */
  readonly blocks: readonly ('products' | 'nps' | 'points')[];
}

/** Every message has these: the brand, the member, the unsubscribe link (present in marketing mail). */
export const COMMON_VARIABLES: Readonly<Record<string, VariableType>> = {
  'brand.name': 'text',
  'brand.websiteUrl': 'url',
  'member.firstName': 'text',
  'links.unsubscribe': 'url',
};

/** A number of years as the languages say it ("1 year", "2 år"). */
const YEARS: Readonly<Record<TemplateLocale, readonly [string, string]>> = { en: ['year', 'years'], sv: ['år', 'år'], nb: ['år', 'år'] };

const product = { items: { name: 'text', category: 'text', age: 'text' } } as const;
const names = { items: { name: 'text' } } as const;

export const PRESET_VARIABLES: Readonly<Record<RenderableKind, MessageVariables>> = {
  welcome: {
    variables: {
      'points.balance': 'text',
      'earn.rates': { items: { points: 'text', amount: 'text' } },
      'earn.multipliers': { items: { factor: 'text', category: 'text' } },
      'earn.activities': { items: { points: 'text', activity: 'text' } },
      'earn.firstOrderBonus': 'text',
      'earn.any': 'text',
    },
    blocks: ['points'],
  },
  checkin: { variables: { products: product, 'products.names': 'text', 'products.single': 'text' }, blocks: ['products', 'nps'] },
  replacement: {
    variables: { products: product, 'products.names': 'text', related: names, 'related.names': 'text' },
    blocks: ['products'],
  },
  anniversary: { variables: { 'membership.years': 'text', 'points.bonus': 'text' }, blocks: [] },
  birthday: { variables: { 'points.bonus': 'text' }, blocks: [] },
  tier: {
    variables: {
      'tier.name': 'text',
      'tier.upgrade': 'text',
      'tier.downgrade': 'text',
      'tier.expiring': 'text',
      'tier.multiplier': 'text',
      'tier.reviewDate': 'text',
      'tier.projected': 'text',
      'points.toKeep': 'text',
    },
    blocks: [],
  },
  reward: { variables: { 'reward.name': 'text', 'reward.code': 'text', 'reward.validUntil': 'text' }, blocks: [] },
  expiry: { variables: { 'points.expiring': 'text', 'points.lastValidDate': 'text' }, blocks: [] },
  perk: { variables: { 'perk.name': 'text', 'membership.months': 'text' }, blocks: [] },
  challenge: {
    variables: { 'challenge.name': 'text', 'challenge.place': 'text', 'challenge.shared': 'text', 'points.prize': 'text' },
    blocks: [],
  },
};

/**
 * Display names per locale from the client file: `{ categories: { 'running-shoes': { sv:
 * 'löparskor' } } }`. Anything without one is shown by its configured name (a category slug
 * as words).
 */
export interface DisplayNames {
  readonly categories?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly activities?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** By the tier's configured name. */
  readonly tiers?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** By the reward's configured name (catalogue and spend rewards); `byName` makes this from the client file's ids. */
  readonly rewards?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** By the perk's configured name; `byName` makes this from the client file's ids. */
  readonly perks?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * Re-keys names given by id (as the client file writes rewards and perks) by the configured
 * name, which is what a mail's data carries.
 */
export function byName(
  names: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined,
  items: readonly { readonly id: string; readonly name: string }[],
): Record<string, Readonly<Record<string, string>>> {
  const out: Record<string, Readonly<Record<string, string>>> = {};
  for (const item of items) {
    const entry = names?.[item.id];
    if (entry) out[item.name] = entry;
  }
  return out;
}

/** `sv-SE` → `sv`, as messages are keyed. */
const language = (locale: string) => locale.toLowerCase().split('-')[0] ?? '';

function named(
  table: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined,
  key: string,
  locale: string,
): string | undefined {
  const entry = table?.[key];
  return entry?.[locale] ?? entry?.[language(locale)];
}

export interface PresetRender {
  readonly scope: MessageScope;
  readonly products?: readonly string[];
  readonly answerUrls?: readonly string[];
  readonly balance?: string;
}

/**
 * The variables of a preset mail in `locale`, from its validated data. Numbers, money and
 * dates are written the local way; words such as "points" come from the shipped vocabulary
 * of the language (copy.ts), English for a language Lojal does not ship.
 */
export function presetScope<K extends RenderableKind>(
  kind: K,
  data: TemplateData<K>,
  locale: string,
  displayNames: DisplayNames = {},
): PresetRender {
  const words: MailCopy = MAIL_COPY[(language(locale) in MAIL_COPY ? language(locale) : 'en') as TemplateLocale];
  const fmt = (language(locale) in MAIL_COPY ? language(locale) : 'en') as TemplateLocale;
  const points = (n: number) => ({ text: words.points(n, formatNumber(n, fmt)), on: n !== 0 });
  const category = (slug: string) => named(displayNames.categories, slug, locale) ?? categoryName(slug);
  const productName = (p: { name: string | null; category: string }) => oneLine(p.name ?? '') || category(p.category);
  const common: Record<string, MessageValue | undefined> = {
    'brand.name': textValue(data.brand.name),
    'brand.websiteUrl': textValue(data.brand.websiteUrl),
    'member.firstName': textValue(data.firstName ? cleanName(data.firstName) : undefined),
    'links.unsubscribe': 'unsubscribeUrl' in data && typeof data.unsubscribeUrl === 'string' ? textValue(data.unsubscribeUrl) : undefined,
  };
  const flag = (on: boolean): MessageValue => ({ text: on ? 'yes' : '', on });
  const d = data as TemplateData<RenderableKind>;
  switch (kind) {
    case 'welcome': {
      const w = d as TemplateData<'welcome'>;
      return {
        scope: {
          ...common,
          'points.balance': points(w.balance),
          'earn.rates': {
            items: w.earnRates.map((r) => ({ points: points(r.points), amount: textValue(formatMinor(r.per, r.currency, fmt)) })),
          },
          'earn.multipliers': {
            items: w.multipliers.map((m) => ({
              factor: textValue(formatFactor(m.multiplier, fmt)),
              category: textValue(category(m.category)),
            })),
          },
          'earn.activities': {
            items: w.activities.map((a) => ({
              points: points(a.points),
              activity: textValue(
                named(displayNames.activities, a.activity, locale) ?? words.activities[a.activity] ?? categoryName(a.activity),
              ),
            })),
          },
          'earn.firstOrderBonus': points(w.firstOrderBonus),
          'earn.any': flag(w.earnRates.length + w.multipliers.length + w.activities.length > 0 || w.firstOrderBonus > 0),
        },
        balance: words.points(w.balance, formatNumber(w.balance, fmt)),
      };
    }
    case 'checkin': {
      const c = d as TemplateData<'checkin'>;
      const all = c.orders.flatMap((o) => o.products);
      const productNames = [...new Set(all.map(productName))];
      return {
        scope: {
          ...common,
          products: { items: all.map((p) => ({ name: textValue(productName(p)), category: textValue(category(p.category)) })) },
          'products.names': textValue(listOf(productNames, fmt)),
          'products.single': productNames.length === 1 ? textValue(productNames[0]) : undefined,
        },
        products: productNames,
        answerUrls: c.answerUrls,
      };
    }
    case 'replacement': {
      const r = d as TemplateData<'replacement'>;
      const productNames = [...new Set(r.products.map(productName))];
      return {
        scope: {
          ...common,
          products: {
            items: r.products.map((p) => ({
              name: textValue(productName(p)),
              category: textValue(category(p.category)),
              age: textValue(words.age(p.ageDays)),
            })),
          },
          'products.names': textValue(listOf(productNames, fmt)),
          related: { items: r.related.map((slug) => ({ name: textValue(category(slug)) })) },
          'related.names': textValue(listOf(r.related.map(category), fmt)),
        },
        products: productNames,
      };
    }
    case 'anniversary': {
      const a = d as TemplateData<'anniversary'>;
      return {
        scope: {
          ...common,
          'membership.years': textValue(`${a.years} ${YEARS[fmt][a.years === 1 ? 0 : 1]}`),
          'points.bonus': points(a.bonusPoints),
        },
      };
    }
    case 'birthday':
      return { scope: { ...common, 'points.bonus': points((d as TemplateData<'birthday'>).bonusPoints) } };
    case 'tier': {
      const t = d as TemplateData<'tier'>;
      const tier = (name: string) => named(displayNames.tiers, name, locale) ?? name;
      return {
        scope: {
          ...common,
          'tier.name': textValue(tier(t.tier)),
          'tier.upgrade': flag(t.change === 'upgrade'),
          'tier.downgrade': flag(t.change === 'downgrade'),
          'tier.expiring': flag(t.change === 'expiring'),
          'tier.multiplier': t.change === 'expiring' ? undefined : textValue(formatFactor(t.multiplier, fmt)),
          'tier.reviewDate': t.reviewDate ? textValue(formatDate(t.reviewDate, fmt)) : undefined,
          'tier.projected': t.change === 'expiring' ? textValue(tier(t.projectedTier)) : undefined,
          'points.toKeep': t.change === 'expiring' ? points(t.pointsToKeep) : undefined,
        },
      };
    }
    case 'reward': {
      const r = d as TemplateData<'reward'>;
      return {
        scope: {
          ...common,
          'reward.name': textValue(named(displayNames.rewards, r.rewardName, locale) ?? r.rewardName),
          'reward.code': textValue(r.code),
          'reward.validUntil': r.validUntil ? textValue(formatDate(r.validUntil, fmt)) : undefined,
        },
      };
    }
    case 'expiry': {
      const x = d as TemplateData<'expiry'>;
      return {
        scope: { ...common, 'points.expiring': points(x.points), 'points.lastValidDate': textValue(formatDate(x.lastValidDate, fmt)) },
      };
    }
    case 'perk': {
      const p = d as TemplateData<'perk'>;
      return {
        scope: {
          ...common,
          'perk.name': textValue(named(displayNames.perks, p.perkName, locale) ?? p.perkName),
          'membership.months': textValue(words.months(p.afterMonths)),
        },
      };
    }
    case 'challenge': {
      const c = d as TemplateData<'challenge'>;
      return {
        scope: {
          ...common,
          'challenge.name': textValue(c.challengeName),
          'challenge.place': textValue(words.place(c.rank)),
          'challenge.shared': flag(c.shared ?? false),
          'points.prize': points(c.prize),
        },
      };
    }
  }
  return { scope: common };
}
