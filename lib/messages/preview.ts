import type { ProgramConfig } from '../../functions/config/program';
import { MAIL_COPY } from '../../functions/domain/email/copy';
import type { RenderedMail } from '../../functions/domain/email/layout';
import type { TemplateLocale } from '../../functions/domain/email/locale';
import { type MessageScope, type MessageValue, renderMessage, textValue } from '../../functions/domain/email/message';
import { RENDERABLE_KINDS, type RenderableKind, renderClientMail } from '../../functions/domain/email/templates';
import { triggerVariables } from './check';

/**
 * What `npm run preview` renders: a client's message in one locale with sample data, or with a
 * real member's figures from a running local copy's member API. Presets go through exactly the
 * sender's renderer (`renderClientMail`); a message only a flow sends is filled from its
 * trigger's variables.
 */

/** A member as the member API shows one (only what a preview uses). */
export interface PreviewMember {
  readonly customerId: string;
  readonly balance?: number;
  readonly tier?: string;
  readonly firstName?: string;
}

const SAMPLE_URL = 'https://preview.lojal.dev';

/** Sample data for each preset, in the shape its trigger gives the sender. */
function sampleData(config: ProgramConfig, kind: RenderableKind, member: PreviewMember | undefined): Record<string, unknown> {
  const firstCategory = Object.keys(config.lifespans)[0] ?? Object.keys(config.categoryMultipliers)[0] ?? 'shoes';
  const product = { sku: 'SAMPLE-1', category: firstCategory, name: 'Trail Runner 3' };
  const tierName = member?.tier ?? config.tiers[1]?.name ?? config.tiers[0]?.name ?? 'Silver';
  const unsubscribeUrl = `${SAMPLE_URL}/v1/members/${encodeURIComponent(member?.customerId ?? 'sample')}/unsubscribe?t=preview`;
  switch (kind) {
    case 'welcome':
      return {
        balance: member?.balance ?? config.firstOrderBonus,
        earnRates: Object.entries(config.earnRates).map(([currency, r]) => ({ currency, points: r.points, per: r.per })),
        multipliers: Object.entries(config.categoryMultipliers).map(([category, multiplier]) => ({ category, multiplier })),
        activities: Object.entries(config.activities).map(([activity, points]) => ({ activity, points })),
        firstOrderBonus: config.firstOrderBonus,
      };
    case 'checkin':
      return {
        orders: [{ orderId: 'o-sample', products: [product] }],
        answerUrls: Array.from({ length: 11 }, (_, i) => `${SAMPLE_URL}/checkin?score=${i}`),
      };
    case 'replacement':
      return {
        unsubscribeUrl,
        products: [{ ...product, ageDays: config.lifespans[firstCategory] ?? 270 }],
        related: config.relatedCategories[firstCategory] ?? [],
      };
    case 'anniversary':
      return { unsubscribeUrl, years: 1, bonusPoints: config.anniversaryBonus };
    case 'birthday':
      return { unsubscribeUrl, bonusPoints: config.birthdayBonus };
    case 'tier':
      return {
        change: 'upgrade',
        tier: tierName,
        multiplier: config.tiers.find((t) => t.name === tierName)?.multiplier ?? 1,
        reviewDate: '2028-03-10',
      };
    case 'reward':
      return { rewardName: config.rewards[0]?.name ?? 'Reward', code: 'PREVIEW-123', validUntil: '2027-06-30' };
    case 'expiry':
      return { points: Math.max(1, member?.balance ?? 250), lastValidDate: '2027-12-31' };
    case 'perk':
      return { perkName: config.perks[0]?.name ?? 'Perk', afterMonths: config.perks[0]?.afterMonths ?? 6 };
    case 'challenge':
      return { challengeName: config.challenges[0]?.name ?? 'Spring challenge', rank: 1, prize: config.challenges[0]?.prizes[0] ?? 500 };
  }
}

export interface PreviewOptions {
  readonly messageId: string;
  readonly locale: string;
  /** A real member's figures; sample data when absent. */
  readonly member?: PreviewMember;
}

/** Thrown when the client has no message of that id or locale. */
export class UnknownMessageError extends Error {
  override readonly name = 'UnknownMessageError';
}

export function previewMessage(config: ProgramConfig, options: PreviewOptions): RenderedMail {
  const { messageId, locale, member } = options;
  const byLocale = config.messages[messageId];
  if (!byLocale)
    throw new UnknownMessageError(`No message "${messageId}"; the client has ${Object.keys(config.messages).sort().join(', ')}`);
  const message = byLocale[locale];
  if (!message) throw new UnknownMessageError(`Message "${messageId}" has no locale ${locale}; it has ${Object.keys(byLocale).join(', ')}`);
  const brand = { name: config.brand.name, ...(config.brand.websiteUrl ? { websiteUrl: config.brand.websiteUrl } : {}) };
  const firstName = member ? member.firstName : 'Anna';
  const kind = RENDERABLE_KINDS.find((k) => k === messageId);
  const words = MAIL_COPY[(locale in MAIL_COPY ? locale : 'en') as TemplateLocale];
  if (kind) {
    return renderClientMail(config, kind, (locale in MAIL_COPY ? locale : 'en') as TemplateLocale, {
      brand,
      ...(firstName ? { firstName } : {}),
      ...sampleData(config, kind, member),
    });
  }
  // A message only a flow sends: every event variable shows its own name, so the layout can be judged.
  const scope: Record<string, MessageValue | undefined> = {
    'brand.name': textValue(brand.name),
    'brand.websiteUrl': textValue(brand.websiteUrl),
    'member.firstName': textValue(firstName),
  };
  return renderMessage({
    message,
    locale,
    scope: { ...scope, ...sampleEventScope(config, messageId) },
    brand,
    footerReason: words.footer.service(brand.name),
    unsubscribeLabel: words.footer.unsubscribe,
    ...(config.theme ? { theme: config.theme } : {}),
  });
}

/** `[event.orderId]` for each of the trigger's variables, and two such items for each list. */
function sampleEventScope(config: ProgramConfig, messageId: string): MessageScope {
  const trigger = config.messageTriggers?.[messageId];
  const vars = trigger ? triggerVariables(trigger)?.variables : undefined;
  const scope: Record<string, MessageValue> = {};
  for (const [name, type] of Object.entries(vars ?? {})) {
    if (typeof type === 'object') {
      const item = (n: number) => Object.fromEntries(Object.keys(type.items).map((f) => [f, { text: `[${f} ${n}]`, on: true }]));
      scope[name] = { items: [item(1), item(2)] };
    } else scope[name] = { text: `[${name}]`, on: true };
  }
  return scope;
}
