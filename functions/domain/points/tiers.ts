import type { ProgramConfig } from '../../config/program';

export type Tier = ProgramConfig['tiers'][number];
import { addMonthsUtc } from '../time';

/** The tier for an amount of qualifying points: the highest whose threshold is reached. */
export function tierFor(config: ProgramConfig, qualifying: number): Tier {
  return tierAt(config, tierIndexFor(config, qualifying));
}

/**
 * The tier at `index`. The config schema requires at least one tier, and every index used here
 * comes from `tierIndexFor` or a `findIndex` clamped to 0, so a miss is a bug, not bad input.
 */
export function tierAt(config: ProgramConfig, index: number): Tier {
  const tier = config.tiers[index];
  if (!tier) throw new RangeError(`no tier at index ${index} (the program has ${config.tiers.length})`);
  return tier;
}

export function tierIndexFor(config: ProgramConfig, qualifying: number): number {
  let index = 0;
  config.tiers.forEach((t, i) => {
    if (qualifying >= t.qualifyingPoints) index = i;
  });
  return index;
}

/** Qualifying points earned in the rolling 12 months before `atMs` (both ends exclusive: an order exactly 12 months ago no longer counts). */
export function qualifyingBefore(contributions: readonly { at: number; points: number }[], atMs: number): number {
  const from = addMonthsUtc(atMs, -12);
  let sum = 0;
  for (const c of contributions) if (c.at > from && c.at < atMs) sum += c.points;
  return Math.max(0, sum);
}
