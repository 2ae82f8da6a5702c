import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playDemo } from '../../local/demo-journey';
import type { LocalCopy } from '../../local/local-copy';
import { startTestLocalCopy } from '../support/local-copy';

/* `npm run demo` is the first thing a newcomer runs: its story must keep working end to end. */

let local: LocalCopy;

beforeAll(async () => {
  local = await startTestLocalCopy('demo', '2026-01-12T08:00:00Z');
});

afterAll(async () => {
  await local?.stop();
});

describe('npm run demo', () => {
  it("tells Anna's year: points for the order, refund, review, birthday and anniversary, her perk, and every email", {
    timeout: 600_000,
  }, async () => {
    let printed = '';
    const result = await playDemo({ api: local.urls.api, ses: local.urls.ses }, (text) => (printed += text));

    const emails = result.rows.map((r) => r.email).filter(Boolean);
    expect(emails).toEqual([
      expect.stringMatching(/^\[welcome\] /),
      expect.stringMatching(/^\[checkin\] /),
      expect.stringMatching(/^\[birthday\] /),
      '[perk] En ny förmån till dig: Fast payout',
      expect.stringMatching(/^\[replacement\] .*Trail Runner 3/),
      expect.stringMatching(/^\[anniversary\] /),
    ]);
    const points = result.rows.map((r) => r.points).filter(Boolean);
    expect(points).toEqual([
      `+2896 (order o-${result.customerId.slice(5)})`,
      expect.stringMatching(/^-149 /),
      '+50 (review)',
      // The demo's win-back flow: 120 days without an order (docs/flows.md).
      '+100 (We miss you: 100 bonus points)',
      '+200 (birthday)',
      expect.stringMatching(/^\+500 /),
    ]);
    // 1 299 kr running shoes ×2 + 2 × 149 kr socks − one pair returned + review + birthday + win-back + anniversary
    expect(result.balance).toBe(2598 + 298 - 149 + 50 + 200 + 100 + 500);
    expect(printed).toContain('Read the emails:');
    // The short program report at the end reconciles with what the journey did.
    expect(result.report.points.outstanding).toBeGreaterThanOrEqual(result.balance);
    expect(result.report.points.reconciles).toBe(true);
    expect(printed).toMatch(/The program so far .*points issued \d+ − redeemed \d+ − expired \d+ = outstanding \d+/);
  });
});
