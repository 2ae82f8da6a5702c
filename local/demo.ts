import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { loadClientConfig } from './client-config';
import { DEFAULT_HOST, DEFAULT_PORT, type LocalCopy, startLocalCopy } from './local-copy';

/**
 * `npm run demo`: one customer's year with the demo shop, told as a timeline. It uses the
 * local copy at LOJAL_API (default http://127.0.0.1:4010) when one is running, else starts
 * one itself and leaves it running so the emails can be read in the inbox afterwards.
 *
 * Everything goes through the public doors a webshop and a front end would use: PutEvents
 * with the real AWS SDK, the member API, the local clock and the SES inbox's JSON store.
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DAY = 86_400_000;
const api = process.env.LOJAL_API ?? `http://${DEFAULT_HOST}:${process.env.LOJAL_PORT ?? DEFAULT_PORT}`;

interface Row {
  readonly at: string;
  readonly what: string;
  readonly points?: string;
  readonly email?: string;
}

async function http<T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

async function runningLocalCopy(): Promise<{ api: string; ses: string | undefined; started?: LocalCopy }> {
  try {
    await http('GET', `${api}/_local/clock`);
    return { api, ses: process.env.LOJAL_SES ?? `http://${DEFAULT_HOST}:${process.env.LOJAL_SES_PORT ?? 8005}` };
  } catch {
    process.stderr.write(`No local copy answers at ${api}; starting one (DynamoDB Local, SES inbox, API)...\n`);
    const config = await loadClientConfig(process.env.LOJAL_CLIENT ?? 'demo');
    const started = await startLocalCopy({ config, clock: { frozen: true } });
    return { api: started.urls.api, ses: started.urls.ses, started };
  }
}

const day = (iso: string) => iso.slice(0, 10);
const sek = (ore: number) => `${(ore / 100).toLocaleString('sv-SE')} kr`;

async function main() {
  const local = await runningLocalCopy();
  const bus = new EventBridgeClient({
    endpoint: local.api,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const clock = async () => (await http<{ now: string }>('GET', `${local.api}/_local/clock`)).body.now;
  const moveTo = async (iso: string) => {
    const { status, body } = await http<{ error?: { message: string } }>('POST', `${local.api}/_local/clock`, { to: iso });
    if (status !== 200) throw new Error(`moving the clock failed: ${body.error?.message ?? status}`);
  };
  const settle = () => http('POST', `${local.api}/_local/clock`, { advance: 'PT0S' });
  const put = async (detailType: string, detail: Record<string, unknown>) => {
    const result = await bus.send(
      new PutEventsCommand({ Entries: [{ Source: 'webshop', DetailType: detailType, Detail: JSON.stringify(detail) }] }),
    );
    if (result.FailedEntryCount) throw new Error(`PutEvents refused ${detailType}: ${result.Entries?.[0]?.ErrorMessage}`);
    await settle();
  };

  const start = Date.parse(await clock());
  const run = Math.floor(start / 1000).toString(36);
  const customerId = `demo-${run}`;
  const email = `anna.${run}@example.com`;
  const at = (days: number, hour = 10) => {
    const d = new Date(start + days * DAY);
    d.setUTCHours(hour - 1, 0, 0, 0); // 10:00 in Stockholm in winter, 11:00 in summer
    return d.toISOString();
  };
  const birthday = new Date(start + 120 * DAY).toISOString().slice(5, 10);

  const seenLedger = new Set<string>();
  const seenMail = new Set<string>();
  const rows: Row[] = [];
  const member = () => http<{ balance: number; tier: string; qualifyingPoints: number }>('GET', `${local.api}/v1/members/${customerId}`);

  /** Records what a step changed: new ledger entries and new emails, as rows. */
  const observe = async (what: string) => {
    const now = await clock();
    const ledger = await http<{ items: { at: string; delta: number; reason: string; ref: string }[] }>(
      'GET',
      `${local.api}/v1/members/${customerId}/ledger?limit=100`,
    );
    const points = (ledger.body.items ?? [])
      .filter((i) => !seenLedger.has(`${i.ref}@${i.at}`))
      .map((i) => {
        seenLedger.add(`${i.ref}@${i.at}`);
        return `${i.delta >= 0 ? '+' : ''}${i.delta} (${i.reason})`;
      });
    const subjects: string[] = [];
    const messages = await http<{ items?: { at: string; kind: string; subject: string; messageId: string }[] }>(
      'GET',
      `${local.api}/v1/members/${customerId}/messages`,
    );
    if (messages.status === 200 && messages.body.items) {
      for (const m of [...messages.body.items].reverse()) {
        if (seenMail.has(m.messageId)) continue;
        seenMail.add(m.messageId);
        subjects.push(`[${m.kind}] ${m.subject}`);
      }
    } else if (local.ses) {
      // Before the member API lists messages, read the inbox's store directly.
      const store = await http<{ emails: { messageId: string; subject: string; destination: { to: string[] } }[] }>('GET', `${local.ses}/store`);
      for (const m of store.body.emails ?? []) {
        if (!m.destination.to.some((to) => to.includes(email)) || seenMail.has(m.messageId)) continue;
        seenMail.add(m.messageId);
        subjects.push(m.subject);
      }
    }
    const count = Math.max(points.length, subjects.length, 1);
    for (let i = 0; i < count; i++) {
      rows.push({ at: i === 0 ? day(now) : '', what: i === 0 ? what : '', points: points[i], email: subjects[i] });
    }
  };

  process.stdout.write(`\nLojal demo: Anna's year with the demo sport shop (customer ${customerId})\n\n`);

  await put('customer.registered', {
    customerId,
    email,
    registeredAt: at(0, 9),
    firstName: 'Anna',
    locale: 'sv-SE',
    timeZone: 'Europe/Stockholm',
    birthday: `1990-${birthday}`,
    marketingConsent: true,
  });
  await observe('Anna joins the loyalty club');

  await put('order.placed', {
    orderId: `o-${run}`,
    customerId,
    placedAt: at(0),
    currency: 'SEK',
    lines: [
      { sku: 'TR3-39', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' },
      { sku: 'SOCK-M', category: 'running-socks', quantity: 2, unitPrice: 14_900, name: 'Merino running socks' },
    ],
  });
  await observe(`Order: Trail Runner 3 (${sek(129_900)}, running shoes ×2) and 2 pairs of socks`);

  await moveTo(at(2, 12));
  await put('order.refunded', { refundId: `r-${run}`, orderId: `o-${run}`, customerId, refundedAt: at(2, 11), lines: [{ sku: 'SOCK-M', quantity: 1 }] });
  await observe('One pair of socks returned');

  await moveTo(at(5, 12));
  await put('activity.completed', { activityId: `review-${run}`, customerId, activity: 'review', occurredAt: at(5, 11) });
  await observe('Anna reviews the shoes');

  const milestones: [number, string][] = [
    [31, 'A month later: the post-purchase check-in'],
    [121, 'Her birthday'],
    [271, '270 days on: the shoes are probably worn out'],
    [366, 'One year as a member'],
  ];
  for (const [days, what] of milestones) {
    await moveTo(at(days, 12));
    await observe(what);
  }

  const { body: final } = await member();
  const widths = [10, Math.max(...rows.map((r) => r.what.length)), Math.max(6, ...rows.map((r) => (r.points ?? '').length))];
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`${line(['date', 'what happened', 'points'])}  email\n`);
  process.stdout.write(`${'─'.repeat(widths.reduce((s, w) => s + w + 2, 0) + Math.max(5, ...rows.map((r) => (r.email ?? '').length)))}\n`);
  for (const r of rows) process.stdout.write(`${line([r.at, r.what, r.points ?? ''])}  ${r.email ?? ''}\n`);
  process.stdout.write(`\nBalance now ${final.balance} points, tier ${final.tier} (${final.qualifyingPoints} qualifying points).\n`);
  process.stdout.write(`\nRead the emails:      ${local.ses ?? '(the SES inbox)'}   (as JSON: ${local.ses}/store)\n`);
  process.stdout.write(`The member API:       ${local.api}/v1/members/${customerId}  (…/ledger, …/timeline, …/messages)\n`);
  if (local.started) {
    process.stdout.write('\nThe local copy this demo started keeps running so you can look around; Ctrl-C stops it.\n');
    const stop = async () => {
      await local.started?.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
  }
  bus.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
