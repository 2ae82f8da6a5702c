import { beforeAll, describe, expect, it } from 'vitest';
import { type BundleSize, measureBundleSizes } from '../../bench/bundle-sizes';
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
  it('measures one bundle per route handler, and nothing that is not an entry point', () => {
    expect(sizes.map((s) => s.name).sort()).toEqual([...new Set(ROUTES.map((r) => r.handler))].sort());
  });

  it.each(ROUTES.map((r) => r.handler))('keeps the %s bundle small', (handler) => {
    const size = sizes.find((s) => s.name === handler);

    expect(size?.bytes).toBeGreaterThan(0);
    expect(size?.bytes).toBeLessThan(BUNDLE_GUARD_BYTES);
  });
});
