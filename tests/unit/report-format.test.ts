import { describe, expect, it } from 'vitest';
import { type Buckets, programReport } from '../../functions/domain/measurement/report';
import { formatReportHtml, formatReportText, money } from '../../scripts/report-format';
import { demoConfig } from '../support/deps';

const config = { ...demoConfig, pointValue: { currency: 'SEK', minorUnits: 2 } };
const heading = { clientId: 'demo', source: 'lojal-demo at http://127.0.0.1:8000' };

/** 400 buyers a group: treated repeat 50 %, control 30 %, a clear effect; points on two days of two months. */
function buckets(repeaters: number, extra: Record<string, Record<string, number>> = {}): Buckets {
  return new Map<string, Record<string, number>>([
    ['ALL', { members: 500, buyers: 400, repeaters, revenue: 400 * 50_000, revenueSq: 400 * 500 ** 2 * 1.2, outstanding: 700 }],
    ['D#2026-01-31', { issued: 1000, orders: 10, revenue: 500_000 }],
    ['D#2026-02-01', { redeemed: 200, expired: 100, orders: 2, revenue: 100_000, 'campaign:<b>winter</b>': 300 }],
    ['M#2026-01', { active: 10 }],
    ...Object.entries(extra),
  ]);
}

describe('Function: formatReportText', () => {
  it('prints the groups, the lift with its interval and verdict, the reconciliation and the figures per day and month', () => {
    const report = programReport(config, {
      treated: buckets(200),
      control: buckets(120),
      nps: new Map([['D#2026-02-03', { 'score:10': 3, 'score:3': 1 }]]),
    });
    const text = formatReportText(report, heading);
    expect(text).toContain('Lojal program report: demo, all time');
    expect(text).toMatch(/^treated\s+500\s+400\s+12\s+50\.0 %\s+400\.00 SEK\s+500\.00 SEK$/m);
    expect(text).toMatch(/^repeat-purchase rate\s+\+20\.0 pp\s+\[\+13\.\d pp, \+26\.\d pp\]\s+significant: treated members do better/m);
    expect(text).toContain('issued 2 000 − redeemed 400 − expired 200 = outstanding 1 400 (reconciles with the ledger)');
    expect(text).toContain('Liability: 28.00 SEK');
    // Outstanding runs on from day to day: 2 000 at the end of January, 1 400 after February's redemptions and expiry.
    expect(text).toMatch(/^2026-01\s+2 000\s+0\s+0\s+2 000\s+40\.00 SEK\s+20\s+10 000\.00 SEK$/m);
    expect(text).toMatch(/^2026-02-01\s+0\s+400\s+200\s+1 400\s+28\.00 SEK/m);
    expect(text).toContain('NPS: 50 from 4 answers');
  });

  it('says "not yet significant" when the interval spans 0, and how many members are still needed', () => {
    const report = programReport(config, { treated: buckets(125), control: buckets(120), nps: new Map() });
    const text = formatReportText(report, heading);
    expect(text).toMatch(/^repeat-purchase rate\s+\+1\.3 pp\s+\[-\d\.\d pp, \+\d\.\d pp\]\s+not yet significant/m);
    expect(text).toMatch(/\d[\d ]* a group for 10 % lift, [\d ]+ more still needed/);
  });

  it('says there is no control group rather than printing a lift', () => {
    const text = formatReportText(programReport(config, { treated: buckets(1), control: new Map(), nps: new Map() }), heading);
    expect(text).toContain('Lift: no control group');
    expect(text).not.toContain('95 % interval');
  });
});

describe('Function: formatReportHtml', () => {
  const report = programReport(config, {
    treated: buckets(200),
    control: buckets(120),
    nps: new Map([['D#2026-02-03', { 'score:9': 2 }]]),
  });
  const html = formatReportHtml(report, { clientId: 'demo<script>', source: 'a & b' });

  it('is one self-contained page: inline SVG charts, no script, no external asset', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(5);
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|@import|url\(/i);
    // The only URL is the SVG namespace, which is a name, not a fetch.
    expect(html.match(/https?:\/\/[^"]+/g)?.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
  });

  it('escapes every text it shows', () => {
    expect(html).toContain('demo&lt;script&gt;');
    expect(html).toContain('a &amp; b');
    expect(html).toContain('&lt;b&gt;winter&lt;/b&gt;');
    expect(html).not.toContain('<b>winter');
  });
});

describe('Function: money', () => {
  it('writes minor units with two decimals and thin thousands', () => {
    expect(money(129_900, 'SEK')).toBe('1 299.00 SEK');
    expect(money(-5, 'SEK')).toBe('-0.05 SEK');
    expect(money(null, 'SEK')).toBe('–');
  });
});
