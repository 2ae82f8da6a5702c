import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCopy } from '../../local/local-copy';
import { InMemoryDeadLetterQueue } from '../../local/dead-letters';
import { MAX_DETAIL_DEPTH, jsonDepth } from '../../local/put-events';
import { localDoors, localEventBridge, nestedJson, startTestLocalCopy } from '../support/local-copy';

/*
 * Bad and odd input through the local copy's PutEvents (issue 13): every entry is refused at
 * PutEvents, or accepted and then applied or dead-lettered naming the field; never lost.
 */

const START = '2026-11-28T09:00:00Z';
let local: LocalCopy;
let eventBridge: EventBridgeClient;
let doors: ReturnType<typeof localDoors>;
let n = 0;
const api = (path: string, init?: RequestInit) => doors.api(path, init);
const deadLetters = () => doors.deadLetters();
const putRaw = (detailType: string, detail: string) => doors.putRaw(detailType, detail);

const orderFor = (customerId: string, extra: Record<string, unknown> = {}) => ({
  orderId: `o-${customerId}`,
  customerId,
  placedAt: '2026-11-28T09:00:00Z',
  currency: 'SEK',
  lines: [{ sku: 'CAP', category: 'caps', quantity: 1, unitPrice: 10_000 }],
  ...extra,
});

beforeAll(async () => {
  local = await startTestLocalCopy('bad-input', START);
  eventBridge = localEventBridge(local);
  doors = localDoors(local, eventBridge);
});

afterAll(async () => {
  eventBridge?.destroy();
  await local?.stop();
});

describe('deep nesting is refused at PutEvents, as EventBridge does, not accepted and lost', () => {
  it('measures depth without recursion, ignoring brackets in strings', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[{{{"}]}')).toBe(3);
    expect(jsonDepth('"\\"{"')).toBe(0);
    expect(jsonDepth(nestedJson(200_000))).toBe(200_000);
    expect(jsonDepth('{"a":{"b":[]}}')).toBe(3);
  });

  it('the dead-letter queue keeps a letter whose event is too deep to copy, with a note for the detail', () => {
    const queue = new InMemoryDeadLetterQueue();
    const detail: unknown = JSON.parse(nestedJson(50_000));
    queue.add({
      detailType: 'order.placed',
      source: 'webshop',
      error: 'x',
      field: '',
      event: { id: 'e1', source: 'webshop', 'detail-type': 'order.placed', detail },
    });
    expect(queue.list()).toEqual([
      expect.objectContaining({
        event: expect.objectContaining({ id: 'e1', detail: { '(not kept)': expect.stringContaining('could not be copied') } }),
      }),
    ]);
  });

  it.each([MAX_DETAIL_DEPTH + 1, 2_000, 100_000])(
    'an order with a field nested %i levels deep fails its entry with MalformedDetail',
    async (depth) => {
      const customerId = `deep-${++n}`;
      const detail = JSON.stringify(orderFor(customerId)).replace(/}$/, `,"extra":${nestedJson(depth - 1)}}`);
      expect(jsonDepth(detail)).toBe(depth);
      const entry = await putRaw('order.placed', detail);
      expect(entry).toMatchObject({ ErrorCode: 'MalformedDetail' });
      expect((await api(`/v1/members/${customerId}`)).status).toBe(404);
    },
  );

  it(`an order with a field nested ${MAX_DETAIL_DEPTH} levels deep is accepted and applied`, async () => {
    const customerId = `deep-${++n}`;
    const detail = JSON.stringify(orderFor(customerId)).replace(/}$/, `,"extra":${nestedJson(MAX_DETAIL_DEPTH - 1)}}`);
    expect(jsonDepth(detail)).toBe(MAX_DETAIL_DEPTH);
    const entry = await putRaw('order.placed', detail);
    expect(entry).toHaveProperty('EventId');
    const member = await api(`/v1/members/${customerId}`);
    expect(member.status).toBe(200);
    expect(member.body).toMatchObject({ balance: 100 });
    expect((await deadLetters()).filter((l) => l.event.id === entry.EventId)).toEqual([]);
  });
});

describe('PutEvents validates the entry as the real API does (issue 13)', () => {
  const detail = JSON.stringify({ customerId: 'c-x', registeredAt: START, email: 'x@example.com' });
  const send = (entries: Record<string, unknown>[]) => eventBridge.send(new PutEventsCommand({ Entries: entries }));

  it('takes EventBusName as this bus by name or ARN, and fails an entry naming another bus', async () => {
    const bus = `lojal-${local.config.clientId}`;
    const result = await send([
      { Source: 'webshop', DetailType: 'x.none', Detail: detail, EventBusName: bus },
      { Source: 'webshop', DetailType: 'x.none', Detail: detail, EventBusName: `arn:aws:events:eu-north-1:000000000000:event-bus/${bus}` },
      { Source: 'webshop', DetailType: 'x.none', Detail: detail, EventBusName: 'someone-else' },
      { Source: 'webshop', DetailType: 'x.none', Detail: detail, EventBusName: 'not a bus!' },
    ]);
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.map((e) => e.ErrorCode)).toEqual([undefined, undefined, 'ResourceNotFoundException', 'InvalidArgument']);
  });

  it('fails a DetailType longer than 128 characters', async () => {
    const result = await send([
      { Source: 'webshop', DetailType: 'x'.repeat(128), Detail: detail },
      { Source: 'webshop', DetailType: 'x'.repeat(129), Detail: detail },
    ]);
    expect(result.Entries?.map((e) => e.ErrorCode)).toEqual([undefined, 'InvalidArgument']);
  });

  it('fails the whole request when no entry is complete', async () => {
    await expect(send([{ Source: 'webshop', DetailType: 'order.placed' }, { Detail: detail }])).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});
