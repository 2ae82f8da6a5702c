import type { Flow } from '../../config/flows';
import { addDuration, parseDuration } from '../duration';
import { squareDelta } from '../measurement/statistics';
import { type FlowAction, inFlowHoldout, matchesFacts, planRun, type RunInput, type RunPosition, UnknownStepError } from './plan';

/**
 * The flow engine's decisions, pure: how a run enters, moves, ends and converts. The app layer
 * (functions/app/run-flows.ts) reads the run, asks these functions for a `Transition` and writes
 * it in ONE DynamoDB transaction guarded by the run's revision, so every move happens once
 * however often, late or concurrently its cause is delivered. Actions carry idempotency keys
 * (`actionKey`), so performing one twice after a crash has the effect of once.
 *
 * Decisions (docs/flows.md):
 * - **Newest cause wins.** A run remembers the business time of the event that started it
 *   (`triggerAt`). An event no newer than that never starts another entry or replaces the run:
 *   a duplicated or late-delivered trigger is a no-op, and a `replace` flow ends on the run of the
 *   newest event whatever the delivery order.
 * - **Inactivity** (`trigger.inactive`) keeps a clock per member: every `order.placed` moves it
 *   to the newest order's time plus `after`; when it runs out the member enters the flow.
 * - **Audience** is checked at entry, on the member's facts then.
 */

export type RunStatus = 'active' | 'completed' | 'exited' | 'cancelled';

/** Where the run waits: the wake item the sweeper finds (`until`) and, for a `waitFor`, the event that moves it. */
export interface RunWaiting {
  readonly stepId: string;
  readonly until: string;
  /** For a `waitFor`: the DetailType it waits for (the awaiting item is keyed by it). */
  readonly event?: string;
}

/** One run of a flow for one member and run key, as stored in the member's partition. */
export interface FlowRun {
  readonly flowId: string;
  readonly customerId: string;
  readonly runKey: string;
  /** Counts entries of this run key from 1: a re-entry is a new entry with new action keys. */
  readonly entry: number;
  /** The flow version the run follows. */
  readonly version: number;
  /** Moves by one with every committed transition: the optimistic lock. */
  readonly rev: number;
  readonly status: RunStatus;
  /** Business time of the event that started this entry (or moved the inactivity clock). */
  readonly triggerAt: string;
  /** When the member entered the flow's steps; absent while an inactivity clock runs. */
  readonly enteredAt?: string;
  readonly waiting?: RunWaiting;
  readonly holdout: boolean;
  readonly endedAt?: string;
  /** `completed`, `exit` (an exit step), `event:<type>` (exitOn), `replaced`, `flow-removed`, `step-removed`, `version`, `deleted`. */
  readonly endReason?: string;
  readonly goalAt?: string;
  /** The trigger event's detail: the `{{event.…}}` variables of the run's mail. Erased with the member. */
  readonly event: Record<string, unknown>;
  /** The steps reached, in order (what `GET /v1/members/{id}/flows` shows). */
  readonly path: readonly string[];
  /** The orders counted as this entry's outcome (ids, the last 50) and their revenue, minor units. */
  readonly outcome?: { readonly orders: readonly string[]; readonly revenue: number };
}

/** A committed move: the run as it is after, the actions to perform, the counters to add. */
export interface Transition {
  readonly run: FlowRun;
  readonly actions: readonly FlowAction[];
  /** Per-flow counters (`entered`, `step:<id>`, `exit:<reason>`, `goal`, …), added in the same transaction. */
  readonly counters: Readonly<Record<string, number>>;
}

/** Why an event did not start a run (for logs and tests). */
export type NoEntry = { readonly skip: 'not-newer' | 'running' | 'once' | 'too-soon' | 'audience' };

/** The inactivity clock's pseudo step: the run waits here until the member has been inactive long enough. */
export const INACTIVITY_STEP = '$inactive';

/** A member-date run's pseudo step: it waits here for its local time on the day (`trigger.date`), then enters. */
export const DATE_STEP = '$date';

/** Steps after which the run continues (`planRun` returns where the run stands next). */
function apply(flow: Flow, run: FlowRun, position: RunPosition, reached: readonly string[], nowIso: string): FlowRun {
  const path = [...run.path, ...reached].slice(-50);
  if (position.status === 'done') {
    const { waiting: _w, ...rest } = run;
    return {
      ...rest,
      version: flow.version,
      path,
      status: position.reason === 'exit' ? 'exited' : 'completed',
      endedAt: nowIso,
      endReason: position.reason,
    };
  }
  const waiting: RunWaiting =
    position.status === 'waiting'
      ? { stepId: position.stepId, until: position.until }
      : { stepId: position.stepId, until: position.until, event: position.event };
  return { ...run, version: flow.version, path, status: 'active', waiting };
}

function counted(reached: readonly string[], position: RunPosition, extra: Record<string, number> = {}): Record<string, number> {
  const counters: Record<string, number> = { ...extra };
  for (const id of reached) counters[`step:${id}`] = (counters[`step:${id}`] ?? 0) + 1;
  if (position.status === 'done') counters[`exit:${position.reason}`] = (counters[`exit:${position.reason}`] ?? 0) + 1;
  return counters;
}

export interface EntryContext {
  readonly customerId: string;
  readonly runKey: string;
  /** The trigger event's detail and its business time. */
  readonly event: Record<string, unknown>;
  readonly eventAt: string;
  readonly facts: Record<string, unknown>;
  readonly nowMs: number;
}

/** Whether an event starts a new entry over `prior` (the run of the same key, if any), by the flow's `reentry`. */
function entryAllowed(flow: Flow, prior: FlowRun | undefined, eventAt: string, nowMs: number): NoEntry | { readonly replaces: boolean } {
  if (!prior || isExitMark(prior)) return { replaces: false };
  if (eventAt <= prior.triggerAt) return { skip: 'not-newer' };
  if (prior.status === 'active') return flow.reentry === 'replace' ? { replaces: true } : { skip: 'running' };
  if (flow.reentry === 'once') return { skip: 'once' };
  if (flow.reentry === 'replace') return { replaces: false };
  const endedAt = Date.parse(prior.endedAt ?? prior.triggerAt);
  return addDuration(new Date(endedAt), parseDuration(flow.reentry.after)).getTime() <= nowMs ? { replaces: false } : { skip: 'too-soon' };
}

/** The member enters the flow's steps: the holdout is drawn, the steps up to the first wait run. */
function enterSteps(flow: Flow, base: FlowRun, facts: Record<string, unknown>, nowMs: number, extra: Record<string, number>): Transition {
  const nowIso = new Date(nowMs).toISOString();
  const holdout = inFlowHoldout(flow, base.customerId);
  const run: FlowRun = { ...base, holdout, enteredAt: nowIso, path: [] };
  const plan = planRun(
    flow,
    { kind: 'enter' },
    { customerId: run.customerId, runKey: run.runKey, entry: run.entry, facts, holdout },
    nowMs,
  );
  const counters = counted(plan.reached, plan.position, { ...extra, entered: 1, ...(holdout ? { 'entered:holdout': 1 } : {}) });
  return { run: apply(flow, run, plan.position, plan.reached, nowIso), actions: plan.actions, counters };
}

/**
 * A trigger event for `flow` (its `event` and `where` already matched): a new entry, a
 * replacement of the live run, or nothing. For an inactivity flow, the clock is started or moved.
 */
export function enterRun(flow: Flow, prior: FlowRun | undefined, ctx: EntryContext): Transition | NoEntry {
  const base = (entry: number): FlowRun => ({
    flowId: flow.id,
    customerId: ctx.customerId,
    runKey: ctx.runKey,
    entry,
    version: flow.version,
    rev: (prior?.rev ?? 0) + 1,
    status: 'active',
    triggerAt: ctx.eventAt,
    holdout: false,
    event: ctx.event,
    path: [],
  });
  if ('inactive' in flow.trigger) {
    const until = addDuration(new Date(ctx.eventAt), parseDuration(flow.trigger.inactive.after)).toISOString();
    if (prior?.status === 'active' && prior.enteredAt === undefined) {
      // The clock runs: a newer order moves it, an older one (delivered late) leaves it.
      if (ctx.eventAt <= prior.triggerAt) return { skip: 'not-newer' };
      return {
        run: { ...prior, rev: prior.rev + 1, triggerAt: ctx.eventAt, event: ctx.event, waiting: { stepId: INACTIVITY_STEP, until } },
        actions: [],
        counters: {},
      };
    }
    if (prior?.status === 'active') return { skip: 'running' };
    if (prior && ctx.eventAt <= prior.triggerAt) return { skip: 'not-newer' };
    // Every order restarts the clock; `reentry: 'once'` lets a member enter the steps once ever.
    if (prior?.enteredAt !== undefined && flow.reentry === 'once') return { skip: 'once' };
    return { run: { ...base((prior?.entry ?? 0) + 1), waiting: { stepId: INACTIVITY_STEP, until } }, actions: [], counters: {} };
  }
  const allowed = entryAllowed(flow, prior, ctx.eventAt, ctx.nowMs);
  if ('skip' in allowed) return allowed;
  if (!matchesFacts(flow.audience, ctx.facts)) return { skip: 'audience' };
  const entered = enterSteps(flow, base((prior?.entry ?? 0) + 1), ctx.facts, ctx.nowMs, allowed.replaces ? { 'exit:replaced': 1 } : {});
  // The run's exit event came first (delivered out of order) and is later than this trigger:
  // the run enters and ends at once, as it would have in business-time order.
  if (prior && isExitMark(prior) && ctx.eventAt <= prior.triggerAt && entered.run.status === 'active') {
    const ended = endRun(entered.run, prior.endReason ?? 'exit', ctx.nowMs);
    const counters = { ...entered.counters };
    for (const [k, v] of Object.entries(ended.counters)) counters[k] = (counters[k] ?? 0) + v;
    return { run: { ...ended.run, rev: entered.run.rev }, actions: entered.actions, counters };
  }
  return entered;
}

/**
 * A member's date is near (`trigger.date`): the run of this year's key (`birthday:2027`) is put
 * to wait for its instant, the day's local `at`, and enters the steps then (`resumeRun`), with
 * the audience checked on the facts of that moment. A run of the key that exists already (a
 * duplicated or late delivery of the same day) is left alone: once per flow, member and year.
 */
export function awaitDate(flow: Flow, prior: FlowRun | undefined, ctx: Omit<EntryContext, 'facts'>, until: string): Transition | NoEntry {
  if (prior) return { skip: 'once' };
  return {
    run: {
      flowId: flow.id,
      customerId: ctx.customerId,
      runKey: ctx.runKey,
      entry: 1,
      version: flow.version,
      rev: 1,
      status: 'active',
      triggerAt: ctx.eventAt,
      holdout: false,
      event: ctx.event,
      path: [],
      waiting: { stepId: DATE_STEP, until },
    },
    actions: [],
    counters: {},
  };
}

/**
 * An exit event with `sameKey` for a run key that has no run yet (a refund delivered before its
 * order): remembered as an exit mark (entry 0), so the trigger, when it comes, ends at once.
 */
export function markExit(flow: Flow, customerId: string, runKey: string, reason: string, eventAt: string, nowMs: number): Transition {
  return {
    run: {
      flowId: flow.id,
      customerId,
      runKey,
      entry: 0,
      version: flow.version,
      rev: 1,
      status: 'cancelled',
      triggerAt: eventAt,
      holdout: false,
      endedAt: new Date(nowMs).toISOString(),
      endReason: reason,
      event: {},
      path: [],
    },
    actions: [],
    counters: {},
  };
}

/** A run that is only an exit mark (`markExit`): it never entered. */
export const isExitMark = (run: FlowRun): boolean => run.entry === 0;

/**
 * A run's wait ran out (`wait`, a `waitFor`'s time, or the inactivity clock). Stale wakes (the
 * run moved on since) are the caller's to drop by comparing `rev`. A flow changed since the run
 * started follows `onChange`; a step the flow no longer has cancels the run.
 */
export function resumeRun(flow: Flow | undefined, run: FlowRun, facts: Record<string, unknown>, nowMs: number): Transition | NoEntry {
  const nowIso = new Date(nowMs).toISOString();
  const waiting = run.waiting;
  if (run.status !== 'active' || !waiting) return { skip: 'running' };
  if (!flow) return endRun(run, 'flow-removed', nowMs);
  if (waiting.stepId === INACTIVITY_STEP || waiting.stepId === DATE_STEP) {
    if (!matchesFacts(flow.audience, facts)) return endRun(run, 'audience', nowMs);
    return enterSteps(flow, { ...run, rev: run.rev + 1 }, facts, nowMs, {});
  }
  if (run.version !== flow.version) {
    if (flow.onChange === 'cancel') return endRun(run, 'version', nowMs);
    if (flow.onChange === 'restart')
      return enterSteps(flow, { ...run, rev: run.rev + 1, entry: run.entry + 1, version: flow.version }, facts, nowMs, {
        'exit:version': 1,
      });
  }
  const input: RunInput =
    waiting.event === undefined
      ? { kind: 'wait-over', stepId: waiting.stepId }
      : { kind: 'wait-for', stepId: waiting.stepId, outcome: 'timedOut' };
  return move(flow, run, input, facts, nowMs, nowIso);
}

/** The event a run's `waitFor` waits for came (its `where` and `sameKey` already checked by `awaitedBy`). */
export function matchRun(flow: Flow, run: FlowRun, facts: Record<string, unknown>, nowMs: number): Transition | NoEntry {
  const waiting = run.waiting;
  if (run.status !== 'active' || waiting?.event === undefined) return { skip: 'running' };
  return move(flow, run, { kind: 'wait-for', stepId: waiting.stepId, outcome: 'matched' }, facts, nowMs, new Date(nowMs).toISOString());
}

function move(
  flow: Flow,
  run: FlowRun,
  input: RunInput,
  facts: Record<string, unknown>,
  nowMs: number,
  nowIso: string,
): Transition | NoEntry {
  try {
    const plan = planRun(
      flow,
      input,
      { customerId: run.customerId, runKey: run.runKey, entry: run.entry, facts, holdout: run.holdout },
      nowMs,
    );
    return {
      run: apply(flow, { ...run, rev: run.rev + 1 }, plan.position, plan.reached, nowIso),
      actions: plan.actions,
      counters: counted(plan.reached, plan.position),
    };
  } catch (error) {
    if (error instanceof UnknownStepError) return endRun(run, 'step-removed', nowMs);
    throw error;
  }
}

/** Ends a live run for `reason` (an exitOn event, a removed flow, the member's deletion). */
export function endRun(run: FlowRun, reason: string, nowMs: number): Transition {
  const { waiting: _w, ...rest } = run;
  return {
    run: {
      ...rest,
      rev: run.rev + 1,
      status: reason === 'exit' ? 'exited' : 'cancelled',
      endedAt: new Date(nowMs).toISOString(),
      endReason: reason,
    },
    actions: [],
    counters: run.enteredAt === undefined ? {} : { [`exit:${reason}`]: 1 },
  };
}

/** The goal event came: counted once per entry, within `goal.within` of entering, for treated and holdout runs alike. */
export function reachGoal(flow: Flow, run: FlowRun, eventAt: string): Transition | undefined {
  if (!flow.goal || run.enteredAt === undefined || run.goalAt !== undefined) return undefined;
  const deadline = addDuration(new Date(run.enteredAt), parseDuration(flow.goal.within)).toISOString();
  if (eventAt < run.triggerAt || eventAt > deadline) return undefined;
  return {
    run: { ...run, rev: run.rev + 1, goalAt: eventAt },
    actions: [],
    counters: run.holdout ? { 'goal:holdout': 1 } : { goal: 1 },
  };
}

/** Whether an event with `detail` belongs to the run when a condition says `sameKey`. */
export function sameKey(flow: Pick<Flow, 'key'>, run: Pick<FlowRun, 'runKey'>, detail: Record<string, unknown>): boolean {
  if (flow.key === undefined) return true;
  const value = detail[flow.key];
  return (typeof value === 'string' || typeof value === 'number') && String(value) === run.runKey;
}

/** The business time of an event: the first time field its detail has, else the envelope's, else now. */
export function businessTimeOf(detail: Record<string, unknown>, envelopeTime: string | undefined, nowMs: number): string {
  for (const field of ['placedAt', 'refundedAt', 'occurredAt', 'answeredAt', 'updatedAt', 'registeredAt', 'deletedAt', 'dueAt', 'at']) {
    const value = detail[field];
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  }
  if (envelopeTime !== undefined && !Number.isNaN(Date.parse(envelopeTime))) return new Date(envelopeTime).toISOString();
  return new Date(nowMs).toISOString();
}

/**
 * An order counts as a run's outcome (docs/flows.md, "Outcomes") when the run entered, the
 * order is later in business time than the run's trigger and within `outcomeWindow` of it, and
 * it was not counted before (a redelivery). The counters feed the flow's lift: orders, revenue
 * (with its sum of squares per member, for Welch's interval) and buyers, for treated and
 * held-out runs apart.
 */
export function countOutcome(
  flow: Pick<Flow, 'outcomeWindow'>,
  run: FlowRun,
  order: { readonly orderId: string; readonly placedAt: string; readonly amount: number },
): Transition | undefined {
  if (run.enteredAt === undefined || order.placedAt <= run.triggerAt) return undefined;
  const until = addDuration(new Date(run.triggerAt), parseDuration(flow.outcomeWindow)).toISOString();
  if (order.placedAt > until) return undefined;
  const counted = run.outcome ?? { orders: [], revenue: 0 };
  if (counted.orders.includes(order.orderId)) return undefined;
  const revenue = counted.revenue + order.amount;
  const suffix = run.holdout ? ':holdout' : '';
  return {
    run: { ...run, rev: run.rev + 1, outcome: { orders: [...counted.orders, order.orderId].slice(-50), revenue } },
    actions: [],
    counters: {
      [`orders${suffix}`]: 1,
      [`revenue${suffix}`]: order.amount,
      // In (minor ÷ 100)², so a big buyer's square stays an exact number (squareForCounter).
      [`revenueSq${suffix}`]: squareDelta(counted.revenue, revenue),
      ...(counted.orders.length === 0 ? { [`buyers${suffix}`]: 1 } : {}),
    },
  };
}
