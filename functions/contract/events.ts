import * as z from 'zod/mini';

/**
 * The webshop event contract (PRODUCT.md §1): one zod schema per DetailType. These schemas
 * are the single definition: handlers parse with them, `npm run schemas` generates the JSON
 * Schemas in `schemas/` for webshop developers, and the local copy validates with them.
 *
 * Written with `zod/mini`, zod's tree-shakable form: every Lambda bundle carries these
 * schemas, and mini keeps a bundle about 70 KB smaller than classic zod.
 */

const isoDateTime = z.iso.datetime({ offset: true });
const id = z.string().check(z.minLength(1), z.maxLength(200));
/** Amounts are integers in minor units (öre, cents). */
const minor = z.int().check(z.nonnegative());
const positiveInt = z.int().check(z.positive());
const email = z.email().check(z.maxLength(320));

export const BirthdaySchema = z.string().check(
  z.regex(/^(\d{4}|-)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be YYYY-MM-DD or --MM-DD'),
  z.refine((b) => {
    const [, mm, dd] = /^(?:\d{4}|-)-(\d\d)-(\d\d)$/.exec(b) ?? [];
    const days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Number(mm) - 1] ?? 0;
    return Number(dd) <= days;
  }, 'is not a calendar day'),
);

const timeZone = z.string().check(
  z.refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone'),
);

const profileFields = {
  email: z.optional(email),
  firstName: z.optional(z.string().check(z.maxLength(200))),
  locale: z.optional(z.string().check(z.regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP-47 tag'))),
  timeZone: z.optional(timeZone),
  birthday: z.optional(BirthdaySchema),
  accountId: z.optional(id),
  marketingConsent: z.optional(z.boolean()),
  /** When the customer gave the consent `marketingConsent: true` reports: needed to re-subscribe after an opt-out Lojal recorded. */
  marketingConsentAt: z.optional(isoDateTime),
};

export const CustomerRegisteredSchema = z.object({
  customerId: id,
  registeredAt: isoDateTime,
  ...profileFields,
  email,
  marketingConsent: z._default(z.boolean(), false),
});

export const CustomerUpdatedSchema = z.object({
  customerId: id,
  updatedAt: isoDateTime,
  ...profileFields,
  registeredAt: z.optional(isoDateTime),
});

export const CustomerDeletedSchema = z.object({
  customerId: id,
  deletedAt: isoDateTime,
});

export const OrderLineSchema = z.object({
  sku: id,
  category: z.string().check(z.minLength(1), z.maxLength(100)),
  quantity: positiveInt,
  unitPrice: minor,
  name: z.optional(z.string().check(z.maxLength(300))),
  lifespanDays: z.optional(positiveInt),
});

export const OrderPlacedSchema = z
  .object({
    orderId: id,
    customerId: id,
    placedAt: isoDateTime,
    currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code')),
    lines: z.array(OrderLineSchema).check(z.minLength(1), z.maxLength(500)),
    accountId: z.optional(id),
    market: z.optional(z.string().check(z.maxLength(50))),
    /** Order-level discount in minor units, spread pro rata over the lines. */
    discount: z.optional(minor),
  })
  .check(
    z.refine((o) => (o.discount ?? 0) <= o.lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0), {
      message: 'must not exceed the sum of the lines',
      path: ['discount'],
    }),
    z.refine((o) => new Set(o.lines.map((l) => l.sku)).size === o.lines.length, {
      message: 'each sku may appear on one line only',
      path: ['lines'],
    }),
  );

export const OrderRefundedSchema = z
  .object({
    refundId: id,
    orderId: id,
    customerId: id,
    refundedAt: isoDateTime,
    lines: z.optional(z.array(z.object({ sku: id, quantity: positiveInt })).check(z.minLength(1))),
    /** Refunded amount in minor units, when the refund is not by line. */
    amount: z.optional(positiveInt),
  })
  .check(
    z.refine((r) => (r.lines === undefined) !== (r.amount === undefined), {
      message: 'give either lines or amount, not both and not neither',
      path: ['lines'],
    }),
  );

export const ActivityCompletedSchema = z.object({
  activityId: id,
  customerId: id,
  activity: z.string().check(z.minLength(1), z.maxLength(100)),
  occurredAt: isoDateTime,
});

export type CustomerRegistered = z.output<typeof CustomerRegisteredSchema>;
export type CustomerUpdated = z.output<typeof CustomerUpdatedSchema>;
export type CustomerDeleted = z.output<typeof CustomerDeletedSchema>;
export type OrderPlaced = z.output<typeof OrderPlacedSchema>;
export type OrderLine = z.output<typeof OrderLineSchema>;
export type OrderRefunded = z.output<typeof OrderRefundedSchema>;
export type ActivityCompleted = z.output<typeof ActivityCompletedSchema>;

/** Every webshop DetailType with its schema: the rules, the handlers and the generated JSON Schemas come from here. */
export const WEBSHOP_EVENTS = {
  'customer.registered': CustomerRegisteredSchema,
  'customer.updated': CustomerUpdatedSchema,
  'customer.deleted': CustomerDeletedSchema,
  'order.placed': OrderPlacedSchema,
  'order.refunded': OrderRefundedSchema,
  'activity.completed': ActivityCompletedSchema,
} as const;

export type WebshopDetailType = keyof typeof WEBSHOP_EVENTS;
export const WEBSHOP_DETAIL_TYPES = Object.keys(WEBSHOP_EVENTS) as WebshopDetailType[];

/** Lojal's own events (Source `lojal`); webshops can never send these. */
export const LOJAL_SOURCE = 'lojal';
export const LOJAL_DETAIL_TYPES = [
  'checkin.due',
  'product.aged',
  'customer.anniversary',
  'customer.birthday',
  'tier.changed',
  'reward.earned',
  'points.expiring',
  'perk.earned',
  'tier.expiring',
  'challenge.completed',
  'customer.unsubscribed',
] as const;
export type LojalDetailType = (typeof LOJAL_DETAIL_TYPES)[number];
