import { describe, expect, it } from 'vitest';
import {
  CustomerRegisteredSchema,
  CustomerUpdatedSchema,
  EVENT_BOUNDS,
  OrderPlacedSchema,
  OrderRefundedSchema,
  ActivityCompletedSchema,
} from '../../functions/contract/events';
import { ValidationError } from '../../functions/runtime/errors';

type Schema = {
  safeParse(v: unknown): { success: boolean; error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
};

/** The field a schema names for `value`, or undefined when it accepts it. */
function rejected(schema: Schema, value: unknown): string | undefined {
  const r = schema.safeParse(value);
  return r.success ? undefined : r.error && ValidationError.fromZod(r.error).field;
}

const line = { sku: 's1', category: 'socks', quantity: 1, unitPrice: 100 };
const order = { orderId: 'o1', customerId: 'c1', placedAt: '2026-03-01T10:00:00Z', currency: 'SEK', lines: [line] };
const refund = { refundId: 'r1', orderId: 'o1', customerId: 'c1', refundedAt: '2026-03-02T10:00:00Z' };
const registered = { customerId: 'c1', registeredAt: '2026-03-01T10:00:00Z', email: 'a@example.com' };

describe('event numbers are bounded (issue 13)', () => {
  it('accepts the largest values a shop may send', () => {
    const big = { ...line, quantity: 100, unitPrice: EVENT_BOUNDS.maxLineTotal / 100, lifespanDays: EVENT_BOUNDS.maxLifespanDays };
    expect(rejected(OrderPlacedSchema, { ...order, lines: [big] })).toBeUndefined();
    expect(rejected(OrderRefundedSchema, { ...refund, amount: EVENT_BOUNDS.maxOrderTotal })).toBeUndefined();
  });

  it.each([
    ['quantity 2^53-1', { ...order, lines: [{ ...line, quantity: Number.MAX_SAFE_INTEGER }] }, 'detail.lines[0].quantity'],
    ['unitPrice 2^53-1', { ...order, lines: [{ ...line, unitPrice: Number.MAX_SAFE_INTEGER }] }, 'detail.lines[0].unitPrice'],
    [
      'a line total past the bound',
      { ...order, lines: [{ ...line, quantity: 1000, unitPrice: EVENT_BOUNDS.maxUnitPrice }] },
      'detail.lines[0].unitPrice',
    ],
    ['lifespanDays 1e12', { ...order, lines: [{ ...line, lifespanDays: 1e12 }] }, 'detail.lines[0].lifespanDays'],
    ['lifespanDays 36 501', { ...order, lines: [{ ...line, lifespanDays: 36_501 }] }, 'detail.lines[0].lifespanDays'],
    ['a discount past the bound', { ...order, discount: EVENT_BOUNDS.maxOrderTotal + 1 }, 'detail.discount'],
    [
      'an order total past the bound',
      {
        ...order,
        lines: Array.from({ length: 11 }, (_, i) => ({ ...line, sku: `s${i}`, quantity: 100, unitPrice: EVENT_BOUNDS.maxUnitPrice })),
      },
      'detail.lines',
    ],
    ['501 lines', { ...order, lines: Array.from({ length: 501 }, (_, i) => ({ ...line, sku: `s${i}` })) }, 'detail.lines'],
  ])('order.placed refuses %s', (_name, value, field) => {
    expect(rejected(OrderPlacedSchema, value)).toBe(field);
  });

  it.each([
    ['amount past the bound', { ...refund, amount: EVENT_BOUNDS.maxOrderTotal + 1 }, 'detail.amount'],
    ['a huge refund quantity', { ...refund, lines: [{ sku: 's1', quantity: 1e12 }] }, 'detail.lines[0].quantity'],
    [
      'the same sku twice',
      {
        ...refund,
        lines: [
          { sku: 's1', quantity: 1 },
          { sku: 's1', quantity: 1 },
        ],
      },
      'detail.lines',
    ],
    ['501 refund lines', { ...refund, lines: Array.from({ length: 501 }, (_, i) => ({ sku: `s${i}`, quantity: 1 })) }, 'detail.lines'],
  ])('order.refunded refuses %s', (_name, value, field) => {
    expect(rejected(OrderRefundedSchema, value)).toBe(field);
  });
});

describe('event strings are checked, nothing stripped (issue 13)', () => {
  it.each(['sv', 'sv-SE', 'en-US', 'zh-Hant-TW', 'en-US-u-ca-gregory'])('accepts locale %s', (locale) => {
    expect(rejected(CustomerRegisteredSchema, { ...registered, locale })).toBeUndefined();
  });

  it.each(['x'.repeat(100_000), `sv-${'abcdefgh-'.repeat(10)}x`, 'sv--SE', 'sv_SE', 'SV', 'x-private', 'sv-SE\n'])(
    'refuses locale %#',
    (locale) => {
      expect(rejected(CustomerRegisteredSchema, { ...registered, locale })).toBe('detail.locale');
    },
  );

  it.each(['Europe/Stockholm', 'UTC', 'America/Argentina/Buenos_Aires'])('accepts timeZone %s', (timeZone) => {
    expect(rejected(CustomerUpdatedSchema, { customerId: 'c1', updatedAt: '2026-03-01T10:00:00Z', timeZone })).toBeUndefined();
  });

  it.each(['Mars/Olympus', '+01:00', `Europe/${'x'.repeat(100)}`, ''])('refuses timeZone %#', (timeZone) => {
    expect(rejected(CustomerUpdatedSchema, { customerId: 'c1', updatedAt: '2026-03-01T10:00:00Z', timeZone })).toBe('detail.timeZone');
  });

  it.each([
    ['a lone high surrogate', 'c\ud800'],
    ['a lone low surrogate', '\udc00c'],
    ['a NUL', 'c\u0000'],
    ['a newline', 'c\n1'],
    ['a C1 control', 'c\u0085'],
    ['a line separator', 'c\u2028'],
    ['201 characters', 'c'.repeat(201)],
    ['nothing', ''],
  ])('refuses a customerId with %s, on every kind', (_name, customerId) => {
    expect(rejected(CustomerRegisteredSchema, { ...registered, customerId })).toBe('detail.customerId');
    expect(rejected(OrderPlacedSchema, { ...order, customerId })).toBe('detail.customerId');
    expect(rejected(OrderRefundedSchema, { ...refund, amount: 1, customerId })).toBe('detail.customerId');
    expect(
      rejected(ActivityCompletedSchema, { activityId: 'a1', customerId, activity: 'review', occurredAt: '2026-03-01T10:00:00Z' }),
    ).toBe('detail.customerId');
  });

  it('accepts ids and names in any script, emoji (surrogate pairs) included', () => {
    expect(
      rejected(OrderPlacedSchema, { ...order, orderId: 'ordre-ø-😀', lines: [{ ...line, sku: 'å-ü-中', name: 'Löparsko 😀' }] }),
    ).toBeUndefined();
  });

  it('refuses a lone surrogate in an order id, a sku and a line name', () => {
    expect(rejected(OrderPlacedSchema, { ...order, orderId: 'o\ud800' })).toBe('detail.orderId');
    expect(rejected(OrderPlacedSchema, { ...order, lines: [{ ...line, sku: '\udfff' }] })).toBe('detail.lines[0].sku');
    expect(rejected(OrderPlacedSchema, { ...order, lines: [{ ...line, name: 'x\ud800' }] })).toBe('detail.lines[0].name');
  });
});

describe('birthdays are real days of a real past (issue 13, found by the fuzz classes)', () => {
  it.each([
    ['29 February of a common year', { ...registered, birthday: '2001-02-29' }],
    ['the year 0000', { ...registered, birthday: '0000-01-01' }],
    ['a year before 1900', { ...registered, birthday: '1899-12-31' }],
    ['a birthday after the registration', { ...registered, birthday: '2099-01-01' }],
  ])('refuses %s, naming the birthday', (_name, value) => {
    expect(rejected(CustomerRegisteredSchema, value)).toBe('detail.birthday');
  });

  it('refuses a birthday after the update that reports it', () => {
    expect(rejected(CustomerUpdatedSchema, { customerId: 'c1', updatedAt: '2026-03-01T10:00:00Z', birthday: '2026-03-03' })).toBe(
      'detail.birthday',
    );
  });

  it.each([
    ['29 February of a leap year', '2000-02-29'],
    ['a day without a year', '--02-29'],
    ['the day of the registration, on a clock ahead of UTC', '2026-03-02'],
    ['1900', '1900-01-01'],
  ])('accepts %s', (_name, birthday) => {
    // 10:00 UTC on 1 March is 00:00 on 2 March in Kiritimati (UTC+14).
    expect(rejected(CustomerRegisteredSchema, { ...registered, registeredAt: '2026-03-01T10:00:00Z', birthday })).toBeUndefined();
  });
});
