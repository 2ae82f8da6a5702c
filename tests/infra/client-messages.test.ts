import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demoFile from '../../clients/demo';

// The demo without its flows: these copies are written without the flow messages they send.
const { flows: _flows, ...demo } = demoFile;
import { InvalidProgramConfigError } from '../../functions/config/program';
import { loadClient } from '../../lib/load-client';

let clientsDir: string;

beforeAll(() => {
  clientsDir = mkdtempSync(join(tmpdir(), 'lojal-client-messages-'));
  const write = (name: string, config: unknown, messages: Record<string, string>) => {
    writeFileSync(join(clientsDir, `${name}.ts`), `export default ${JSON.stringify(config)};\n`);
    mkdirSync(join(clientsDir, name, 'messages'), { recursive: true });
    for (const [file, text] of Object.entries(messages)) writeFileSync(join(clientsDir, name, 'messages', file), text);
  };
  const welcome = '---\nsubject: Välkommen, {{member.firstName}}\n---\nHej!';
  write(
    'typo',
    { ...demo, clientId: 'typo' },
    { 'welcome.sv.md': welcome.replace('member.firstName', 'member.fistName'), 'welcome.en.md': welcome },
  );
  write('no-address', { ...demo, clientId: 'no-address', theme: { ...demo.theme, postalAddress: undefined } }, {});
  write('own', { ...demo, clientId: 'own' }, { 'welcome.sv.md': welcome, 'welcome.en.md': welcome });
});

afterAll(() => rmSync(clientsDir, { recursive: true, force: true }));

describe('Function: loadClient (messages)', () => {
  it('fails, as cdk synth and npm start do, naming the file, the locale and the variable', async () => {
    const error = await loadClient('typo', { clientsDir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidProgramConfigError);
    expect(String((error as Error).message)).toMatch(
      /typo\/messages\/welcome\.sv\.md \(locale sv\) \{\{member\.fistName\}\}: unknown variable/,
    );
  });

  it('requires a postal address from a client that sends marketing mail', async () => {
    await expect(loadClient('no-address', { clientsDir })).rejects.toThrow(/theme\.postalAddress: is required/);
  });

  it('bakes the client’s own message into the configuration', async () => {
    const client = await loadClient('own', { clientsDir });

    expect(client.config.messages.welcome?.sv?.subject).toEqual(['Välkommen, ', ['v', 'member.firstName']]);
    expect(JSON.parse(client.configJson).messages.welcome.sv.subject).toEqual(['Välkommen, ', ['v', 'member.firstName']]);
  });
});

describe('Script: npm run preview', () => {
  it('writes the HTML and the text of a message to a folder and prints their paths', () => {
    const out = join(clientsDir, 'preview');
    const printed = execFileSync('npx', ['tsx', 'scripts/preview.ts', 'birthday', '--locale', 'en', '--sample', '--out', out], {
      encoding: 'utf8',
    });

    expect(printed).toContain('Subject: Happy birthday from Lojal Demo Sport!');
    expect(readFileSync(join(out, 'birthday.en.html'), 'utf8')).toContain('<html lang="en">');
    expect(readFileSync(join(out, 'birthday.en.txt'), 'utf8')).toContain('Hi Anna,');
  });
});
