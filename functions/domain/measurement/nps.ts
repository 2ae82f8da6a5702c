import type { CounterChange } from './outcomes';
import { dayBucket } from './outcomes';

/**
 * NPS counters (docs/measurement.md): each check-in answer counts once, as `score:<0-10>` in the
 * `D#<local date>` bucket of the day it was given. A member may answer an order's check-in again;
 * the new answer replaces the old, so its counters move from the old score and day to the new.
 */

export type NpsCategory = 'promoter' | 'passive' | 'detractor';

/** 9–10 promoters, 7–8 passives, 0–6 detractors. */
export function npsCategory(score: number): NpsCategory {
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

export interface CountedAnswer {
  readonly score: number;
  /** The local date (`yyyy-mm-dd`, client's time zone) the answer was given. */
  readonly date: string;
}

/** What a new answer adds to the NPS counters, given the answer it replaces (if any). */
export function npsCounterChanges(previous: CountedAnswer | undefined, next: CountedAnswer): CounterChange[] {
  const byBucket = new Map<string, Record<string, number>>();
  const add = (answer: CountedAnswer, n: number) => {
    const bucket = dayBucket(answer.date);
    const fields = byBucket.get(bucket) ?? {};
    const field = `score:${answer.score}`;
    fields[field] = (fields[field] ?? 0) + n;
    if (fields[field] === 0) delete fields[field];
    byBucket.set(bucket, fields);
  };
  if (previous) add(previous, -1);
  add(next, 1);
  return [...byBucket]
    .filter(([, fields]) => Object.keys(fields).length > 0)
    .map(([bucket, add]) => ({ bucket, add }))
    .sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
}
