import { describe, expect, it } from 'vitest';
import {
  batchEntries,
  type ClientPutEventsAnswer,
  type ClientPutEventsEntry,
  entryBytes,
  LojalClient,
  type LojalEventInput,
  MAX_BATCH_BYTES,
  ValidationError,
} from '../../sdk';

const order = (n: number): LojalEventInput => ({
  detailType: 'order.placed',
  detail: {
    orderId: `o-${n}`,
    customerId: 'c-1',
    placedAt: '2026-11-28T10:00:00+01:00',
    currency: 'SEK',
    lines: [{ sku: 'TR3-42', category: 'running-shoes', quantity: 1, unitPrice: 129900 }],
  },
});

/** A fake PutEvents: answers each request with `answer(entries, call)`, recording every request. */
function fakeBus(answer: (entries: ClientPutEventsEntry[], call: number) => ClientPutEventsAnswer) {
  const requests: ClientPutEventsEntry[][] = [];
  const sleeps: number[] = [];
  const client = new LojalClient({
    eventBusName: 'lojal-demo',
    putEvents: async (entries) => {
      requests.push(entries);
      return answer(entries, requests.length);
    },
    baseDelayMs: 100,
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { client, requests, sleeps };
}

const accepted = (entries: ClientPutEventsEntry[]): ClientPutEventsAnswer => ({
  FailedEntryCount: 0,
  Entries: entries.map((_, i) => ({ EventId: `e-${i}` })),
});

const orderIdOf = (entry: ClientPutEventsEntry) => (JSON.parse(entry.Detail) as { orderId: string }).orderId;

describe('Class: LojalClient', () => {
  describe('Method: send', () => {
    it('sends 25 events as requests of 10, 10 and 5, with the bus name and the webshop source', async () => {
      const { client, requests } = fakeBus(accepted);
      const result = await client.send(Array.from({ length: 25 }, (_, i) => order(i)));
      expect(result).toEqual({ sent: 25, failed: [] });
      expect(requests.map((r) => r.length)).toEqual([10, 10, 5]);
      expect(requests[0]?.[0]).toMatchObject({ Source: 'webshop', DetailType: 'order.placed', EventBusName: 'lojal-demo' });
    });

    it('retries only the entries PutEvents refused, with growing backoff, until they are accepted', async () => {
      // Call 1 refuses o-2 and o-5 (throttled, internal); call 2 refuses o-5 again; call 3 accepts it.
      const { client, requests, sleeps } = fakeBus((entries, call) => {
        const refuse = call === 1 ? ['o-2', 'o-5'] : call === 2 ? ['o-5'] : [];
        const answers = entries.map((e) =>
          refuse.includes(orderIdOf(e))
            ? { ErrorCode: orderIdOf(e) === 'o-2' ? 'ThrottlingException' : 'InternalFailure' }
            : { EventId: 'x' },
        );
        return { FailedEntryCount: answers.filter((a) => 'ErrorCode' in a).length, Entries: answers };
      });
      const result = await client.send(Array.from({ length: 8 }, (_, i) => order(i)));
      expect(result).toEqual({ sent: 8, failed: [] });
      expect(requests.map((r) => r.map(orderIdOf))).toEqual([
        ['o-0', 'o-1', 'o-2', 'o-3', 'o-4', 'o-5', 'o-6', 'o-7'],
        ['o-2', 'o-5'],
        ['o-5'],
      ]);
      expect(sleeps).toHaveLength(2);
      expect(sleeps[0]).toBeLessThanOrEqual(100);
      expect(sleeps[1]).toBeLessThanOrEqual(200);
    });

    it('reports the entries still refused after every attempt, with their error code', async () => {
      const { client, requests } = fakeBus((entries) => ({
        FailedEntryCount: 1,
        Entries: entries.map((e) =>
          orderIdOf(e) === 'o-1' ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' } : { EventId: 'x' },
        ),
      }));
      const result = await client.send([order(0), order(1)]);
      expect(result.sent).toBe(1);
      expect(result.failed).toEqual([{ event: order(1), errorCode: 'ThrottlingException', errorMessage: 'slow down' }]);
      expect(requests).toHaveLength(5);
    });

    it('validates every event before sending any, naming the field', async () => {
      const { client, requests } = fakeBus(accepted);
      const bad = { detailType: 'order.placed', detail: { ...order(1).detail, currency: 'kr' } } as const;
      const error = await client.send([order(0), bad]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('events[1].detail.currency');
      expect(requests).toEqual([]);
    });

    it('refuses an event larger than the 256 KB PutEvents limit, naming it, and sends nothing', async () => {
      const { client, requests } = fakeBus(accepted);
      const line = (i: number) => ({ sku: `${i}-${'s'.repeat(190)}`, category: 'c', quantity: 1, unitPrice: 1, name: 'x'.repeat(300) });
      const huge: LojalEventInput = {
        detailType: 'order.placed',
        detail: { ...order(0).detail, lines: Array.from({ length: 500 }, (_, i) => line(i)) },
      };
      const error = await client.send([order(1), huge]).catch((e: unknown) => e);
      expect(error).toMatchObject({ field: 'events[1].detail', reason: 'is larger than the 256 KB PutEvents limit' });
      expect(requests).toEqual([]);
    });
  });

  describe('Method: orderPlaced', () => {
    it('is typed from the contract and sends one event', async () => {
      const { client, requests } = fakeBus(accepted);
      await client.orderPlaced({
        orderId: 'o-9',
        customerId: 'c-1',
        placedAt: '2026-11-28T10:00:00+01:00',
        currency: 'SEK',
        lines: [{ sku: 'A', category: 'running-shoes', quantity: 1, unitPrice: 100 }],
      });
      expect(requests.flat().map((e) => e.DetailType)).toEqual(['order.placed']);
    });
  });
});

describe('Function: batchEntries', () => {
  it('starts a new request before 256 KB, even under 10 entries', () => {
    const entry = (kb: number): ClientPutEventsEntry => ({ Source: 'webshop', DetailType: 'order.placed', Detail: 'x'.repeat(kb * 1024) });
    const batches = batchEntries([entry(100), entry(100), entry(100), entry(10)]);
    expect(batches.map((b) => b.length)).toEqual([2, 2]);
    for (const batch of batches) expect(batch.reduce((s, e) => s + entryBytes(e), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  });
});
