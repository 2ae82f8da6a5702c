import { describe, expect, it } from 'vitest';
import type { ProgramConfig } from '../../functions/config/program';
import {
  dueEventFor,
  MAX_REMINDERS_PER_ORDER,
  orderTimelineChanges,
  planOrderTimeline,
  refundTimelineChanges,
  refundedLines,
  sendTimeOutsideQuietHours,
  type TimelineOrder,
} from '../../functions/domain/timeline';
import { addLocalDays, instantOfWallTime } from '../../functions/domain/zoned-time';
import { demoConfig } from '../support/deps';

const STOCKHOLM = 'Europe/Stockholm';
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

const order = (overrides: Partial<TimelineOrder> = {}): TimelineOrder => ({
  orderId: 'o1',
  customerId: 'c1',
  placedAt: '2026-05-04T12:00:00+02:00',
  lines: [
    { sku: 'shoe-1', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' },
    { sku: 'sock-1', category: 'running-socks', quantity: 2, unitPrice: 9_900, name: 'Wool Sock' },
  ],
  ...overrides,
});

const plan = (o: TimelineOrder, now = '2026-05-04T10:00:00Z', extra: Partial<Parameters<typeof planOrderTimeline>[1]> = {}) =>
  planOrderTimeline(o, { config: demoConfig, now: at(now), ...extra });

describe('Function: planOrderTimeline', () => {
  it('schedules one check-in 30 local days after the purchase and one reminder per product with a lifespan', () => {
    // Act
    const timeline = plan(order());

    // Assess
    expect(timeline.checkin).toMatchObject({
      kind: 'checkin',
      itemId: 'checkin:o1',
      dueAt: '2026-06-03T10:00:00.000Z',
      status: 'pending',
      ageDays: 30,
      anchor: '2026-05-04T10:00:00.000Z#o1',
    });
    expect(timeline.checkin?.products).toEqual([
      { sku: 'shoe-1', category: 'running-shoes', name: 'Trail Runner 3' },
      { sku: 'sock-1', category: 'running-socks', name: 'Wool Sock' },
    ]);
    // running-socks has no lifespan in the demo client: no reminder for it.
    expect(timeline.reminders).toHaveLength(1);
    expect(timeline.reminders[0]).toMatchObject({
      kind: 'replacement',
      itemId: 'replacement:running-shoes:o1',
      dueAt: '2027-01-29T11:00:00.000Z', // 12:00 CET, 270 local days later
      ageDays: 270,
      product: { sku: 'shoe-1', category: 'running-shoes', name: 'Trail Runner 3' },
    });
  });

  it("a line's own lifespan wins over its category's", () => {
    const timeline = plan(order({ lines: [{ sku: 'shoe-1', category: 'running-shoes', quantity: 1, unitPrice: 1, lifespanDays: 100 }] }));
    expect(timeline.reminders[0]).toMatchObject({ ageDays: 100, dueAt: '2026-08-12T10:00:00.000Z' });
  });

  it('a category without a configured lifespan gets a reminder when the line brings one', () => {
    const timeline = plan(order({ lines: [{ sku: 'bottle', category: 'bottles', quantity: 1, unitPrice: 1, lifespanDays: 60 }] }));
    expect(timeline.reminders.map((r) => r.itemId)).toEqual(['replacement:bottles:o1']);
  });

  it('two lines of one category give one reminder, for the product that wears out first', () => {
    const timeline = plan(
      order({
        lines: [
          { sku: 'shoe-road', category: 'running-shoes', quantity: 1, unitPrice: 1 },
          { sku: 'shoe-trail', category: 'running-shoes', quantity: 1, unitPrice: 1, lifespanDays: 200 },
        ],
      }),
    );
    expect(timeline.reminders).toHaveLength(1);
    expect(timeline.reminders[0]?.product?.sku).toBe('shoe-trail');
  });

  it('one check-in per order, at the shortest delay any of its categories asks for', () => {
    const config: ProgramConfig = {
      ...demoConfig,
      checkin: { delayDays: 30, categoryDelayDays: { 'running-socks': 14, 'gps-watches': 45 } },
    };
    const timeline = planOrderTimeline(order(), { config, now: at('2026-05-04T10:00:00Z') });
    expect(timeline.checkin).toMatchObject({ ageDays: 14, dueAt: '2026-05-18T10:00:00.000Z' });
  });

  it('an item due more than 7 days before it is scheduled is skipped; one due exactly 7 days before is still sent', () => {
    const checkinDue = '2026-06-03T10:00:00.000Z';
    const sevenDaysLater = iso(at(checkinDue) + 7 * 86_400_000);
    expect(plan(order(), sevenDaysLater).checkin?.status).toBe('pending');
    expect(plan(order(), iso(at(sevenDaysLater) + 1)).checkin?.status).toBe('skipped');
    // A history import: every item of a two-year-old order is skipped.
    const old = plan(order({ placedAt: '2024-01-10T12:00:00Z' }), '2026-05-04T10:00:00Z');
    expect([old.checkin?.status, ...old.reminders.map((r) => r.status)]).toEqual(['skipped', 'skipped']);
  });

  it("moves a send time inside quiet hours to the end of them on the customer's clock, else the client's", () => {
    // 22:30 in Stockholm (20:30Z): inside 21:00–08:00.
    const evening = order({ placedAt: '2026-05-04T20:30:00Z' });
    expect(plan(evening).checkin?.dueAt).toBe('2026-06-04T06:00:00.000Z'); // 08:00 CEST the next morning
    // In New York it is 16:30: no quiet hours there, so it stays.
    expect(plan(evening, undefined, { customerTimeZone: 'America/New_York' }).checkin).toMatchObject({
      dueAt: '2026-06-03T20:30:00.000Z',
      timeZone: 'America/New_York',
    });
    // 03:00 in New York (07:00Z) moves to 08:00 there, 12:00Z.
    const night = order({ placedAt: '2026-05-04T07:00:00Z' });
    expect(plan(night, undefined, { customerTimeZone: 'America/New_York' }).checkin?.dueAt).toBe('2026-06-03T12:00:00.000Z');
  });

  it('counts local calendar days across the start of summer time (Stockholm, late March)', () => {
    // 14:00 CET on 10 March → 14:00 CEST on 9 April, which is 29 days and 23 hours later.
    const timeline = plan(order({ placedAt: '2026-03-10T13:00:00Z' }), '2026-03-10T13:00:00Z');
    expect(timeline.checkin?.dueAt).toBe('2026-04-09T12:00:00.000Z');
  });

  it('quiet hours end at 08:00 summer time on the night clocks go forward (Stockholm, 29 March 2026)', () => {
    // 01:00 CET on 27 February + 30 days = 01:00 on 29 March, before the 02:00→03:00 jump: quiet.
    const timeline = plan(order({ placedAt: '2026-02-27T00:00:00Z' }), '2026-02-27T00:00:00Z');
    // 08:00 CEST is 06:00Z; keeping the winter offset would wrongly give 07:00Z.
    expect(timeline.checkin?.dueAt).toBe('2026-03-29T06:00:00.000Z');
  });

  it('quiet hours end at 08:00 winter time on the night clocks go back (Stockholm, 25 October 2026)', () => {
    // 01:00 CEST on 25 September + 30 days = 01:00 CEST on 25 October, before the 03:00→02:00 change.
    const timeline = plan(order({ placedAt: '2026-09-24T23:00:00Z' }), '2026-09-24T23:00:00Z');
    // 08:00 CET is 07:00Z; keeping the summer offset would wrongly give 06:00Z.
    expect(timeline.checkin?.dueAt).toBe('2026-10-25T07:00:00.000Z');
  });

  it('leaves out fully refunded lines, and plans nothing to check in on for an order refunded in full', () => {
    const twoShoes = order({
      lines: [
        { sku: 'shoe-road', category: 'running-shoes', quantity: 2, unitPrice: 100_000 },
        { sku: 'shoe-trail', category: 'running-shoes', quantity: 1, unitPrice: 100_000, lifespanDays: 200 },
      ],
    });
    const trailRefunded = plan(twoShoes, undefined, { refunds: [{ refundId: 'r1', lines: [{ sku: 'shoe-trail', quantity: 1 }] }] });
    expect(trailRefunded.reminders[0]?.product?.sku).toBe('shoe-road');
    expect(trailRefunded.checkin).toBeDefined();

    const all = plan(twoShoes, undefined, { refunds: [{ refundId: 'r1', amount: 300_000 }] });
    expect(all).toEqual({ reminders: [] });
  });
});

describe('Function: refundedLines', () => {
  const o = order({ discount: 9_900 });
  it('adds up partial refunds of a line until its whole quantity is back', () => {
    expect(refundedLines(o, [{ refundId: 'r1', lines: [{ sku: 'sock-1', quantity: 1 }] }]).skus.size).toBe(0);
    const both = refundedLines(o, [
      { refundId: 'r1', lines: [{ sku: 'sock-1', quantity: 1 }] },
      { refundId: 'r2', lines: [{ sku: 'sock-1', quantity: 1 }] },
    ]);
    expect([...both.skus]).toEqual(['sock-1']);
    expect(both.all).toBe(false);
  });

  it('treats amounts that reach the net total (after the order discount) as a full refund', () => {
    const net = 129_900 + 2 * 9_900 - 9_900;
    expect(refundedLines(o, [{ refundId: 'r1', amount: net - 1 }]).all).toBe(false);
    expect(
      refundedLines(o, [
        { refundId: 'r1', amount: net - 1 },
        { refundId: 'r2', amount: 1 },
      ]).all,
    ).toBe(true);
  });
});

describe('Function: sendTimeOutsideQuietHours', () => {
  it('leaves times outside quiet hours alone and handles windows that do not span midnight', () => {
    const lunch = { start: '12:00', end: '13:00' };
    expect(iso(sendTimeOutsideQuietHours(at('2026-05-04T10:30:00Z'), lunch, STOCKHOLM))).toBe('2026-05-04T11:00:00.000Z');
    expect(iso(sendTimeOutsideQuietHours(at('2026-05-04T09:59:00Z'), lunch, STOCKHOLM))).toBe('2026-05-04T09:59:00.000Z');
    expect(iso(sendTimeOutsideQuietHours(at('2026-05-04T11:00:00Z'), lunch, STOCKHOLM))).toBe('2026-05-04T11:00:00.000Z');
  });

  it('an early-morning time moves to the same morning, a late-evening one to the next', () => {
    const quiet = demoConfig.quietHours;
    expect(iso(sendTimeOutsideQuietHours(at('2026-05-04T03:00:00Z'), quiet, STOCKHOLM))).toBe('2026-05-04T06:00:00.000Z');
    expect(iso(sendTimeOutsideQuietHours(at('2026-05-04T19:00:00Z'), quiet, STOCKHOLM))).toBe('2026-05-05T06:00:00.000Z');
    expect(iso(sendTimeOutsideQuietHours(at('2026-05-04T18:59:59Z'), quiet, STOCKHOLM))).toBe('2026-05-04T18:59:59.000Z');
  });

  it('no quiet hours (null, or an empty window) means no move', () => {
    expect(sendTimeOutsideQuietHours(at('2026-05-04T01:00:00Z'), null, STOCKHOLM)).toBe(at('2026-05-04T01:00:00Z'));
    expect(sendTimeOutsideQuietHours(at('2026-05-04T01:00:00Z'), { start: '08:00', end: '08:00' }, STOCKHOLM)).toBe(
      at('2026-05-04T01:00:00Z'),
    );
  });
});

describe('Function: instantOfWallTime', () => {
  it('a wall time skipped when clocks go forward lands as far after the jump', () => {
    expect(iso(instantOfWallTime({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, STOCKHOLM))).toBe('2026-03-29T01:30:00.000Z');
  });

  it('a wall time that happens twice when clocks go back resolves to the first time', () => {
    expect(iso(instantOfWallTime({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, STOCKHOLM))).toBe('2026-10-25T00:30:00.000Z');
  });

  it('adding local days keeps the wall time and the milliseconds', () => {
    expect(iso(addLocalDays(at('2026-10-20T10:15:30.250Z'), 10, STOCKHOLM))).toBe('2026-10-30T11:15:30.250Z');
  });
});

describe('Function: dueEventFor', () => {
  it('a replacement reminder becomes product.aged with what the email needs and no personal data', () => {
    const reminder = plan(order()).reminders[0];
    if (!reminder) throw new Error('expected a reminder');
    expect(dueEventFor(reminder)).toEqual({
      detailType: 'product.aged',
      detail: {
        itemId: 'replacement:running-shoes:o1',
        kind: 'replacement',
        customerId: 'c1',
        orderId: 'o1',
        placedAt: '2026-05-04T10:00:00.000Z',
        dueAt: '2027-01-29T11:00:00.000Z',
        ageDays: 270,
        sku: 'shoe-1',
        category: 'running-shoes',
        productName: 'Trail Runner 3',
      },
    });
  });

  it('a check-in becomes checkin.due naming the first product and listing all', () => {
    const checkin = plan(order()).checkin;
    if (!checkin) throw new Error('expected a check-in');
    const event = dueEventFor(checkin);
    expect(event.detailType).toBe('checkin.due');
    expect(event.detail).toMatchObject({
      itemId: 'checkin:o1',
      kind: 'checkin',
      sku: 'shoe-1',
      productName: 'Trail Runner 3',
      ageDays: 30,
    });
    expect(event.detail.products).toHaveLength(2);
  });
});

describe('Function: orderTimelineChanges', () => {
  const context = { config: demoConfig, now: at('2026-05-04T10:00:00Z') };
  const summary = (changes: ReturnType<typeof orderTimelineChanges>) =>
    changes.map((c) => [c.type, c.item.kind, c.item.status, c.type === 'schedule' ? (c.cancelledBecause ?? null) : null]);

  it('schedules the plan of an order nothing has touched yet', () => {
    expect(summary(orderTimelineChanges(order(), context))).toEqual([
      ['schedule', 'checkin', 'pending', null],
      ['schedule', 'replacement', 'pending', null],
    ]);
  });

  it('writes cancelled what refunds that came first took away', () => {
    const shoeBack = { refundId: 'r1', lines: [{ sku: 'shoe-1', quantity: 1 }] };
    expect(summary(orderTimelineChanges(order(), { ...context, refunds: [shoeBack] }))).toEqual([
      ['schedule', 'checkin', 'pending', null],
      ['schedule', 'replacement', 'pending', 'the product was refunded'],
    ]);
    const all = { refundId: 'r2', amount: 200_000 };
    expect(summary(orderTimelineChanges(order(), { ...context, refunds: [all] }))).toEqual([
      ['schedule', 'checkin', 'pending', 'the order was refunded in full'],
      ['schedule', 'replacement', 'pending', 'the product was refunded'],
    ]);
  });

  it('writes everything cancelled for a member deleted at or after the purchase, and leaves a later purchase alone', () => {
    const deleted = orderTimelineChanges(order(), { ...context, deletedAt: at('2026-05-04T10:00:00Z') });
    expect(deleted.map((c) => (c.type === 'schedule' ? c.cancelledBecause : c.type))).toEqual([
      'the customer was deleted',
      'the customer was deleted',
    ]);
    expect(summary(orderTimelineChanges(order(), { ...context, deletedAt: at('2026-05-01T00:00:00Z') }))[0]).toEqual([
      'schedule',
      'checkin',
      'pending',
      null,
    ]);
  });

  it('leaves a history import skipped, never cancelled', () => {
    const late = { ...context, now: at('2027-06-01T00:00:00Z'), deletedAt: at('2027-06-01T00:00:00Z') };
    expect(summary(orderTimelineChanges(order(), late))).toEqual([
      ['schedule', 'checkin', 'skipped', null],
      ['schedule', 'replacement', 'skipped', null],
    ]);
  });

  it(`schedules reminders for at most ${MAX_REMINDERS_PER_ORDER} categories, the shortest lifespans first`, () => {
    const lines = Array.from({ length: MAX_REMINDERS_PER_ORDER + 5 }, (_, i) => ({
      sku: `s${i}`,
      category: `c${i}`,
      quantity: 1,
      unitPrice: 100,
      lifespanDays: 100 + i,
    }));
    const reminders = orderTimelineChanges(order({ lines }), context).filter((c) => c.item.kind === 'replacement');
    expect(reminders).toHaveLength(MAX_REMINDERS_PER_ORDER);
    expect(reminders.some((c) => c.item.ageDays >= 100 + MAX_REMINDERS_PER_ORDER)).toBe(false);
  });
});

describe('Function: refundTimelineChanges', () => {
  const context = { config: demoConfig, now: at('2026-05-10T10:00:00Z') };

  it('cancels what the refund takes away, replaces what it moves, and leaves the rest', () => {
    const twoShoes = order({
      lines: [
        { sku: 'shoe-trail', category: 'running-shoes', quantity: 1, unitPrice: 129_900, lifespanDays: 200 },
        { sku: 'shoe-road', category: 'running-shoes', quantity: 1, unitPrice: 99_900, lifespanDays: 240 },
      ],
    });
    const changes = refundTimelineChanges(twoShoes, context, { refundId: 'r1', lines: [{ sku: 'shoe-trail', quantity: 1 }] });
    expect(changes.map((c) => [c.type, c.item.kind, c.item.product?.sku ?? null])).toEqual([
      ['replace', 'checkin', null],
      ['replace', 'replacement', 'shoe-road'],
    ]);
    const rest = refundTimelineChanges(
      twoShoes,
      { ...context, refunds: [{ refundId: 'r1', lines: [{ sku: 'shoe-trail', quantity: 1 }] }] },
      {
        refundId: 'r2',
        lines: [{ sku: 'shoe-road', quantity: 1 }],
      },
    );
    expect(rest.map((c) => [c.type, c.item.kind, c.type === 'cancel' ? c.reason : null])).toEqual([
      ['cancel', 'checkin', 'the order was refunded in full'],
      ['cancel', 'replacement', 'the product was refunded'],
    ]);
    expect(refundTimelineChanges(twoShoes, context, { refundId: 'r3', amount: 100 })).toEqual([]);
  });
});
