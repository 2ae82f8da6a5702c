import type { Flow } from '../../config/flows';
import { childPaths, type FlowStep } from './steps';
import { addDuration, parseDuration } from '../duration';
import { compileEventPattern, type EventMatcher } from '../event-pattern';
import { inStableShare, stableBucket } from '../stable-share';

/**
 * The flow planner: pure. Given a flow, where a run stands and what just happened (it entered,
 * a wait ran out, the awaited event came or its time ran out), it works out the actions to take
 * and where the run stands next. The engine that stores runs and executes the actions keys each
 * action by (flow, member, run key, step), so an action planned twice is done once.
 *
 * A run's position is a step id: ids are stable across versions, so a run in flight continues
 * by id after a change (`onChange: 'continue'`).
 */

/** An action of one step. `key` is its idempotency key: `flow:<flow>:<run key>:<entry>:<step>` (unique per member). */
export type FlowAction =
  | { readonly kind: 'email'; readonly stepId: string; readonly key: string; readonly message: string }
  | { readonly kind: 'points'; readonly stepId: string; readonly key: string; readonly points: number; readonly reason: string }
  | {
      readonly kind: 'emit';
      readonly stepId: string;
      readonly key: string;
      readonly detailType: string;
      readonly detail: Record<string, unknown>;
    }
  | {
      readonly kind: 'set';
      readonly stepId: string;
      readonly key: string;
      readonly attributes: Readonly<Record<string, string | number | boolean | null>>;
    };

/** Where a run stands after a plan. */
export type RunPosition =
  | { readonly status: 'waiting'; readonly stepId: string; readonly until: string }
  | {
      readonly status: 'waiting-for';
      readonly stepId: string;
      readonly event: string;
      readonly until: string;
    }
  | { readonly status: 'done'; readonly reason: 'completed' | 'exit' };

export interface RunContext {
  readonly customerId: string;
  /** The run's key (the trigger's `key` field, or `member` for one live run per member). */
  readonly runKey: string;
  /** Which entry of the run key this is (1 for the first; re-entry counts up): a new entry acts again. */
  readonly entry: number;
  /** The member's facts the `branch` conditions are matched against. */
  readonly facts: Record<string, unknown>;
  /** In the flow's holdout: the run passes the timing but takes no action. */
  readonly holdout: boolean;
}

export interface FlowPlan {
  readonly actions: readonly FlowAction[];
  /** Step ids reached, in order (the per-step counters). */
  readonly reached: readonly string[];
  readonly position: RunPosition;
}

/** What moves a run. */
export type RunInput =
  | { readonly kind: 'enter' }
  /** A `wait` at `stepId` ran out. */
  | { readonly kind: 'wait-over'; readonly stepId: string }
  /** The `waitFor` at `stepId` saw its event (`matched`) or its time ran out. */
  | { readonly kind: 'wait-for'; readonly stepId: string; readonly outcome: 'matched' | 'timedOut' };

/** The idempotency key of a step's action: mail ref, ledger reference and emitted `idempotencyKey`. */
export const actionKey = (flowId: string, runKey: string, entry: number, stepId: string): string =>
  `flow:${flowId}:${encodeURIComponent(runKey)}:${entry}:${stepId}`;

/** Whether a member enters a flow's holdout: a stable share per member and flow. */
export const inFlowHoldout = (flow: Pick<Flow, 'id' | 'holdoutPercent'>, customerId: string): boolean =>
  inStableShare(`flow\n${flow.id}\n${customerId}`, flow.holdoutPercent);

/** The run key of a trigger event's detail: its `key` field, or `member` for flows without one. */
export function runKeyOf(flow: Pick<Flow, 'key'>, detail: Record<string, unknown>): string | undefined {
  if (flow.key === undefined) return 'member';
  const value = detail[flow.key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** Where each step sits: the list it is in, its index there, and the step whose path holds the list. */
interface Place {
  readonly list: readonly FlowStep[];
  readonly index: number;
  readonly parent: string | undefined;
}

const places = new WeakMap<readonly FlowStep[], Map<string, Place>>();
const matchers = new WeakMap<object, EventMatcher>();

function placesOf(steps: readonly FlowStep[]): Map<string, Place> {
  let found = places.get(steps);
  if (!found) {
    const map = new Map<string, Place>();
    const walk = (list: readonly FlowStep[], parent: string | undefined) =>
      list.forEach((step, index) => {
        map.set(step.id, { list, index, parent });
        for (const [, sub] of childPaths(step)) walk(sub, step.id);
      });
    walk(steps, undefined);
    found = map;
    places.set(steps, found);
  }
  return found;
}

function matcherOf(pattern: Record<string, unknown>): EventMatcher {
  let m = matchers.get(pattern);
  if (!m) {
    m = compileEventPattern(pattern as Parameters<typeof compileEventPattern>[0]);
    matchers.set(pattern, m);
  }
  return m;
}

/** True when the member's facts match a pattern (no pattern: everyone). */
export function matchesFacts(pattern: Record<string, unknown> | undefined, facts: Record<string, unknown>): boolean {
  return pattern === undefined || matcherOf(pattern)(facts);
}

/** Plans one move of a run at `nowMs`. Throws for a step id the flow does not have (a removed step: the engine cancels the run). */
export function planRun(flow: Flow, input: RunInput, context: RunContext, nowMs: number): FlowPlan {
  const index = placesOf(flow.steps);
  const actions: FlowAction[] = [];
  const reached: string[] = [];
  const key = (stepId: string) => actionKey(flow.id, context.runKey, context.entry, stepId);

  /** The steps to run from: a list and a position in it, climbing out of finished paths. */
  const after = (stepId: string): { list: readonly FlowStep[]; at: number } => {
    const place = index.get(stepId);
    if (!place) throw new UnknownStepError(flow.id, stepId);
    return { list: place.list, at: place.index + 1 };
  };
  let { list, at } = ((): { list: readonly FlowStep[]; at: number } => {
    if (input.kind === 'enter') return { list: flow.steps, at: 0 };
    if (input.kind === 'wait-over') return after(input.stepId);
    const place = index.get(input.stepId);
    const s = place?.list[place.index];
    if (!s || !('waitFor' in s)) throw new UnknownStepError(flow.id, input.stepId);
    const path = input.outcome === 'matched' ? s.matched : s.timedOut;
    // An empty path continues after the waitFor.
    return path.length > 0 ? { list: path, at: 0 } : after(input.stepId);
  })();

  for (let guard = 0; guard <= 10_000; guard++) {
    const step = list[at];
    if (step === undefined) {
      // The end of a path: continue after the step that holds it, or the run is complete.
      const parent = index.get(list[0]?.id ?? '')?.parent;
      if (parent === undefined) return { actions, reached, position: { status: 'done', reason: 'completed' } };
      ({ list, at } = after(parent));
      continue;
    }
    reached.push(step.id);
    if ('wait' in step) {
      const until = addDuration(new Date(nowMs), parseDuration(step.wait)).toISOString();
      return { actions, reached, position: { status: 'waiting', stepId: step.id, until } };
    }
    if ('waitFor' in step) {
      const until = addDuration(new Date(nowMs), parseDuration(step.waitFor.within)).toISOString();
      return { actions, reached, position: { status: 'waiting-for', stepId: step.id, event: step.waitFor.event, until } };
    }
    if ('exit' in step) return { actions, reached, position: { status: 'done', reason: 'exit' } };
    if ('branch' in step) {
      const path = step.branch.find((p) => matchesFacts(p.when, context.facts));
      if (path && path.steps.length > 0) {
        list = path.steps;
        at = 0;
      } else at++;
      continue;
    }
    if ('split' in step) {
      const bucket = stableBucket(`${context.customerId}\n${key(step.id)}`) / 100;
      let upTo = 0;
      const path = step.split.find((p) => {
        upTo += p.percent;
        return bucket < upTo;
      });
      if (path && path.steps.length > 0) {
        list = path.steps;
        at = 0;
      } else at++;
      continue;
    }
    if (!context.holdout) actions.push(actionOf(step, key(step.id), context));
    at++;
  }
  throw new Error(`flow ${flow.id}: more steps than any valid flow has`); // cannot happen: FLOW_LIMITS.steps
}

function actionOf(step: FlowStep, key: string, context: RunContext): FlowAction {
  if ('email' in step) return { kind: 'email', stepId: step.id, key, message: step.email };
  if ('points' in step) return { kind: 'points', stepId: step.id, key, points: step.points, reason: step.reason };
  if ('emit' in step)
    return {
      kind: 'emit',
      stepId: step.id,
      key,
      detailType: step.emit,
      detail: { ...(step.detail ?? {}), customerId: context.customerId, runKey: context.runKey, idempotencyKey: key },
    };
  if ('set' in step) return { kind: 'set', stepId: step.id, key, attributes: step.set };
  throw new Error(`step ${step.id} is not an action`);
}

/** A run stands at a step its flow no longer has (the step was removed by a new version). */
export class UnknownStepError extends Error {
  override readonly name = 'UnknownStepError';
  constructor(
    readonly flowId: string,
    readonly stepId: string,
  ) {
    super(`flow ${flowId} has no step ${stepId}`);
  }
}
