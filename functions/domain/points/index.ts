/** The points engine's public surface: import from `domain/points`, not from its parts. */
export * from './types';
export { compareInputs, sortInputs } from './ordering';
export { spreadDiscount, toMilli } from './arithmetic';
export { qualifyingBefore, tierFor } from './tiers';
export { expiryOf } from './expiry';
export { CONTROL_GROUP_REASON, type PricedOrder, type PricingMultipliers, priceOrder, withoutPoints } from './price-order';
export { foldLedger } from './fold';
export { expiryDue, nextExpiry, pendingAt, qualifyingPointsAt, spendableAt } from './queries';
export { type RulesInForce, revisionsOf, rulesAt } from './rules';
