import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../functions/adapters/eventbridge/publisher';
import type { LojalEvent } from '../../functions/runtime/event-publisher';

const client = new EventBridgeClient({ region: 'eu-north-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const eventBridge = mockClient(client);
const publisher = (maxAttempts = 4) =>
  EventBridgePublisher.forClient(client, { eventBusName: 'lojal-demo', maxAttempts, sleep: async () => {} });
const events = (count: number): LojalEvent[] =>
  Array.from({ length: count }, (_, i) => ({ detailType: 'checkin.due', detail: { itemId: `checkin:o${i}` } }));
const accepted = (input: { Entries: PutEventsRequestEntry[] }) => ({
  FailedEntryCount: 0,
  Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
});

afterEach(() => {
  eventBridge.reset();
});

describe('Class: EventBridgePublisher', () => {
  describe('Method: publish', () => {
    it('puts events 10 to a request, as Lojal, on the configured bus', async () => {
      eventBridge.on(PutEventsCommand).callsFake(accepted);

      const { failed } = await publisher().publish(events(23));

      const requests = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
      expect(requests.map((r) => r.length).sort((a, b) => a - b)).toEqual([3, 10, 10]);
      expect(requests.flat().every((e) => e.Source === 'lojal' && e.EventBusName === 'lojal-demo' && e.DetailType === 'checkin.due')).toBe(
        true,
      );
      expect(
        requests
          .flat()
          .map((e) => JSON.parse(e.Detail ?? '{}').itemId)
          .sort(),
      ).toEqual(
        events(23)
          .map((e) => e.detail.itemId)
          .sort(),
      );
      expect(failed).toEqual([]);
    });

    it('reports the entries still refused after its attempts, with their error codes', async () => {
      eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
        FailedEntryCount: 1,
        Entries: input.Entries.map((_e, i) => (i === 0 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' } : { EventId: `e${i}` })),
      }));

      const { failed } = await publisher(3).publish(events(2));

      // Attempt 1 refuses o0; attempts 2 and 3 carry o0 alone and refuse it again.
      expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([2, 1, 1]);
      expect(failed).toEqual([{ event: events(2)[0], errorCode: 'InternalFailure', errorMessage: 'boom' }]);
    });

    it('counts an entry without a result in a failed answer as refused, never as sent', async () => {
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1 });
      const { failed } = await publisher(1).publish(events(2));
      expect(failed.map((f) => f.errorCode)).toEqual(['MissingEntryResult', 'MissingEntryResult']);
    });

    it('rejects when the call itself fails, because whether the entries arrived is unknown', async () => {
      eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
      await expect(publisher().publish(events(1))).rejects.toThrow('socket hang up');
    });
  });
});
