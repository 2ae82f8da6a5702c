import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadClient } from '../../lib/load-client';
import { previewMessage } from '../../lib/messages/preview';
import { LojalStack } from '../../lib/lojal-stack';

describe('Client: clients/fjellsport.ts (a Norwegian shop writing nb only)', () => {
  it('loads with its own nb messages, the shipped nb ones for the presets it did not write, and nothing in other languages', async () => {
    const { config } = await loadClient('fjellsport');

    expect(config.messages.welcome?.nb?.source).toBe('clients/fjellsport/messages/welcome.nb.md');
    expect(config.messages.tier?.nb?.source).toBe('messages/tier.nb.md');
    expect(Object.keys(config.messages.welcome ?? {})).toEqual(['nb', 'en']);
  });

  it('writes its own words, look and names into the mail', async () => {
    const { config } = await loadClient('fjellsport');
    const mail = previewMessage(config, { messageId: 'replacement', locale: 'nb' });

    expect(mail.subject).toBe('Har Trail Runner 3 gått mange mil?');
    expect(mail.text).toContain('- ullsokker\n- skosmøring');
    expect(mail.html).toContain('background:#c8102e');
    expect(mail.html).toContain('<img src="https://fjellsport.example.no/mail/logo.png"');
    expect(mail.text).toContain('Fjellsport AS, Postboks 123 Sentrum, 0102 Oslo, Norge');
  });

  it('synthesizes as its own stack', async () => {
    const client = await loadClient('fjellsport');
    const stack = new LojalStack(new App(), 'Lojal-fjellsport', { client });
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');

    expect(Object.values(functions).some((f) => String(f.Properties?.FunctionName ?? '').startsWith('lojal-fjellsport-'))).toBe(true);
  });
});
