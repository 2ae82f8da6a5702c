import * as z from 'zod/mini';
import type { EmailKind } from '../../config/email-kinds';
import { ValidationError } from '../../runtime/errors';
import { categoryName, formatDate, formatFactor, formatMinor, formatNumber, listOf, MAIL_COPY, type MailCopy } from './copy';
import { escapeHtml, oneLine } from './escape';
import type { TemplateLocale } from './locale';

/**
 * Lojal's mail templates, rendered inside the function (see the README, "Emails", for why not
 * SES stored templates): one zod schema per kind for the data, validated before anything is
 * sent, and one render function per kind producing the subject, an HTML part and a text part
 * in the member's language, in the client's brand.
 */

const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const url = z.url();
const count = z.int().check(z.nonnegative());

const BrandSchema = z.object({ name: text(200), websiteUrl: z.optional(url) });

const common = {
  brand: BrandSchema,
  /** As the member gave it; escaped on the way into HTML. */
  firstName: z.optional(z.string().check(z.maxLength(200))),
};

/** Marketing mail must offer the unsubscribe link in the body too, not only in the headers. */
const marketing = { ...common, unsubscribeUrl: url };

/** A day in the member's calendar, `YYYY-MM-DD` (the sender reads instants on the member's clock). */
const day = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date YYYY-MM-DD'));
const tierName = text(100);

const ProductSchema = z.object({ sku: text(200), category: text(100), name: z.nullable(z.string().check(z.maxLength(300))) });

export const TEMPLATE_DATA = {
  welcome: z.object({
    ...common,
    balance: z.int(),
    earnRates: z.array(z.object({ currency: z.string().check(z.regex(/^[A-Z]{3}$/)), points: count, per: count })),
    multipliers: z.array(z.object({ category: text(100), multiplier: z.number().check(z.positive()) })),
    activities: z.array(z.object({ activity: text(100), points: count })),
    firstOrderBonus: count,
  }),
  checkin: z.object({
    ...common,
    /** The purchases the mail asks about: one, or several checked in on the same day. */
    orders: z.array(z.object({ orderId: text(200), products: z.array(ProductSchema) })).check(z.minLength(1)),
    /** The links of the answers 0 to 10, in order. */
    answerUrls: z.array(url).check(z.length(11)),
  }),
  replacement: z.object({
    ...marketing,
    /** The products wearing out: one, or several whose reminders fall due on the same day. */
    products: z.array(z.extend(ProductSchema, { ageDays: z.int().check(z.positive()) })).check(z.minLength(1)),
    /** Categories to suggest beside them (never one the member just bought). */
    related: z.array(text(100)),
  }),
  anniversary: z.object({ ...marketing, years: z.int().check(z.positive()), bonusPoints: count }),
  birthday: z.object({ ...marketing, bonusPoints: count }),
  /** `tier.changed` (an upgrade or a downgrade) or `tier.expiring` (the warning before a review). */
  tier: z.discriminatedUnion('change', [
    z.object({
      ...common,
      change: z.enum(['upgrade', 'downgrade']),
      tier: tierName,
      multiplier: z.number().check(z.positive()),
      /** When the new status is next reviewed; absent at the lowest tier. */
      reviewDate: z.optional(day),
    }),
    z.object({ ...common, change: z.literal('expiring'), tier: tierName, projectedTier: tierName, pointsToKeep: z.int().check(z.positive()), reviewDate: day }),
  ]),
  /** `reward.earned`: the reward's name comes from the client's configuration; escaped like any text. */
  reward: z.object({ ...common, rewardName: text(300), code: text(200), validUntil: z.optional(day) }),
  /** `points.expiring`. */
  expiry: z.object({ ...common, points: z.int().check(z.positive()), lastValidDate: day }),
  /** `perk.earned`: the perk's name comes from the client's configuration; escaped like any text. */
  perk: z.object({ ...common, perkName: text(300), afterMonths: z.int().check(z.positive()) }),
  /**
   * `challenge.completed`, for one winner: the challenge's name comes from the client's
   * configuration (escaped like any text); `rank` is the place, `shared` when tied members hold it.
   */
  challenge: z.object({ ...common, challengeName: text(300), rank: z.int().check(z.positive()), prize: z.int().check(z.positive()), shared: z.optional(z.boolean()) }),
} as const;

export type RenderableKind = keyof typeof TEMPLATE_DATA;
export type TemplateData<K extends RenderableKind> = z.output<(typeof TEMPLATE_DATA)[K]>;
export const RENDERABLE_KINDS = Object.keys(TEMPLATE_DATA) as RenderableKind[];
export const isRenderable = (kind: EmailKind): kind is RenderableKind => kind in TEMPLATE_DATA;

export interface RenderedMail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** Thrown when a template's data fails its schema; names the field, e.g. `welcome.balance`. */
export class TemplateDataError extends ValidationError {}

/**
 * Renders one mail. Validates `data` with the kind's schema first and throws
 * `TemplateDataError` naming the field: SES reports a stored template's rendering failure only
 * after the send was accepted, by which time the mail is lost; here nothing is sent.
 *
 * @example
 * const mail = renderMail('birthday', 'sv', { brand: { name: 'Demo' }, bonusPoints: 200, unsubscribeUrl });
 */
export function renderMail<K extends RenderableKind>(kind: K, locale: TemplateLocale, data: unknown): RenderedMail {
  const parsed = TEMPLATE_DATA[kind].safeParse(data);
  if (!parsed.success) {
    const error = ValidationError.fromZod(parsed.error, kind);
    throw new TemplateDataError(error.field, error.reason);
  }
  const copy = MAIL_COPY[locale];
  const render = RENDERERS[kind] as (d: TemplateData<K>, c: MailCopy, l: TemplateLocale) => Body;
  const body = render(parsed.data as TemplateData<K>, copy, locale);
  const brand = parsed.data.brand;
  const unsubscribeUrl = 'unsubscribeUrl' in parsed.data ? (parsed.data.unsubscribeUrl as string) : undefined;
  return layout(body, copy, brand, unsubscribeUrl, locale);
}

/** A mail's content before the shared layout: blocks in order. */
interface Body {
  readonly subject: string;
  readonly blocks: readonly Block[];
}

type Block =
  | { readonly type: 'p'; readonly text: string }
  | { readonly type: 'h'; readonly text: string }
  | { readonly type: 'list'; readonly items: readonly string[] }
  | { readonly type: 'scale'; readonly label: string; readonly hint: string; readonly urls: readonly string[] }
  | { readonly type: 'button'; readonly text: string; readonly url: string };

const pointsText = (n: number, copy: MailCopy, locale: TemplateLocale) => copy.points(n, formatNumber(n, locale));
const productName = (p: { name: string | null; category: string }) => oneLine(p.name ?? '') || categoryName(p.category);

const RENDERERS: { readonly [K in RenderableKind]: (data: TemplateData<K>, copy: MailCopy, locale: TemplateLocale) => Body } = {
  welcome: (d, copy, locale) => {
    const ways = [
      ...d.earnRates.map((r) => copy.welcome.earnRate(pointsText(r.points, copy, locale), formatMinor(r.per, r.currency, locale))),
      ...d.multipliers.map((m) => copy.welcome.multiplier(formatFactor(m.multiplier, locale), categoryName(m.category))),
      ...d.activities.map((a) => copy.welcome.activity(pointsText(a.points, copy, locale), copy.activities[a.activity] ?? categoryName(a.activity))),
      ...(d.firstOrderBonus > 0 ? [copy.welcome.firstOrderBonus(pointsText(d.firstOrderBonus, copy, locale))] : []),
    ];
    return {
      subject: copy.welcome.subject(d.brand.name),
      blocks: [
        { type: 'p', text: copy.greeting(d.firstName) },
        { type: 'p', text: copy.welcome.intro(d.brand.name) },
        { type: 'p', text: copy.welcome.balance(pointsText(d.balance, copy, locale)) },
        ...(ways.length > 0 ? ([{ type: 'h', text: copy.welcome.earnHeading }, { type: 'list', items: ways }] as const) : []),
      ],
    };
  },
  checkin: (d, copy, locale) => {
    const names = [...new Set(d.orders.flatMap((o) => o.products.map(productName)))];
    return {
      subject: copy.checkin.subject(names.length === 1 ? names[0] : undefined),
      blocks: [
        { type: 'p', text: copy.greeting(d.firstName) },
        { type: 'p', text: copy.checkin.intro(names.length > 0 ? listOf(names, locale) : copy.checkin.onePurchase) },
        { type: 'scale', label: copy.checkin.question, hint: copy.checkin.scale, urls: d.answerUrls },
        { type: 'p', text: copy.checkin.reply },
      ],
    };
  },
  replacement: (d, copy, locale) => {
    const names = [...new Set(d.products.map(productName))];
    return {
      subject: copy.replacement.subject(listOf(names, locale)),
      blocks: [
        { type: 'p', text: copy.greeting(d.firstName) },
        { type: 'list', items: d.products.map((p) => copy.replacement.line(productName(p), copy.age(p.ageDays))) },
        { type: 'p', text: copy.replacement.nudge },
        ...(d.related.length > 0 ? ([{ type: 'h', text: copy.replacement.related }, { type: 'list', items: d.related.map(categoryName) }] as const) : []),
        ...(d.brand.websiteUrl ? ([{ type: 'button', text: copy.replacement.cta, url: d.brand.websiteUrl }] as const) : []),
      ],
    };
  },
  anniversary: (d, copy, locale) => ({
    subject: copy.anniversary.subject(d.years, d.brand.name),
    blocks: [
      { type: 'p', text: copy.greeting(d.firstName) },
      { type: 'p', text: copy.anniversary.body(d.years) },
      ...(d.bonusPoints > 0 ? ([{ type: 'p', text: copy.anniversary.bonus(pointsText(d.bonusPoints, copy, locale)) }] as const) : []),
    ],
  }),
  birthday: (d, copy, locale) => ({
    subject: copy.birthday.subject(d.brand.name),
    blocks: [
      { type: 'p', text: copy.greeting(d.firstName) },
      { type: 'p', text: copy.birthday.body },
      ...(d.bonusPoints > 0 ? ([{ type: 'p', text: copy.birthday.bonus(pointsText(d.bonusPoints, copy, locale)) }] as const) : []),
    ],
  }),
  tier: (d, copy, locale) => {
    if (d.change === 'expiring') {
      return {
        subject: copy.tier.expiringSubject(d.tier),
        blocks: [
          { type: 'p', text: copy.greeting(d.firstName) },
          { type: 'p', text: copy.tier.expiring(d.tier, formatDate(d.reviewDate, locale), d.projectedTier) },
          { type: 'p', text: copy.tier.toKeep(pointsText(d.pointsToKeep, copy, locale), d.tier) },
          ...(d.brand.websiteUrl ? ([{ type: 'button', text: copy.tier.cta, url: d.brand.websiteUrl }] as const) : []),
        ],
      };
    }
    const up = d.change === 'upgrade';
    return {
      subject: up ? copy.tier.upgradeSubject(d.tier) : copy.tier.downgradeSubject(d.tier),
      blocks: [
        { type: 'p', text: copy.greeting(d.firstName) },
        { type: 'p', text: up ? copy.tier.upgrade(d.tier) : copy.tier.downgrade(d.tier) },
        { type: 'p', text: copy.tier.multiplier(formatFactor(d.multiplier, locale)) },
        ...(d.reviewDate ? ([{ type: 'p', text: copy.tier.review(formatDate(d.reviewDate, locale)) }] as const) : []),
      ],
    };
  },
  reward: (d, copy, locale) => ({
    subject: copy.reward.subject(d.rewardName),
    blocks: [
      { type: 'p', text: copy.greeting(d.firstName) },
      { type: 'p', text: copy.reward.body(d.rewardName) },
      { type: 'h', text: copy.reward.code(d.code) },
      ...(d.validUntil ? ([{ type: 'p', text: copy.reward.validUntil(formatDate(d.validUntil, locale)) }] as const) : []),
      ...(d.brand.websiteUrl ? ([{ type: 'button', text: copy.reward.cta, url: d.brand.websiteUrl }] as const) : []),
    ],
  }),
  expiry: (d, copy, locale) => ({
    subject: copy.expiry.subject(pointsText(d.points, copy, locale)),
    blocks: [
      { type: 'p', text: copy.greeting(d.firstName) },
      { type: 'p', text: copy.expiry.body(pointsText(d.points, copy, locale), formatDate(d.lastValidDate, locale)) },
      { type: 'p', text: copy.expiry.nudge },
      ...(d.brand.websiteUrl ? ([{ type: 'button', text: copy.expiry.cta, url: d.brand.websiteUrl }] as const) : []),
    ],
  }),
  perk: (d, copy) => ({
    subject: copy.perk.subject(d.perkName),
    blocks: [
      { type: 'p', text: copy.greeting(d.firstName) },
      { type: 'p', text: copy.perk.body(d.perkName, copy.months(d.afterMonths)) },
      { type: 'p', text: copy.perk.thanks(d.brand.name) },
      ...(d.brand.websiteUrl ? ([{ type: 'button', text: copy.perk.cta, url: d.brand.websiteUrl }] as const) : []),
    ],
  }),
  challenge: (d, copy, locale) => {
    const place = copy.place(d.rank);
    const shared = d.shared ?? false;
    return {
      subject: copy.challenge.subject(d.challengeName, place, shared),
      blocks: [
        { type: 'p', text: copy.greeting(d.firstName) },
        { type: 'p', text: copy.challenge.body(d.challengeName, place, shared) },
        { type: 'p', text: copy.challenge.prize(pointsText(d.prize, copy, locale)) },
        { type: 'p', text: copy.challenge.thanks(d.brand.name) },
        ...(d.brand.websiteUrl ? ([{ type: 'button', text: copy.challenge.cta, url: d.brand.websiteUrl }] as const) : []),
      ],
    };
  },
};

const STYLE = {
  body: 'margin:0;padding:24px;background:#f4f4f5;font-family:Helvetica,Arial,sans-serif;color:#18181b;',
  card: 'max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px;',
  brand: 'font-size:20px;font-weight:bold;margin:0 0 24px;',
  p: 'font-size:16px;line-height:1.5;margin:0 0 16px;',
  h: 'font-size:16px;font-weight:bold;margin:24px 0 8px;',
  scale: 'display:inline-block;min-width:28px;padding:6px 0;margin:0 2px 4px 0;text-align:center;border:1px solid #d4d4d8;border-radius:4px;color:#18181b;text-decoration:none;',
  button: 'display:inline-block;padding:12px 20px;background:#18181b;color:#ffffff;border-radius:6px;text-decoration:none;',
  footer: 'max-width:560px;margin:16px auto 0;font-size:12px;line-height:1.5;color:#71717a;',
} as const;

/** The shared frame: brand header, the blocks, the footer saying why the mail came (and how to stop it). */
function layout(body: Body, copy: MailCopy, brand: { name: string; websiteUrl?: string | undefined }, unsubscribeUrl: string | undefined, locale: TemplateLocale): RenderedMail {
  const e = escapeHtml;
  const html: string[] = [];
  const text: string[] = [];
  for (const block of body.blocks) {
    switch (block.type) {
      case 'p':
        html.push(`<p style="${STYLE.p}">${e(block.text)}</p>`);
        text.push(oneLine(block.text));
        break;
      case 'h':
        html.push(`<h2 style="${STYLE.h}">${e(block.text)}</h2>`);
        text.push(oneLine(block.text));
        break;
      case 'list':
        html.push(`<ul style="${STYLE.p}">${block.items.map((i) => `<li>${e(i)}</li>`).join('')}</ul>`);
        text.push(block.items.map((i) => `- ${oneLine(i)}`).join('\n'));
        break;
      case 'scale':
        html.push(
          `<p style="${STYLE.p}"><strong>${e(block.label)}</strong><br>${e(block.hint)}</p>`,
          `<p style="${STYLE.p}">${block.urls.map((u, score) => `<a href="${e(u)}" style="${STYLE.scale}">${score}</a>`).join('')}</p>`,
        );
        text.push(`${oneLine(block.label)} (${oneLine(block.hint)})\n${block.urls.map((u, score) => `${score}: ${u}`).join('\n')}`);
        break;
      case 'button':
        html.push(`<p style="${STYLE.p}"><a href="${e(block.url)}" style="${STYLE.button}">${e(block.text)}</a></p>`);
        text.push(`${oneLine(block.text)}: ${block.url}`);
        break;
    }
  }
  const why = unsubscribeUrl ? copy.footer.marketing(brand.name) : copy.footer.service(brand.name);
  const brandHtml = brand.websiteUrl ? `<a href="${e(brand.websiteUrl)}" style="color:#18181b;text-decoration:none;">${e(brand.name)}</a>` : e(brand.name);
  const footerHtml = `${e(why)}${unsubscribeUrl ? ` <a href="${e(unsubscribeUrl)}" style="color:#71717a;">${e(copy.footer.unsubscribe)}</a>` : ''}`;
  const subject = oneLine(body.subject);
  return {
    subject,
    html:
      `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(subject)}</title></head>` +
      `<body style="${STYLE.body}"><div style="${STYLE.card}"><p style="${STYLE.brand}">${brandHtml}</p>${html.join('')}</div>` +
      `<p style="${STYLE.footer}">${footerHtml}</p></body></html>`,
    text: [oneLine(brand.name), '', text.join('\n\n'), '', '--', oneLine(why), ...(unsubscribeUrl ? [`${copy.footer.unsubscribe}: ${unsubscribeUrl}`] : []), ...(brand.websiteUrl ? [brand.websiteUrl] : [])].join('\n'),
  };
}
