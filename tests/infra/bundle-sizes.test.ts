import { beforeAll, describe, expect, it } from 'vitest';
import { type BundleSize, measureBundleSizes } from '../../bench/bundle-sizes';
import { EMAIL_ENTRY_NAMES } from '../../functions/contract/email';
import { JOB_NAMES } from '../../functions/contract/jobs';
import { MEMBER_API_ENTRY_NAMES } from '../../functions/contract/member-api';
import { ROUTES } from '../../functions/contract/routes';

/**
 * A regression guard, not the target: the target is 150 KB per bundle (see the bench). This
 * catches the mistakes that matter, each adding hundreds of kilobytes: `import { z } from 'zod'`
 * (which keeps all of zod's locales) or a bundled AWS SDK.
 */
const BUNDLE_GUARD_BYTES = 200 * 1024;

let sizes: BundleSize[];

beforeAll(async () => {
  sizes = await measureBundleSizes();
});

describe('Function: measureBundleSizes', () => {
  // shopify-partner: the translator for a client's Shopify partner event source (lib/shopify-partner-source.ts);
  // webshop-webhooks: the Shopify and WooCommerce HTTPS receivers (lib/webshop-webhooks.ts).
  // flows: the flows handler, for a client file with flows.
  const entries = [
    ...new Set<string>([
      ...ROUTES.map((r) => r.handler),
      ...JOB_NAMES,
      ...MEMBER_API_ENTRY_NAMES,
      ...EMAIL_ENTRY_NAMES,
      'shopify-partner',
      'webshop-webhooks',
      // The client's flows (functions/handlers/flow-routes.ts), built for a client file with flows.
      'flows',
    ]),
  ].sort();

  it('measures one bundle per route handler, job, member API and mail function, and nothing that is not an entry point', () => {
    expect(sizes.map((s) => s.name).sort()).toEqual(entries);
  });

  it.each(entries)('keeps the %s bundle small', (handler) => {
    const size = sizes.find((s) => s.name === handler);

    expect(size?.bytes).toBeGreaterThan(0);
    expect(size?.bytes).toBeLessThan(BUNDLE_GUARD_BYTES);
  });
});
