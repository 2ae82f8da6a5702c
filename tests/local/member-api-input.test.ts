import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_API_ROUTES } from '../../functions/api/routes';
import type { LocalCopy } from '../../local/local-copy';
import { startTestLocalCopy } from '../support/local-copy';

/*
 * Bad path ids through the local copy's HTTP server and the real member API (issue 13): each is
 * a 400 with the error shape naming the parameter, on every route, public ones included; never
 * a 500, and the server stays healthy.
 */

let local: LocalCopy;

beforeAll(async () => {
  local = await startTestLocalCopy('api-input', '2026-03-01T10:00:00.000Z', { schedules: () => [] });
});

afterAll(async () => {
  await local?.stop();
});

const send = (method: string, path: string) =>
  fetch(`${local.urls.api}${path}`, {
    method,
    ...(method === 'POST'
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redemptionId: 'r-1', points: 10 }) }
      : {}),
  });

/** The route's path with its one parameter, raw (already percent-encoded), in place. */
const pathWith = (path: string, raw: string) => path.replace(/\{\w+\}/, raw);
const parameterOf = (path: string) => /\{(\w+)\}/.exec(path)?.[1] ?? '';

const BAD_IDS: readonly [string, string][] = [
  ['a lone percent sign', '%'],
  ['a truncated escape', 'c-1%E0%A4%A'],
  ['a non-hex escape', '%ZZ'],
  ['an overlong UTF-8 encoding', '%C0%AF'],
  ['a lone surrogate (as UTF-8 bytes)', '%ED%A0%80'],
  ['a NUL character', 'c%00-1'],
  ['a line feed', 'c%0A1'],
  ['a C1 control character', 'c%C2%851'],
  ['201 characters', 'x'.repeat(201)],
];

describe('the member API through the local HTTP server', () => {
  // Every route with an id in its path (the program report has none).
  for (const route of MEMBER_API_ROUTES.filter((r) => r.path.includes('{'))) {
    it(`answers 400 naming path.${parameterOf(route.path)} for every bad id on ${route.method} ${route.path}`, async () => {
      for (const [what, raw] of BAD_IDS) {
        const response = await send(route.method, pathWith(route.path, raw));
        expect(response.status, what).toBe(400);
        const body: unknown = await response.json();
        expect(body, what).toEqual({
          error: { code: 'ValidationError', message: expect.stringMatching(new RegExp(`^path\\.${parameterOf(route.path)}: `)) },
        });
      }
    });
  }

  it('takes a well-formed id of 200 characters, and writes nothing for a refused one', async () => {
    const longest = `${'ö'.repeat(199)}1`;
    expect((await send('GET', `/v1/members/${encodeURIComponent(longest)}`)).status).toBe(404);
    expect((await send('POST', '/v1/members/%ED%A0%80/redemptions')).status).toBe(400);
    // The same member id, decoded as a lenient decoder would (U+FFFD), has nothing.
    expect((await send('GET', `/v1/members/${encodeURIComponent('\ufffd')}/ledger`)).status).toBe(404);
    expect((await fetch(`${local.urls.api}/_local/clock`)).status).toBe(200);
  });
});
