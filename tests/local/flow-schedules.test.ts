import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import demo from '../../clients/demo';
import { parseProgramConfig } from '../../functions/config/program';
import { withClientMessages } from '../../lib/messages/client-messages';
import { type LojalTestbed, startLojal } from '../../testkit';

/**
 * Time-driven flows through the whole local copy with the test kit, as a client's tests would
 * write them: a birthday flow three days ahead at nine on the member's clock, and a monthly
 * newsletter; the clock moves across both and the inbox shows each mail once.
 */

const DEMO_MESSAGES = fileURLToPath(new URL('../../clients/demo/messages/', import.meta.url));
let messages: string;
let lojal: LojalTestbed;

beforeAll(async () => {
  messages = mkdtempSync(join(tmpdir(), 'lojal-messages-'));
  cpSync(DEMO_MESSAGES, messages, { recursive: true });
  for (const locale of ['en', 'sv'])
    writeFileSync(
      join(messages, `birthday-soon.${locale}.md`),
      '---\nsubject: Your birthday is on {{event.date}}\ntrigger: flow.date\n---\nHi, a gift is waiting for your birthday week.\n',
    );
  const flows = [
    {
      id: 'birthday-soon',
      name: 'Three days before the birthday, at nine',
      trigger: { date: 'birthday', offset: '-P3D', at: '09:00' },
      audience: { marketingConsent: [true] },
      steps: [{ id: 'tell', email: 'birthday-soon' }],
    },
    {
      id: 'monthly-news',
      name: 'On the first of each month at ten',
      trigger: { schedule: { every: 'P1M', starting: '2027-04-01T10:00:00+02:00' } },
      audience: { marketingConsent: [true] },
      priority: 40,
      steps: [{ id: 'news', email: 'black-friday-preview' }],
    },
  ];
  const config = parseProgramConfig(withClientMessages({ ...demo, flows }, messages, 'schedules'), 'schedules');
  lojal = await startLojal({
    client: config,
    start: '2027-03-20T08:00:00Z',
    localCopy: { dynamoDbEndpoint: inject('dynamoEndpoint'), tableName: `flowtime-${randomUUID().slice(0, 8)}` },
  });
});

afterAll(async () => {
  await lojal?.stop();
  rmSync(messages, { recursive: true, force: true });
});

describe('Time-driven flows on the local copy, through the test kit', () => {
  it('mails three days before the birthday and on each month’s first, once each', { timeout: 240_000 }, async () => {
    const email = 'flowtime-ada@example.com';
    await lojal.send('customer.registered', {
      customerId: 'flowtime-ada',
      email,
      registeredAt: lojal.now(),
      birthday: '1990-04-12',
      marketingConsent: true,
      locale: 'en',
    });

    await lojal.advance('P21D'); // to 10 April, 08:00 UTC (10:00 in Stockholm)
    const subjects = (await lojal.inbox(email))
      .map((m) => m.subject)
      .filter((s) => !s.startsWith('Welcome'))
      .sort();
    expect(subjects).toEqual(['Black Friday starts in a week – you get in first', 'Your birthday is on 2027-04-12']);
    const runs = await lojal.runs('flowtime-ada');
    expect(runs).toContainEqual(expect.objectContaining({ flowId: 'birthday-soon', runKey: 'birthday:2027', status: 'completed' }));

    await lojal.advance('P22D'); // past 1 May
    expect((await lojal.inbox(email)).filter((m) => m.subject.startsWith('Black Friday'))).toHaveLength(2);
    expect((await lojal.inbox(email)).filter((m) => m.subject.startsWith('Your birthday'))).toHaveLength(1);
    expect(await lojal.counters('monthly-news')).toMatchObject({ entered: 2 });
    expect(lojal.deadLetters()).toEqual([]);
  });
});
