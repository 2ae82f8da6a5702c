import { escapeHtml } from '../functions/domain/email/escape';
import type { LiftFigure, PeriodRow, ProgramReport } from '../functions/domain/measurement/report';

/**
 * The program report (functions/domain/measurement/report.ts) as text for a terminal and as one
 * self-contained HTML page (inline CSS and SVG, no external asset, every text escaped). Pure:
 * `npm run report` (scripts/report.ts) reads the counters and prints what these return.
 */

export interface ReportHeading {
  readonly clientId: string;
  /** Where the counters were read, e.g. `lojal-demo at http://127.0.0.1:8000`. */
  readonly source: string;
}

const GROUPS = ['treated', 'control'] as const;

const thousands = (n: number) => Math.round(n).toLocaleString('en-US').replace(/,/g, ' ');
/** Minor units as money with two decimals: 129900 → `1 299.00 SEK`. */
export function money(minor: number | null, currency: string | null): string {
  if (minor === null) return '–';
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor) / 100;
  const whole = Math.floor(abs);
  const cents = Math.round((abs - whole) * 100);
  const [w, c] = cents === 100 ? [whole + 1, 0] : [whole, cents];
  return `${sign}${thousands(w)}.${String(c).padStart(2, '0')}${currency ? ` ${currency}` : ''}`;
}
const percent = (p: number | null, digits = 1) => (p === null ? '–' : `${(p * 100).toFixed(digits)} %`);
const signed = (n: number, text: string) => (n > 0 ? `+${text}` : text);
const points = (n: number) => thousands(n);

/** A lift, its interval and the verdict in plain words; `unit` formats a value of the metric. */
function liftLine(
  lift: LiftFigure,
  unit: (n: number) => string,
): { difference: string; interval: string; verdict: string; needed: string } {
  const needed =
    lift.needed.perGroup === null || !Number.isFinite(lift.needed.perGroup)
      ? 'sample size unknown yet (no control figure to compare with)'
      : `${thousands(lift.needed.perGroup)} a group for ${Math.round(lift.needed.effect * 100)} % lift` +
        (lift.needed.stillNeeded ? `, ${thousands(lift.needed.stillNeeded)} more still needed` : ', reached');
  return {
    difference: signed(lift.difference, unit(lift.difference)),
    interval: `[${signed(lift.interval.low, unit(lift.interval.low))}, ${signed(lift.interval.high, unit(lift.interval.high))}]`,
    verdict: lift.verdict,
    needed,
  };
}

const pointsUnit = (p: number) => `${(p * 100).toFixed(1)} pp`;

/** The lifts the report shows, each with its label and how its values read. */
function lifts(report: ProgramReport): { label: string; lift: LiftFigure; unit: (n: number) => string }[] {
  if (!report.lift) return [];
  const cash = (n: number) => money(Math.round(n), report.currency);
  return [
    { label: 'repeat-purchase rate', lift: report.lift.repeatRate, unit: pointsUnit },
    { label: 'revenue per member', lift: report.lift.revenuePerMember, unit: cash },
    { label: 'revenue per buyer', lift: report.lift.revenuePerBuyer, unit: cash },
  ];
}

/** Left-aligns the first column and right-aligns the others. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const PROGRAM_HEADER = ['issued', 'redeemed', 'expired', 'outstanding', 'liability', 'orders', 'revenue'];
function programCells(row: PeriodRow<'date'> | PeriodRow<'month'>, currency: string | null): string[] {
  return [
    points(row.issued),
    points(row.redeemed),
    points(row.expired),
    points(row.outstanding),
    money(row.liability, currency),
    thousands(row.orders),
    money(row.revenue, currency),
  ];
}

const periodText = (report: ProgramReport) =>
  report.from === null && report.to === null ? 'all time' : `${report.from ?? 'the start'} to ${report.to ?? 'today'}`;

/** The report as plain text for a terminal. */
export function formatReportText(report: ProgramReport, heading: ReportHeading): string {
  const out: string[] = [];
  const { currency } = report;
  out.push(`Lojal program report: ${heading.clientId}, ${periodText(report)} (counters of ${heading.source})`, '');

  out.push('Groups (members, buyers, repeat rate and revenue: all time; orders: in the period)');
  out.push(
    table(['group', 'members', 'buyers', 'orders', 'repeat rate', 'revenue/member', 'revenue/buyer'], groupRows(report, currency)),
    '',
  );

  if (report.lift) {
    out.push('Lift of treated over control, with its 95 % interval');
    out.push(
      table(
        ['metric', 'lift', '95 % interval', 'verdict', 'sample'],
        lifts(report).map(({ label, lift, unit }) => {
          const l = liftLine(lift, unit);
          return [label, l.difference, l.interval, l.verdict, l.needed];
        }),
      ),
      '',
    );
  } else {
    out.push('Lift: no control group (programHoldoutPercent is 0 or no control member has been counted yet)', '');
  }

  const p = report.points;
  out.push(
    `Points, all time: issued ${points(p.issued)} − redeemed ${points(p.redeemed)} − expired ${points(p.expired)} = outstanding ${points(p.outstanding)}` +
      (p.reconciles ? ' (reconciles with the ledger)' : ' (DOES NOT RECONCILE: the counters disagree with the balances)'),
  );
  out.push(
    `Liability: ${p.liability ? money(p.liability.amount, p.liability.currency) : 'no pointValue in the client file'}; breakage (expired / issued): ${percent(p.breakage)}`,
    '',
  );

  out.push('Program figures per month');
  out.push(
    table(
      ['month', ...PROGRAM_HEADER],
      report.monthly.map((row) => [row.month, ...programCells(row, currency)]),
    ),
    '',
  );
  out.push('Program figures per day (days with activity)');
  out.push(
    table(
      ['date', ...PROGRAM_HEADER],
      report.daily.map((row) => [row.date, ...programCells(row, currency)]),
    ),
    '',
  );

  if (report.campaigns.length > 0) {
    out.push('Campaign cost (points issued under each campaign in the period)');
    out.push(
      table(
        ['campaign', 'points'],
        report.campaigns.map((c) => [c.id, points(c.points)]),
      ),
      '',
    );
  }

  const challengeRows = challengeTable(report);
  if (challengeRows.length > 0) {
    out.push('Challenge participation (members who scored, and their points; treated and control)');
    out.push(table(['challenge', 'entrants', 'points'], challengeRows), '');
  }

  const nps = report.nps;
  out.push(`NPS: ${nps.score === null ? 'no answers in the period' : `${nps.score} from ${thousands(nps.answers)} answers`}`);
  if (nps.answers > 0) {
    out.push(table(['score', ...nps.distribution.map((_, s) => String(s))], [['answers', ...nps.distribution.map((n) => thousands(n))]]));
    out.push(
      table(
        ['month', 'answers', 'NPS'],
        nps.monthly.map((m) => [m.month, thousands(m.answers), m.score === null ? '–' : String(m.score)]),
      ),
    );
  }
  return `${out.join('\n').trimEnd()}\n`;
}

// ---- HTML ----

interface Bar {
  readonly label: string;
  readonly values: readonly number[];
}

const COLOURS = ['#2b6cb0', '#c05621', '#718096', '#2f855a'];

/** A grouped bar chart as inline SVG; labels are escaped. */
export function barChart(title: string, series: readonly string[], bars: readonly Bar[], format: (n: number) => string): string {
  const width = 720;
  const height = 220;
  const left = 70;
  const bottom = 40;
  const max = Math.max(1, ...bars.flatMap((b) => b.values.map(Math.abs)));
  const slot = bars.length > 0 ? (width - left - 10) / bars.length : 0;
  const barWidth = Math.max(1, (slot * 0.8) / Math.max(1, series.length));
  const plot = height - bottom - 20;
  const y = (v: number) => 20 + plot - (Math.max(0, v) / max) * plot;
  const rects = bars.flatMap((bar, i) =>
    bar.values.map((v, k) => {
      const x = left + i * slot + slot * 0.1 + k * barWidth;
      return `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(20 + plot - y(v)).toFixed(1)}" fill="${COLOURS[k % COLOURS.length]}"><title>${escapeHtml(`${bar.label} ${series[k] ?? ''}: ${format(v)}`)}</title></rect>`;
    }),
  );
  const every = Math.max(1, Math.ceil(bars.length / 12));
  const labels = bars
    .map((bar, i) =>
      i % every === 0
        ? `<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${escapeHtml(bar.label)}</text>`
        : '',
    )
    .join('');
  const legend = series
    .map(
      (s, k) =>
        `<rect x="${left + k * 130}" y="${height - 14}" width="10" height="10" fill="${COLOURS[k % COLOURS.length]}"/><text x="${left + k * 130 + 14}" y="${height - 5}">${escapeHtml(s)}</text>`,
    )
    .join('');
  return (
    `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">` +
    `<line x1="${left}" y1="${20 + plot}" x2="${width - 10}" y2="${20 + plot}" stroke="#999"/>` +
    `<text x="${left - 6}" y="24" text-anchor="end">${escapeHtml(format(max))}</text><text x="${left - 6}" y="${20 + plot}" text-anchor="end">0</text>` +
    `${rects.join('')}${labels}${legend}</svg></figure>`
  );
}

/** A lift and its interval drawn on an axis through 0, so an interval that crosses the line reads as "not yet significant". */
function intervalChart(label: string, lift: LiftFigure, unit: (n: number) => string): string {
  const width = 720;
  const lo = Math.min(lift.interval.low, 0);
  const hi = Math.max(lift.interval.high, 0);
  const finite = Number.isFinite(lo) && Number.isFinite(hi) && hi > lo;
  if (!finite) return `<p>${escapeHtml(`${label}: interval not known yet`)}</p>`;
  const pad = (hi - lo) * 0.1;
  const x = (v: number) => 20 + ((v - (lo - pad)) / (hi - lo + 2 * pad)) * (width - 40);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} 50" role="img" aria-label="${escapeHtml(`${label} interval`)}">` +
    `<line x1="${x(0).toFixed(1)}" y1="5" x2="${x(0).toFixed(1)}" y2="35" stroke="#999" stroke-dasharray="3"/>` +
    `<line x1="${x(lift.interval.low).toFixed(1)}" y1="20" x2="${x(lift.interval.high).toFixed(1)}" y2="20" stroke="${lift.significant ? '#2f855a' : '#718096'}" stroke-width="4"/>` +
    `<circle cx="${x(lift.difference).toFixed(1)}" cy="20" r="6" fill="#2b6cb0"/>` +
    `<text x="${x(lift.interval.low).toFixed(1)}" y="46" text-anchor="middle">${escapeHtml(unit(lift.interval.low))}</text>` +
    `<text x="${x(lift.interval.high).toFixed(1)}" y="46" text-anchor="middle">${escapeHtml(unit(lift.interval.high))}</text></svg>`
  );
}

function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (tag: string) => (c: string) => `<${tag}>${escapeHtml(c)}</${tag}>`;
  return `<table><thead><tr>${header.map(cell('th')).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell('td')).join('')}</tr>`).join('')}</tbody></table>`;
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:780px;margin:2em auto;color:#1a202c}' +
  'table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{padding:.2em .6em;border-bottom:1px solid #e2e8f0;text-align:right}' +
  'td:first-child,th:first-child{text-align:left}figure{margin:1em 0}figcaption{font-weight:600}svg{width:100%;height:auto;font-size:11px}' +
  '.verdict{font-weight:600}';

/** The report as one self-contained HTML page: inline CSS and SVG charts, no script, no external asset; all text escaped. */
export function formatReportHtml(report: ProgramReport, heading: ReportHeading): string {
  const { currency } = report;
  const parts: string[] = [];
  const title = `Lojal program report: ${heading.clientId}, ${periodText(report)}`;
  parts.push(`<h1>${escapeHtml(title)}</h1><p>${escapeHtml(`Counters of ${heading.source}.`)}</p>`);

  parts.push('<h2>Groups</h2>');
  parts.push(
    htmlTable(
      ['group', 'members', 'buyers', 'orders in the period', 'repeat rate', 'revenue per member', 'revenue per buyer'],
      groupRows(report, currency),
    ),
  );

  parts.push('<h2>Lift of treated over control</h2>');
  if (report.lift) {
    for (const { label, lift, unit } of lifts(report)) {
      const l = liftLine(lift, unit);
      parts.push(
        `<h3>${escapeHtml(label)}</h3><p>${escapeHtml(`${l.difference}, 95 % interval ${l.interval}.`)} <span class="verdict">${escapeHtml(l.verdict)}</span>. ${escapeHtml(`Sample: ${l.needed}.`)}</p>`,
        intervalChart(label, lift, unit),
      );
    }
  } else {
    parts.push('<p>No control group (programHoldoutPercent is 0 or no control member has been counted yet).</p>');
  }

  const p = report.points;
  parts.push('<h2>Points</h2>');
  parts.push(
    `<p>${escapeHtml(`All time: issued ${points(p.issued)} − redeemed ${points(p.redeemed)} − expired ${points(p.expired)} = outstanding ${points(p.outstanding)} ${p.reconciles ? '(reconciles)' : '(DOES NOT RECONCILE)'}. Liability ${p.liability ? money(p.liability.amount, p.liability.currency) : 'not valued (no pointValue)'}; breakage ${percent(p.breakage)}.`)}</p>`,
  );
  parts.push(
    barChart(
      'Points per month',
      ['issued', 'redeemed', 'expired', 'outstanding'],
      report.monthly.map((m) => ({ label: m.month, values: [m.issued, m.redeemed, m.expired, m.outstanding] })),
      points,
    ),
  );
  parts.push(
    htmlTable(
      ['month', ...PROGRAM_HEADER],
      report.monthly.map((row) => [row.month, ...programCells(row, currency)]),
    ),
  );
  parts.push(
    barChart(
      'Active members per month',
      ['treated', 'control'],
      report.activeByMonth.map((m) => ({ label: m.month, values: [m.treated, m.control] })),
      thousands,
    ),
  );
  parts.push('<h3>Per day</h3>');
  parts.push(
    htmlTable(
      ['date', ...PROGRAM_HEADER],
      report.daily.map((row) => [row.date, ...programCells(row, currency)]),
    ),
  );

  if (report.campaigns.length > 0) {
    parts.push(
      '<h2>Campaign cost</h2>',
      htmlTable(
        ['campaign', 'points'],
        report.campaigns.map((c) => [c.id, points(c.points)]),
      ),
    );
  }

  const challengeRowsHtml = challengeTable(report);
  if (challengeRowsHtml.length > 0)
    parts.push('<h2>Challenge participation</h2>', htmlTable(['challenge', 'entrants', 'points'], challengeRowsHtml));

  parts.push('<h2>NPS</h2>');
  const nps = report.nps;
  parts.push(
    `<p>${escapeHtml(nps.score === null ? 'No answers in the period.' : `NPS ${nps.score} from ${thousands(nps.answers)} answers.`)}</p>`,
  );
  if (nps.answers > 0) {
    parts.push(
      barChart(
        'Answers per score',
        ['answers'],
        nps.distribution.map((n, s) => ({ label: String(s), values: [n] })),
        thousands,
      ),
      htmlTable(
        ['month', 'answers', 'NPS'],
        nps.monthly.map((m) => [m.month, thousands(m.answers), m.score === null ? '–' : String(m.score)]),
      ),
    );
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${parts.join('\n')}</body></html>\n`;
}

/** One row per challenge, both groups added: the members who scored and their points. */
function challengeTable(report: ProgramReport): string[][] {
  const sums = new Map<string, { entrants: number; score: number }>();
  for (const group of [report.groups.treated, report.groups.control]) {
    for (const [id, c] of Object.entries(group.challenges ?? {})) {
      const into = sums.get(id) ?? { entrants: 0, score: 0 };
      sums.set(id, { entrants: into.entrants + c.entrants, score: into.score + c.score });
    }
  }
  return [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([id, c]) => [id, thousands(c.entrants), points(c.score)]);
}

/** One row per group, as the text table and the HTML table both show them. */
function groupRows(report: ProgramReport, currency: string | null): string[][] {
  return GROUPS.map((g) => {
    const f = report.groups[g];
    return [
      g,
      thousands(f.members),
      thousands(f.buyers),
      thousands(f.period.orders),
      percent(f.repeatRate),
      money(f.revenuePerMember === null ? null : Math.round(f.revenuePerMember), currency),
      money(f.revenuePerBuyer === null ? null : Math.round(f.revenuePerBuyer), currency),
    ];
  });
}
