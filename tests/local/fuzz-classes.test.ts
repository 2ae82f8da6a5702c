import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCopy } from '../../local/local-copy';
import { MAX_DETAIL_DEPTH } from '../../local/put-events';
import { localDoors, localEventBridge, nestedJson, startTestLocalCopy } from '../support/local-copy';
import type { StoredMail } from '../support/mail';

/*
 * The fuzz classes of issue 13 through the local copy's PutEvents, as a webshop sends them: each
 * bad or odd event is refused at PutEvents, or dead-lettered naming the field with nothing
 * written, or handled correctly; and after each the copy still applies a valid event.
 * One local copy for the whole file.
 */

const START = '2026-11-28T09:00:00Z';
let local: LocalCopy;
let eventBridge: EventBridgeClient;
let doors: ReturnType<typeof localDoors>;
let n = 0;

beforeAll(async () => {
  local = await startTestLocalCopy('fuzz-classes', START);
  eventBridge = localEventBridge(local);
  doors = localDoors(local, eventBridge);
});

afterAll(async () => {
  eventBridge?.destroy();
  await local?.stop();
});

const memberPath = (customerId: string) => `/v1/members/${encodeURIComponent(customerId)}`;
const memberStatus = async (customerId: string) => (await doors.api(memberPath(customerId))).status;
const balanceOf = async (customerId: string) => (await doors.api(memberPath(customerId))).body.balance;

/** A valid order of one 100 SEK cap (100 points) for `customerId`, with `change` applied to the detail. */
const order = (customerId: string, change: (d: Record<string, unknown>) => void = () => {}) => {
  const detail: Record<string, unknown> = {
    orderId: `o-${n}`,
    customerId,
    placedAt: START,
    currency: 'SEK',
    lines: [{ sku: 'CAP', category: 'caps', quantity: 1, unitPrice: 10_000 }],
  };
  change(detail);
  return detail;
};
const line = (d: Record<string, unknown>) => (d.lines as Record<string, unknown>[])[0] as Record<string, unknown>;
const registration = (customerId: string, extra: Record<string, unknown> = {}) => ({
  customerId,
  registeredAt: START,
  email: `${n}@example.com`,
  ...extra,
});
const activity = (customerId: string, name: string) => ({ activityId: `a-${n}`, customerId, activity: name, occurredAt: START });

/** What must become of a case. */
type Outcome =
  /** PutEvents fails the entry with this code; nothing is delivered. */
  | { readonly refused: string }
  /** Accepted, then dead-lettered once naming `field`; the member `absent` stays unknown. */
  | { readonly deadLetter: string; readonly absent?: string }
  /** Accepted and handled: `check` says how. */
  | { readonly handled: (customerId: string) => Promise<void> };

interface FuzzCase {
  readonly fuzzClass: string;
  readonly name: string;
  readonly detailType: string;
  /** The raw Detail for a fresh customer id. */
  readonly detail: (customerId: string) => string;
  readonly outcome: (customerId: string) => Outcome;
}

const json = (build: (customerId: string) => unknown) => (customerId: string) => JSON.stringify(build(customerId));
const rejects = (field: string) => (customerId: string) => ({ deadLetter: field, absent: customerId });
const earns = (points: number) => () => ({
  handled: async (customerId: string) => expect(await balanceOf(customerId)).toBe(points),
});

const CASES: FuzzCase[] = [
  // missing field
  {
    fuzzClass: 'missing field',
    name: 'an order without placedAt',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => delete d.placedAt)),
    outcome: rejects('detail.placedAt'),
  },
  {
    fuzzClass: 'missing field',
    name: 'an order line without sku',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => delete line(d).sku)),
    outcome: rejects('detail.lines[0].sku'),
  },
  {
    fuzzClass: 'missing field',
    name: 'a registration without email',
    detailType: 'customer.registered',
    detail: json((c) => ({ customerId: c, registeredAt: START })),
    outcome: rejects('detail.email'),
  },
  // wrong type
  {
    fuzzClass: 'wrong type',
    name: 'quantity as a string',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (line(d).quantity = '1'))),
    outcome: rejects('detail.lines[0].quantity'),
  },
  {
    fuzzClass: 'wrong type',
    name: 'customerId as a number',
    detailType: 'order.placed',
    detail: (c) => JSON.stringify(order(c)).replace(`"customerId":"${c}"`, '"customerId":42'),
    outcome: () => ({ deadLetter: 'detail.customerId' }),
  },
  {
    fuzzClass: 'wrong type',
    name: 'marketingConsent as "yes"',
    detailType: 'customer.registered',
    detail: json((c) => registration(c, { marketingConsent: 'yes' })),
    outcome: rejects('detail.marketingConsent'),
  },
  // negative
  {
    fuzzClass: 'negative',
    name: 'a negative unit price',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (line(d).unitPrice = -10_000))),
    outcome: rejects('detail.lines[0].unitPrice'),
  },
  {
    fuzzClass: 'negative',
    name: 'a negative quantity',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (line(d).quantity = -1))),
    outcome: rejects('detail.lines[0].quantity'),
  },
  {
    fuzzClass: 'negative',
    name: 'a negative discount',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.discount = -500))),
    outcome: rejects('detail.discount'),
  },
  // non-integer
  {
    fuzzClass: 'non-integer',
    name: 'a fractional quantity',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (line(d).quantity = 1.5))),
    outcome: rejects('detail.lines[0].quantity'),
  },
  {
    fuzzClass: 'non-integer',
    name: 'a fractional unit price',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (line(d).unitPrice = 99.9))),
    outcome: rejects('detail.lines[0].unitPrice'),
  },
  {
    fuzzClass: 'non-integer',
    name: 'a quantity past the bound (2^53 − 1)',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (line(d).quantity = Number.MAX_SAFE_INTEGER))),
    outcome: rejects('detail.lines[0].quantity'),
  },
  {
    fuzzClass: 'non-integer',
    name: 'a unit price of 1e400 (Infinity once parsed)',
    detailType: 'order.placed',
    detail: (c) => JSON.stringify(order(c)).replace('"unitPrice":10000', '"unitPrice":1e400'),
    outcome: rejects('detail.lines[0].unitPrice'),
  },
  {
    fuzzClass: 'non-integer',
    name: 'a lifespan of 10^12 days',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (line(d).lifespanDays = 1e12))),
    outcome: rejects('detail.lines[0].lifespanDays'),
  },
  {
    fuzzClass: 'negative',
    name: 'a discount above the order total',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.discount = 10_001))),
    outcome: rejects('detail.discount'),
  },
  // unknown currency
  {
    fuzzClass: 'unknown currency',
    name: 'a currency in lower case',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.currency = 'sek'))),
    outcome: rejects('detail.currency'),
  },
  {
    fuzzClass: 'unknown currency',
    name: 'a currency that is no ISO code',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.currency = 'US$'))),
    outcome: rejects('detail.currency'),
  },
  {
    fuzzClass: 'unknown currency',
    name: 'a well-formed currency the program has no earn rate for',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.currency = 'USD'))),
    outcome: rejects('detail.currency'),
  },
  // huge strings
  {
    fuzzClass: 'huge strings',
    name: 'a customerId of 10 000 characters',
    detailType: 'order.placed',
    detail: json(() => order('x'.repeat(10_000))),
    outcome: () => ({ deadLetter: 'detail.customerId' }),
  },
  {
    fuzzClass: 'huge strings',
    name: 'a locale of 100 000 characters',
    detailType: 'customer.registered',
    detail: json((c) => registration(c, { locale: 'sv'.repeat(50_000) })),
    outcome: rejects('detail.locale'),
  },
  {
    fuzzClass: 'huge strings',
    name: 'a product name of 100 000 characters',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (line(d).name = 'n'.repeat(100_000)))),
    outcome: rejects('detail.lines[0].name'),
  },
  {
    fuzzClass: 'huge strings',
    name: 'a customerId of 200 characters, the most an id may have',
    detailType: 'order.placed',
    detail: json((c) => order(c.padEnd(200, 'x'))),
    outcome: () => ({ handled: async (c) => expect(await balanceOf(c.padEnd(200, 'x'))).toBe(100) }),
  },
  {
    fuzzClass: 'huge strings',
    name: 'a customerId of 201 characters',
    detailType: 'order.placed',
    detail: json((c) => order(c.padEnd(201, 'x'))),
    outcome: (c) => ({ deadLetter: 'detail.customerId', absent: c.padEnd(201, 'x') }),
  },
  {
    fuzzClass: 'wrong type',
    name: 'a time zone that is not IANA',
    detailType: 'customer.registered',
    detail: json((c) => registration(c, { timeZone: 'Mars/Olympus_Mons' })),
    outcome: rejects('detail.timeZone'),
  },
  // many lines
  {
    fuzzClass: 'many lines',
    name: '501 lines',
    detailType: 'order.placed',
    detail: json((c) =>
      order(c, (d) => (d.lines = Array.from({ length: 501 }, (_, i) => ({ sku: `S${i}`, category: 'caps', quantity: 1, unitPrice: 100 })))),
    ),
    outcome: rejects('detail.lines'),
  },
  {
    fuzzClass: 'many lines',
    name: '500 lines, the most an order may have',
    detailType: 'order.placed',
    detail: json((c) =>
      order(c, (d) => (d.lines = Array.from({ length: 500 }, (_, i) => ({ sku: `S${i}`, category: 'caps', quantity: 1, unitPrice: 100 })))),
    ),
    outcome: earns(500),
  },
  {
    fuzzClass: 'many lines',
    name: 'the same sku on two lines',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.lines = [line(d), line(d)]))),
    outcome: rejects('detail.lines'),
  },
  // invalid dates
  {
    fuzzClass: 'invalid dates',
    name: 'the 30th of February',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.placedAt = '2026-02-30T10:00:00Z'))),
    outcome: rejects('detail.placedAt'),
  },
  {
    fuzzClass: 'invalid dates',
    name: 'a date in words',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.placedAt = 'yesterday'))),
    outcome: rejects('detail.placedAt'),
  },
  {
    fuzzClass: 'invalid dates',
    name: 'a time before 2000',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.placedAt = '1999-12-31T23:59:59Z'))),
    outcome: rejects('detail.placedAt'),
  },
  {
    fuzzClass: 'invalid dates',
    name: 'a time years ahead of the clock',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.placedAt = '2031-01-01T00:00:00Z'))),
    outcome: rejects('detail.placedAt'),
  },
  {
    fuzzClass: 'invalid dates',
    name: 'a birthday on the 30th of February',
    detailType: 'customer.registered',
    detail: json((c) => registration(c, { birthday: '1990-02-30' })),
    outcome: rejects('detail.birthday'),
  },
  {
    fuzzClass: 'invalid dates',
    name: 'a birthday on 29 February of a common year',
    detailType: 'customer.registered',
    detail: json((c) => registration(c, { birthday: '2001-02-29' })),
    outcome: rejects('detail.birthday'),
  },
  {
    fuzzClass: 'invalid dates',
    name: 'a birthday in the year 0000',
    detailType: 'customer.registered',
    detail: json((c) => registration(c, { birthday: '0000-01-01' })),
    outcome: rejects('detail.birthday'),
  },
  {
    fuzzClass: 'invalid dates',
    name: 'a birthday after the registration (no greetings for the unborn)',
    detailType: 'customer.registered',
    detail: json((c) => registration(c, { birthday: '2099-01-01' })),
    outcome: rejects('detail.birthday'),
  },
  // unknown activity and DetailType
  {
    fuzzClass: 'unknown activity',
    name: 'an activity the program does not have',
    detailType: 'activity.completed',
    detail: json((c) => activity(c, 'skydiving')),
    outcome: rejects('detail.activity'),
  },
  {
    fuzzClass: 'unknown DetailType',
    name: 'a DetailType no rule matches (EventBridge drops it too)',
    detailType: 'order.exploded',
    detail: json((c) => order(c)),
    outcome: () => ({ handled: async (c) => expect(await memberStatus(c)).toBe(404) }),
  },
  {
    fuzzClass: 'unknown DetailType',
    name: 'a DetailType of 129 characters',
    detailType: 'o'.repeat(129),
    detail: json((c) => order(c)),
    outcome: () => ({ refused: 'InvalidArgument' }),
  },
  // non-JSON
  {
    fuzzClass: 'non-JSON',
    name: 'a Detail that is not JSON',
    detailType: 'order.placed',
    detail: (c) => `{"customerId":"${c}",`,
    outcome: () => ({ refused: 'MalformedDetail' }),
  },
  {
    fuzzClass: 'non-JSON',
    name: 'a Detail that is a JSON string, not an object',
    detailType: 'order.placed',
    detail: json((c) => c),
    outcome: () => ({ refused: 'MalformedDetail' }),
  },
  // arrays
  {
    fuzzClass: 'arrays',
    name: 'a Detail that is an array',
    detailType: 'order.placed',
    detail: json((c) => [order(c)]),
    outcome: () => ({ refused: 'MalformedDetail' }),
  },
  {
    fuzzClass: 'arrays',
    name: 'lines as an object',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.lines = line(d)))),
    outcome: rejects('detail.lines'),
  },
  {
    fuzzClass: 'arrays',
    name: 'customerId as an array',
    detailType: 'order.placed',
    detail: (c) => JSON.stringify(order(c)).replace(`"customerId":"${c}"`, `"customerId":["${c}"]`),
    outcome: rejects('detail.customerId'),
  },
  {
    fuzzClass: 'arrays',
    name: 'an empty lines array',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.lines = []))),
    outcome: rejects('detail.lines'),
  },
  // deep nesting
  {
    fuzzClass: 'deep nesting',
    name: `an extra field nested ${MAX_DETAIL_DEPTH + 1} levels deep`,
    detailType: 'order.placed',
    detail: (c) => JSON.stringify(order(c)).replace(/}$/, `,"extra":${nestedJson(MAX_DETAIL_DEPTH)}}`),
    outcome: () => ({ refused: 'MalformedDetail' }),
  },
  {
    fuzzClass: 'deep nesting',
    name: 'an extra field nested 50 levels deep is ignored',
    detailType: 'order.placed',
    detail: (c) => JSON.stringify(order(c)).replace(/}$/, `,"extra":${nestedJson(49)}}`),
    outcome: earns(100),
  },
  // prototype keys
  {
    fuzzClass: 'prototype keys',
    name: 'an own __proto__ key naming another customer',
    detailType: 'order.placed',
    detail: (c) => JSON.stringify(order(c)).replace(/^{/, `{"__proto__":{"customerId":"${c}-evil","polluted":true},`),
    outcome: () => ({
      handled: async (c) => {
        expect(await balanceOf(c)).toBe(100);
        expect(await memberStatus(`${c}-evil`)).toBe(404);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    }),
  },
  {
    fuzzClass: 'prototype keys',
    name: 'a constructor.prototype key',
    detailType: 'customer.registered',
    detail: (c) => JSON.stringify(registration(c)).replace(/^{/, '{"constructor":{"prototype":{"polluted":true}},'),
    outcome: () => ({
      handled: async (c) => {
        expect(await memberStatus(c)).toBe(200);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    }),
  },
  {
    fuzzClass: 'prototype keys',
    name: 'a line in category __proto__',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (line(d).category = '__proto__'))),
    outcome: earns(100),
  },
  {
    fuzzClass: 'prototype keys',
    name: 'a line in category constructor',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (line(d).category = 'constructor'))),
    outcome: earns(100),
  },
  {
    fuzzClass: 'prototype keys',
    name: 'an activity named constructor',
    detailType: 'activity.completed',
    detail: json((c) => activity(c, 'constructor')),
    outcome: rejects('detail.activity'),
  },
  {
    fuzzClass: 'prototype keys',
    name: 'an activity named __proto__',
    detailType: 'activity.completed',
    detail: json((c) => activity(c, '__proto__')),
    outcome: rejects('detail.activity'),
  },
  {
    fuzzClass: 'prototype keys',
    name: 'a currency named toString',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (d.currency = 'toString'))),
    outcome: rejects('detail.currency'),
  },
  {
    fuzzClass: 'prototype keys',
    name: 'a member whose id is __proto__',
    detailType: 'order.placed',
    detail: () => JSON.stringify(order('__proto__')),
    outcome: () => ({ handled: async () => expect(await balanceOf('__proto__')).toBe(100) }),
  },
  // odd Unicode
  {
    fuzzClass: 'odd Unicode',
    name: 'a customerId with a lone surrogate (never mangled onto U+FFFD)',
    detailType: 'order.placed',
    detail: (c) => JSON.stringify(order(`${c}\ud800`)),
    outcome: (c) => ({ deadLetter: 'detail.customerId', absent: `${c}\ufffd` }),
  },
  {
    fuzzClass: 'odd Unicode',
    name: 'a first name with a lone low surrogate',
    detailType: 'customer.registered',
    detail: json((c) => registration(c, { firstName: 'A\udc00da' })),
    outcome: rejects('detail.firstName'),
  },
  {
    fuzzClass: 'odd Unicode',
    name: 'a sku with a NUL character',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => (line(d).sku = 'CA\u0000P'))),
    outcome: rejects('detail.lines[0].sku'),
  },
  {
    fuzzClass: 'odd Unicode',
    name: 'a customerId with a line separator',
    detailType: 'order.placed',
    detail: (c) => JSON.stringify(order(`${c}\u2028`)),
    outcome: () => ({ deadLetter: 'detail.customerId' }),
  },
  {
    fuzzClass: 'odd Unicode',
    name: 'a customerId with an emoji, a combining accent and a right-to-left mark is an id like any other',
    detailType: 'order.placed',
    detail: (c) => JSON.stringify(order(`${c}-e\u0301-👟-\u200f`)),
    outcome: () => ({
      handled: async (c) => {
        expect(await balanceOf(`${c}-e\u0301-👟-\u200f`)).toBe(100);
        expect(await memberStatus(`${c}-é-👟-\u200f`)).toBe(404);
      },
    }),
  },
  {
    fuzzClass: 'injection strings',
    name: 'a customerId that looks like a path (../ and %2F) stays one id',
    detailType: 'order.placed',
    detail: (c) => JSON.stringify(order(`../${c}%2Fledger`)),
    outcome: () => ({
      handled: async (c) => {
        expect(await balanceOf(`../${c}%2Fledger`)).toBe(100);
        expect(await memberStatus(c)).toBe(404);
      },
    }),
  },
  // injection strings
  {
    fuzzClass: 'injection strings',
    name: "a customerId ' OR 1=1 -- is only an id",
    detailType: 'order.placed',
    detail: (c) => JSON.stringify(order(`${c}' OR 1=1 --`)),
    outcome: () => ({
      handled: async (c) => {
        expect(await balanceOf(`${c}' OR 1=1 --`)).toBe(100);
        expect(await memberStatus(c)).toBe(404);
      },
    }),
  },
  {
    fuzzClass: 'injection strings',
    name: 'a sku and category with SQL and template syntax earn like any other',
    detailType: 'order.placed',
    detail: json((c) => order(c, (d) => Object.assign(line(d), { sku: "'; DROP TABLE lojal; --", category: '{{brand.name}}$' + '{7*7}' }))),
    outcome: earns(100),
  },
  {
    fuzzClass: 'injection strings',
    name: 'a first name with <script> and {{…}} is welcomed with the text escaped and not interpreted',
    detailType: 'customer.registered',
    detail: json((c) => registration(c, { firstName: '<script>alert(1)</script>{{brand.name}}', locale: 'en' })),
    outcome: () => ({
      handled: async () => {
        const { emails } = (await (await fetch(`${local.urls.ses}/store`)).json()) as { emails: StoredMail[] };
        const mail = emails.find((e) => e.destination.to.includes(`${n}@example.com`));
        expect(mail?.body.html).toBeDefined();
        expect(mail?.body.html).not.toContain('<script>');
        expect(mail?.body.html).toContain('&lt;script&gt;');
        expect(mail?.body.text).toContain('<script>alert(1)</script>{{brand.name}}');
      },
    }),
  },
];

/** A valid event after a case is still applied: the copy is healthy. */
async function expectHealthy() {
  const customerId = `healthy-${++n}`;
  const entry = await doors.putRaw('order.placed', JSON.stringify(order(customerId)));
  expect(entry).toHaveProperty('EventId');
  expect(await balanceOf(customerId)).toBe(100);
}

/** Sends `detail` and checks what became of it against `outcome`. */
async function sendAndCheck(detailType: string, detail: string, customerId: string, outcome: Outcome) {
  const before = new Set((await doors.deadLetters()).map((l) => l.event.id));
  const entry = await doors.putRaw(detailType, detail);
  const letters = (await doors.deadLetters()).filter((l) => !before.has(l.event.id));
  if ('refused' in outcome) {
    expect(entry).toMatchObject({ ErrorCode: outcome.refused });
    expect(letters).toEqual([]);
    expect(await memberStatus(customerId)).toBe(404);
    return;
  }
  expect(entry).toHaveProperty('EventId');
  if ('deadLetter' in outcome) {
    // Once per rule the event matched (a registration feeds the profile and the welcome mail), as each target has its dead-letter queue.
    expect(letters.length).toBeGreaterThan(0);
    for (const letter of letters) expect(letter).toMatchObject({ field: outcome.deadLetter, event: { id: entry.EventId } });
    // Unknown (404), or an id the member API refuses to look up at all (400: longer than any id may be).
    if (outcome.absent !== undefined) expect([400, 404]).toContain(await memberStatus(outcome.absent));
    return;
  }
  expect(letters).toEqual([]);
  await outcome.handled(customerId);
}

describe('fuzz classes through the local PutEvents (issue 13)', () => {
  it.each(CASES.map((c) => [c.fuzzClass, c.name, c] as const))('%s: %s', async (_class, _name, fuzz) => {
    const customerId = `fuzz-${++n}`;
    await sendAndCheck(fuzz.detailType, fuzz.detail(customerId), customerId, fuzz.outcome(customerId));
    await expectHealthy();
  });

  it('a Detail over the 256 KB entry limit fails the whole request, and the copy stays healthy', async () => {
    const customerId = `fuzz-${++n}`;
    const detail = JSON.stringify(order(customerId, (d) => (line(d).name = 'n'.repeat(300_000))));
    await expect(
      eventBridge.send(new PutEventsCommand({ Entries: [{ Source: 'webshop', DetailType: 'order.placed', Detail: detail }] })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await doors.barrier();
    expect(await memberStatus(customerId)).toBe(404);
    await expectHealthy();
  });

  // For any JSON value in place of any field of a valid order (or beside it, under a prototype
  // name), the event is refused, or dead-lettered naming a field under detail with nothing
  // written, or applied; never accepted and lost, and the copy stays healthy.
  it('property: any value in any field of an order is refused, dead-lettered naming the field, or applied', async () => {
    const fields = [
      'orderId',
      'customerId',
      'placedAt',
      'currency',
      'lines',
      'discount',
      'sku',
      'category',
      'quantity',
      'unitPrice',
      'lifespanDays',
      '__proto__',
      'constructor',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 3 }), async (field, value) => {
        const customerId = `prop-${++n}`;
        const detail = order(customerId);
        const target = ['sku', 'category', 'quantity', 'unitPrice', 'lifespanDays'].includes(field) ? line(detail) : detail;
        // defineProperty, so __proto__ and constructor become own keys as JSON.parse makes them.
        Object.defineProperty(target, field, { value, enumerable: true, configurable: true, writable: true });
        const before = new Set((await doors.deadLetters()).map((l) => l.event.id));
        const entry = await doors.putRaw('order.placed', JSON.stringify(detail));
        const letters = (await doors.deadLetters()).filter((l) => !before.has(l.event.id));
        // With another customerId, the member it names is the one written.
        const writtenAs = field === 'customerId' ? (typeof value === 'string' ? value : undefined) : customerId;
        const written = writtenAs !== undefined && (await memberStatus(writtenAs)) === 200;
        if ('ErrorCode' in entry && entry.ErrorCode) {
          expect(letters).toEqual([]);
        } else if (letters.length > 0) {
          for (const letter of letters) expect(letter.field).toMatch(/^detail(\.|\[|$)/);
          expect(field === 'customerId' || !written).toBe(true);
        } else {
          expect(written).toBe(true);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 40, seed: 13 },
    );
    await expectHealthy();
  });
});
