import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { playDemo } from '../../local/demo-journey';
import { type LocalCopy, startLocalCopy } from '../../local/local-copy';
import { demoConfig } from '../support/deps';

/* `npm run demo` is the first thing a newcomer runs: its story must keep working end to end. */

let local: LocalCopy;

beforeAll(async () => {
  local = await startLocalCopy({
    config: demoConfig,
    port: 0,
    sesPort: 0,
    dynamoDbEndpoint: inject('dynamoEndpoint'),
    tableName: `demo-${randomUUID().slice(0, 8)}`,
    clock: { start: new Date('2026-01-12T08:00:00Z'), frozen: true },
  });
});

afterAll(async () => {
  await local?.stop();
});

describe('npm run demo', () => {
  it("tells Anna's year: points for the order, refund, review, birthday and anniversary, and every email", { timeout: 600_000 }, async () => {
    let printed = '';
    const result = await playDemo({ api: local.urls.api, ses: local.urls.ses }, (text) => (printed += text));

    const emails = result.rows.map((r) => r.email).filter(Boolean);
    expect(emails).toEqual([
      expect.stringMatching(/^\[welcome\] /),
      expect.stringMatching(/^\[checkin\] /),
      expect.stringMatching(/^\[birthday\] /),
      expect.stringMatching(/^\[replacement\] .*Trail Runner 3/),
      expect.stringMatching(/^\[anniversary\] /),
    ]);
    const points = result.rows.map((r) => r.points).filter(Boolean);
    expect(points).toEqual(['+2896 (order o-' + result.customerId.slice(5) + ')', expect.stringMatching(/^-149 /), '+50 (review)', '+200 (birthday)', expect.stringMatching(/^\+500 /)]);
    // 1 299 kr running shoes ×2 + 2 × 149 kr socks − one pair returned + review + birthday + anniversary
    expect(result.balance).toBe(2598 + 298 - 149 + 50 + 200 + 500);
    expect(printed).toContain('Read the emails:');
  });
});
