/** Exact integer arithmetic of the fold: multipliers as per-mille BigInts, discounts spread without loss. */

/** Per-mille integer of a multiplier the config schema guarantees exact to three decimals. */
export const toMilli = (multiplier: number): bigint => BigInt(Math.round(multiplier * 1000));

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
export const lcm = (a: bigint, b: bigint): bigint => (a / gcd(a, b)) * b;

/** Spreads an order-level discount over lines pro rata to their gross, exactly (largest remainder). */
export function spreadDiscount(gross: readonly number[], discount: number): number[] {
  const total = gross.reduce((s, g) => s + g, 0);
  if (discount === 0 || total === 0) return gross.map(() => 0);
  const d = BigInt(Math.min(discount, total));
  const t = BigInt(total);
  const shares = gross.map((g) => (d * BigInt(g)) / t);
  const remainders = gross.map((g, i) => ({ i, r: (d * BigInt(g)) % t }));
  let left = Number(d - shares.reduce((s, x) => s + x, 0n));
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left-- <= 0) break;
    shares[i] = (shares[i] ?? 0n) + 1n;
  }
  return shares.map(Number);
}
