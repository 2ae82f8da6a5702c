import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { createMemberApi } from '../../functions/api/member-api';
import { challengeResultsJob } from '../../functions/app/challenge-results';
import { parseProgramConfig, type ProgramConfig } from '../../functions/config/program';
import { ChallengeCompletedSchema } from '../../functions/contract/lojal-events';
import { createHandlers } from '../../functions/handlers/registry';
import type { BusEvent, Clock } from '../../functions/runtime/ports';
import { apiRequest } from '../support/api';
import { JANUARY_NEWCOMERS } from '../support/challenges';
import { createTestTable } from '../support/dynamo';
import { busEvent, manualClock, socksOrder, testDeps } from '../support/deps';
import { RecordingPublisher } from '../support/timeline';

const config: ProgramConfig = parseProgramConfig(
  {
    ...demo,
    challenges: [
      JANUARY_NEWCOMERS,
      { id: 'sprint', name: 'Spring sprint', start: '2027-03-01T00:00:00+01:00', end: '2027-04-01T00:00:00+02:00', prizes: [300] },
    ],
  },
  'challenges',
);
/** After the newcomers' result is due (scoring closes 2027-03-02T23:00Z, 24 h settle). */
const AFTER_NEWCOMERS = '2027-03-04T00:00:00Z';

// Each test gets its own table: the results job reads whole leaderboards.
let table: Awaited<ReturnType<typeof createTestTable>>;
beforeEach(async () => {
  table = await createTestTable('challenges');
});

function setup(clock: Clock) {
  const deps = { ...testDeps(table.doc, table.tableName, config), clock };
  const publisher = new RecordingPublisher();
  const api = createMemberApi(deps);
  return {
    handlers: createHandlers(deps),
    publisher,
    job: challengeResultsJob(deps, publisher),
    ledger: new LedgerStore(table.doc, table.tableName),
    get: async (url: string) => {
      const [path = '', query = ''] = url.split('?');
      const response = await api(apiRequest('GET', path, Object.fromEntries(new URLSearchParams(query))));
      return { status: response.statusCode, body: JSON.parse(response.body ?? 'null') };
    },
  };
}

type Handlers = ReturnType<typeof setup>['handlers'];
const registered = (customerId: string, registeredAt: string) =>
  busEvent('customer.registered', { customerId, email: `${customerId}@example.com`, registeredAt });
const order = socksOrder;
const refund = (customerId: string, refundId: string, orderId: string, sek: number, refundedAt: string) =>
  busEvent('order.refunded', { refundId, orderId, customerId, refundedAt, amount: sek * 100 });
const review = (customerId: string, activityId: string, occurredAt: string) =>
  busEvent('activity.completed', { activityId, customerId, activity: 'review', occurredAt });

/**
 * Six members of the January newcomers challenge (30 first days, prizes 1000/500/250), with
 * 1 SEK = 1 point (Red tier, socks ×1):
 * - ada 1200; cy 2000 − a 1000 refund that came after the window = 1000; eve 1000 (joined late
 *   in January, ordered in February, inside her 30 days): cy and eve share place 2;
 * - bo 800 + a review 50 = 850 (place 4, no prize); dan 300 (his day-35 order does not count);
 * - fay joined in December: not an entrant.
 */
function newcomersEvents(prefix = ''): { events: BusEvent[]; expected: { customerId: string; score: number; rank: number }[] } {
  const id = (name: string) => `${prefix}${name}`;
  const events = [
    registered(id('ada'), '2027-01-03T09:00:00Z'),
    order(id('ada'), id('ada-1'), 1200, '2027-01-05T10:00:00Z'),
    registered(id('bo'), '2027-01-04T09:00:00Z'),
    order(id('bo'), id('bo-1'), 800, '2027-01-06T10:00:00Z'),
    review(id('bo'), id('bo-review'), '2027-01-07T10:00:00Z'),
    registered(id('cy'), '2027-01-05T09:00:00Z'),
    order(id('cy'), id('cy-1'), 2000, '2027-01-08T10:00:00Z'),
    refund(id('cy'), id('cy-r1'), id('cy-1'), 1000, '2027-02-20T10:00:00Z'),
    registered(id('dan'), '2027-01-06T09:00:00Z'),
    order(id('dan'), id('dan-1'), 300, '2027-01-09T10:00:00Z'),
    order(id('dan'), id('dan-2'), 5000, '2027-02-10T10:00:00Z'),
    registered(id('eve'), '2027-01-25T09:00:00Z'),
    order(id('eve'), id('eve-1'), 1000, '2027-02-15T10:00:00Z'),
    registered(id('fay'), '2026-12-15T09:00:00Z'),
    order(id('fay'), id('fay-1'), 4000, '2027-01-10T10:00:00Z'),
  ];
  const expected = [
    { customerId: id('ada'), score: 1200, rank: 1 },
    { customerId: id('eve'), score: 1000, rank: 2 }, // ties sort by member, backwards
    { customerId: id('cy'), score: 1000, rank: 2 },
    { customerId: id('bo'), score: 850, rank: 4 },
    { customerId: id('dan'), score: 300, rank: 5 },
  ];
  return { events, expected };
}

async function deliver(handlers: Handlers, events: readonly BusEvent[]) {
  const route: Record<string, keyof Handlers> = {
    'customer.registered': 'customer-registered',
    'order.placed': 'order-placed',
    'order.refunded': 'order-refunded',
    'activity.completed': 'activity-completed',
    'customer.deleted': 'customer-deleted',
  };
  for (const event of events) await handlers[route[event['detail-type']]!](event);
}

describe('challenges: the leaderboard', () => {
  it('ranks entrants by the points of their first 30 days, tied members sharing a place, page by page', async () => {
    const clock = manualClock('2027-02-25T12:00:00Z');
    const { handlers, get } = setup(clock);
    await deliver(handlers, newcomersEvents().events);

    const first = await get('/v1/challenges/newcomers/leaderboard?limit=2');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      challengeId: 'newcomers',
      name: 'January newcomers',
      status: 'open',
      startsAt: '2026-12-31T23:00:00.000Z',
      scoringClosesAt: '2027-03-02T23:00:00.000Z',
      resultsAt: '2027-03-03T23:00:00.000Z',
      prizes: [1000, 500, 250],
      result: null,
    });
    expect(first.body.items).toEqual([
      { rank: 1, customerId: 'ada', score: 1200, prize: 1000 },
      { rank: 2, customerId: 'eve', score: 1000, prize: 500 },
    ]);
    const second = await get(`/v1/challenges/newcomers/leaderboard?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toEqual([
      { rank: 2, customerId: 'cy', score: 1000, prize: 500 },
      { rank: 4, customerId: 'bo', score: 850 },
    ]);
    const third = await get(`/v1/challenges/newcomers/leaderboard?limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.items).toEqual([{ rank: 5, customerId: 'dan', score: 300 }]);
    expect(third.body.nextCursor).toBeNull();

    // A member's own place, counted from the board above their score.
    expect((await get('/v1/challenges/newcomers/leaderboard?limit=1&customerId=cy')).body.member).toEqual({
      customerId: 'cy',
      score: 1000,
      rank: 2,
      prize: 500,
    });
    expect((await get('/v1/challenges/newcomers/leaderboard?limit=1&customerId=dan')).body.member).toEqual({
      customerId: 'dan',
      score: 300,
      rank: 5,
    });
    expect((await get('/v1/challenges/newcomers/leaderboard?limit=1&customerId=fay')).body.member).toEqual({
      customerId: 'fay',
      score: 0,
      rank: null,
    });

    expect((await get('/v1/challenges/nope/leaderboard')).status).toBe(404);
    const foreign = await get(`/v1/challenges/sprint/leaderboard?cursor=${first.body.nextCursor}`);
    expect(foreign).toMatchObject({ status: 400, body: { error: { code: 'ValidationError' } } });
    expect((await get('/v1/challenges/newcomers/leaderboard?limit=0')).status).toBe(400);

    const member = await get('/v1/members/cy');
    expect(member.body.challenges).toEqual([
      { challengeId: 'newcomers', name: 'January newcomers', status: 'open', score: 1000 },
      { challengeId: 'sprint', name: 'Spring sprint', status: 'upcoming', score: 0 },
    ]);
    // fay joined before the window: she is in the spring sprint (everyone) but not the newcomers' challenge.
    expect((await get('/v1/members/fay')).body.challenges).toEqual([
      { challengeId: 'sprint', name: 'Spring sprint', status: 'upcoming', score: 0 },
    ]);
  });

  // Invariant: the leaderboard equals the scores of the distinct events, whatever the delivery order, duplicates and races.
  it('is the same for every delivery order, with duplicates and concurrent deliveries', async () => {
    const clock = manualClock('2027-02-25T12:00:00Z');
    const { handlers, get } = setup(clock);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.infiniteStream(fc.nat()), fc.integer({ min: 1, max: 4 }), async (seeds, lanes) => {
        const prefix = `r${++run}-`;
        const { events, expected } = newcomersEvents(prefix);
        const delivered = [...events, ...events.filter(() => seeds.next().value % 3 === 0)]
          .map((event) => ({ event, key: seeds.next().value }))
          .sort((a, b) => a.key - b.key)
          .map((e) => e.event);
        // Several lanes deliver at once, as concurrent Lambda invocations would.
        await Promise.all(
          Array.from({ length: lanes }, (_, lane) =>
            deliver(
              handlers,
              delivered.filter((_, i) => i % lanes === lane),
            ),
          ),
        );
        const board = await get('/v1/challenges/newcomers/leaderboard?limit=100');
        const mine = board.body.items.filter((row: { customerId: string }) => row.customerId.startsWith(prefix));
        expect(
          mine
            .map(({ customerId, score }: { customerId: string; score: number }) => ({ customerId, score }))
            .sort((a: { customerId: string }, b: { customerId: string }) => (a.customerId < b.customerId ? -1 : 1)),
        ).toEqual(expected.map(({ customerId, score }) => ({ customerId, score })).sort((a, b) => (a.customerId < b.customerId ? -1 : 1)));
      }),
      { numRuns: 8 },
    );
  });

  it('loses a member who is deleted, and counts an everyone-challenge only inside its window', async () => {
    const clock = manualClock('2027-03-20T12:00:00Z');
    const { handlers, get } = setup(clock);
    await deliver(handlers, [
      order('gus', 'gus-0', 700, '2027-02-28T22:00:00Z'), // before the sprint (23:00Z): not counted
      order('gus', 'gus-1', 400, '2027-03-10T10:00:00Z'),
      order('hal', 'hal-1', 900, '2027-03-11T10:00:00Z'),
    ]);
    expect((await get('/v1/challenges/sprint/leaderboard')).body.items).toEqual([
      { rank: 1, customerId: 'hal', score: 900, prize: 300 },
      { rank: 2, customerId: 'gus', score: 400 },
    ]);
    await handlers['customer-deleted'](busEvent('customer.deleted', { customerId: 'hal', deletedAt: '2027-03-15T10:00:00Z' }));
    expect((await get('/v1/challenges/sprint/leaderboard')).body.items).toEqual([{ rank: 1, customerId: 'gus', score: 400, prize: 300 }]);
    // A late event of the deleted member does not put him back.
    await handlers['order-placed'](order('hal', 'hal-2', 100, '2027-03-12T10:00:00Z'));
    expect((await get('/v1/challenges/sprint/leaderboard')).body.items).toHaveLength(1);
  });
});

describe('challenges: the result', () => {
  it('pays each winner once, announces the result once, and freezes the board', async () => {
    const clock = manualClock('2027-02-25T12:00:00Z');
    const { handlers, publisher, job, ledger, get } = setup(clock);
    await deliver(handlers, newcomersEvents().events);
    expect(await job.nextDueAt()).toEqual(new Date('2027-03-03T23:00:00.000Z'));
    expect(await job.complete()).toEqual([]); // not due yet

    clock.set(AFTER_NEWCOMERS);
    const [report] = await job.complete();
    expect(report).toEqual({ challengeId: 'newcomers', outcome: 'published', winners: 3, read: 4 });
    await job.complete(); // a second run finds it published
    await Promise.all([job.complete(), job.complete()]);

    expect(publisher.events).toHaveLength(1);
    const [event] = publisher.events;
    expect(event?.detailType).toBe('challenge.completed');
    expect(ChallengeCompletedSchema.parse(event?.detail)).toEqual({
      idempotencyKey: 'challenge:newcomers',
      challengeId: 'newcomers',
      challengeName: 'January newcomers',
      scoringClosedAt: '2027-03-02T23:00:00.000Z',
      decidedAt: '2027-03-04T00:00:00.000Z',
      winners: [
        { customerId: 'ada', rank: 1, score: 1200, prize: 1000 },
        { customerId: 'eve', rank: 2, score: 1000, prize: 500 },
        { customerId: 'cy', rank: 2, score: 1000, prize: 500 },
      ],
    });
    const prizes = async (customerId: string) =>
      (await ledger.read(customerId)).entries.filter((e) => e.ref === 'challenge-newcomers').map((e) => [e.delta, e.reason]);
    expect(await prizes('ada')).toEqual([[1000, 'January newcomers: place 1']]);
    expect(await prizes('cy')).toEqual([[500, 'January newcomers: place 2']]);
    expect(await prizes('eve')).toEqual([[500, 'January newcomers: place 2']]);
    expect(await prizes('bo')).toEqual([]);
    expect(await job.nextDueAt()).toEqual(new Date('2027-04-01T22:00:00.000Z')); // the sprint's

    // Too late to count: bo's order inside his window arrives after the result.
    await handlers['order-placed'](order('bo', 'bo-late', 5000, '2027-01-20T10:00:00Z'));
    const board = await get('/v1/challenges/newcomers/leaderboard');
    expect(board.body.status).toBe('closed');
    expect(board.body.items.find((r: { customerId: string }) => r.customerId === 'bo')).toEqual({ rank: 4, customerId: 'bo', score: 850 });
    expect(board.body.result.winners).toHaveLength(3);
  });

  it('resumes after a crash before the announcement without paying twice', async () => {
    const clock = manualClock('2027-02-25T12:00:00Z');
    const { handlers, publisher, job, ledger } = setup(clock);
    await deliver(handlers, newcomersEvents().events);
    clock.set(AFTER_NEWCOMERS);
    // The bus never answers: the outcome is unknown, so the run fails after paying the prizes.
    publisher.failWith(() => Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    expect(await job.complete()).toEqual([]);
    expect(await job.nextDueAt()).toEqual(new Date('2027-03-03T23:00:00.000Z')); // still due

    // The next run (a new container) resumes from the frozen result.
    const next = setup(clock);
    clock.set('2027-03-05T00:00:00Z');
    expect((await next.job.complete())[0]).toMatchObject({ challengeId: 'newcomers', outcome: 'published', winners: 3, read: 0 });
    expect(next.publisher.events).toHaveLength(1);
    const balance = async (customerId: string) => (await ledger.read(customerId)).state?.balance;
    expect(await balance('ada')).toBe(1200 + 1000);
    expect(await balance('cy')).toBe(1000 + 500);
  });
});
