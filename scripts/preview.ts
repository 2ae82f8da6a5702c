import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidProgramConfigError } from '../functions/config/program';
import { loadClient, UnknownClientError } from '../lib/load-client';
import { type PreviewMember, previewMessage, UnknownMessageError } from '../lib/messages/preview';

/**
 * `npm run preview -- <message> [--locale sv] [--member <id> | --sample] [--client demo] [--out DIR]`
 *
 * Renders a client's message the way the sender does and writes `<message>.<locale>.html` and
 * `.txt` to a folder (default `.preview/`), printing their paths. `--member` renders for a real
 * member of a running local copy (`npm start`), read through its member API.
 */
const USAGE =
  'usage: npm run preview -- <message> [--locale sv] [--member <id> | --sample] [--client demo] [--out .preview] [--api http://127.0.0.1:4010]';

/** The local copy did not answer, or has no such member. */
class MemberLookupError extends Error {
  override readonly name = 'MemberLookupError';
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    locale: { type: 'string' },
    member: { type: 'string' },
    sample: { type: 'boolean', default: false },
    client: { type: 'string', default: 'demo' },
    out: { type: 'string', default: '.preview' },
    api: { type: 'string', default: process.env.LOJAL_API_URL ?? 'http://127.0.0.1:4010' },
    help: { type: 'boolean', default: false },
  },
});

const [messageId] = positionals;
if (values.help || messageId === undefined) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 1);
}
if (values.member !== undefined && values.sample) {
  console.error('--member and --sample exclude each other');
  process.exit(1);
}

try {
  const { config } = await loadClient(values.client);
  const locale = values.locale ?? config.defaultLocale.split('-')[0] ?? 'en';
  const member = values.member === undefined ? undefined : await readMember(values.api, values.member);
  const mail = previewMessage(config, { messageId, locale, ...(member ? { member } : {}) });
  const dir = resolve(values.out);
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${messageId}.${locale}${member ? `.${member.customerId.replace(/[^\w-]/g, '_')}` : ''}`);
  writeFileSync(`${base}.html`, mail.html);
  writeFileSync(`${base}.txt`, `Subject: ${mail.subject}\n\n${mail.text}\n`);
  console.log(`Subject: ${mail.subject}`);
  console.log(`${base}.html`);
  console.log(`${base}.txt`);
} catch (error) {
  if (
    error instanceof InvalidProgramConfigError ||
    error instanceof UnknownClientError ||
    error instanceof UnknownMessageError ||
    error instanceof MemberLookupError
  ) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

/** The member's figures from the running local copy's member API (GET /v1/members/{id}). */
async function readMember(api: string, customerId: string): Promise<PreviewMember> {
  let response: Response;
  try {
    response = await fetch(`${api.replace(/\/+$/, '')}/v1/members/${encodeURIComponent(customerId)}`);
  } catch {
    throw new MemberLookupError(`No local copy answers at ${api}: start one with npm start, or use --sample`);
  }
  if (response.status === 404) throw new MemberLookupError(`No member ${customerId} in the local copy at ${api}`);
  if (!response.ok) throw new MemberLookupError(`The member API answered ${response.status}`);
  const body: unknown = await response.json();
  const view = typeof body === 'object' && body !== null ? body : {};
  return {
    customerId,
    ...('balance' in view && typeof view.balance === 'number' ? { balance: view.balance } : {}),
    ...('tier' in view && typeof view.tier === 'string' ? { tier: view.tier } : {}),
  };
}
