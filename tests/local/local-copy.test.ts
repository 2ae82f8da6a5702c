import { setTimeout as sleep } from 'node:timers/promises';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MemberApiHandler } from '../../functions/api/member-api';
import { type HandlerName, ROUTES } from '../../functions/contract/routes';
import type { BusEventHandler, HandlerDeps } from '../../functions/handlers/registry';
import { demoConfig } from '../support/deps';
import { ValidationError } from '../../functions/runtime/errors';
import type { BusEvent } from '../../functions/runtime/ports';
import type { LocalCopy } from '../../local/local-copy';
import { startTestLocalCopy } from '../support/local-copy';

/*
 * The local copy's HTTP face, with test doubles for the handlers and the member API so the
 * protocol is specified on its own; tests/local/e2e.test.ts runs the real ones.
 */

const START = '2026-03-01T10:00:00.000Z';

interface Delivery {
  readonly handler: HandlerName;
  readonly event: BusEvent;
}

let local: LocalCopy;
let eventBridge: EventBridgeClient;
let handlerDeps: HandlerDeps;
const deliveries: Delivery[] = [];
/** What each handler does besides recording the delivery; reset after each test. */
let behaviour: Partial<Record<HandlerName, (event: BusEvent) => Promise<void>>> = {};
let memberApi: MemberApiHandler;

const api = (path: string, init?: RequestInit) => fetch(`${local.urls.api}${path}`, init);
const postJson = (path: string, body: unknown) =>
  api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const put = (...entries: PutEventsRequestEntry[]) => eventBridge.send(new PutEventsCommand({ Entries: entries }));
const settle = () => postJson('/_local/clock', { advance: 'PT0S' });
const entry = (detailType: string, detail: unknown, source = 'webshop'): PutEventsRequestEntry => ({
  Source: source,
  DetailType: detailType,
  Detail: JSON.stringify(detail),
});

beforeAll(async () => {
  local = await startTestLocalCopy('local', START, {
    // Lojal's own routes only: these tests count deliveries per route, which flows would add to.
    config: { ...demoConfig, flows: [] },
    schedules: () => [],
    delivery: { maxAttempts: 3, retryDelaysMs: [0] },
    createHandlers: (deps) => {
      handlerDeps = deps;
      const handlers = {} as Record<HandlerName, BusEventHandler>;
      for (const { handler } of ROUTES) {
        handlers[handler] = async (event) => {
          deliveries.push({ handler, event });
          await behaviour[handler]?.(event);
        };
      }
      return handlers;
    },
    createMemberApi: () => (event) => memberApi(event),
  });
  eventBridge = new EventBridgeClient({
    endpoint: local.urls.api,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  await local.settle();
  deliveries.length = 0;
  behaviour = {};
  local.deadLetters.clear();
});

afterAll(async () => {
  eventBridge?.destroy();
  await local?.stop();
});

describe('PutEvents over AWS JSON 1.1, with the real @aws-sdk/client-eventbridge', () => {
  it('accepts valid entries and delivers each event to the handler of the rule it matches', async () => {
    // Act
    const result = await put(
      entry('customer.registered', { customerId: 'c-1', email: 'ada@example.com', registeredAt: START }),
      entry('order.placed', { orderId: 'o-1' }),
    );
    await settle();

    // Assess
    expect(result.FailedEntryCount).toBe(0);
    const ids = result.Entries?.map((e) => e.EventId);
    expect(ids).toHaveLength(2);
    expect(deliveries.map((d) => [d.handler, d.event.id])).toEqual(
      expect.arrayContaining([
        ['customer-registered', ids?.[0]],
        ['order-placed', ids?.[1]],
      ]),
    );
    expect(deliveries.find((d) => d.handler === 'customer-registered')?.event).toEqual({
      version: '0',
      id: ids?.[0],
      'detail-type': 'customer.registered',
      source: 'webshop',
      account: '000000000000',
      time: '2026-03-01T10:00:00Z',
      region: 'eu-north-1',
      resources: [],
      detail: { customerId: 'c-1', email: 'ada@example.com', registeredAt: START },
    });
  });

  it('stamps the event with the entry’s Time when one is given', async () => {
    await put({
      ...entry('order.placed', { orderId: 'o-2' }),
      Time: new Date('2026-02-14T12:30:00Z'),
      Resources: ['arn:aws:demo:order/o-2'],
    });
    await settle();
    expect(deliveries[0]?.event).toMatchObject({ time: '2026-02-14T12:30:00Z', resources: ['arn:aws:demo:order/o-2'] });
  });

  it('fails only the entries EventBridge would fail, each with its error code, and delivers the rest', async () => {
    // Act
    const result = await put(
      { DetailType: 'order.placed', Detail: '{}' },
      { Source: 'webshop', Detail: '{}' },
      { Source: 'webshop', DetailType: 'order.placed' },
      { Source: 'webshop', DetailType: 'order.placed', Detail: '{"orderId":' },
      { Source: 'webshop', DetailType: 'order.placed', Detail: '["not", "an", "object"]' },
      entry('order.placed', { orderId: 'o-3' }),
    );
    await settle();

    // Assess
    expect(result.FailedEntryCount).toBe(5);
    expect(result.Entries?.slice(0, 5)).toEqual([
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
    ]);
    expect(result.Entries?.[5]?.EventId).toEqual(expect.any(String));
    expect(deliveries.map((d) => d.event.detail)).toEqual([{ orderId: 'o-3' }]);
  });

  it('refuses Source lojal from the webshop, as the publisher role’s events:source condition would, and delivers nothing', async () => {
    const result = await put(
      entry('order.placed', { orderId: 'forged' }, 'lojal'),
      entry('order.placed', { orderId: 'o-4' }, 'marketplace'),
    );
    await settle();
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.map((e) => e.ErrorCode)).toEqual(['AccessDeniedException', 'AccessDeniedException']);
    expect(result.Entries?.[0]?.ErrorMessage).toMatch(/Source "lojal".*"webshop"/);
    expect(deliveries).toEqual([]);
  });

  it('refuses a request of more than 10 entries as a whole with a ValidationException', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => entry('order.placed', { orderId: `o-${i}` }));
    await expect(put(...entries)).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/less than or equal to 10/),
    });
    await settle();
    expect(deliveries).toEqual([]);
  });

  it('accepts exactly 10 entries', async () => {
    const result = await put(...Array.from({ length: 10 }, (_, i) => entry('order.placed', { orderId: `o-${i}` })));
    expect(result.FailedEntryCount).toBe(0);
  });

  it('refuses a request whose entries total more than 256 KB with a ValidationException', async () => {
    const big = { blob: 'x'.repeat(130 * 1024) };
    await expect(put(entry('order.placed', big), entry('order.placed', big))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
  });

  it('accepts an event no rule matches and delivers it nowhere, as EventBridge does', async () => {
    const result = await put(entry('order.shipped', { orderId: 'o-5' }));
    await settle();
    expect(result.FailedEntryCount).toBe(0);
    expect(deliveries).toEqual([]);
  });

  it('answers before the handler has finished: delivery is asynchronous', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    behaviour['order-placed'] = async () => {
      await gate;
      finished = true;
    };
    const result = await put(entry('order.placed', { orderId: 'o-6' }));
    expect(result.FailedEntryCount).toBe(0);
    expect(finished).toBe(false);
    release();
    await settle();
    expect(finished).toBe(true);
  });

  it('answers an operation it does not implement with UnknownOperationException', async () => {
    const response = await api('/', {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.ListRules', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('Lojal’s own events (publish)', () => {
  it('may use Source lojal, and only that', () => {
    const result = local.publish([
      { Source: 'lojal', DetailType: 'checkin.due', Detail: '{"customerId":"c-1"}' },
      { Source: 'webshop', DetailType: 'order.placed', Detail: '{}' },
    ]);
    expect(result.Entries[0]).toEqual({ EventId: expect.any(String) });
    expect(result.Entries[1]).toMatchObject({ ErrorCode: 'AccessDeniedException' });
  });
});

describe('delivery failures and the dead-letter queue', () => {
  it('retries a handler that keeps failing, like Lambda’s async retries, then dead-letters the event', async () => {
    behaviour['order-placed'] = async () => {
      throw new Error('DynamoDB is down');
    };
    const result = await put(entry('order.placed', { orderId: 'o-7' }));
    await settle();

    expect(deliveries.filter((d) => d.handler === 'order-placed')).toHaveLength(3);
    const body = (await (await api('/_local/dead-letters')).json()) as { items: Record<string, unknown>[] };
    expect(body.items).toEqual([
      {
        detailType: 'order.placed',
        source: 'webshop',
        error: 'Error: DynamoDB is down',
        handler: 'order-placed',
        attempts: 3,
        receivedAt: expect.any(String),
        event: expect.objectContaining({ id: result.Entries?.[0]?.EventId, detail: { orderId: 'o-7' } }),
      },
    ]);
  });

  it('delivers again after a transient failure and dead-letters nothing', async () => {
    let calls = 0;
    behaviour['order-placed'] = async () => {
      if (++calls === 1) throw new Error('throttled');
    };
    await put(entry('order.placed', { orderId: 'o-8' }));
    await settle();
    expect(calls).toBe(2);
    expect(local.deadLetters.list()).toEqual([]);
  });

  it('never retries a validation error and dead-letters it with the field', async () => {
    behaviour['order-placed'] = async () => {
      throw new ValidationError('detail.lines[0].unitPrice', 'expected number');
    };
    await put(entry('order.placed', { orderId: 'o-9' }));
    await settle();
    expect(deliveries).toHaveLength(1);
    expect(local.deadLetters.list()).toEqual([
      expect.objectContaining({ field: 'detail.lines[0].unitPrice', error: 'detail.lines[0].unitPrice: expected number', attempts: 1 }),
    ]);
  });

  it('lists what a handler sent to the DeadLetterSink itself', async () => {
    behaviour['customer-registered'] = async (event) => {
      await handlerDeps.deadLetters.deadLetter({
        detailType: event['detail-type'],
        source: event.source,
        error: 'detail.email: Invalid email address',
        field: 'detail.email',
        event,
      });
    };
    await put(entry('customer.registered', { customerId: 'c-2', email: 'not-an-email' }));
    await settle();
    const body = (await (await api('/_local/dead-letters')).json()) as { items: unknown[] };
    expect(body.items).toEqual([
      {
        detailType: 'customer.registered',
        source: 'webshop',
        error: 'detail.email: Invalid email address',
        field: 'detail.email',
        receivedAt: expect.any(String),
        event: expect.objectContaining({ detail: { customerId: 'c-2', email: 'not-an-email' } }),
      },
    ]);
  });
});

describe('the clock', () => {
  it('GET answers the local time, and the handlers read the same clock', async () => {
    const body = (await (await api('/_local/clock')).json()) as { now: string };
    expect(body.now).toBe(handlerDeps.clock.now().toISOString());
  });

  it('POST { advance } moves it forward by an ISO-8601 duration', async () => {
    const before = local.clock.now().getTime();
    const response = await postJson('/_local/clock', { advance: 'P1DT2H' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { now: string };
    expect(Date.parse(body.now) - before).toBe(26 * 3_600_000);
    expect(((await (await api('/_local/clock')).json()) as { now: string }).now).toBe(body.now);
  });

  it('POST { to } moves it to an instant', async () => {
    const to = new Date(local.clock.now().getTime() + 3 * 86_400_000).toISOString();
    const body = (await (await postJson('/_local/clock', { to })).json()) as { now: string };
    expect(body.now).toBe(to);
  });

  it('refuses to move back with a 400 that says where it is', async () => {
    const now = local.clock.now().toISOString();
    const response = await postJson('/_local/clock', { to: '2020-01-01T00:00:00Z' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'ClockMovedBackward', message: expect.stringContaining(now) } });
    expect(local.clock.now().toISOString()).toBe(now);
  });

  it.each([
    [{ advance: '30 days' }, 'InvalidDuration'],
    [{ advance: 'P30D', to: '2030-01-01T00:00:00Z' }, 'InvalidRequest'],
    [{ to: 'next tuesday' }, 'InvalidRequest'],
    ['not json', 'InvalidRequest'],
  ])('refuses %j with %s', async (body, code) => {
    const response = await api('/_local/clock', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code } });
  });

  it('{ advance: PT0S } is a barrier: it answers once pending deliveries are done', async () => {
    let done = false;
    behaviour['order-placed'] = async () => {
      await sleep(200);
      done = true;
    };
    await put(entry('order.placed', { orderId: 'o-10' }));
    const response = await settle();
    expect(response.status).toBe(200);
    expect(done).toBe(true);
  });

  it('runs a registered job at each due instant in time order, and answers when the events it put were delivered', async () => {
    // Prepare: a job that puts an event through the real SDK every 12 hours; its deliveries are slow.
    const runs: string[] = [];
    behaviour['activity-completed'] = async (event) => {
      await sleep(20);
      runs.push(`delivered ${(event.detail as { occurredAt: string }).occurredAt}`);
    };
    const unregister = local.registerSchedule({
      name: 'test-job',
      every: 'PT12H',
      run: async (now) => {
        runs.push(`run ${now.toISOString()} clock ${local.clock.now().toISOString()}`);
        await put(entry('activity.completed', { occurredAt: now.toISOString() }));
      },
    });
    const from = local.clock.now().getTime();
    const firstTick = Math.ceil((from + 1) / 43_200_000) * 43_200_000;
    const ticks = [0, 1, 2].map((i) => new Date(firstTick + i * 43_200_000).toISOString());

    try {
      // Act
      const response = await postJson('/_local/clock', { to: ticks[2] });

      // Assess
      expect(await response.json()).toEqual({ now: ticks[2], runs: { 'test-job': 3 }, failures: [] });
      expect(runs).toEqual(ticks.flatMap((t) => [`run ${t} clock ${t}`, `delivered ${t}`]));
    } finally {
      unregister();
    }
  });
});

describe('the member API', () => {
  it('hands the handler the API Gateway HTTP API (payload 2.0) event and writes its answer', async () => {
    // Prepare
    let seen: APIGatewayProxyEventV2 | undefined;
    memberApi = async (event) => {
      seen = event;
      return { statusCode: 203, headers: { 'x-lojal': 'yes' }, body: JSON.stringify({ ok: true }) };
    };

    // Act
    const response = await api('/v1/members/c%2D1/ledger?limit=2&limit=3&cursor=abc', { headers: { 'user-agent': 'spec' } });

    // Assess
    expect(response.status).toBe(203);
    expect(response.headers.get('x-lojal')).toBe('yes');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v1/members/{customerId}/ledger',
      rawPath: '/v1/members/c%2D1/ledger',
      rawQueryString: 'limit=2&limit=3&cursor=abc',
      pathParameters: { customerId: 'c-1' },
      queryStringParameters: { limit: '2,3', cursor: 'abc' },
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'GET /v1/members/{customerId}/ledger',
        stage: '$default',
        http: { method: 'GET', path: '/v1/members/c%2D1/ledger', userAgent: 'spec' },
        timeEpoch: local.clock.now().getTime(),
      },
    });
    expect(seen?.body).toBeUndefined();
    expect(seen?.headers['user-agent']).toBe('spec');
  });

  it('answers a generic 500 when the handler throws', async () => {
    memberApi = async () => {
      throw new Error('secret detail');
    };
    const response = await api('/v1/members/c-1');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'InternalError', message: 'Internal server error.' } });
    expect(text).not.toContain('secret');
  });

  it.each(['/v1/members', '/v1/members/', '/v1/members/c-1/unknown', '/nothing/here'])('answers 404 JSON for %s', async (path) => {
    const response = await api(path);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NotFound', message: expect.any(String) } });
  });
});

describe('the SES inbox', () => {
  it('serves its store as JSON', async () => {
    const response = await fetch(`${local.urls.ses}/store`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ emails: [] });
  });
});
