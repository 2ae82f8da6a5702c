import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boardCursor, ledgerCursor, mailLogCursor } from '../../functions/adapters/dynamo/page-cursor';
import { errorAnswer } from '../../functions/api/http';
import { MAX_ID_LENGTH, PathIdSchema } from '../../functions/api/path-id';
import { compileRouter, type OperationsOf, routeKeyOf } from '../../functions/api/router';
import { MEMBER_API_ROUTES } from '../../functions/api/routes';
import { ConflictError, ValidationError } from '../../functions/runtime/errors';
import { apiRequest } from '../support/api';

/** A router whose operations answer which operation ran and with which parameters. */
function echoRouter() {
  const echo =
    (operation: string) =>
    async ({ params }: { params: Readonly<Record<string, string>> }) => ({ operation, params });
  const operations: OperationsOf<typeof MEMBER_API_ROUTES> = {
    getMember: echo('getMember'),
    getLedger: echo('getLedger'),
    getTimeline: echo('getTimeline'),
    redeem: echo('redeem'),
    getMemberFlows: echo('getMemberFlows'),
    getFlow: echo('getFlow'),
    getAccount: echo('getAccount'),
    getLeaderboard: echo('getLeaderboard'),
    getMessages: echo('getMessages'),
    showUnsubscribe: echo('showUnsubscribe'),
    unsubscribe: echo('unsubscribe'),
    showCheckinAnswer: echo('showCheckinAnswer'),
    answerCheckin: echo('answerCheckin'),
    getProgramReport: echo('getProgramReport'),
  };
  return compileRouter(MEMBER_API_ROUTES, operations);
}

const route = echoRouter();
const run = async (method: string, path: string, routeKey = '$default') => {
  const event = { ...apiRequest(method, path), routeKey };
  const routed = route(event);
  return routed ? { operation: routed.operation, result: await routed.run().catch((error: unknown) => error) } : undefined;
};

describe('Function: compileRouter', () => {
  it('dispatches on the route key API Gateway matched, with each parameter under its own name', async () => {
    for (const r of MEMBER_API_ROUTES) {
      const path = r.path
        .replace('{customerId}', 'c%2D1')
        .replace('{accountId}', 'acme')
        .replace('{challengeId}', 'summer')
        .replace('{flowId}', 'win-back');
      const answer = await run(r.method, path, routeKeyOf(r));
      expect(answer?.operation).toBe(r.operation);
      const expected = r.path.includes('{customerId}')
        ? { customerId: 'c-1' }
        : r.path.includes('{accountId}')
          ? { accountId: 'acme' }
          : r.path.includes('{flowId}')
            ? { flowId: 'win-back' }
            : r.path.includes('{challengeId}')
              ? { challengeId: 'summer' }
              : {};
      expect(answer?.result).toEqual({ operation: r.operation, params: expected });
    }
  });

  it('matches method and raw path for the $default route key, and nothing else', async () => {
    expect((await run('GET', '/v1/members/c-1/ledger'))?.operation).toBe('getLedger');
    expect((await run('POST', '/v1/members/c-1/redemptions'))?.operation).toBe('redeem');
    expect(await run('DELETE', '/v1/members/c-1')).toBeUndefined();
    expect(await run('GET', '/v1/members/c-1/nothing')).toBeUndefined();
    expect(await run('GET', '/v1/members//ledger')).toBeUndefined();
  });

  it('refuses a malformed percent-encoding in a parameter as a ValidationError naming it', async () => {
    for (const raw of ['%', '%E0%A4%A', '%ZZ', 'c-1%']) {
      const answer = await run('GET', `/v1/members/${raw}/unsubscribe`);
      expect(answer?.result).toBeInstanceOf(ValidationError);
      expect(answer?.result).toMatchObject({ field: 'path.customerId' });
    }
    expect((await run('GET', '/v1/challenges/%C0%AF/leaderboard'))?.result).toMatchObject({ field: 'path.challengeId' });
  });
});

describe('Schema: PathIdSchema', () => {
  // Invariant: an id of 1–200 well-formed characters without control characters is accepted unchanged.
  const goodId = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 50 })
    .filter((s) => s.length <= MAX_ID_LENGTH && !/\p{Cc}/u.test(s));
  it('accepts every well-formed id within bounds, unchanged', () => {
    fc.assert(
      fc.property(goodId, (id) => {
        expect(PathIdSchema.parse(id)).toBe(id);
      }),
    );
  });

  // Invariant: an id with a lone surrogate or a control character anywhere is refused.
  const badId = fc
    .tuple(goodId, fc.constantFrom('\ud800', '\udfff', '\u0000', '\u001f', '\u007f', '\u0085', '\n'), goodId)
    .map(([a, bad, b]) => a + bad + b);
  it('refuses ids with a lone surrogate or a control character', () => {
    fc.assert(
      fc.property(badId, (id) => {
        expect(PathIdSchema.safeParse(id).success).toBe(false);
      }),
    );
  });

  it('refuses the empty id and one over 200 characters', () => {
    expect(PathIdSchema.safeParse('').success).toBe(false);
    expect(PathIdSchema.safeParse('x'.repeat(MAX_ID_LENGTH)).success).toBe(true);
    expect(PathIdSchema.safeParse('x'.repeat(MAX_ID_LENGTH + 1)).success).toBe(false);
  });
});

describe('Module: page-cursor', () => {
  const ledgerKey = { pk: 'MEMBER#c-1', sk: 'L#2026-01-01T00:00:00.000Z#order#o-1' };

  it('continues the list it was issued for', () => {
    const cursor = ledgerCursor.encode(ledgerKey);
    expect(cursor).not.toBeNull();
    expect(ledgerCursor.decode(cursor ?? undefined, 'c-1')).toEqual(ledgerKey);
    expect(ledgerCursor.encode(undefined)).toBeNull();
    expect(ledgerCursor.decode(undefined, 'c-1')).toBeUndefined();
    const board = boardCursor.encode(
      { pk: 'MEMBER#c-1', sk: 'CHALLENGE#summer', boardPk: 'BOARD#summer', boardSk: '0000000050#c-1' },
      { seen: 3, lastRank: 2, lastScore: 50 },
    );
    expect(boardCursor.decode(board ?? undefined, 'summer')?.position).toEqual({ seen: 3, lastRank: 2, lastScore: 50 });
  });

  it("refuses another member's cursor, and another list's", () => {
    const cursor = ledgerCursor.encode(ledgerKey) ?? '';
    expect(() => ledgerCursor.decode(cursor, 'c-2')).toThrow(ValidationError);
    expect(() => mailLogCursor.decode(cursor, 'c-1')).toThrow(ValidationError);
    expect(() => boardCursor.decode(cursor, 'summer')).toThrow(ValidationError);
  });

  // Invariant: any edit of a cursor (one character changed, cut short or extended) is refused as a ValidationError on `cursor`.
  const cursor = ledgerCursor.encode(ledgerKey) ?? '';
  const edit = fc
    .oneof(
      fc
        .tuple(fc.nat({ max: cursor.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'))
        .map(([i, c]) => cursor.slice(0, i) + c + cursor.slice(i + 1)),
      fc.nat({ max: cursor.length - 1 }).map((n) => cursor.slice(0, n)),
      fc.string({ minLength: 1, maxLength: 4 }).map((s) => cursor + s),
    )
    .filter((edited) => edited !== cursor);
  it('refuses a tampered cursor', () => {
    fc.assert(
      fc.property(edit, (edited) => {
        expect(() => ledgerCursor.decode(edited, 'c-1')).toThrow(expect.objectContaining({ field: 'cursor' }));
      }),
    );
  });
});

describe('Constant: HTTP_ERRORS', () => {
  it('maps each named error to its status and code, and leaves anything else to the generic answer', () => {
    expect(errorAnswer(new ValidationError('query.limit', 'too big'))).toMatchObject({ statusCode: 400 });
    expect(JSON.parse(errorAnswer(new ConflictError('InsufficientPoints', 'no'))?.body ?? '')).toEqual({
      error: { code: 'InsufficientPoints', message: 'no' },
    });
    expect(errorAnswer(new Error('secret'))).toBeUndefined();
  });
});
