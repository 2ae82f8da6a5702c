import * as z from 'zod';
import { formatPath } from '../runtime/errors';
import { EMAIL_KINDS } from './email-kinds';
import { DEFAULT_LINK_ROUTE_THROTTLE, DEFAULT_MEMBER_API_THROTTLE, MEMBER_API_AUTH_MODES } from '../contract/member-api';
import { DEFAULT_MESSAGES } from '../domain/email/default-messages';
import { DEFAULT_THEME } from '../domain/email/layout';
import type { CompiledMessage, CompiledMessages } from '../domain/email/message';
import { IntegrationsSchema } from '../integrations/config';
import { FlowsSchema, flowAttributeIssues } from './flows';
import { ATTRIBUTE_NAME, MAX_ATTRIBUTES } from '../domain/attributes';

/**
 * The program configuration of one client (docs/client-file.md). A client file under `clients/`
 * default-exports the *input* of this schema; `parseProgramConfig` validates it at synth
 * time (CDK), at start-up (local copy) and at cold start (Lambda), so an invalid client file
 * fails with a message naming the field instead of deploying.
 */

const isoDateTime = z.iso.datetime({ offset: true });

/** A multiplier such as 1.5: positive and exact to three decimals, so the engine can work in integer per-mille. */
const multiplier = z
  .number()
  .positive()
  .max(100)
  .refine((m) => Math.abs(m * 1000 - Math.round(m * 1000)) < 1e-9, 'must have at most three decimals');

const points = z.number().int().nonnegative();
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24h)');
const ianaTimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Stockholm');
const locale = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP-47 tag such as sv or sv-SE');
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as SEK');
/**
 * A member attribute's type (functions/domain/attributes.ts): `string`, `number`, `boolean`,
 * `date` (`YYYY-MM-DD`), or `{ enum: [...] }` for one of a list of strings.
 */
export const AttributeTypeSchema = z.union([
  z.enum(['string', 'number', 'boolean', 'date']),
  z.strictObject({ enum: z.array(z.string().min(1).max(200)).min(1).max(100) }),
]);

const rewardId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes');

import { revisionIssues } from './rule-revisions';
export { DEFAULT_EMAIL_CLASSES, EMAIL_KINDS, type EmailKind, emailClass } from './email-kinds';

import { DEFAULT_MAIL_LOG_RETENTION_DAYS } from './retention';
export { DEFAULT_MAIL_LOG_RETENTION_DAYS } from './retention';

export const EarnRateSchema = z.object({
  /** Points earned for every `per` minor units of net amount, e.g. 1 point per 100 öre. */
  points: z.number().int().positive(),
  per: z.number().int().positive(),
});

export const TierSchema = z.object({
  name: z.string().min(1),
  /** Qualifying points over a rolling 12 months needed to hold this tier. */
  qualifyingPoints: points,
  multiplier,
});

export const CampaignSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    start: isoDateTime,
    end: isoDateTime,
    /** Multiplies the points of matching lines during the window. */
    multiplier: multiplier.optional(),
    /** Fixed bonus points for an order with at least one matching line in the window. */
    bonusPoints: points.optional(),
    /** Only lines in these categories match; all lines when omitted. */
    categories: z.array(z.string().min(1)).optional(),
  })
  .refine((c) => c.multiplier !== undefined || c.bonusPoints !== undefined, {
    message: 'needs a multiplier or bonusPoints',
    path: ['multiplier'],
  })
  .refine((c) => Date.parse(c.start) < Date.parse(c.end), { message: 'must end after it starts', path: ['end'] });

/**
 * A dated change of the pricing rules (functions/config/rule-revisions.ts, docs/rule-changes.md):
 * from `effectiveFrom` on, each rule field given replaces the one in force before it. Events
 * before it, late ones included, stay priced by the rules of their own time.
 */
export const RuleRevisionSchema = z.strictObject({
  /** The instant the revision takes effect (ISO-8601 with offset); later than the revision before it. */
  effectiveFrom: isoDateTime,
  /** Why, for the people reading the file later. */
  note: z.string().max(500).optional(),
  earnRates: z
    .record(currency, EarnRateSchema)
    .refine((r) => Object.keys(r).length > 0, 'needs at least one currency')
    .optional(),
  categoryMultipliers: z.record(z.string().min(1), multiplier).optional(),
  tiers: z
    .array(TierSchema)
    .min(1)
    .refine((t) => t[0]?.qualifyingPoints === 0, 'the first tier must start at 0 qualifying points')
    .refine(
      (t) => t.every((tier, i) => i === 0 || tier.qualifyingPoints > (t[i - 1]?.qualifyingPoints ?? -1)),
      'must be sorted by rising qualifyingPoints',
    )
    .optional(),
  campaigns: z.array(CampaignSchema).optional(),
  activities: z.record(z.string().min(1), points).optional(),
  firstOrderBonus: points.optional(),
});

/**
 * A perk a member holds from a tenure on, e.g. "Fast payout" after 6 months. A perk after N
 * months is earned on the local calendar day of registration N months later (the 31st falls on
 * the month's last day), shows on the member API from that day, and the daily calendar job
 * emits `perk.earned` on it.
 */
export const TenurePerkSchema = z.object({
  /** Stable identifier, shown on the member API and in `perk.earned`, e.g. `fast-payout`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
  name: z.string().min(1),
  /** Months of membership after which the perk is earned. */
  afterMonths: z.number().int().positive().max(1200),
  /** Whether the earning should be mailed (`perk.earned` carries it as `email`). @default true */
  email: z.boolean().default(true),
});

/**
 * A time-boxed challenge (functions/domain/challenges.ts): entrants score the points they earn
 * from orders (net of their refunds) and activities inside their scoring window; when scoring
 * has closed and `settleHours` have passed, the top places win `prizes` as bonus points and
 * `challenge.completed` announces the result.
 */
export const ChallengeSchema = z
  .object({
    /** Stable identifier: in the leaderboard's address, the result event and the prize's ledger reference. */
    id: rewardId,
    name: z.string().min(1),
    /** The challenge opens (inclusive). */
    start: isoDateTime,
    /** Scoring closes (exclusive), or, with `firstDays`, registration for it does. */
    end: isoDateTime,
    /**
     * Who takes part: every member (`all`), or only members who registered between `start` and
     * `end` (`joined`). @default 'all'
     */
    entrants: z.enum(['all', 'joined']).default('all'),
    /**
     * With `entrants: 'joined'`: score each entrant's points over their own first N days after
     * registering, instead of between `start` and `end` (e.g. 30 for "most points in the first
     * month"). Scoring then closes N days after `end`.
     */
    firstDays: z.number().int().positive().max(366).optional(),
    /**
     * Bonus points by final place: `[1000, 500, 250]` pays the top three. Members tied on a
     * score share a place (1, 2, 2, 4), and each gets that place's prize.
     */
    prizes: z.array(z.number().int().positive()).min(1).max(100),
    /**
     * Hours between scoring closing and the result, for late events (a delayed order, a refund);
     * never less than `returnWindowDays`, so a purchase returned within it never wins. @default 24
     */
    settleHours: z
      .number()
      .int()
      .nonnegative()
      .max(24 * 90)
      .default(24),
  })
  .refine((c) => Date.parse(c.start) < Date.parse(c.end), { message: 'must end after it starts', path: ['end'] })
  .refine((c) => c.firstDays === undefined || c.entrants === 'joined', {
    message: "needs entrants: 'joined' (the days count from each entrant's registration)",
    path: ['firstDays'],
  });

/**
 * A browser origin allowed to call the member API (CORS): scheme and host, and a port when it is
 * not the default. Plain http only for a front end on the developer's own machine.
 */
const webOrigin = z.string().refine((origin) => {
  try {
    const url = new URL(origin);
    const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
    return url.origin === origin && (url.protocol === 'https:' || (url.protocol === 'http:' && local));
  } catch {
    return false;
  }
}, 'must be an origin such as https://shop.example.com: https, no path and no trailing slash');

/** Requests per second and burst of an API Gateway throttle. */
const throttleSchema = z.object({
  rateLimit: z.number().int().positive().max(10_000),
  burstLimit: z.number().int().positive().max(5_000),
});

/** The member API in AWS (docs/member-api.md; lib/member-api.ts). Locally the API is open. */
export const MemberApiConfigSchema = z.object({
  /**
   * How the shop authenticates: `iam` (SigV4, with the caller role the stack outputs) or
   * `apiKey` (the `x-api-key` header, the key kept in Secrets Manager). @default 'iam'
   */
  auth: z.enum(MEMBER_API_AUTH_MODES).default('iam'),
  /**
   * Browser origins allowed to call the API, e.g. `["https://shop.example.com"]`. Empty: no
   * CORS, so only servers can call it. @default []
   */
  corsOrigins: z
    .array(webOrigin)
    .default([])
    .refine((origins) => new Set(origins).size === origins.length, 'must not repeat an origin'),
  /** Stage-wide throttle, requests per second. @default { rateLimit: 50, burstLimit: 100 } */
  throttle: throttleSchema.default({ ...DEFAULT_MEMBER_API_THROTTLE }),
  /**
   * The throttle of each public link route (unsubscribe and check-in pages), in place of the
   * stage's: a flood of links neither uses up the shop's routes nor fails real clicks for long.
   * @default { rateLimit: 10, burstLimit: 20 }
   */
  linkThrottle: throttleSchema.default({ ...DEFAULT_LINK_ROUTE_THROTTLE }),
});

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #1a7f37');
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
/** Text per language, e.g. `{ sv: '…', en: '…' }`. */
const perLocale = (max: number) =>
  z.record(z.string().regex(/^[a-z]{2,3}$/, 'must be a language code such as sv'), z.string().min(1).max(max));

/** The client's look in mail (functions/domain/email/layout.ts). */
export const MailThemeSchema = z.object({
  /** An https URL of the logo, about 40 px high; the brand's name is shown when absent. */
  logoUrl: httpsUrl.optional(),
  colors: z
    .object({ background: hexColor, card: hexColor, text: hexColor, muted: hexColor, accent: hexColor, accentText: hexColor })
    .default({ ...DEFAULT_THEME.colors }),
  /** A CSS font stack; web fonts are not loaded by most mail clients, so end with a system family. */
  fontStack: z
    .string()
    .regex(/^[\w\s,'"-]{1,200}$/, 'must be a CSS font stack such as Helvetica, Arial, sans-serif')
    .default(DEFAULT_THEME.fontStack),
  /** A line under every mail, per language, e.g. customer service hours. */
  footerText: perLocale(300).optional(),
  /** The sender's postal address, shown in every footer; required when the client sends marketing mail (CAN-SPAM). */
  postalAddress: z.string().min(5).max(300).optional(),
});

/** Names per language, by category slug, activity, tier name, reward id and perk id. */
export const DisplayNamesSchema = z.object({
  categories: z.record(z.string().min(1), perLocale(100)).optional(),
  activities: z.record(z.string().min(1), perLocale(100)).optional(),
  tiers: z.record(z.string().min(1), perLocale(100)).optional(),
  rewards: z.record(z.string().min(1), perLocale(300)).optional(),
  perks: z.record(z.string().min(1), perLocale(300)).optional(),
});

/** A compiled message (functions/domain/email/message.ts); lib/messages made and checked it, so only its shape is checked here. */
const CompiledMessageSchema = z.custom<CompiledMessage>(
  (m) => typeof m === 'object' && m !== null && 'subject' in m && Array.isArray(m.subject) && 'body' in m && Array.isArray(m.body),
  'must be a compiled message (lib/messages)',
);

export const ProgramConfigSchema = z
  .object({
    /** Short, stable identifier: names the stack and its resources. */
    clientId: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be lower-case letters, digits and dashes'),
    brand: z.object({
      name: z.string().min(1),
      senderAddress: z.email(),
      /** The shop's site, linked from every mail: https only (a mail link to plain http is a phishing signal). */
      websiteUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
    }),
    locales: z.array(locale).min(1),
    defaultLocale: locale,
    timeZone: ianaTimeZone,
    /** Event sources the webshop may use. `lojal` is reserved for Lojal's own events. @default ["webshop"] */
    allowedSources: z
      .array(
        z
          .string()
          .min(1)
          .refine((s) => s !== 'lojal' && !s.startsWith('aws.'), 'is reserved'),
      )
      .min(1)
      .default(['webshop']),
    /** Earn rate per currency; an order in a currency not listed here is rejected. */
    earnRates: z.record(currency, EarnRateSchema).refine((r) => Object.keys(r).length > 0, 'needs at least one currency'),
    /** @default {} (every category ×1) */
    categoryMultipliers: z.record(z.string().min(1), multiplier).default({}),
    tiers: z
      .array(TierSchema)
      .min(1)
      .refine((t) => t[0]?.qualifyingPoints === 0, 'the first tier must start at 0 qualifying points')
      .refine(
        (t) => t.every((tier, i) => i === 0 || tier.qualifyingPoints > (t[i - 1]?.qualifyingPoints ?? -1)),
        'must be sorted by rising qualifyingPoints',
      ),
    /** @default [] */
    campaigns: z.array(CampaignSchema).default([]),
    /** Points per completed activity, by activity name. An unknown activity is rejected. @default {} */
    activities: z.record(z.string().min(1), points).default({}),
    /** Bonus points on a customer's first order. @default 0 */
    firstOrderBonus: points.default(0),
    checkin: z
      .object({
        delayDays: z.number().int().positive().default(30),
        /** Per-category override of the delay. */
        categoryDelayDays: z.record(z.string(), z.number().int().positive()).default({}),
      })
      .default({ delayDays: 30, categoryDelayDays: {} }),
    /** Expected product lifespan per category, in days; a line's own lifespanDays wins. @default {} */
    lifespans: z.record(z.string().min(1), z.number().int().positive()).default({}),
    /** Categories to suggest beside a replacement reminder, per category. @default {} */
    relatedCategories: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    /** Points on each membership anniversary (years ≥ 1), once per member and year. @default 0 */
    anniversaryBonus: points.default(0),
    /** Points on a member's birthday, once per member and year. @default 0 */
    birthdayBonus: points.default(0),
    /** Perks earned by tenure (see `TenurePerkSchema`). @default [] */
    perks: z
      .array(TenurePerkSchema)
      .default([])
      .refine((perks) => new Set(perks.map((p) => p.id)).size === perks.length, 'perk ids must be unique'),
    /**
     * Points expire this many months after they were earned, at the end of that month in the
     * client's time zone (points earned in March 2025 with 24 are valid through 31 March 2027);
     * null for never. @default null
     */
    pointsExpiryMonths: z.number().int().positive().nullable().default(null),
    /** Days before points expire that `points.expiring` warns the member; 0 for no warning. @default 30 */
    expiryWarningDays: z.number().int().nonnegative().max(180).default(30),
    /** Days order points stay pending (the return window) before they can be spent. @default 0 */
    returnWindowDays: z.number().int().nonnegative().default(0),
    /**
     * Days before a tier review (the anniversary of the member's last upgrade or review) that
     * `tier.expiring` warns a member who would be moved down; 0 for no warning. @default 30
     */
    tierReviewWarningDays: z.number().int().nonnegative().max(180).default(30),
    /** Spend-threshold rewards, e.g. a free item per 500 SEK spent. @default [] */
    spendRewards: z
      .array(
        z.object({
          /** Stable identifier, part of every code issued for it. */
          id: rewardId,
          name: z.string().min(1),
          currency,
          /** One reward each time the member's net spend in `currency` passes another multiple of this (minor units). */
          everyMinor: z.number().int().positive(),
          /** Days an issued code is valid; null for no end. @default null */
          validDays: z.number().int().positive().nullable().default(null),
        }),
      )
      .default([])
      .refine((rewards) => new Set(rewards.map((r) => r.id)).size === rewards.length, 'spend reward ids must be unique'),
    /** Rewards members can redeem points for. @default [] */
    rewards: z
      .array(
        z.object({
          id: rewardId,
          name: z.string().min(1),
          /** The points price. */
          points: z.number().int().positive(),
          /** How many can be redeemed in all, across members; null for no limit. @default null */
          stock: z.number().int().nonnegative().nullable().default(null),
          /** Days a redeemed reward's code is valid; null for no end. @default null */
          validDays: z.number().int().positive().nullable().default(null),
        }),
      )
      .default([])
      .refine((rewards) => new Set(rewards.map((r) => r.id)).size === rewards.length, 'reward ids must be unique'),
    /**
     * Time-boxed challenges with a leaderboard (see `ChallengeSchema`); at most 20, since a
     * member's scores are written in their ledger transaction (100 items at most). @default []
     */
    challenges: z
      .array(ChallengeSchema)
      .max(20)
      .default([])
      .refine((challenges) => new Set(challenges.map((c) => c.id)).size === challenges.length, 'challenge ids must be unique'),
    /** Override which kinds are service or marketing mail (docs/member-api.md). */
    emailKinds: z.partialRecord(z.enum(EMAIL_KINDS), z.enum(['service', 'marketing'])).default({}),
    marketingCap: z
      .object({ emails: z.number().int().positive(), perDays: z.number().int().positive() })
      .default({ emails: 2, perDays: 7 }),
    /**
     * Days a line of the mail log (a decision: when, which kind, sent with its subject, or deferred, skipped, failed) is kept before DynamoDB's
     * TTL deletes it; the member API's `messages` shows it until then. @default 400
     */
    mailLogRetentionDays: z.number().int().min(30).max(3650).default(DEFAULT_MAIL_LOG_RETENTION_DAYS),
    quietHours: z.object({ start: clockTime, end: clockTime }).nullable().default({ start: '21:00', end: '08:00' }),
    /** Share of members (0–100) kept out of marketing mail to measure its effect. @default 0 */
    holdoutPercent: z.number().min(0).max(100).default(0),
    /**
     * Share of members (0–100) in the program control group: no points and no marketing mail,
     * their orders still recorded, so the report can measure the program's lift (docs/measurement.md). @default 0
     */
    programHoldoutPercent: z.number().min(0).max(100).default(0),
    /**
     * Where the stack's alarms are mailed (dead letters, event age, errors, throttles, mail
     * backlog, SES bounce and complaint rates; docs/measurement.md): an email subscription to the
     * alarm topic, which AWS asks the address to confirm. @default none (the topic has no subscriber)
     */
    alarmEmail: z.email().optional(),
    /** What one point is worth in money, for the liability in the report: minor units of `currency`. @default none (liability in points only) */
    pointValue: z.object({ currency, minorUnits: z.number().nonnegative() }).optional(),
    /**
     * B2B accounts: customers with the same `accountId` belong to one company account. With
     * `pool`, every change to a member's points is also added to the account's pool (the member
     * keeps their own balance too); with `none`, accounts are only shown. @default { pooling: 'none' }
     */
    accounts: z.object({ pooling: z.enum(['none', 'pool']).default('none') }).default({ pooling: 'none' }),
    /** Dated changes of the pricing rules, oldest first (see `RuleRevisionSchema`). @default [] */
    revisions: z.array(RuleRevisionSchema).max(100).default([]),
    /**
     * How far ahead of Lojal's clock a webshop event's business time may be, in minutes (shop
     * clocks drift a little; a time further ahead is bad input). @default 5
     */
    maxClockSkewMinutes: z.number().int().min(0).max(1440).default(5),
    /** Auth, CORS and throttling of the member API in AWS. @default IAM, no CORS, 50/s with bursts of 100 */
    memberApi: MemberApiConfigSchema.default({
      auth: 'iam',
      corsOrigins: [],
      throttle: { ...DEFAULT_MEMBER_API_THROTTLE },
      linkThrottle: { ...DEFAULT_LINK_ROUTE_THROTTLE },
    }),
    /** The look of every mail (docs/messages.md). @default Lojal's neutral theme, no logo and no address */
    theme: MailThemeSchema.optional(),
    /** Display names in the member's language for categories, activities, tiers, rewards and perks (docs/messages.md). @default {} */
    names: DisplayNamesSchema.default({}),
    /**
     * The compiled messages by message id, then language: not written by hand. `cdk synth` and
     * `npm start` compile `clients/<name>/messages/*.md` into it (lib/messages); every preset the
     * client did not write is filled with the shipped message. @default the shipped messages
     */
    messages: z.record(z.string(), z.record(z.string(), CompiledMessageSchema)).default({}),
    /** The trigger event (`order.placed`) of each message that is not a preset, from its front matter; filled like `messages`. @default {} */
    messageTriggers: z.record(z.string(), z.string()).default({}),
    /** Shopify and WooCommerce mappings (functions/integrations/config.ts). @default {} (none) */
    integrations: IntegrationsSchema,
    /**
     * Member attributes the shop sends with `customer.registered` / `customer.updated` and flows
     * `set` and match (`audience: { attributes: { shoeSize: [44] } }`), by name and type (docs/client-file.md). @default {}
     */
    attributes: z
      .record(z.string().regex(ATTRIBUTE_NAME, 'must be a letter, then letters, digits or _ (at most 40)'), AttributeTypeSchema)
      .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
      .default({}),
    /** The client's own workflows (functions/config/flows.ts, docs/flows.md). @default [] */
    flows: FlowsSchema,
  })
  .refine(
    (c) => [c.integrations.shopify, c.integrations.woocommerce].every((i) => i === undefined || c.allowedSources.includes(i.source)),
    {
      message: 'each integration source must be one of allowedSources',
      path: ['integrations'],
    },
  )
  .refine((c) => c.locales.includes(c.defaultLocale), {
    message: 'must be one of locales',
    path: ['defaultLocale'],
  })
  .superRefine((c, ctx) => {
    // A `set` step sets declared attributes to values of their type; conditions name declared attributes.
    for (const issue of flowAttributeIssues(c.flows, c.attributes))
      ctx.addIssue({ code: 'custom', ...issue, path: ['flows', ...issue.path] });
  })
  .superRefine((c, ctx) => {
    // A broadcast before a campaign names a campaign of the program.
    c.flows.forEach((flow, i) => {
      if (!('schedule' in flow.trigger) || !('campaign' in flow.trigger.schedule)) return;
      const id = flow.trigger.schedule.campaign;
      if (!c.campaigns.some((k) => k.id === id))
        ctx.addIssue({
          code: 'custom',
          path: ['flows', i, 'trigger', 'schedule', 'campaign'],
          message: `${id} is not a campaign of this program (${c.campaigns.map((k) => k.id).join(', ') || 'none'})`,
        });
    });
  })
  .superRefine((c, ctx) => {
    // A display name for something the program does not have is a typo that would never show.
    const known = {
      activities: Object.keys(c.activities),
      tiers: c.tiers.map((t) => t.name),
      rewards: [...c.rewards, ...c.spendRewards].map((r) => r.id),
      perks: c.perks.map((p) => p.id),
    };
    for (const [group, keys] of Object.entries(known)) {
      for (const key of Object.keys(c.names[group as keyof typeof known] ?? {})) {
        if (!keys.includes(key))
          ctx.addIssue({
            code: 'custom',
            path: ['names', group, key],
            message: `is not one of the configured ${group} (${keys.join(', ') || 'none'})`,
          });
      }
    }
    for (const issue of revisionIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
  });

export type ProgramConfigInput = z.input<typeof ProgramConfigSchema>;
export type ProgramConfig = z.output<typeof ProgramConfigSchema>;

/** Thrown when a client file does not satisfy the schema; the message names every bad field. */
export class InvalidProgramConfigError extends Error {
  override readonly name = 'InvalidProgramConfigError';
  constructor(
    readonly source: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(`Invalid client configuration ${source}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** Validates a client's configuration; throws `InvalidProgramConfigError` naming each bad field. */
export function parseProgramConfig(input: unknown, source = 'client'): ProgramConfig {
  const result = ProgramConfigSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidProgramConfigError(
      source,
      result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  }
  return { ...result.data, messages: withShippedMessages(result.data.messages, result.data.locales) };
}

/** The client's compiled messages, with every preset it did not write filled with the shipped message in each of its languages. */
function withShippedMessages(own: CompiledMessages, locales: readonly string[]): Record<string, Record<string, CompiledMessage>> {
  const out: Record<string, Record<string, CompiledMessage>> = {};
  for (const [id, byLocale] of Object.entries(own)) out[id] = { ...byLocale };
  const languages = [...new Set([...locales.map((l) => l.toLowerCase().split('-')[0] ?? ''), 'en'])];
  for (const [id, shipped] of Object.entries(DEFAULT_MESSAGES)) {
    out[id] ??= {};
    const mine = out[id];
    for (const lang of languages) {
      const message = shipped[lang];
      if (message && !mine[lang]) mine[lang] = message;
    }
  }
  return out;
}

/** Helper for client files: type-checks the literal while keeping defaults optional. */
export function defineClient(config: ProgramConfigInput): ProgramConfigInput {
  return config;
}
