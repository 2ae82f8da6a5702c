import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventPattern } from '../../functions/contract/routes';
import { compileEventPattern, InvalidEventPatternError } from '../../functions/domain/event-pattern';

// The cases (from aws/event-ruler and the EventBridge user guide) are not copied into the
// repository: EVENT_PATTERN_CASES names a folder holding eventbridge-match-cases.json and
// eventbridge-validation-cases.json. Without it the comparison is skipped, and says so.
const fixtures = process.env.EVENT_PATTERN_CASES;
const present =
  fixtures !== undefined &&
  fixtures !== '' &&
  existsSync(path.join(fixtures, 'eventbridge-match-cases.json')) &&
  existsSync(path.join(fixtures, 'eventbridge-validation-cases.json'));
if (!present) {
  console.info(
    `event-pattern fixtures: skipped, ${fixtures ? `${fixtures} holds no eventbridge-match-cases.json and eventbridge-validation-cases.json` : 'EVENT_PATTERN_CASES is unset'}`,
  );
}

describe('event patterns against aws/event-ruler and user-guide cases', () => {
  it.skipIf(!present)('reports how many match and validation cases agree (needs EVENT_PATTERN_CASES)', () => {
    const folder = fixtures ?? '';
    const read = (f: string) => JSON.parse(readFileSync(path.join(folder, f), 'utf8')) as Record<string, unknown>[];
    const matchCases = read('eventbridge-match-cases.json');
    const validationCases = read('eventbridge-validation-cases.json');
    let matchAgree = 0;
    for (const c of matchCases) {
      try {
        if (compileEventPattern(c.pattern as EventPattern)(c.event) === c.match) matchAgree++;
      } catch (error) {
        if (!(error instanceof InvalidEventPatternError)) throw error;
      }
    }
    let validAgree = 0;
    for (const c of validationCases) {
      let valid = true;
      try {
        compileEventPattern(c.pattern as EventPattern);
      } catch (error) {
        if (!(error instanceof InvalidEventPatternError)) throw error;
        valid = false;
      }
      if (valid === c.valid) validAgree++;
    }
    console.info(
      `event-pattern fixtures: ${matchAgree}/${matchCases.length} match cases, ${validAgree}/${validationCases.length} validation cases agree`,
    );
    expect(matchAgree).toBeGreaterThanOrEqual(90);
  });

  it('cidr matches IPv4 and IPv6 addresses inside the block only', () => {
    const m4 = compileEventPattern({ detail: { ip: [{ cidr: '10.0.0.0/24' }] } });
    expect(m4({ detail: { ip: '10.0.0.255' } })).toBe(true);
    expect(m4({ detail: { ip: '10.0.1.0' } })).toBe(false);
    const m6 = compileEventPattern({ detail: { ip: [{ cidr: '2001:db8::/32' }] } });
    expect(m6({ detail: { ip: '2001:db8:ffff::1' } })).toBe(true);
    expect(m6({ detail: { ip: '2001:db9::1' } })).toBe(false);
    expect(m6({ detail: { ip: '10.0.0.1' } })).toBe(false);
  });

  it('anything-but takes lists of prefixes and suffixes, and EventBridge refusals are refused', () => {
    const m = compileEventPattern({ detail: { s: [{ 'anything-but': { prefix: ['a', 'b'] } }] } });
    expect(m({ detail: { s: 'apple' } })).toBe(false);
    expect(m({ detail: { s: 'cherry' } })).toBe(true);
    expect(() => compileEventPattern({ detail: { s: [{ 'anything-but': { suffix: '' } }] } })).toThrow(InvalidEventPatternError);
    expect(() => compileEventPattern({ detail: { n: [{ numeric: ['>', 5, '<', 5] }] } })).toThrow(InvalidEventPatternError);
    const or = Array.from({ length: 11 }, (_, i) => ({ [`f${i}`]: ['x'] }));
    expect(() => compileEventPattern({ $or: or, detail: { $or: or, d: { $or: or } } })).toThrow(InvalidEventPatternError);
  });
});
