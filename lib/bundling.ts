import type { BuildOptions } from 'esbuild';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * How every Lojal Lambda is bundled: the one definition, read by `LojalFunction` (through
 * `toCdkBundling`) and by the bundle-size bench (through `toEsbuildOptions`), so what the bench
 * measures is what gets deployed.
 */
export interface LojalBundle {
  /** esbuild target; matches the Lambda runtime (Node.js 22). */
  readonly target: string;
  readonly format: 'esm';
  readonly minify: boolean;
  readonly sourcemap: boolean;
  /** Left out of the bundle because the runtime provides them. */
  readonly external: readonly string[];
  /** Prefer packages' ES module builds, which tree-shake. */
  readonly mainFields: readonly string[];
  readonly banner: string;
  /** Compile-time constants, see `lojalBundle`. */
  readonly define: Readonly<Record<string, string>>;
  /**
   * `utf8`: non-ASCII text (the client's messages in sv and nb) stays as written instead of
   * esbuild's default `\uXXXX` escapes, which cost up to six bytes a character.
   */
  readonly charset: 'utf8';
}

/** The global the Lambda bootstrap reads its program configuration from (functions/lambda/bootstrap.ts). */
export const CONFIG_GLOBAL = '__LOJAL_CONFIG__';

/**
 * ES module bundles have no `require`, but some CommonJS dependencies call it for Node
 * built-ins; this banner gives the bundle one. The alias avoids clashing with bundled code.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __lojalCreateRequire } from 'node:module'; const require = __lojalCreateRequire(import.meta.url);";

/**
 * The bundle settings for one client.
 *
 * @param configJson the client's configuration as JSON (`LoadedClient.configJson`). It is
 *   compiled into the bundle as the string constant `__LOJAL_CONFIG__` rather than passed as an
 *   environment variable, because Lambda caps all environment variables together at 4 KB.
 */
export function lojalBundle(configJson: string): LojalBundle {
  return {
    target: 'node22',
    format: 'esm',
    minify: true,
    sourcemap: true,
    // The Node.js 22 runtime ships AWS SDK v3; bundling it would add megabytes per function.
    external: ['@aws-sdk/*'],
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    // esbuild replaces the identifier with this JavaScript expression: a string literal.
    define: { [CONFIG_GLOBAL]: JSON.stringify(configJson) },
    charset: 'utf8',
  };
}

/** The settings as `NodejsFunction` bundling options; always the local esbuild, never Docker, so synth works offline. */
export function toCdkBundling(bundle: LojalBundle): BundlingOptions {
  return {
    target: bundle.target,
    format: OutputFormat.ESM,
    minify: bundle.minify,
    sourceMap: bundle.sourcemap,
    // Stack traces map back through the .map file; the sources themselves need not ship.
    sourcesContent: false,
    externalModules: [...bundle.external],
    mainFields: [...bundle.mainFields],
    banner: bundle.banner,
    define: { ...bundle.define },
    // This aws-cdk-lib accepts `charset` but does not pass it on to esbuild; the flag does.
    esbuildArgs: { '--charset': bundle.charset },
    forceDockerBundling: false,
  };
}

/** The same settings for esbuild's build API (used by bench/bundle-sizes.ts). */
export function toEsbuildOptions(bundle: LojalBundle, entryPoint: string): BuildOptions {
  return {
    entryPoints: [entryPoint],
    bundle: true,
    platform: 'node',
    target: bundle.target,
    format: bundle.format,
    minify: bundle.minify,
    sourcemap: bundle.sourcemap,
    sourcesContent: false,
    external: [...bundle.external],
    mainFields: [...bundle.mainFields],
    banner: { js: bundle.banner },
    define: { ...bundle.define },
    charset: bundle.charset,
  };
}
