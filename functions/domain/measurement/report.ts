import type { ProgramConfig } from '../../config/program';
import type { MeasurementGroup } from './groups';
import { ALL_BUCKET, reportCurrency } from './outcomes';
import {
  type Lift,
  meanLift,
  npsOf,
  rateLift,
  SQUARE_SCALE,
  sampleSizeForMeans,
  sampleSizeForRates,
  varianceOf,
  verdictOf,
} from './statistics';

/**
 * The program report (docs/measurement.md) from the report counters alone: figures per group,
 * the points reconciliation and liability, campaign cost, tier movements, NPS, and the lift of
 * treated over control with its interval and the sample still needed. Pure.
 */

/** Counter sums per bucket (`D#<date>`, `M#<yyyy-mm>`, `ALL`), as the counter adapter reads them. */
export type Buckets = ReadonlyMap<string, Readonly<Record<string, number>>>;

export interface ReportInput {
  readonly treated: Buckets;
  readonly control: Buckets;
  /** `D#<date>` buckets with fields `score:0` … `score:10`. */
  readonly nps: Buckets;
}

export interface ReportOptions {
  /** First and last local date (`yyyy-mm-dd`) of the period the daily figures cover; both inclusive. @default every day counted */
  readonly from?: string;
  readonly to?: string;
  /** The relative lift the sample sizes are for (0.1: treated 10 % better than control). @default 0.1 */
  readonly effect?: number;
}

export interface GroupFigures {
  /** Members with a ledger (every member Lojal has recorded an event for). */
  readonly members: number;
  /** Members with at least one order, ever. */
  readonly buyers: number;
  /** Buyers with two orders or more. */
  readonly repeaters: number;
  readonly repeatRate: number | null;
  /** Net revenue ever (minor units of `currency`), and per buyer. */
  readonly revenue: number;
  readonly revenuePerBuyer: number | null;
  /** Net revenue ever per member, buyers or not (the program's effect on whether members buy at all shows here, not per buyer). */
  readonly revenuePerMember: number | null;
  /** In the period. */
  readonly period: PeriodFigures;
  readonly tiers: Readonly<Record<string, number>>;
  /** Per challenge: the members who scored in it, and their points. */
  readonly challenges: Readonly<Record<string, { readonly entrants: number; readonly score: number }>>;
}

export interface PeriodFigures {
  readonly orders: number;
  readonly revenue: number;
  readonly issued: number;
  readonly redeemed: number;
  readonly expired: number;
  readonly upgrades: number;
  readonly downgrades: number;
}

export interface LiftFigure extends Lift {
  readonly verdict: string;
  /** Members a group needs to detect the stated effect, and how many more the smaller group still needs. */
  readonly needed: { readonly effect: number; readonly perGroup: number | null; readonly stillNeeded: number | null };
}

export interface ProgramReport {
  readonly from: string | null;
  readonly to: string | null;
  readonly currency: string | null;
  readonly groups: Readonly<Record<MeasurementGroup, GroupFigures>>;
  /** All time, both groups: issued − redeemed − expired = outstanding. */
  readonly points: {
    readonly issued: number;
    readonly redeemed: number;
    readonly expired: number;
    readonly outstanding: number;
    readonly reconciles: boolean;
    /** The outstanding points in money at the configured point value (minor units), or null without one. */
    readonly liability: { readonly currency: string; readonly amount: number } | null;
    /** Expired as a share of issued. */
    readonly breakage: number | null;
  };
  /** Points issued in the period under each campaign (its cost in points), largest first. */
  readonly campaigns: readonly { readonly id: string; readonly points: number }[];
  /** Distinct members with an order, per month, both groups. */
  readonly activeByMonth: readonly { readonly month: string; readonly treated: number; readonly control: number }[];
  /** Per day of the period, both groups; `outstanding` is the balance at the day's end, counted from the first day ever. */
  readonly daily: readonly PeriodRow<'date'>[];
  /** The same per month of the period (a month the period cuts counts only its days in the period). */
  readonly monthly: readonly PeriodRow<'month'>[];
  /** Null without a control group (`programHoldoutPercent` 0 and no control member yet). */
  readonly lift: {
    readonly repeatRate: LiftFigure;
    readonly revenuePerBuyer: LiftFigure;
    readonly revenuePerMember: LiftFigure;
  } | null;
  readonly nps: NpsFigures & {
    /** Per month of the period with answers. */
    readonly monthly: readonly ({ readonly month: string } & NpsFigures)[];
  };
}

export interface NpsFigures {
  /** Answers per score, 0 to 10. */
  readonly distribution: readonly number[];
  /** % promoters (9–10) less % detractors (0–6), or null without answers. */
  readonly score: number | null;
  readonly answers: number;
}

/** A day's or month's program figures: what moved in it, and the points outstanding at its end with their value in money. */
export type PeriodRow<K extends 'date' | 'month'> = { readonly [key in K]: string } & PeriodFigures & {
    readonly outstanding: number;
    /** `outstanding` at the point value (minor units), or null without one. */
    readonly liability: number | null;
  };

const EMPTY_PERIOD: PeriodFigures = { orders: 0, revenue: 0, issued: 0, redeemed: 0, expired: 0, upgrades: 0, downgrades: 0 };
const PERIOD_FIELDS = Object.keys(EMPTY_PERIOD) as (keyof PeriodFigures)[];

const dayOf = (bucket: string) => (bucket.startsWith('D#') ? bucket.slice(2) : undefined);
const inPeriod = (date: string, o: ReportOptions) => (o.from === undefined || date >= o.from) && (o.to === undefined || date <= o.to);

function addPeriod(a: PeriodFigures, fields: Readonly<Record<string, number>> | PeriodFigures): PeriodFigures {
  const out: Record<string, number> = { ...a };
  for (const f of PERIOD_FIELDS) out[f] = (out[f] ?? 0) + (fields[f] ?? 0);
  return out as unknown as PeriodFigures;
}

function groupFigures(buckets: Buckets, o: ReportOptions): GroupFigures {
  const all = buckets.get(ALL_BUCKET) ?? {};
  let period = EMPTY_PERIOD;
  for (const [bucket, fields] of buckets) {
    const date = dayOf(bucket);
    if (date !== undefined && inPeriod(date, o)) period = addPeriod(period, fields);
  }
  const buyers = all.buyers ?? 0;
  const tiers: Record<string, number> = {};
  for (const [field, n] of Object.entries(all)) if (field.startsWith('tier:') && n !== 0) tiers[field.slice(5)] = n;
  const challenges: Record<string, { entrants: number; score: number }> = {};
  for (const [field, n] of Object.entries(all)) {
    const m = /^challenge:(.+):(entrants|score)$/.exec(field);
    if (!m || n === 0) continue;
    const [, id = '', what] = m;
    const figures = challenges[id] ?? { entrants: 0, score: 0 };
    challenges[id] = figures;
    if (what === 'entrants') figures.entrants = n;
    else figures.score = n;
  }
  return {
    members: all.members ?? 0,
    buyers,
    repeaters: all.repeaters ?? 0,
    repeatRate: buyers > 0 ? (all.repeaters ?? 0) / buyers : null,
    revenue: all.revenue ?? 0,
    revenuePerBuyer: buyers > 0 ? (all.revenue ?? 0) / buyers : null,
    revenuePerMember: (all.members ?? 0) > 0 ? (all.revenue ?? 0) / (all.members ?? 0) : null,
    period,
    tiers,
    challenges,
  };
}

function liftFigures(treated: Buckets, control: Buckets, effect: number): ProgramReport['lift'] {
  const t = treated.get(ALL_BUCKET) ?? {};
  const c = control.get(ALL_BUCKET) ?? {};
  if ((c.members ?? 0) === 0) return null;
  const rate = rateLift({ successes: t.repeaters ?? 0, trials: t.buyers ?? 0 }, { successes: c.repeaters ?? 0, trials: c.buyers ?? 0 });
  const smaller = Math.min(t.buyers ?? 0, c.buyers ?? 0);
  const rateNeeded =
    rate.control > 0 && rate.control * (1 + effect) < 1 ? sampleSizeForRates(rate.control, rate.control * (1 + effect)) : null;
  const still = (perGroup: number | null) => (perGroup === null ? null : Math.max(0, perGroup - smaller));
  // Revenue per buyer and per member share the sums: a member without orders adds 0 to both sums.
  const revenueLift = (per: 'buyers' | 'members'): LiftFigure => {
    const tm = { n: t[per] ?? 0, sum: t.revenue ?? 0, sumOfSquares: (t.revenueSq ?? 0) * SQUARE_SCALE };
    const cm = { n: c[per] ?? 0, sum: c.revenue ?? 0, sumOfSquares: (c.revenueSq ?? 0) * SQUARE_SCALE };
    const lift = meanLift(tm, cm);
    const sd = Math.sqrt((varianceOf(tm) + varianceOf(cm)) / 2);
    const perGroup = lift.control > 0 && sd > 0 ? sampleSizeForMeans(sd, lift.control * effect) : null;
    const smallerGroup = Math.min(tm.n, cm.n);
    return {
      ...lift,
      verdict: verdictOf(lift),
      needed: { effect, perGroup, stillNeeded: perGroup === null ? null : Math.max(0, perGroup - smallerGroup) },
    };
  };
  return {
    repeatRate: { ...rate, verdict: verdictOf(rate), needed: { effect, perGroup: rateNeeded, stillNeeded: still(rateNeeded) } },
    revenuePerBuyer: revenueLift('buyers'),
    revenuePerMember: revenueLift('members'),
  };
}

/** NPS figures of a distribution. */
function npsFigures(distribution: readonly number[]): NpsFigures {
  const nps = npsOf(distribution);
  return { distribution, score: nps.score, answers: nps.answers };
}

export function programReport(
  config: Pick<ProgramConfig, 'pointValue' | 'earnRates'>,
  input: ReportInput,
  options: ReportOptions = {},
): ProgramReport {
  const effect = options.effect ?? 0.1;
  const groups = { treated: groupFigures(input.treated, options), control: groupFigures(input.control, options) };

  let total = EMPTY_PERIOD;
  let outstanding = 0;
  const campaigns = new Map<string, number>();
  const months = new Map<string, { treated: number; control: number }>();
  const allDays = new Map<string, PeriodFigures>();
  for (const group of ['treated', 'control'] as const) {
    for (const [bucket, fields] of input[group]) {
      if (bucket === ALL_BUCKET) outstanding += fields.outstanding ?? 0;
      if (bucket.startsWith('M#')) {
        const month = bucket.slice(2);
        const m = months.get(month) ?? { treated: 0, control: 0 };
        m[group] += fields.active ?? 0;
        months.set(month, m);
      }
      const date = dayOf(bucket);
      if (date === undefined) continue;
      total = addPeriod(total, fields);
      allDays.set(date, addPeriod(allDays.get(date) ?? EMPTY_PERIOD, fields));
      if (!inPeriod(date, options)) continue;
      for (const [field, n] of Object.entries(fields)) {
        if (field.startsWith('campaign:')) campaigns.set(field.slice(9), (campaigns.get(field.slice(9)) ?? 0) + n);
      }
    }
  }
  const distribution = Array.from({ length: 11 }, () => 0);
  const npsMonths = new Map<string, number[]>();
  for (const [bucket, fields] of input.nps) {
    const date = dayOf(bucket);
    if (date === undefined || !inPeriod(date, options)) continue;
    const month = npsMonths.get(date.slice(0, 7)) ?? Array.from({ length: 11 }, () => 0);
    for (let score = 0; score <= 10; score++) {
      const n = fields[`score:${score}`] ?? 0;
      distribution[score] = (distribution[score] ?? 0) + n;
      month[score] = (month[score] ?? 0) + n;
    }
    npsMonths.set(date.slice(0, 7), month);
  }
  const { daily, monthly } = periodRows(allDays, options, config.pointValue?.minorUnits);
  const monthInPeriod = (m: string) =>
    (options.from === undefined || m >= options.from.slice(0, 7)) && (options.to === undefined || m <= options.to.slice(0, 7));
  return {
    from: options.from ?? null,
    to: options.to ?? null,
    currency: reportCurrency(config) ?? null,
    groups,
    points: {
      issued: total.issued,
      redeemed: total.redeemed,
      expired: total.expired,
      outstanding,
      reconciles: total.issued - total.redeemed - total.expired === outstanding,
      liability: config.pointValue
        ? { currency: config.pointValue.currency, amount: Math.round(outstanding * config.pointValue.minorUnits) }
        : null,
      breakage: total.issued > 0 ? total.expired / total.issued : null,
    },
    campaigns: [...campaigns]
      .filter(([, points]) => points !== 0)
      .map(([id, points]) => ({ id, points }))
      .sort((a, b) => b.points - a.points),
    activeByMonth: [...months]
      .filter(([m]) => monthInPeriod(m))
      .map(([month, m]) => ({ month, ...m }))
      .sort((a, b) => (a.month < b.month ? -1 : 1)),
    daily,
    monthly,
    lift: liftFigures(input.treated, input.control, effect),
    nps: {
      ...npsFigures(distribution),
      monthly: [...npsMonths].sort(([a], [b]) => (a < b ? -1 : 1)).map(([month, d]) => ({ month, ...npsFigures(d) })),
    },
  };
}

/**
 * The period's days and months, each with the balance outstanding at its end: a running sum of
 * issued − redeemed − expired over every day counted, so the last row's outstanding is the
 * all-time figure when the period runs to the last day.
 */
function periodRows(
  allDays: ReadonlyMap<string, PeriodFigures>,
  options: ReportOptions,
  minorUnitsPerPoint: number | undefined,
): { daily: PeriodRow<'date'>[]; monthly: PeriodRow<'month'>[] } {
  const liability = (points: number) => (minorUnitsPerPoint === undefined ? null : Math.round(points * minorUnitsPerPoint));
  const daily: PeriodRow<'date'>[] = [];
  const months = new Map<string, { figures: PeriodFigures; outstanding: number }>();
  let outstanding = 0;
  for (const [date, figures] of [...allDays].sort(([a], [b]) => (a < b ? -1 : 1))) {
    outstanding += figures.issued - figures.redeemed - figures.expired;
    if (!inPeriod(date, options)) continue;
    daily.push({ date, ...figures, outstanding, liability: liability(outstanding) });
    const month = date.slice(0, 7);
    months.set(month, { figures: addPeriod(months.get(month)?.figures ?? EMPTY_PERIOD, figures), outstanding });
  }
  const monthly = [...months].map(([month, m]) => ({
    month,
    ...m.figures,
    outstanding: m.outstanding,
    liability: liability(m.outstanding),
  }));
  return { daily, monthly };
}
