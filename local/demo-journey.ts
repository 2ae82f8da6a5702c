import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { MemberMessage } from '../functions/contract/member-api';
import type { ProgramReport } from '../functions/domain/measurement/report';

/**
 * The demo's story: one customer's year with the demo shop, played through the public doors a
 * webshop and a front end use (PutEvents with the real AWS SDK, the member API, the local
 * clock, the SES inbox's JSON store). `npm run demo` (local/demo.ts) prints it; a test plays it.
 */

const DAY = 86_400_000;

export interface Row {
  readonly at: string;
  readonly what: string;
  readonly points?: string;
  readonly email?: string;
}

export async function http<T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

const day = (iso: string) => iso.slice(0, 10);
const sek = (ore: number) => `${(ore / 100).toLocaleString('sv-SE')} kr`;

export interface DemoResult {
  readonly customerId: string;
  readonly rows: readonly Row[];
  readonly balance: number;
  readonly tier: string;
  /** The program report at the end of the journey. */
  readonly report: ProgramReport;
}

/** Plays the journey against a local copy's API and returns the timeline it printed. */
export async function playDemo(
  local: { api: string; ses: string | undefined },
  write: (text: string) => void = () => {},
): Promise<DemoResult> {
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
    const messages = await http<{ items?: MemberMessage[] }>('GET', `${local.api}/v1/members/${customerId}/messages`);
    if (messages.status === 200 && messages.body.items) {
      // Every mail decision is listed; the journey shows the mail that went out.
      for (const m of [...messages.body.items].reverse()) {
        if (m.status !== 'sent' || seenMail.has(m.messageId)) continue;
        seenMail.add(m.messageId);
        subjects.push(`[${m.kind}] ${m.subject}`);
      }
    } else if (local.ses) {
      // Before the member API lists messages, read the inbox's store directly.
      const store = await http<{ emails: { messageId: string; subject: string; destination: { to: string[] } }[] }>(
        'GET',
        `${local.ses}/store`,
      );
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

  write(`\nLojal demo: Anna's year with the demo sport shop (customer ${customerId})\n\n`);

  // Lojal refuses business times ahead of its clock (issue 12.4): the shop's day starts first.
  if (Date.parse(at(0)) > start) await moveTo(at(0));
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
  await put('order.refunded', {
    refundId: `r-${run}`,
    orderId: `o-${run}`,
    customerId,
    refundedAt: at(2, 11),
    lines: [{ sku: 'SOCK-M', quantity: 1 }],
  });
  await observe('One pair of socks returned');

  await moveTo(at(5, 12));
  await put('activity.completed', { activityId: `review-${run}`, customerId, activity: 'review', occurredAt: at(5, 11) });
  await observe('Anna reviews the shoes');

  const milestones: [number, string][] = [
    [31, 'A month later: the post-purchase check-in'],
    [121, 'Her birthday'],
    // Six months after any day is at most 184 days later: by then the perk has been earned and mailed.
    [184, 'Six months as a member: a perk'],
    [271, '270 days on: the shoes are probably worn out'],
    [366, 'One year as a member'],
  ];
  for (const [days, what] of milestones) {
    await moveTo(at(days, 12));
    await observe(what);
  }

  const { body: final } = await member();
  const widths = [10, Math.max(...rows.map((r) => r.what.length)), Math.max(6, ...rows.map((r) => (r.points ?? '').length))];
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  write(`${line(['date', 'what happened', 'points'])}  email\n`);
  write(`${'─'.repeat(widths.reduce((s, w) => s + w + 2, 0) + Math.max(5, ...rows.map((r) => (r.email ?? '').length)))}\n`);
  for (const r of rows) write(`${line([r.at, r.what, r.points ?? ''])}  ${r.email ?? ''}\n`);
  write(`\nBalance now ${final.balance} points, tier ${final.tier} (${final.qualifyingPoints} qualifying points).\n`);
  // The shop's own flows (docs/flows.md): where Anna's runs stand.
  const { body: flows } = await http('GET', `${local.api}/v1/members/${customerId}/flows`);
  const runs =
    (flows as { runs?: { flowId: string; runKey: string; status: string; endReason: string | null; path: string[] }[] }).runs ?? [];
  if (runs.length > 0) {
    write('\nAnna in the shop’s flows:\n');
    for (const r of runs)
      write(
        `  ${r.flowId} (${r.runKey}): ${r.status}${r.endReason ? `, ${r.endReason}` : ''}; steps ${r.path.join(' → ') || 'none yet'}\n`,
      );
  }
  // The program's own figures, from the report counters the journey's writes kept.
  const { body: report } = await http<ProgramReport>('GET', `${local.api}/v1/program/report`);
  const p = report.points;
  write(
    `\nThe program so far (npm run report for all of it): ${report.groups.treated.members} members in it, ${report.groups.control.members} in the control group; ` +
      `points issued ${p.issued} − redeemed ${p.redeemed} − expired ${p.expired} = outstanding ${p.outstanding}` +
      `${p.liability ? ` (liability ${sek(p.liability.amount)})` : ''}${report.nps.score === null ? '' : `; NPS ${report.nps.score} from ${report.nps.answers} answers`}.\n`,
  );
  write(`\nRead the emails:      ${local.ses ?? '(the SES inbox)'}   (as JSON: ${local.ses}/store)\n`);
  write(`The member API:       ${local.api}/v1/members/${customerId}  (…/ledger, …/timeline, …/messages, …/flows)\n`);
  bus.destroy();
  return { customerId, rows, balance: final.balance, tier: final.tier, report };
}
