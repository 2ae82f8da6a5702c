import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import demo from '../clients/demo';
import { boardPk, boardSk, challengeScoreSk, memberPk } from '../functions/adapters/dynamo/keys';
import { createMemberApi } from '../functions/api/member-api';
import { challengeResultsJob } from '../functions/app/challenge-results';
import { parseProgramConfig, type ProgramConfig } from '../functions/config/program';
import { createHandlers } from '../functions/handlers/registry';
import type { EventPublisher } from '../functions/runtime/event-publisher';
import { type Clock, noMetrics, silentLogger } from '../functions/runtime/ports';
import { ensureTable, localDynamoClients } from '../local/services/dynamodb';
import { instrumentDynamo, runPool } from './instrument';

export interface ChallengesBenchOptions {
  /** A running DynamoDB Local; the bench makes its own tables there. */
  readonly endpoint: string;
  /**
   * Orders through the `order-placed` handler, per configuration (with and without a challenge).
   * The handler does about 70 orders/s on 2 cores, so 1 000 a side keeps the section under a minute. @default 1000
   */
  readonly orders?: number;
  /** The orders are spread over this many members (per configuration), five orders each by default. @default 200 */
  readonly members?: number;
  /** Orders in flight. @default 16 */
  readonly concurrency?: number;
  /** Scored members on the leaderboard that is read and decided. At least 1 010 (the deep page). @default 20 000 */
  readonly entrants?: number;
  /** Top-10 leaderboard requests timed. @default 500 */
  readonly leaderboardQueries?: number;
  /** Leaderboard requests in flight. @default 8 */
  readonly leaderboardConcurrency?: number;
  /** Paid places of the decided challenge. @default 10 */
  readonly prizes?: number;
}

export interface OrderFigures {
  readonly perSecond: number;
  readonly roundTrips: number;
  readonly calls: Record<string, number>;
  readonly readUnits: number;
  readonly writeUnits: number;
}

export interface ChallengesBenchResult {
  readonly orders: number;
  readonly members: number;
  readonly concurrency: number;
  /** The same orders through the handler with the demo config alone… */
  readonly without: OrderFigures;
  /** …and with one open `entrants: 'all'` challenge added (every order moves a score). */
  readonly with: OrderFigures;
  /** with.perSecond / without.perSecond. */
  readonly ratio: number;
  readonly board: {
    readonly entrants: number;
    readonly seedSeconds: number;
    readonly top: {
      readonly queries: number;
      readonly rows: number;
      /** Index items the board Query read (`ScannedCount`) per row returned. */
      readonly itemsReadPerRow: number;
      /** Every DynamoDB request per leaderboard request (the board Query; the result's GetItem only once the challenge is closed). */
      readonly roundTrips: number;
      readonly calls: Record<string, number>;
      readonly queriesPerSecond: number;
      readonly p50Ms: number;
      readonly p95Ms: number;
    };
    readonly deep: {
      /** Requests made to reach and show the deep page (pages of 100, then the page of 10). */
      readonly requests: number;
      /** The places shown on the deep page. */
      readonly firstRank: number;
      readonly lastRank: number;
      readonly rows: number;
      /** Index items read by the deep page's own request per row it shows. */
      readonly itemsReadPerRow: number;
      /** Index items read by the whole walk (the cursors must be followed) per row on the deep page. */
      readonly walkItemsReadPerRow: number;
    };
    /** A member's own place (`?customerId=`): a COUNT of the board above their score. */
    readonly ownPlace: readonly { readonly rank: number; readonly itemsRead: number; readonly ms: number }[];
  };
  readonly results: {
    readonly prizes: number;
    readonly winners: number;
    readonly itemsRead: number;
    /** Board items read to decide the winners, per winner. */
    readonly itemsReadPerWinner: number;
    /** Every DynamoDB request of the job's run: the result reads and writes, the board, each prize's ledger write. */
    readonly roundTrips: number;
    readonly calls: Record<string, number>;
    readonly ms: number;
  };
}

/** The hot-path challenge: open over the orders' business time and over the bench clock. */
const OPEN_CHALLENGE = {
  id: 'bench-open',
  name: 'Bench open',
  start: '2026-01-01T00:00:00Z',
  end: '2026-02-01T00:00:00Z',
  entrants: 'all' as const,
  prizes: [1000],
};
/** Orders are placed from here on, one a minute, inside the challenge. */
const ORDERS_FROM = Date.parse('2026-01-02T00:00:00Z');
/** The bench clock: inside the challenge window, after every order's business time. */
const OPEN_NOW = '2026-01-20T00:00:00Z';

const BOARD_ID = 'bench-board';
const BOARD_OPEN_NOW = '2026-03-15T00:00:00Z';
/** After the board challenge's result is due (end 2026-04-01, settle 24 h). */
const BOARD_RESULTS_NOW = '2026-04-03T00:00:00Z';

/** A clock the bench sets by hand (the tests' `manualClock`, which bench code does not import). */
function benchClock(iso: string): Clock & { set(iso: string): void } {
  let now = Date.parse(iso);
  return {
    now: () => new Date(now),
    set: (next) => {
      now = Date.parse(next);
    },
  };
}

/**
 * Challenges against DynamoDB Local, in one run:
 * 1. the cost on the hot path: the real `order-placed` handler with the demo config, and with
 *    one open `entrants: 'all'` challenge added (each order then rewrites the member's score
 *    item in the ledger transaction), the same orders to each side's own members, in rounds the
 *    sides take turns to go first in;
 * 2. leaderboard reads through the member API on a board of `entrants` scored members: the top
 *    10 many times, and a deep page reached by following cursors;
 * 3. the results job deciding that board and paying `prizes` places.
 */
export async function benchChallenges(options: ChallengesBenchOptions): Promise<ChallengesBenchResult> {
  const orders = options.orders ?? 1000;
  const members = options.members ?? 200;
  const concurrency = options.concurrency ?? 16;
  const entrants = options.entrants ?? 20_000;
  const leaderboardQueries = options.leaderboardQueries ?? 500;
  const prizes = options.prizes ?? 10;
  if (entrants < 1_010) throw new Error('entrants: at least 1 010, for the deep page (rows 1 001–1 010)');

  const hot = await benchHotPath(options.endpoint, orders, members, concurrency);

  const { client, doc } = localDynamoClients(options.endpoint);
  const tableName = `bench-challenges-board-${Date.now()}`;
  await ensureTable(client, tableName);
  try {
    const config = parseProgramConfig(
      {
        ...demo,
        challenges: [
          {
            id: BOARD_ID,
            name: 'Bench board',
            start: '2026-03-01T00:00:00Z',
            end: '2026-04-01T00:00:00Z',
            entrants: 'all',
            prizes: Array.from({ length: prizes }, (_, i) => 1000 - i * 10),
          },
        ],
      },
      'bench board challenge',
    );
    const seedStarted = performance.now();
    await seedBoard(doc, tableName, entrants);
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    const probe = instrumentDynamo(doc);
    const scanned = countScanned(doc);
    const clock = benchClock(BOARD_OPEN_NOW);
    const deps = { config, dynamo: doc, tableName, clock, logger: silentLogger, metrics: noMetrics };
    const api = createMemberApi(deps);
    const leaderboard = async (query: Record<string, string>) => {
      const response = await api(leaderboardRequest(query));
      if (response.statusCode !== 200) throw new Error(`leaderboard answered ${response.statusCode}: ${response.body}`);
      return JSON.parse(String(response.body)) as {
        items: { rank: number; customerId: string }[];
        nextCursor: string | null;
        member?: { rank: number };
      };
    };

    // Warm the route up (JIT, connections) before timing it.
    await runPool(50, 8, async () => void (await leaderboard({ limit: '10' })));

    // Act: the top 10, as a members' app asks for it.
    probe.reset();
    scanned.reset();
    const latencies: number[] = [];
    let rows = 0;
    const elapsed = await runPool(leaderboardQueries, options.leaderboardConcurrency ?? 8, async () => {
      const started = performance.now();
      const page = await leaderboard({ limit: '10' });
      latencies.push(performance.now() - started);
      rows += page.items.length;
    });
    latencies.sort((a, b) => a - b);
    const top = {
      queries: leaderboardQueries,
      rows: rows / leaderboardQueries,
      itemsReadPerRow: scanned.items() / Math.max(1, rows),
      roundTrips: probe.roundTrips() / leaderboardQueries,
      calls: perUnit(probe.totals.calls, leaderboardQueries),
      queriesPerSecond: leaderboardQueries / (elapsed / 1000),
      p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
      p95Ms: latencies[Math.floor(latencies.length * 0.95)] ?? 0,
    };

    // Act: rows 1 001–1 010. The API has no offset, so the cursors are followed in pages of 100 (its maximum).
    scanned.reset();
    let cursor: string | null = null;
    let requests = 0;
    for (let shown = 0; shown < 1_000; shown += 100) {
      const page = await leaderboard({ limit: '100', ...(cursor ? { cursor } : {}) });
      requests++;
      cursor = page.nextCursor;
      if (!cursor) throw new Error('the board ended before row 1 000');
    }
    const walkRead = scanned.items();
    const deepPage = await leaderboard({ limit: '10', cursor: cursor as string });
    requests++;
    const deepRead = scanned.items() - walkRead;
    const deep = {
      requests,
      firstRank: deepPage.items[0]?.rank ?? 0,
      lastRank: deepPage.items.at(-1)?.rank ?? 0,
      rows: deepPage.items.length,
      itemsReadPerRow: deepRead / Math.max(1, deepPage.items.length),
      walkItemsReadPerRow: scanned.items() / Math.max(1, deepPage.items.length),
    };

    // Act: a member's own place, at place 1 001 and at the very bottom (entrant-0 has score 1).
    const ownPlace = [];
    for (const customerId of [deepPage.items[0]?.customerId ?? 'entrant-1', 'entrant-0']) {
      scanned.reset();
      const started = performance.now();
      const answer = await leaderboard({ limit: '1', customerId });
      // Less the one row of the page itself.
      ownPlace.push({ rank: answer.member?.rank ?? 0, itemsRead: scanned.items() - answer.items.length, ms: performance.now() - started });
    }

    // Act: the results job, once the result is due, with a bus that accepts at once.
    clock.set(BOARD_RESULTS_NOW);
    const publisher: EventPublisher = { publish: async () => ({ failed: [] }) };
    const job = challengeResultsJob(deps, publisher);
    probe.reset();
    const jobStarted = performance.now();
    const reports = await job.complete();
    const ms = performance.now() - jobStarted;
    const report = reports.find((r) => r.challengeId === BOARD_ID);
    if (report?.outcome !== 'published') throw new Error(`the results job did not publish ${BOARD_ID}: ${JSON.stringify(reports)}`);
    const results = {
      prizes,
      winners: report.winners,
      itemsRead: report.read,
      itemsReadPerWinner: report.read / Math.max(1, report.winners),
      roundTrips: probe.roundTrips(),
      calls: Object.fromEntries(probe.totals.calls),
      ms,
    };

    return { ...hot, board: { entrants, seedSeconds, top, deep, ownPlace }, results };
  } finally {
    doc.destroy();
    client.destroy();
  }
}

/** Part 1: the same orders through the real handler without and with an open challenge. */
async function benchHotPath(endpoint: string, orders: number, members: number, concurrency: number) {
  const plain = parseProgramConfig(demo, 'clients/demo.ts');
  const withChallenge: ProgramConfig = parseProgramConfig({ ...demo, challenges: [OPEN_CHALLENGE] }, 'bench open challenge');
  const { client, doc } = localDynamoClients(endpoint);
  const tableName = `bench-challenges-orders-${Date.now()}`;
  await ensureTable(client, tableName);
  try {
    const probe = instrumentDynamo(doc);
    const clock = benchClock(OPEN_NOW);
    const handlersOf = (config: ProgramConfig) =>
      createHandlers({
        config,
        dynamo: doc,
        tableName,
        clock,
        logger: silentLogger,
        metrics: noMetrics,
        deadLetters: { deadLetter: async () => undefined },
      })['order-placed'];
    const sides = { without: handlersOf(plain), with: handlersOf(withChallenge) };
    // Each side has its own members, so each member's ledger grows alike on both sides.
    const order = (i: number, prefix: string, memberCount: number) => ({
      id: `bench-${prefix}-${i}`,
      source: 'webshop',
      'detail-type': 'order.placed',
      detail: {
        orderId: `${prefix}-o-${i}`,
        customerId: `${prefix}-${i % memberCount}`,
        // In business-time order per member, as a live shop sends them, all inside the challenge.
        placedAt: new Date(ORDERS_FROM + i * 60_000).toISOString(),
        currency: 'SEK',
        lines: [
          { sku: 'shoe-1', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' },
          { sku: 'sock-1', category: 'socks', quantity: 2, unitPrice: 9_900 },
        ],
      },
    });
    const totals = {
      without: { ms: 0, count: 0, calls: new Map<string, number>(), readUnits: 0, writeUnits: 0 },
      with: { ms: 0, count: 0, calls: new Map<string, number>(), readUnits: 0, writeUnits: 0 },
    };
    const run = async (side: 'without' | 'with', first: number, count: number) => {
      probe.reset();
      const ms = await runPool(count, concurrency, (i) => sides[side](order(first + i, side, members)));
      const t = totals[side];
      t.ms += ms;
      t.count += count;
      for (const [k, v] of probe.totals.calls) t.calls.set(k, (t.calls.get(k) ?? 0) + v);
      t.readUnits += probe.totals.readUnits;
      t.writeUnits += probe.totals.writeUnits;
    };

    // Warm both sides up (JIT, connections) on members the measurement does not use.
    const warm = Math.min(100, Math.ceil(orders / 5));
    await runPool(warm, concurrency, (i) => sides.without(order(i, 'warm-without', 10_000_000)));
    await runPool(warm, concurrency, (i) => sides.with(order(i, 'warm-with', 10_000_000)));
    // Rounds of one order per member, the sides taking turns to go first (A B, B A, A B, …), so
    // neither side gets the warmer (or fuller, or less busy) server.
    for (let first = 0, round = 0; first < orders; first += members, round++) {
      const count = Math.min(members, orders - first);
      for (const side of round % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const)) await run(side, first, count);
    }

    const figures = (side: 'without' | 'with'): OrderFigures => {
      const t = totals[side];
      const roundTrips = [...t.calls.values()].reduce((s, n) => s + n, 0);
      return {
        perSecond: (t.count / t.ms) * 1000,
        roundTrips: roundTrips / t.count,
        calls: perUnit(t.calls, t.count),
        readUnits: t.readUnits / t.count,
        writeUnits: t.writeUnits / t.count,
      };
    };
    const without = figures('without');
    const withFigures = figures('with');
    return { orders, members, concurrency, without, with: withFigures, ratio: withFigures.perSecond / without.perSecond };
  } finally {
    doc.destroy();
    client.destroy();
  }
}

/**
 * Seeds `entrants` score items straight into the table, 25 per BatchWriteItem, in exactly the
 * shape the ledger transaction writes them (ledger-store.ts `commit`). Bypassing the handler is
 * deliberate: putting 20 000 members through `order.placed` would take minutes and measure the
 * hot path again (part 1 does that); the leaderboard and the results job only read the `board`
 * index, and what they read is the same. Scores are 1…entrants, each once, shuffled over the
 * members, so every place is one member and the paid places are exactly the prizes.
 */
async function seedBoard(doc: DynamoDBDocumentClient, tableName: string, entrants: number): Promise<void> {
  // i ↦ (i · 7 919) mod entrants is a permutation while 7 919 (a prime) does not divide entrants.
  const step = entrants % 7_919 === 0 ? 7_907 : 7_919;
  const updatedAt = new Date(BOARD_OPEN_NOW).toISOString();
  const item = (i: number) => {
    const customerId = `entrant-${i}`;
    const score = ((i * step) % entrants) + 1;
    return {
      pk: memberPk(customerId),
      sk: challengeScoreSk(BOARD_ID),
      type: 'challenge-score',
      challengeId: BOARD_ID,
      customerId,
      score,
      updatedAt,
      boardPk: boardPk(BOARD_ID),
      boardSk: boardSk(score, customerId),
    };
  };
  const batches = Math.ceil(entrants / 25);
  await runPool(batches, 8, async (b) => {
    let requests = Array.from({ length: Math.min(25, entrants - b * 25) }, (_, j) => ({ PutRequest: { Item: item(b * 25 + j) } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  });
}

function leaderboardRequest(query: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    rawPath: `/v1/challenges/${BOARD_ID}/leaderboard`,
    rawQueryString: new URLSearchParams(query).toString(),
    queryStringParameters: query,
    requestContext: { http: { method: 'GET' } },
  } as unknown as APIGatewayProxyEventV2;
}

const perUnit = (calls: ReadonlyMap<string, number>, units: number): Record<string, number> =>
  Object.fromEntries([...calls].map(([k, v]) => [k, v / units]));

/** Adds up `ScannedCount` (else `Count`) of every Query: the index items DynamoDB read, before any filter. */
function countScanned(doc: DynamoDBDocumentClient) {
  let items = 0;
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'QueryCommand') {
        const output = result.output as { ScannedCount?: number; Count?: number };
        items += output.ScannedCount ?? output.Count ?? 0;
      }
      return result;
    },
    { step: 'initialize', name: 'benchChallengeScannedCount' },
  );
  return {
    items: () => items,
    reset: () => {
      items = 0;
    },
  };
}
