import { startDynamoDbLocal } from '../local/services/dynamodb';
import { measureBundleSizes } from './bundle-sizes';
import { benchPoints } from './points';

/**
 * `npm run bench`: every figure from one run against one DynamoDB Local, printed as ratios
 * where a ratio is the honest comparison. `--quick` shrinks the workloads for a smoke run.
 */
const quick = process.argv.includes('--quick');
const fmt = (n: number, digits = 1) => n.toFixed(digits);

const dynamo = await startDynamoDbLocal();
try {
  console.log(`Lojal benchmark — ${new Date().toISOString()} — node ${process.version}, DynamoDB Local (in memory)\n`);

  const points = await benchPoints({ endpoint: dynamo.endpoint, ...(quick ? { orders: 300, members: 60 } : {}) });
  console.log(`order.placed → points (${points.orders} orders over ${points.members} members, ${points.concurrency} in flight)`);
  console.log(`  raw TransactWriteItems, same shape (entry + state)  ${fmt(points.rawTransactionsPerSecond)} tx/s`);
  for (const [label, f] of [
    ['returning members (warm snapshot cache)', points.returning],
    ['first orders (ledger read first)', points.firstOrders],
  ] as const) {
    console.log(`  handler, ${label}`);
    console.log(`    ${fmt(f.perSecond)} orders/s, ratio to raw ${fmt(f.ratio, 2)}`);
    console.log(`    ${fmt(f.roundTrips, 2)} DynamoDB round trips per order ${JSON.stringify(f.calls)}`);
    console.log(`    ${fmt(f.readUnits, 2)} RCU + ${fmt(f.writeUnits, 2)} WCU per order, as DynamoDB Local reports them`);
  }
  console.log('');

  console.log('Lambda bundles (minified ESM, @aws-sdk external)');
  for (const { name, bytes } of await measureBundleSizes()) {
    console.log(`  ${name.padEnd(30)} ${fmt(bytes / 1024).padStart(7)} KiB${bytes > 150 * 1024 ? '  (over the 150 KiB aim)' : ''}`);
  }
} finally {
  await dynamo.stop();
}
