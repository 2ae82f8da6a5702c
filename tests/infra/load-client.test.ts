import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demoFile from '../../clients/demo';

// The demo without its flows: these copies are written without the flow messages they send.
const { flows: _flows, ...demo } = demoFile;
import { InvalidProgramConfigError } from '../../functions/config/program';
import { UnknownClientError, loadClient, validateClient } from '../../lib/load-client';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let clientsDir: string;

beforeAll(() => {
  clientsDir = mkdtempSync(join(tmpdir(), 'lojal-clients-'));
  const write = (name: string, config: object) =>
    writeFileSync(join(clientsDir, `${name}.ts`), `export default ${JSON.stringify(config)};\n`);
  write('acme', { ...demo, clientId: 'acme' });
  write('bad-locale', { ...demo, clientId: 'bad-locale', defaultLocale: 'de' });
  write('bad-tier', { ...demo, clientId: 'bad-tier', tiers: [{ name: 'Red', qualifyingPoints: 0, multiplier: -1 }] });
  write('copied', { ...demo });
});

afterAll(() => {
  rmSync(clientsDir, { recursive: true, force: true });
});

describe('Function: loadClient', () => {
  it('loads and validates the shipped demo client', async () => {
    const client = await loadClient('demo');

    expect(client.config.clientId).toBe('demo');
    expect(client.config.allowedSources).toEqual(['webshop']);
    // What is baked into the bundles is the validated configuration, defaults filled in.
    expect(JSON.parse(client.configJson)).toEqual(client.config);
    expect(client.config).toMatchObject(JSON.parse(JSON.stringify(demoFile)));
  });

  it('loads a client file from another directory', async () => {
    const client = await loadClient('acme', { clientsDir });

    expect(client.config.clientId).toBe('acme');
  });

  it('rejects an invalid client file with a one-line message naming the field', async () => {
    const error = await loadClient('bad-locale', { clientsDir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidProgramConfigError);
    const message = (error as Error).message;
    expect(message).toContain('defaultLocale: must be one of locales');
    expect(message).toContain('bad-locale.ts');
    expect(message).not.toContain('\n');
  });

  it('names a nested field by its path', async () => {
    const error = await loadClient('bad-tier', { clientsDir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidProgramConfigError);
    expect((error as InvalidProgramConfigError).issues.map((i) => i.path)).toContain('tiers[0].multiplier');
  });

  it('rejects a copied client file whose clientId would deploy over another client', async () => {
    const error = await loadClient('copied', { clientsDir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidProgramConfigError);
    expect((error as Error).message).toContain('clientId: must equal the file name "copied", got "demo"');
  });

  it('rejects an unknown client and lists the known ones', async () => {
    const error = await loadClient('nobody', { clientsDir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnknownClientError);
    expect((error as Error).message).toMatch(/clients are: .*acme/);
  });

  it('rejects a client name that could leave the clients directory', async () => {
    await expect(loadClient('../demo')).rejects.toBeInstanceOf(UnknownClientError);
  });
});

describe('Function: validateClient', () => {
  it('parses the configuration from the same JSON that gets baked into the bundles', () => {
    const client = validateClient({ ...demo, brand: { ...demo.brand, websiteUrl: undefined } }, 'inline');

    // The baked messages name the variable {{brand.websiteUrl}}; the brand itself must not carry the key.
    expect(JSON.parse(client.configJson).brand).not.toHaveProperty('websiteUrl');
    expect(client.config.brand.websiteUrl).toBeUndefined();
  });
});

describe('App: bin/app.ts', () => {
  it('exits with status 1 and one line when the client does not exist', () => {
    // Prepare: the CDK CLI hands context to the app through CDK_CONTEXT_JSON.
    const env = { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ client: 'no-such-client' }), CDK_OUTDIR: clientsDir };

    // Act
    const run = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), ['bin/app.ts'], { cwd: REPO_ROOT, env, encoding: 'utf8' });

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining('No client file clients/no-such-client.ts')]);
  });
});
