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
}

const appliesTo = (campaign: Campaign, category: string) => !campaign.categories || campaign.categories.includes(category);

/** Overlapping campaigns do not stack: the highest multiplier that applies to a line wins. */
function campaignMilli(campaigns: readonly Campaign[], category: string): bigint {
  let best = 1000n;
  for (const c of campaigns) {
    if (c.multiplier === undefined || !appliesTo(c, category)) continue;
    const m = toMilli(c.multiplier);
    if (m > best) best = m;
  }
  return best;
}

/**
 * The points an order earns under `config`, at the member's `tier`: 1 point per `per` minor
 * units of net line amount (discount spread pro rata) × category × campaign × tier multipliers,
 * rounded down once per order, plus campaign bonuses and, for the first order, the first-order
 * bonus. Pure: the same order, config, tier and flag always price the same.
 */
export function priceOrder(config: ProgramConfig, order: OrderInput, tier: Tier, isFirstOrder: boolean): PricedOrder {
  const at = Date.parse(order.at);
  const rate = config.earnRates[order.currency];
  const tierMilli = toMilli(tier.multiplier);
  const active = config.campaigns.filter((c) => Date.parse(c.start) <= at && at < Date.parse(c.end));
  const gross = order.lines.map((l) => l.unitPrice * l.quantity);
  const discounts = spreadDiscount(gross, order.discount);
  const lines = new Map<string, PricedLine>();
  let weight = 0n;
  let base = 0n;
  order.lines.forEach((line, i) => {
    const net = (gross[i] ?? 0) - (discounts[i] ?? 0);
    const category = toMilli(config.categoryMultipliers[line.category] ?? 1);
    const w = rate ? BigInt(net) * BigInt(rate.points) * category * campaignMilli(active, line.category) * tierMilli : 0n;
    weight += w;
    base += rate ? BigInt(net) * BigInt(rate.points) * category : 0n;
    lines.set(line.sku, { quantity: line.quantity, weight: w, net });
  });
  const per = BigInt(rate?.per ?? 1);
  const bonuses =
    active.filter((c) => c.bonusPoints !== undefined && order.lines.some((l) => appliesTo(c, l.category))).reduce((s, c) => s + (c.bonusPoints ?? 0), 0) +
    (isFirstOrder ? config.firstOrderBonus : 0);
  let net = 0;
  for (const l of lines.values()) net += l.net;
  return { points: Number(weight / (per * 1_000_000_000n)) + bonuses, qualifying: Number(base / (per * 1000n)), lines, totalWeight: weight, net };
}
