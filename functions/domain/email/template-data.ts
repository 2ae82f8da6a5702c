import * as z from 'zod/mini';
import type { EmailKind } from '../../config/email-kinds';

/**
 * The data each preset mail is rendered from: one zod schema per kind, validated before anything
 * is sent (templates.ts renders it; preset-scope.ts turns it into a message's variables).
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
    z.object({
      ...common,
      change: z.literal('expiring'),
      tier: tierName,
      projectedTier: tierName,
      pointsToKeep: z.int().check(z.positive()),
      reviewDate: day,
    }),
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
  challenge: z.object({
    ...common,
    challengeName: text(300),
    rank: z.int().check(z.positive()),
    prize: z.int().check(z.positive()),
    shared: z.optional(z.boolean()),
  }),
} as const;

export type RenderableKind = keyof typeof TEMPLATE_DATA;
export type TemplateData<K extends RenderableKind> = z.output<(typeof TEMPLATE_DATA)[K]>;
export const RENDERABLE_KINDS = Object.keys(TEMPLATE_DATA) as RenderableKind[];
export const isRenderable = (kind: EmailKind): kind is RenderableKind => kind in TEMPLATE_DATA;
