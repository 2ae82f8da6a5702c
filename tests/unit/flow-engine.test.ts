import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import type { Flow } from '../../functions/config/flows';
import { parseProgramConfig } from '../../functions/config/program';
import {
  countOutcome,
  endRun,
  enterRun,
  type FlowRun,
  INACTIVITY_STEP,
  markExit,
  reachGoal,
  resumeRun,
  type Transition,
} from '../../functions/domain/flows/engine';

/** The flow engine's decisions (functions/domain/flows/engine.ts), without I/O. */

const flowOf = (flow: Record<string, unknown>): Flow =>
  parseProgramConfig({ ...demo, flows: [{ name: 'test', ...flow }] }, 'test').flows[0] as Flow;

const review = flowOf({
  id: 'review',
  trigger: { event: 'order.placed' },
  key: 'orderId',
  goal: { event: 'activity.completed', within: 'P30D' },
  steps: [
    { id: 'settle', wait: 'P14D' },
    { id: 'ask', email: 'review-request' },
  ],
});
const T0 = Date.parse('2027-03-01T10:00:00Z');
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const enter = (flow: Flow, prior: FlowRun | undefined, eventAt: string, nowMs = T0) =>
  enterRun(flow, prior, { customerId: 'c1', runKey: 'o1', event: { orderId: 'o1' }, eventAt, facts: {}, nowMs });
const run = (t: Transition | { skip: string }): FlowRun => {
  if ('skip' in t) throw new Error(`expected a transition, got ${t.skip}`);
  return t.run;
};

describe('Function: enterRun', () => {
  it('enters once, counts the entry and waits at the first wait', () => {
    const t = enter(review, undefined, iso(T0));
    expect(t).toMatchObject({ run: { entry: 1, rev: 1, status: 'active', waiting: { stepId: 'settle', until: iso(T0 + 14 * DAY) } } });
    expect('counters' in t && t.counters).toEqual({ entered: 1, 'step:settle': 1 });
  });

  it('never enters again for an event no newer than the one that started the run (a duplicate, a late one)', () => {
    const first = run(enter(review, undefined, iso(T0)));
    expect(enter(review, first, iso(T0))).toEqual({ skip: 'not-newer' });
    expect(enter(review, first, iso(T0 - DAY))).toEqual({ skip: 'not-newer' });
    expect(enter(review, first, iso(T0 + DAY))).toEqual({ skip: 'running' });
  });

  it('follows reentry: once, replace (the newest wins), after an interval', () => {
    const ended = { ...run(enter(review, undefined, iso(T0))), status: 'completed' as const, endedAt: iso(T0 + 15 * DAY) };
    expect(enter(review, ended, iso(T0 + 20 * DAY), T0 + 20 * DAY)).toEqual({ skip: 'once' });

    const replace = flowOf({ ...rawOf(review), reentry: 'replace' });
    const live = run(enter(replace, undefined, iso(T0)));
    const replaced = enter(replace, live, iso(T0 + DAY));
    expect(replaced).toMatchObject({ run: { entry: 2, triggerAt: iso(T0 + DAY) }, counters: { 'exit:replaced': 1, entered: 1 } });
    expect(enter(replace, run(replaced), iso(T0))).toEqual({ skip: 'not-newer' });

    const after = flowOf({ ...rawOf(review), reentry: { after: 'P30D' } });
    const done = { ...run(enter(after, undefined, iso(T0))), status: 'completed' as const, endedAt: iso(T0 + 15 * DAY) };
    expect(enter(after, done, iso(T0 + 20 * DAY), T0 + 20 * DAY)).toEqual({ skip: 'too-soon' });
    expect(enter(after, done, iso(T0 + 50 * DAY), T0 + 50 * DAY)).toMatchObject({ run: { entry: 2 } });
  });

  it('keeps members outside the audience out', () => {
    const gold = flowOf({ ...rawOf(review), audience: { tier: ['Gold'] } });
    expect(
      enterRun(gold, undefined, { customerId: 'c1', runKey: 'o1', event: {}, eventAt: iso(T0), facts: { tier: 'Red' }, nowMs: T0 }),
    ).toEqual({
      skip: 'audience',
    });
  });

  it('ends a run at once whose exit event came first, as it would have in business-time order', () => {
    const mark = markExit(review, 'c1', 'o1', 'event:order.refunded', iso(T0 + DAY), T0 + 2 * DAY).run;
    const t = enter(review, mark, iso(T0), T0 + 2 * DAY);
    expect(t).toMatchObject({ run: { status: 'cancelled', endReason: 'event:order.refunded', entry: 1, path: ['settle'] } });
    expect('counters' in t && t.counters).toEqual({ entered: 1, 'step:settle': 1, 'exit:event:order.refunded': 1 });
  });

  it('moves an inactivity clock only forward, and enters when it runs out', () => {
    const winBack = flowOf({
      id: 'win-back',
      trigger: { inactive: { after: 'P120D' } },
      steps: [{ id: 'bonus', points: 100, reason: 'x' }],
    });
    const clock = run(enter(winBack, undefined, iso(T0)));
    expect(clock.waiting).toEqual({ stepId: INACTIVITY_STEP, until: iso(T0 + 120 * DAY) });
    expect(enter(winBack, clock, iso(T0 - DAY))).toEqual({ skip: 'not-newer' });
    const moved = run(enter(winBack, clock, iso(T0 + 10 * DAY)));
    expect(moved.waiting?.until).toBe(iso(T0 + 130 * DAY));
    const entered = resumeRun(winBack, moved, {}, T0 + 130 * DAY);
    expect(entered).toMatchObject({ run: { status: 'completed' }, actions: [{ kind: 'points', points: 100 }], counters: { entered: 1 } });
  });
});

describe('Function: resumeRun (flow changes)', () => {
  const waiting = run(enter(review, undefined, iso(T0)));
  const later = T0 + 15 * DAY;

  it('continues by step id on a new version', () => {
    const v2 = flowOf({
      ...rawOf(review),
      version: 2,
      steps: [
        { id: 'settle', wait: 'P14D' },
        { id: 'ask', email: 'review-request' },
        { id: 'thanks', points: 5, reason: 'x' },
      ],
    });
    expect(resumeRun(v2, waiting, {}, later)).toMatchObject({
      run: { version: 2, status: 'completed', path: ['settle', 'ask', 'thanks'] },
    });
  });

  it('restarts or cancels when the new version says so', () => {
    const restart = flowOf({ ...rawOf(review), version: 2, onChange: 'restart' });
    expect(resumeRun(restart, waiting, {}, later)).toMatchObject({
      run: { entry: 2, waiting: { stepId: 'settle' } },
      counters: { 'exit:version': 1 },
    });
    const cancel = flowOf({ ...rawOf(review), version: 2, onChange: 'cancel' });
    expect(resumeRun(cancel, waiting, {}, later)).toMatchObject({ run: { status: 'cancelled', endReason: 'version' }, actions: [] });
  });

  it('cancels a run whose step is gone, or whose flow is gone, sending nothing', () => {
    const moved = flowOf({ ...rawOf(review), version: 2, steps: [{ id: 'other', wait: 'P1D' }] });
    expect(resumeRun(moved, waiting, {}, later)).toMatchObject({ run: { status: 'cancelled', endReason: 'step-removed' }, actions: [] });
    expect(resumeRun(undefined, waiting, {}, later)).toMatchObject({
      run: { status: 'cancelled', endReason: 'flow-removed' },
      actions: [],
    });
  });
});

describe('Functions: reachGoal and endRun', () => {
  const entered = run(enter(review, undefined, iso(T0)));

  it('counts a goal once per entry, inside its window, for the group the run is in', () => {
    const reached = reachGoal(review, entered, iso(T0 + 5 * DAY));
    expect(reached).toMatchObject({ run: { goalAt: iso(T0 + 5 * DAY) }, counters: { goal: 1 } });
    expect(reachGoal(review, reached?.run as FlowRun, iso(T0 + 6 * DAY))).toBeUndefined();
    expect(reachGoal(review, entered, iso(T0 + 31 * DAY))).toBeUndefined();
    expect(reachGoal(review, { ...entered, holdout: true }, iso(T0 + DAY))?.counters).toEqual({ 'goal:holdout': 1 });
  });

  it('ends a live run with its reason, counted once', () => {
    expect(endRun(entered, 'event:order.refunded', T0 + DAY)).toMatchObject({
      run: { status: 'cancelled', endReason: 'event:order.refunded', rev: entered.rev + 1 },
      counters: { 'exit:event:order.refunded': 1 },
    });
  });
});

/** The flow as the client file wrote it (what `flowOf` takes), from its parsed form. */
function rawOf(flow: Flow): Record<string, unknown> {
  return JSON.parse(JSON.stringify(flow));
}

describe('Function: countOutcome', () => {
  const entered = run(enter(review, undefined, iso(T0)));
  const order = (orderId: string, at: number, amount = 1000) => ({ orderId, placedAt: iso(at), amount });

  it('counts an order after the trigger and within the window once, the first as a buyer', () => {
    const first = countOutcome(review, entered, order('o2', T0 + DAY));
    expect(first?.counters).toEqual({ orders: 1, revenue: 1000, revenueSq: 100, buyers: 1 });
    const again = countOutcome(review, first?.run as FlowRun, order('o2', T0 + DAY));
    expect(again).toBeUndefined();
    const second = countOutcome(review, first?.run as FlowRun, order('o3', T0 + 2 * DAY, 500));
    // The member's revenue goes from 1 000 to 1 500 minor units: the square, kept in (minor ÷ 100)², grows by 15² − 10².
    expect(second?.counters).toEqual({ orders: 1, revenue: 500, revenueSq: 125 });
  });

  it('leaves out the trigger itself, orders before it or after the window, and a run that never entered', () => {
    expect(countOutcome(review, entered, order('o1', T0))).toBeUndefined();
    expect(countOutcome(review, entered, order('o0', T0 - DAY))).toBeUndefined();
    expect(countOutcome(review, entered, order('o9', T0 + 31 * DAY))).toBeUndefined();
    const { enteredAt: _e, ...clock } = entered;
    expect(countOutcome(review, clock, order('o2', T0 + DAY))).toBeUndefined();
    expect(countOutcome(review, { ...entered, holdout: true }, order('o2', T0 + DAY))?.counters).toMatchObject({
      'orders:holdout': 1,
      'buyers:holdout': 1,
    });
  });
});
