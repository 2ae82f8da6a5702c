import type { ProgramConfig } from '../../config/program';
import type { SpendRewardReached } from './types';

/** A change of net spend in one currency, at the instant it counts. */
export interface SpendMove {
  readonly at: number;
  readonly currency: string;
  readonly delta: number;
}

/**
 * Each spend reward reached, in business time: net spend per currency (orders once their return
 * window has passed, less refunds) and every new multiple of the reward's threshold. A refund
 * that takes spend back below a multiple already reached does not reach it again later: the
 * count only rises past its highest mark.
 */
export function spendRewardsReached(config: ProgramConfig, spend: readonly SpendMove[]): SpendRewardReached[] {
  const reached: SpendRewardReached[] = [];
  for (const reward of config.spendRewards) {
    const moves = spend.filter((s) => s.currency === reward.currency).sort((a, b) => a.at - b.at);
    let total = 0;
    let count = 0;
    // Everything at one instant first (a refund within the window lands with its order's spend):
    // the threshold is checked after the last move of each instant.
    moves.forEach((move, i) => {
      total += move.delta;
      if (moves[i + 1]?.at === move.at) return;
      const multiples = Math.floor(total / reward.everyMinor);
      while (count < multiples) reached.push({ rewardId: reward.id, count: ++count, at: move.at });
    });
  }
  return reached.sort((a, b) => a.at - b.at || (a.rewardId < b.rewardId ? -1 : a.rewardId > b.rewardId ? 1 : a.count - b.count));
}
