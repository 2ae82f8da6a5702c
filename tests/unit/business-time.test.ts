import { describe, expect, it } from 'vitest';
import { assertBusinessTimesBounded, isBusinessTimeField } from '../../functions/domain/business-time';
import { busEventHandler } from '../../functions/runtime/event-handler';
import { ValidationError } from '../../functions/runtime/errors';
import { type DeadLetter, silentLogger } from '../../functions/runtime/ports';
import { OrderPlacedSchema, CustomerUpdatedSchema } from '../../functions/contract/events';
import { busEvent, manualClock } from '../support/deps';

const now = new Date('2026-06-01T12:00:00Z');

function fieldOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof ValidationError) return error.field;
    throw error;
  }
}

describe('business time bounds (issue 12.4)', () => {
  it('accepts times from 2000-01-01 up to the skew ahead of the clock', () => {
    expect(fieldOf(() => assertBusinessTimesBounded({ placedAt: '2000-01-01T00:00:00Z' }, now))).toBeUndefined();
    expect(fieldOf(() => assertBusinessTimesBounded({ placedAt: '2026-06-01T12:05:00Z' }, now))).toBeUndefined();
    expect(fieldOf(() => assertBusinessTimesBounded({ placedAt: '2026-06-01T14:04:59+02:00' }, now))).toBeUndefined();
  });

  it('rejects a time before 2000 or more than the skew ahead, naming the field', () => {
    expect(fieldOf(() => assertBusinessTimesBounded({ placedAt: '1999-12-31T23:59:59Z' }, now))).toBe('detail.placedAt');
    expect(fieldOf(() => assertBusinessTimesBounded({ refundedAt: '2026-06-01T12:05:01Z' }, now))).toBe('detail.refundedAt');
    expect(fieldOf(() => assertBusinessTimesBounded({ updatedAt: '2026-06-01T12:00:00Z', marketingConsentAt: '9999-12-31T00:00:00Z' }, now))).toBe(
      'detail.marketingConsentAt',
    );
    expect(fieldOf(() => assertBusinessTimesBounded({ occurredAt: '2026-06-01T12:30:00Z' }, now, 60))).toBeUndefined();
    expect(fieldOf(() => assertBusinessTimesBounded({ occurredAt: '2026-06-01T12:00:01Z' }, now, 0))).toBe('detail.occurredAt');
  });

  it('treats every top-level ...At field as a business time, nothing else', () => {
    for (const f of ['placedAt', 'refundedAt', 'registeredAt', 'updatedAt', 'deletedAt', 'occurredAt', 'marketingConsentAt']) {
      expect(isBusinessTimeField(f)).toBe(true);
    }
    for (const f of ['at', 'customerId', 'birthday', 'lines', 'Atlas']) expect(isBusinessTimeField(f)).toBe(false);
  });

  it('is applied by busEventHandler to webshop events of every kind, not to Lojal events', async () => {
    const letters: DeadLetter[] = [];
    const applied: string[] = [];
    const deps = {
      logger: silentLogger,
      metrics: { addMetric: () => undefined },
      deadLetters: { deadLetter: async (l: DeadLetter) => void letters.push(l) },
      clock: manualClock('2026-06-01T12:00:00Z'),
      config: { maxClockSkewMinutes: 5 },
    };
    const order = busEventHandler(deps, OrderPlacedSchema, async (o) => (applied.push(o.orderId), 'applied'));
    const update = busEventHandler(deps, CustomerUpdatedSchema, async (u) => (applied.push(u.customerId), 'applied'));
    const line = { sku: 's', category: 'socks', quantity: 1, unitPrice: 100 };
    await order(busEvent('order.placed', { orderId: 'o1', customerId: 'c1', placedAt: '2026-06-01T12:04:00Z', currency: 'SEK', lines: [line] }));
    await order(busEvent('order.placed', { orderId: 'o2', customerId: 'c1', placedAt: '2026-06-02T12:00:00Z', currency: 'SEK', lines: [line] }));
    await update(busEvent('customer.updated', { customerId: 'c2', updatedAt: '1970-01-01T00:00:00Z' }));
    await update(busEvent('customer.updated', { customerId: 'c3', updatedAt: '2030-01-01T00:00:00Z' }, 'lojal'));
    expect(applied).toEqual(['o1', 'c3']);
    expect(letters.map((l) => l.field)).toEqual(['detail.placedAt', 'detail.updatedAt']);
  });
});
