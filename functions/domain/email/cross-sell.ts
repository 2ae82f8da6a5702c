import { ownEntry } from '../../config/lookup';
import type { ProgramConfig } from '../../config/program';
import { DAY_MS } from '../time';

/** A category without a configured lifespan counts as recently bought for this long. */
export const RECENT_PURCHASE_DAYS = 90;

export interface Purchase {
  readonly category: string;
  /** UTC ISO. */
  readonly placedAt: string;
}

/**
 * What a replacement reminder suggests beside the products wearing out: the client's
 * `relatedCategories` of each, never the reminded categories themselves, and never a category
 * the member bought within its lifespan (else within `RECENT_PURCHASE_DAYS`): someone who just
 * bought insoles does not need them promoted.
 */
export function crossSellCategories(
  config: Pick<ProgramConfig, 'relatedCategories' | 'lifespans'>,
  reminded: readonly string[],
  purchases: readonly Purchase[],
  now: number,
): string[] {
  const recent = new Set(
    purchases
      .filter((p) => now - Date.parse(p.placedAt) < (ownEntry(config.lifespans, p.category) ?? RECENT_PURCHASE_DAYS) * DAY_MS)
      .map((p) => p.category),
  );
  const suggested = reminded.flatMap((category) => ownEntry(config.relatedCategories, category) ?? []);
  return [...new Set(suggested)].filter((category) => !reminded.includes(category) && !recent.has(category));
}
