import { describe, expect, it } from 'vitest';
import { addDuration, durationMillis, InvalidDurationError, parseDuration } from '../../functions/domain/duration';

const zero = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };

describe('Function: parseDuration', () => {
  it.each([
    ['P30D', { ...zero, days: 30 }],
    ['PT1H30M', { ...zero, hours: 1, minutes: 30 }],
    ['P1Y2M', { ...zero, years: 1, months: 2 }],
    ['P2W', { ...zero, weeks: 2 }],
    ['PT0S', zero],
    ['P1DT12H', { ...zero, days: 1, hours: 12 }],
    ['PT0.5S', { ...zero, seconds: 0.5 }],
    ['PT1,25S', { ...zero, seconds: 1.25 }],
    ['P1Y2M3W4DT5H6M7S', { years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 }],
  ])('reads %s', (input, expected) => {
    expect(parseDuration(input)).toEqual(expected);
  });

  it.each([
    ['', 'an empty string'],
    ['P', 'no amount'],
    ['PT', 'a T with nothing after it'],
    ['P1DT', 'a trailing T'],
    ['30D', 'no leading P'],
    ['P1.5D', 'a fraction outside the seconds'],
    ['-P1D', 'a negative duration (the clock never goes back)'],
    ['P1H', 'hours before the T'],
    ['PT1D', 'days after the T'],
    ['P1D2Y', 'parts out of order'],
    ['p1d', 'lower-case designators'],
  ])('refuses %j (%s)', (input) => {
    expect(() => parseDuration(input)).toThrow(InvalidDurationError);
  });

  it('says what it expected', () => {
    expect(() => parseDuration('1 month')).toThrow(/not an ISO-8601 duration.*P30D/);
  });
});

describe('Function: addDuration', () => {
  const at = (iso: string) => new Date(iso);

  it('adds days as 24-hour days', () => {
    expect(addDuration(at('2026-03-01T10:00:00Z'), parseDuration('P30D')).toISOString()).toBe('2026-03-31T10:00:00.000Z');
  });

  it('adds weeks, hours, minutes and seconds', () => {
    expect(addDuration(at('2026-03-01T10:00:00Z'), parseDuration('P1WT1H30M15.5S')).toISOString()).toBe('2026-03-08T11:30:15.500Z');
  });

  it('adds months on the calendar, clamping to the end of a shorter month', () => {
    expect(addDuration(at('2026-01-31T08:00:00Z'), parseDuration('P1M')).toISOString()).toBe('2026-02-28T08:00:00.000Z');
    expect(addDuration(at('2028-01-31T08:00:00Z'), parseDuration('P1M')).toISOString()).toBe('2028-02-29T08:00:00.000Z');
  });

  it('adds years across a leap day', () => {
    expect(addDuration(at('2028-02-29T00:00:00Z'), parseDuration('P1Y')).toISOString()).toBe('2029-02-28T00:00:00.000Z');
  });

  it('carries months over the year end', () => {
    expect(addDuration(at('2026-11-15T00:00:00Z'), parseDuration('P1Y3M')).toISOString()).toBe('2028-02-15T00:00:00.000Z');
  });

  it('leaves the instant alone for PT0S', () => {
    expect(addDuration(at('2026-03-01T10:00:00.123Z'), parseDuration('PT0S')).toISOString()).toBe('2026-03-01T10:00:00.123Z');
  });
});

describe('Function: durationMillis', () => {
  it('gives fixed durations in milliseconds', () => {
    expect(durationMillis(parseDuration('PT1M'))).toBe(60_000);
    expect(durationMillis(parseDuration('P1D'))).toBe(86_400_000);
  });

  it('refuses months and years, which have no fixed length', () => {
    expect(() => durationMillis(parseDuration('P1M'), 'P1M')).toThrow(InvalidDurationError);
  });
});
