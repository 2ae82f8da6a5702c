import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { lojalBundle, toEsbuildOptions } from '../lib/bundling';
import { LAMBDA_ENTRIES_DIR } from '../lib/event-routing';
import { loadClient } from '../lib/load-client';

export interface BundleSize {
  /** The entry file's name without `.ts`, e.g. `order-placed`. */
  readonly name: string;
  /** Size of the deployed JavaScript (`index.mjs`), without its source map. */
  readonly bytes: number;
}

export interface MeasureOptions {
  /** The client whose configuration is compiled in, as `cdk synth -c client=…`. @default 'demo' */
  readonly client?: string;
  /** @default functions/lambda/ */
  readonly entriesDir?: string;
}

/**
 * Bundles every Lambda entry point with exactly the options `LojalFunction` deploys with
 * (lib/bundling.ts) and returns the size of each. An entry point is a file under
 * `functions/lambda/` that exports `handler`; shared modules such as `bootstrap.ts` are skipped.
 *
 * @example
 * for (const { name, bytes } of await measureBundleSizes()) console.log(name, bytes);
 */
export async function measureBundleSizes(options: MeasureOptions = {}): Promise<BundleSize[]> {
  const { configJson } = await loadClient(options.client ?? 'demo');
  const bundle = lojalBundle(configJson);
  const entriesDir = options.entriesDir ?? LAMBDA_ENTRIES_DIR;
  const files = readdirSync(entriesDir)
    .filter((f) => f.endsWith('.ts'))
    .sort();

  const sizes: BundleSize[] = [];
  for (const file of files) {
    const result = await build({
      ...toEsbuildOptions(bundle, join(entriesDir, file)),
      outfile: 'index.mjs',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const code = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
    if (code && output?.exports.includes('handler')) {
      sizes.push({ name: basename(file, '.ts'), bytes: code.contents.byteLength });
    }
  }
  return sizes;
}

// `npx tsx bench/bundle-sizes.ts` prints the table on its own.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { name, bytes } of await measureBundleSizes()) {
    console.log(`${name.padEnd(24)} ${(bytes / 1024).toFixed(1).padStart(7)} KiB`);
  }
}
