import * as z from 'zod/mini';
import { ATTRIBUTE_NAME, MAX_ATTRIBUTES } from '../domain/attributes';

/**
 * The webshop event contract (docs/events.md): one zod schema per DetailType. These schemas
 * are the single definition: handlers parse with them, `npm run schemas` generates the JSON
 * Schemas in `schemas/` for webshop developers, and the local copy validates with them.
 *
 * Written with `zod/mini`, zod's tree-shakable form: every Lambda bundle carries these
 * schemas, and mini keeps a bundle about 70 KB smaller than classic zod.
 */

const isoDateTime = z.iso.datetime({ offset: true });
/**
 * Text a shop sends: well-formed Unicode (a lone surrogate would be stored as U+FFFD and land
 * on another id) and no control or line-separator characters (they make ids that look equal
 * differ, and break logs and mail headers). Nothing is stripped: such text is rejected.
 */
const text = (max: number) =>
  z.string().check(
    z.maxLength(max),
    // In a `u` regex a lone surrogate is a code point of category Cs; a pair is one other code point.
    z.refine((s) => !/\p{Cs}/u.test(s), 'must be well-formed Unicode (no lone surrogates)'),
    z.refine((s) => !/[\p{Cc}\u2028\u2029]/u.test(s), 'must not contain control characters'),
  );
const id = text(200).check(z.minLength(1));
/** Amounts are integers in minor units (öre, cents). */
const minor = z.int().check(z.nonnegative());
const positiveInt = z.int().check(z.positive());

/**
 * Bounds no real shop reaches, so every sum and product of them stays far below
 * Number.MAX_SAFE_INTEGER (9.007e15) and every date computed from them is valid (issue 13).
 * The event catalog (README) lists them.
 */
export const EVENT_BOUNDS = {
  /** Units of one sku on one order or refund line. */
  maxQuantity: 100_000,
  /** Minor units per unit: 10^10 öre is 100 million SEK. */
  maxUnitPrice: 10_000_000_000,
  /** quantity × unitPrice of one line, in minor units. */
  maxLineTotal: 1_000_000_000_000,
  /** Sum of an order's lines, an order discount or a refunded amount, in minor units. */
  maxOrderTotal: 10_000_000_000_000,
  /** Lines per order or refund. */
  maxLines: 500,
  /** A product's lifespan: 100 years. */
  maxLifespanDays: 36_500,
} as const;
const quantity = positiveInt.check(z.maximum(EVENT_BOUNDS.maxQuantity));
const amount = minor.check(z.maximum(EVENT_BOUNDS.maxOrderTotal));
const email = z.email().check(z.maxLength(320));

/** A birth year Lojal takes: none of its members was born before 1900. */
const MIN_BIRTH_YEAR = 1900;
const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** `YYYY-MM-DD` or `--MM-DD` (year unknown): a day of the calendar, 29 February only in a leap year when the year is given. */
export const BirthdaySchema = z.string().check(
  z.regex(/^(\d{4}|-)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be YYYY-MM-DD or --MM-DD'),
  z.refine((b) => {
    const [, yyyy, mm, dd] = /^(\d{4}|-)-(\d\d)-(\d\d)$/.exec(b) ?? [];
    const february = yyyy === '-' || yyyy === undefined || isLeapYear(Number(yyyy)) ? 29 : 28;
    const days = [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Number(mm) - 1] ?? 0;
    return Number(dd) <= days;
  }, 'is not a calendar day'),
  z.refine((b) => b.startsWith('-') || Number(b.slice(0, 4)) >= MIN_BIRTH_YEAR, `must not be before ${MIN_BIRTH_YEAR}`),
);

/**
 * A birthday with a year is not after the event that reports it: a member is born by the time
 * they register. Days are compared on the earliest clock (UTC+14), so the registration's own
 * day counts wherever the member lives.
 */
const bornBy = (birthday: string | undefined, businessTime: string) =>
  birthday === undefined || birthday.startsWith('-') || Date.parse(`${birthday}T00:00:00+14:00`) <= Date.parse(businessTime);
const birthdayNotAfter = <T extends { birthday?: string | undefined }>(at: (event: T) => string) =>
  z.refine<T>((event) => bornBy(event.birthday, at(event)), { message: 'must not be after the event', path: ['birthday'] });

const timeZone = z.string().check(
  z.maxLength(64),
  z.refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone'),
);

/** A BCP-47 language tag (`sv`, `sv-SE`, `en-US-u-ca-gregory`) that Intl accepts, at most 35 characters (RFC 5646 §4.4.1). */
const locale = z.string().check(
  z.maxLength(35),
  z.regex(/^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'must be a BCP-47 tag such as sv or sv-SE'),
  z.refine((tag) => {
    try {
      return Intl.getCanonicalLocales(tag).length === 1;
    } catch {
      return false;
    }
  }, 'must be a BCP-47 tag such as sv or sv-SE'),
);

/**
 * The client's declared member attributes (docs/events.md, "Member attributes"): a name and a
 * string, number or boolean, or `null` to clear it. Whether a name is declared and its value of
 * the declared type is checked against the client file by the handler (the contract is one for
 * every client), naming the field: `detail.attributes.shoeSize: must be a number`.
 */
const attributes = z
  .record(
    z.string().check(z.regex(ATTRIBUTE_NAME, 'must be an attribute name (a letter, then letters, digits or _)')),
    z.nullable(z.union([text(200), z.number().check(z.minimum(-1e15), z.maximum(1e15)), z.boolean()])),
  )
  .check(z.refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`));

const profileFields = {
  email: z.optional(email),
  firstName: z.optional(text(200)),
  locale: z.optional(locale),
  timeZone: z.optional(timeZone),
  birthday: z.optional(BirthdaySchema),
  accountId: z.optional(id),
  marketingConsent: z.optional(z.boolean()),
  /** When the customer gave the consent `marketingConsent: true` reports: needed to re-subscribe after an opt-out Lojal recorded. */
  marketingConsentAt: z.optional(isoDateTime),
  attributes: z.optional(attributes),
};

export const CustomerRegisteredSchema = z
  .object({
    customerId: id,
    registeredAt: isoDateTime,
    ...profileFields,
    email,
    marketingConsent: z._default(z.boolean(), false),
    /** From a history import (`npm run import`): the member is recorded, no welcome mail is sent. */
    imported: z.optional(z.boolean()),
  })
  .check(birthdayNotAfter((e) => e.registeredAt));

export const CustomerUpdatedSchema = z
  .object({
    customerId: id,
    updatedAt: isoDateTime,
    ...profileFields,
    registeredAt: z.optional(isoDateTime),
  })
  .check(birthdayNotAfter((e) => e.updatedAt));

export const CustomerDeletedSchema = z.object({
  customerId: id,
  deletedAt: isoDateTime,
});

export const OrderLineSchema = z
  .object({
    sku: id,
    category: text(100).check(z.minLength(1)),
    quantity,
    unitPrice: minor.check(z.maximum(EVENT_BOUNDS.maxUnitPrice)),
    name: z.optional(text(300)),
    lifespanDays: z.optional(positiveInt.check(z.maximum(EVENT_BOUNDS.maxLifespanDays))),
  })
  .check(
    z.refine((l) => l.quantity * l.unitPrice <= EVENT_BOUNDS.maxLineTotal, {
      message: `quantity × unitPrice must not exceed ${EVENT_BOUNDS.maxLineTotal} minor units`,
      path: ['unitPrice'],
    }),
  );

export const OrderPlacedSchema = z
  .object({
    orderId: id,
    customerId: id,
    placedAt: isoDateTime,
    currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code')),
    lines: z.array(OrderLineSchema).check(z.minLength(1), z.maxLength(EVENT_BOUNDS.maxLines)),
    accountId: z.optional(id),
    market: z.optional(text(50)),
    /** Order-level discount in minor units, spread pro rata over the lines. */
    discount: z.optional(amount),
    /** From a history import (`npm run import`): points are awarded, its check-in and reminders are recorded skipped, never sent. */
    imported: z.optional(z.boolean()),
  })
  .check(
    z.refine((o) => o.lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0) <= EVENT_BOUNDS.maxOrderTotal, {
      message: `the lines must not sum to more than ${EVENT_BOUNDS.maxOrderTotal} minor units`,
      path: ['lines'],
    }),
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
    lines: z.optional(z.array(z.object({ sku: id, quantity })).check(z.minLength(1), z.maxLength(EVENT_BOUNDS.maxLines))),
    /** Refunded amount in minor units, when the refund is not by line. */
    amount: z.optional(positiveInt.check(z.maximum(EVENT_BOUNDS.maxOrderTotal))),
  })
  .check(
    z.refine((r) => r.lines === undefined || new Set(r.lines.map((l) => l.sku)).size === r.lines.length, {
      message: 'each sku may appear on one refund line only',
      path: ['lines'],
    }),
    z.refine((r) => (r.lines === undefined) !== (r.amount === undefined), {
      message: 'give either lines or amount, not both and not neither',
      path: ['lines'],
    }),
  );

export const ActivityCompletedSchema = z.object({
  activityId: id,
  customerId: id,
  activity: text(100).check(z.minLength(1)),
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
  // The flow engine's own wake-ups from the timeline sweeper (docs/flows.md): internal, but on the bus like checkin.due.
  'flow.step.due',
  'flow.action.due',
  'flow.broadcast.due',
  'flow.broadcast.slice',
  'flow.date.due',
  'nps.answered',
] as const;
export type LojalDetailType = (typeof LOJAL_DETAIL_TYPES)[number];

/**
 * The DetailType of an event a client's flow emits (`emit: nps.detractor`), Source `lojal`:
 * checked against the webshop's and Lojal's own types when the client file is loaded
 * (functions/config/flows.ts), so a flow can never announce an order or a tier change.
 */
export type FlowEventName = string & { readonly __flowEvent: true };
