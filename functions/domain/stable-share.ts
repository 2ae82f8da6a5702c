/**
 * A stable share of ids: true for `percent` % of all texts, always the same answer for the same
 * text (FNV-1a, in hundredths of a percent). Holdouts, the program control group and flow
 * splits draw with it, so every writer, the API and the report agree without storing the draw.
 */
export function inStableShare(text: string, percent: number): boolean {
  if (percent <= 0) return false;
  return stableBucket(text) < percent * 100;
}

/** The text's bucket, 0 to 9 999. */
export function stableBucket(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 10_000;
}
