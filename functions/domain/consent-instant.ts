/**
 * The instant a shop says the customer gave marketing consent (`marketingConsentAt`), as epoch
 * ms, or undefined when it says none or names a moment after `now`: a future-dated opt-in
 * cannot outrank an opt-out Lojal recorded (docs/events.md, "Consent").
 */
export function consentInstant(marketingConsentAt: string | undefined, now: Date): number | undefined {
  if (marketingConsentAt === undefined) return undefined;
  const at = Date.parse(marketingConsentAt);
  return Number.isFinite(at) && at <= now.getTime() ? at : undefined;
}
