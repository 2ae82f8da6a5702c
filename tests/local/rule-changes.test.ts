import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import demoFile from '../../clients/demo';

// Without its flows: the copy is written without the flow messages they send.
const { flows: _flows, ...demo } = demoFile;
import { InvalidProgramConfigError } from '../../functions/config/program';
import { loadClientConfig } from '../../local/client-config';
import { type LocalCopy, startLocalCopy } from '../../local/local-copy';

/*
 * Issue 12.1 as a user met it: the local copy with --persist, an order, the client file changed,
 * a restart on the same data, then more events. The lock refuses a change of the rules in force;
 * a dated revision prices only what comes after it.
 */

const DAY = 86_400_000;
let local: LocalCopy | undefined;
afterEach(async () => {
  await local?.stop();
  local = undefined;
});

/**
 * The client file `shop.ts` as edited, with the lock committed beside the last version. Each
 * version gets a directory of its own: a process imports one file path only once.
 */
let clientsDir: string | undefined;
function writeClient(extra: object): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lojal-rules-'));
  const lock = clientsDir && path.join(clientsDir, 'shop.rules.lock.json');
  if (lock && existsSync(lock)) copyFileSync(lock, path.join(dir, 'shop.rules.lock.json'));
  writeFileSync(path.join(dir, 'shop.ts'), `export default ${JSON.stringify({ ...demo, clientId: 'shop', ...extra })};\n`);
  clientsDir = dir;
  return dir;
}

async function send(copy: LocalCopy, entries: { DetailType: string; Detail: object }[]) {
  const bus = new EventBridgeClient({
    endpoint: copy.urls.api,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await bus.send(
    new PutEventsCommand({
      Entries: entries.map((e) => ({ Source: 'webshop', DetailType: e.DetailType, Detail: JSON.stringify(e.Detail) })),
    }),
  );
  // The clock barrier: answers once all work from the calls before it is done.
  await fetch(`${copy.urls.api}/_local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance: 'PT0S' }),
  });
}
const ledger = async (copy: LocalCopy) => {
  const response = await fetch(`${copy.urls.api}/v1/members/c-1/ledger`);
  return ((await response.json()) as { items: { ref: string; delta: number; reason: string; pricing?: { revision: number } }[] }).items;
};
const shoes = (orderId: string, placedAt: number) => ({
  DetailType: 'order.placed',
  Detail: {
    orderId,
    customerId: 'c-1',
    placedAt: new Date(placedAt).toISOString(),
    currency: 'SEK',
    lines: [{ sku: 'TR3', category: 'running-shoes', quantity: 1, unitPrice: 100_000 }],
  },
});

describe('Local copy: a changed client file on the same --persist data', () => {
  it('refuses an edit of the rules in force, and prices by a dated revision only what comes after it', async () => {
    const persistDir = mkdtempSync(path.join(tmpdir(), 'lojal-persist-'));
    const now = Date.now();
    const options = { port: 0, sesPort: 0, dynamoDbPort: 0, persistDir, schedules: () => [] };

    local = await startLocalCopy({
      ...options,
      config: await loadClientConfig('shop', writeClient({})),
      clock: { start: new Date(now - 10 * DAY), frozen: true },
    });
    await send(local, [shoes('ko1', now - 10 * DAY)]);
    expect((await ledger(local)).map((i) => i.delta)).toEqual([2000]);
    await local.stop();
    local = undefined;

    // The edit of the base rules: refused, naming the field, before anything starts.
    const edited = writeClient({ earnRates: { SEK: { points: 2, per: 100 } }, categoryMultipliers: { 'running-shoes': 3 } });
    const refused = await loadClientConfig('shop', edited).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidProgramConfigError);
    expect(String(refused)).toMatch(/categoryMultipliers\.running-shoes: changed after it took effect; .*new entry in `revisions`/);

    // The same change as a revision from an hour ahead: accepted.
    const effectiveFrom = new Date(now + 3_600_000).toISOString();
    const revised = writeClient({
      revisions: [{ effectiveFrom, earnRates: { SEK: { points: 2, per: 100 } }, categoryMultipliers: { 'running-shoes': 3 } }],
    });
    local = await startLocalCopy({
      ...options,
      config: await loadClientConfig('shop', revised),
      clock: { start: new Date(now + DAY), frozen: true },
    });
    await send(local, [
      {
        DetailType: 'activity.completed',
        Detail: { activityId: 'ka1', customerId: 'c-1', activity: 'review', occurredAt: new Date(now + DAY).toISOString() },
      },
      shoes('ko2', now + DAY),
      // Late, from before the change.
      shoes('ko3', now - 5 * DAY),
    ]);
    const items = await ledger(local);
    expect(items.find((i) => i.ref === 'order:ko1')).toMatchObject({ delta: 2000, pricing: { revision: 0 } });
    expect(items.find((i) => i.ref === 'order:ko2')).toMatchObject({ delta: 6000, pricing: { revision: 1 } });
    expect(items.find((i) => i.ref === 'order:ko3')).toMatchObject({ delta: 2000, pricing: { revision: 0 } });
    expect(items.find((i) => i.ref === 'activity:ka1')).toMatchObject({ delta: 50 });
    expect(items.filter((i) => i.ref.startsWith('correction:'))).toEqual([]);
  });
});
