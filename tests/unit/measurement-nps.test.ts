import { describe, expect, it } from 'vitest';
import { npsCategory, npsCounterChanges } from '../../functions/domain/measurement/nps';

describe('Function: npsCounterChanges', () => {
  it('counts a first answer once on its day', () => {
    expect(npsCounterChanges(undefined, { score: 9, date: '2026-03-01' })).toEqual([{ bucket: 'D#2026-03-01', add: { 'score:9': 1 } }]);
  });

  it('moves a replaced answer from its old score and day to the new ones', () => {
    expect(npsCounterChanges({ score: 9, date: '2026-03-01' }, { score: 3, date: '2026-03-04' })).toEqual([
      { bucket: 'D#2026-03-01', add: { 'score:9': -1 } },
      { bucket: 'D#2026-03-04', add: { 'score:3': 1 } },
    ]);
    expect(npsCounterChanges({ score: 9, date: '2026-03-01' }, { score: 3, date: '2026-03-01' })).toEqual([
      { bucket: 'D#2026-03-01', add: { 'score:9': -1, 'score:3': 1 } },
    ]);
  });

  it('changes nothing for the same score on the same day', () => {
    expect(npsCounterChanges({ score: 7, date: '2026-03-01' }, { score: 7, date: '2026-03-01' })).toEqual([]);
  });
});

describe('Function: npsCategory', () => {
  it('has detractors 0–6, passives 7–8, promoters 9–10', () => {
    expect([0, 6, 7, 8, 9, 10].map(npsCategory)).toEqual(['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']);
  });
});
