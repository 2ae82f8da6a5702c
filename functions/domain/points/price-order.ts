import { ownEntry } from '../../config/lookup';
import type { ProgramConfig } from '../../config/program';
import { spreadDiscount, toMilli } from './arithmetic';
import type { OrderInput } from './types';

type Tier = ProgramConfig['tiers'][number];
type Campaign = ProgramConfig['campaigns'][number];

/** One order line as priced: its exact weight in the order's points (the refund key) and its net amount. */
export interface PricedLine {
  readonly quantity: number;
  /** Net × earn points × category × campaign × tier multipliers, in per-mille units, not yet divided. */
  readonly weight: bigint;
  readonly net: number;
}

export interface PricedOrder {
  readonly points: number;
  /** Earn rate × category multiplier only: what counts towards tiers. */
  readonly qualifying: number;
  readonly lines: ReadonlyMap<string, PricedLine>;
  readonly totalWeight: bigint;
  readonly net: number;
  /** Which campaigns priced it and with which multipliers, so campaign cost can be reported. */
  readonly campaigns: readonly string[];
  readonly multipliers: PricingMultipliers;
}

/** The multipliers an order was priced with (only those other than ×1 per category and campaign). */
export interface PricingMultipliers {
  readonly tier: number;
  /** By category of the order's lines. */
  readonly categories: Readonly<Record<string, number>>;
  /** By campaign id: the multiplier that won on at least one line. */
  readonly campaigns: Readonly<Record<string, number>>;
}

const appliesTo = (campaign: Campaign, category: string) => !campaign.categories || campaign.categories.includes(category);

/** Overlapping campaigns do not stack: the highest multiplier that applies to a line wins (the first listed on a tie). */
function bestCampaign(campaigns: readonly Campaign[], category: string): { milli: bigint; campaign: Campaign | undefined } {
  let best = 1000n;
  let campaign: Campaign | undefined;
  for (const c of campaigns) {
    if (c.multiplier === undefined || !appliesTo(c, category)) continue;
    const m = toMilli(c.multiplier);
    if (m > best) {
      best = m;
      campaign = c;
    }
  }
  return { milli: best, campaign };
}

/**
 * The points an order earns under `config`, at the member's `tier`: 1 point per `per` minor
 * units of net line amount (discount spread pro rata) × category × campaign × tier multipliers,
 * rounded down once per order, plus campaign bonuses and, for the first order, the first-order
 * bonus. Pure: the same order, config, tier and flag always price the same.
 */
export function priceOrder(config: ProgramConfig, order: OrderInput, tier: Tier, isFirstOrder: boolean): PricedOrder {
  const at = Date.parse(order.at);
  const rate = ownEntry(config.earnRates, order.currency);
  const tierMilli = toMilli(tier.multiplier);
  const active = config.campaigns.filter((c) => Date.parse(c.start) <= at && at < Date.parse(c.end));
  const gross = order.lines.map((l) => l.unitPrice * l.quantity);
  const discounts = spreadDiscount(gross, order.discount);
  const lines = new Map<string, PricedLine>();
  // Maps, not objects: categories and ids are data (a category named __proto__ is just a name).
  const categories = new Map<string, number>();
  const campaignMultipliers = new Map<string, number>();
  let weight = 0n;
  let base = 0n;
  order.lines.forEach((line, i) => {
    const net = (gross[i] ?? 0) - (discounts[i] ?? 0);
    const categoryMultiplier = ownEntry(config.categoryMultipliers, line.category) ?? 1;
    const category = toMilli(categoryMultiplier);
    if (categoryMultiplier !== 1) categories.set(line.category, categoryMultiplier);
    const campaign = bestCampaign(active, line.category);
    if (campaign.campaign?.multiplier !== undefined) campaignMultipliers.set(campaign.campaign.id, campaign.campaign.multiplier);
    const w = rate ? BigInt(net) * BigInt(rate.points) * category * campaign.milli * tierMilli : 0n;
    weight += w;
    base += rate ? BigInt(net) * BigInt(rate.points) * category : 0n;
    lines.set(line.sku, { quantity: line.quantity, weight: w, net });
  });
  const per = BigInt(rate?.per ?? 1);
  const bonusCampaigns = active.filter((c) => c.bonusPoints !== undefined && order.lines.some((l) => appliesTo(c, l.category)));
  const bonuses = bonusCampaigns.reduce((s, c) => s + (c.bonusPoints ?? 0), 0) + (isFirstOrder ? config.firstOrderBonus : 0);
  let net = 0;
  for (const l of lines.values()) net += l.net;
  const campaigns = active.filter((c) => campaignMultipliers.has(c.id) || bonusCampaigns.includes(c)).map((c) => c.id);
  return {
    points: Number(weight / (per * 1_000_000_000n)) + bonuses,
    qualifying: Number(base / (per * 1000n)),
    lines,
    totalWeight: weight,
    net,
    campaigns,
    multipliers: { tier: tier.multiplier, categories: Object.fromEntries(categories), campaigns: Object.fromEntries(campaignMultipliers) },
  };
}

/** Why a control-group member's order or activity earned nothing. */
export const CONTROL_GROUP_REASON = 'program control group: recorded, no points';

/**
 * An order as priced for a member of the program control group: every weight and point is 0 (so
 * its refunds reverse nothing), the net amount and lines stay for the report and spend.
 */
export function withoutPoints(priced: PricedOrder): PricedOrder {
  const lines = new Map<string, PricedLine>();
  for (const [sku, l] of priced.lines) lines.set(sku, { ...l, weight: 0n });
  return {
    ...priced,
    points: 0,
    qualifying: 0,
    lines,
    totalWeight: 0n,
    campaigns: [],
    multipliers: { ...priced.multipliers, campaigns: {} },
  };
}
