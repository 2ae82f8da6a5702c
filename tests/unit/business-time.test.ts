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
    expect(
      fieldOf(() => assertBusinessTimesBounded({ updatedAt: '2026-06-01T12:00:00Z', marketingConsentAt: '9999-12-31T00:00:00Z' }, now)),
    ).toBe('detail.marketingConsentAt');
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
    await order(
      busEvent('order.placed', { orderId: 'o1', customerId: 'c1', placedAt: '2026-06-01T12:04:00Z', currency: 'SEK', lines: [line] }),
    );
    await order(
      busEvent('order.placed', { orderId: 'o2', customerId: 'c1', placedAt: '2026-06-02T12:00:00Z', currency: 'SEK', lines: [line] }),
    );
    await update(busEvent('customer.updated', { customerId: 'c2', updatedAt: '1970-01-01T00:00:00Z' }));
    await update(busEvent('customer.updated', { customerId: 'c3', updatedAt: '2030-01-01T00:00:00Z' }, 'lojal'));
    expect(applied).toEqual(['o1', 'c3']);
    expect(letters.map((l) => l.field)).toEqual(['detail.placedAt', 'detail.updatedAt']);
  });
});

describe('a range failure in a handler step is bad input, not a transient fault (issue 13)', () => {
  it.each([
    ['an invalid Date', () => new Date(1e20).toISOString()],
    ['a BigInt of NaN', () => BigInt(Number.NaN)],
    [
      'the marshaller past safe integers',
      () => {
        throw new Error('Number 81129638414606663681390495662081 is greater than Number.MAX_SAFE_INTEGER.');
      },
    ],
  ])('%s is dead-lettered, not thrown for a retry', async (_name, fault) => {
    const letters: DeadLetter[] = [];
    const deps = {
      logger: silentLogger,
      metrics: { addMetric: () => undefined },
      deadLetters: { deadLetter: async (l: DeadLetter) => void letters.push(l) },
    };
    const handler = busEventHandler(deps, CustomerUpdatedSchema, async () => (fault(), 'applied'));
    await handler(busEvent('customer.updated', { customerId: 'c1', updatedAt: '2026-01-01T00:00:00Z' }));
    expect(letters).toEqual([expect.objectContaining({ field: 'detail', error: expect.stringContaining('out of range') })]);
  });

  it('any other error is still thrown, so the event is retried', async () => {
    const deps = { logger: silentLogger, metrics: { addMetric: () => undefined }, deadLetters: { deadLetter: async () => undefined } };
    const handler = busEventHandler(deps, CustomerUpdatedSchema, async () => {
      throw new Error('ProvisionedThroughputExceededException');
    });
    await expect(handler(busEvent('customer.updated', { customerId: 'c1', updatedAt: '2026-01-01T00:00:00Z' }))).rejects.toThrow(
      'Provisioned',
    );
  });
});
