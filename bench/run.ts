import { startDynamoDbLocal } from '../local/services/dynamodb';
import { startSesLocal } from '../local/services/ses';
import { benchCalendar } from './calendar';
import { benchChallenges } from './challenges';
import { formatCostModel, US_EAST_1_PRICES } from './cost-model';
import { measuredCosts } from './cost-inputs';
import { benchEmails, formatEmailBench } from './emails';
import { benchEndToEnd, formatEndToEndBench } from './end-to-end';
import { benchFlows } from './flows';
import { benchImport } from './import';
import { benchHistory, formatHistoryBench } from './history';
import { measureBundleSizes } from './bundle-sizes';
import { benchPoints } from './points';
import { benchTimeline } from './timeline';

/**
 * `npm run bench`: every figure from one run against one DynamoDB Local, printed as ratios
 * where a ratio is the honest comparison. `--quick` shrinks the workloads for a smoke run;
 * `--only=` picks parts.
 */
const quick = process.argv.includes('--quick');
/** `--only=timeline,emails` runs just those parts (points, history, challenges, timeline, calendar, flows, import, emails, e2e, cost, bundles). */
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const runs = (part: string) => only === undefined || only.includes(part);
const fmt = (n: number, digits = 1) => n.toFixed(digits);

const dynamo = await startDynamoDbLocal();
// Kept for the cost model, which prices what the other parts measured in this run.
let points: Awaited<ReturnType<typeof benchPoints>> | undefined;
let history: Awaited<ReturnType<typeof benchHistory>> | undefined;
let timeline: Awaited<ReturnType<typeof benchTimeline>> | undefined;
let flows: Awaited<ReturnType<typeof benchFlows>> | undefined;
let emails: Awaited<ReturnType<typeof benchEmails>> | undefined;
try {
  console.log(`Lojal benchmark — ${new Date().toISOString()} — node ${process.version}, DynamoDB Local (in memory)\n`);

  if (runs('points')) {
    points = await benchPoints({ endpoint: dynamo.endpoint, ...(quick ? { orders: 300, members: 60 } : {}) });
    console.log(`order.placed → points (${points.orders} orders over ${points.members} members, ${points.concurrency} in flight)`);
    console.log(`  raw TransactWriteItems, points shape (entry + state)                      ${fmt(points.rawTransactionsPerSecond)} tx/s`);
    console.log(
      `  raw TransactWriteItems, the order's items (entry + state + check-in + reminder)  ${fmt(points.rawOrderTransactionsPerSecond)} tx/s`,
    );
    for (const [label, f] of [
      ['returning members (warm snapshot cache)', points.returning],
      ['first orders (ledger read first)', points.firstOrders],
    ] as const) {
      console.log(`  handler, ${label}`);
      console.log(
        `    ${fmt(f.perSecond)} orders/s, ratio to raw ${fmt(f.ratio, 2)} (points shape), ${fmt(f.ratioSameItems, 2)} (the same items)`,
      );
      console.log(`    ${fmt(f.roundTrips, 2)} DynamoDB round trips per order ${JSON.stringify(f.calls)}`);
      console.log(`    ${fmt(f.readUnits, 2)} RCU + ${fmt(f.writeUnits, 2)} WCU per order, as DynamoDB Local reports them`);
    }
    console.log('');
  }
  if (runs('history')) {
    history = await benchHistory({ endpoint: dynamo.endpoint, ...(quick ? { repeats: 1 } : {}) });
    console.log(`${formatHistoryBench(history)}\n`);
  }
  if (runs('challenges')) {
    const challenges = await benchChallenges({
      endpoint: dynamo.endpoint,
      ...(quick ? { orders: 300, members: 60, entrants: 2_000, leaderboardQueries: 200 } : {}),
    });
    console.log(
      `challenges: order.placed without and with one open challenge (${challenges.orders} orders over ${challenges.members} members each, ${challenges.concurrency} in flight)`,
    );
    for (const [label, f] of [
      ['without challenges', challenges.without],
      ['with an open challenge', challenges.with],
    ] as const) {
      console.log(
        `  ${label.padEnd(24)} ${fmt(f.perSecond)} orders/s, ${fmt(f.roundTrips, 2)} round trips per order ${JSON.stringify(f.calls)}, ${fmt(f.readUnits, 2)} RCU + ${fmt(f.writeUnits, 2)} WCU`,
      );
    }
    console.log(`  ratio with/without       ${fmt(challenges.ratio, 2)}`);
    const { top, deep } = challenges.board;
    console.log(
      `leaderboard of ${challenges.board.entrants} entrants via the member API (seeding took ${fmt(challenges.board.seedSeconds)} s)`,
    );
    console.log(
      `  top 10: items read per row shown ${fmt(top.itemsReadPerRow, 2)}, ${fmt(top.roundTrips, 2)} round trips per request ${JSON.stringify(top.calls)}`,
    );
    console.log(
      `          ${fmt(top.queriesPerSecond)} queries/s  (p50 ${fmt(top.p50Ms)} ms, p95 ${fmt(top.p95Ms)} ms, ${top.queries} queries)`,
    );
    console.log(
      `  rows ${deep.firstRank}–${deep.lastRank}: items read per row shown ${fmt(deep.itemsReadPerRow, 2)} by its own request, ` +
        `${fmt(deep.walkItemsReadPerRow, 1)} with the ${deep.requests - 1} pages of cursors before it`,
    );
    for (const place of challenges.board.ownPlace) {
      console.log(`  own place ${place.rank} (?customerId=): ${place.itemsRead} index items counted above it, ${fmt(place.ms)} ms`);
    }
    const results = challenges.results;
    console.log(`results job on that board (${results.prizes} paid places)`);
    console.log(
      `  board items read per winner  ${fmt(results.itemsReadPerWinner, 2)}  (${results.itemsRead} read, ${results.winners} winners)`,
    );
    console.log(`  round trips in all           ${results.roundTrips}  ${JSON.stringify(results.calls)}, ${fmt(results.ms, 0)} ms\n`);
  }
  if (runs('timeline')) {
    timeline = await benchTimeline({ endpoint: dynamo.endpoint, ...(quick ? { scheduled: 20_000, due: 2_000 } : {}) });
    console.log(
      `timeline sweep (${timeline.due} due items spread over a day among ${timeline.scheduled} scheduled; seeding took ${fmt(timeline.seedSeconds)} s)`,
    );
    console.log(
      `  items read per item emitted     ${fmt(timeline.sweep.itemsReadPerEmitted, 2)}  (${timeline.sweep.emitted} emitted in ${timeline.sweep.sweeps} sweeps)`,
    );
    console.log(`  emitted items per second        ${fmt(timeline.sweep.emittedPerSecond)}`);
    console.log(
      `  round trips per item emitted    ${fmt(timeline.sweep.roundTripsPerEmitted, 2)}  ${JSON.stringify(timeline.sweep.calls)}`,
    );
    console.log(
      `  capacity per item emitted       ${fmt(timeline.sweep.readUnitsPerEmitted, 2)} RCU + ${fmt(timeline.sweep.writeUnitsPerEmitted, 2)} WCU, as DynamoDB Local reports them`,
    );
    console.log(`timeline query of one customer (${timeline.timeline.items} items)`);
    console.log(`  items read per item returned    ${fmt(timeline.timeline.itemsReadPerItem, 2)}`);
    console.log(
      `  queries per second              ${fmt(timeline.timeline.queriesPerSecond)}  (p50 ${fmt(timeline.timeline.p50Ms)} ms, p95 ${fmt(timeline.timeline.p95Ms)} ms)\n`,
    );
  }
  if (runs('calendar')) {
    const calendar = await benchCalendar({ endpoint: dynamo.endpoint, ...(quick ? { members: 10_000 } : {}) });
    console.log(
      `daily calendar job (${calendar.members} members; loading ${calendar.itemsLoaded} items took ${fmt(calendar.loadSeconds)} s)`,
    );
    for (const day of calendar.days) {
      console.log(
        `  ${day.date}: ${day.found} found (${day.anniversaries} anniversaries, ${day.birthdays} birthdays, ${day.perks} perks), ` +
          `${fmt(day.itemsReadPerFound, 2)} items read per member found, run ${fmt(day.runMs, 0)} ms ${JSON.stringify(day.calls)}`,
      );
    }
    console.log('');
  }
  if (runs('flows')) {
    flows = await benchFlows({ endpoint: dynamo.endpoint, ...(quick ? { events: 200, waking: 300, audience: 5_000 } : {}) });
    console.log(`flows: ${flows.events} order.placed events into the flow engine (its share of each event, docs/flows.md)`);
    for (const f of flows.intake) {
      const raw = f.flows === 0 ? 'no flow: nothing to write' : `ratio to raw transactions of the same items ${fmt(f.ratio, 2)}`;
      console.log(
        `  ${String(f.flows).padStart(2)} flows: ${fmt(f.eventsPerSecond)} events/s, ${raw}; ${fmt(f.roundTripsPerEvent, 2)} round trips per event ${JSON.stringify(f.calls)}`,
      );
    }
    console.log(
      `  due steps: ${flows.wake.steps} runs woken; due-index items read per step ${fmt(flows.wake.indexItemsReadPerStep, 2)}, ` +
        `${fmt(flows.wake.handlerRoundTripsPerStep, 2)} handler round trips per step ${JSON.stringify(flows.wake.calls)}`,
    );
    const b = flows.broadcast;
    console.log(
      `  broadcast to ${b.enumerated} registered members, ${b.members} in its audience (marketingConsent) ` +
        `(${b.slices} slices, 16 at a time; seeding took ${fmt(b.seedSeconds)} s): ` +
        `${fmt(b.membersPerSecond)} members entered per second, ${fmt(b.indexItemsReadPerMember, 2)} index items read per member, ` +
        `${fmt(b.itemsReadPerMember, 2)} items read in all per member, ${fmt(b.roundTripsPerMember, 2)} round trips per member entered\n`,
    );
  }
  if (runs('import')) {
    const imp = await benchImport({ endpoint: dynamo.endpoint, ...(quick ? { orders: 300, members: 60 } : {}) });
    console.log(`history import: ${imp.orders} Shopify orders over ${imp.members} members (npm run import -- --format shopify)`);
    console.log(`  plan (parse, translate, validate the whole file)   ${fmt(imp.planPerSecond)} orders/s`);
    console.log(
      `  import into the local copy, every route done        ${fmt(imp.importPerSecond)} orders/s, ratio to the order handler alone ${fmt(imp.ratio, 2)}`,
    );
    console.log(`  order.placed handler alone, 16 in flight           ${fmt(imp.handlerPerSecond)} orders/s; ${imp.lost} events lost\n`);
  }
  if (runs('emails')) {
    const ses = await startSesLocal();
    try {
      emails = await benchEmails({ sesEndpoint: ses.endpoint, dynamoEndpoint: dynamo.endpoint, ...(quick ? { count: 300 } : {}) });
      console.log(`${formatEmailBench(emails)}\n`);
    } finally {
      await ses.stop();
    }
  }
  if (runs('e2e')) {
    const e2e = await benchEndToEnd({ dynamoEndpoint: dynamo.endpoint, ...(quick ? { events: 300, members: 60 } : {}) });
    console.log(`${formatEndToEndBench(e2e)}\n`);
  }
  if (runs('cost')) {
    if (points && timeline && flows && emails) {
      console.log(`${formatCostModel(US_EAST_1_PRICES, measuredCosts({ points, history, timeline, flows, emails }))}\n`);
    } else console.log('cost model: needs the points, timeline, flows and emails parts in the same run\n');
  }
  if (runs('bundles')) {
    console.log('Lambda bundles (minified ESM, @aws-sdk external)');
    for (const { name, bytes } of await measureBundleSizes()) {
      console.log(`  ${name.padEnd(30)} ${fmt(bytes / 1024).padStart(7)} KiB${bytes > 150 * 1024 ? '  (over the 150 KiB aim)' : ''}`);
    }
  }
} finally {
  await dynamo.stop();
}
