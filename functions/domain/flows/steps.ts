/**
 * The steps of a flow as data, without the client-file schema (functions/config/flows.ts): what
 * the engine in Lambda needs, kept free of the full zod the schema is written in.
 */

/** One step. Actions (`email`, `points`, `emit`, `set`) and control (`wait`, `waitFor`, `branch`, `split`, `exit`). */
export type FlowStep =
  | { readonly id: string; readonly wait: string }
  | {
      readonly id: string;
      readonly waitFor: {
        readonly event: string;
        readonly where?: Record<string, unknown>;
        readonly within: string;
        readonly sameKey?: boolean;
      };
      readonly matched: readonly FlowStep[];
      readonly timedOut: readonly FlowStep[];
    }
  | {
      readonly id: string;
      readonly branch: readonly { readonly when?: Record<string, unknown>; readonly steps: readonly FlowStep[] }[];
    }
  | { readonly id: string; readonly split: readonly { readonly percent: number; readonly steps: readonly FlowStep[] }[] }
  | { readonly id: string; readonly email: string }
  | { readonly id: string; readonly points: number; readonly reason: string }
  | { readonly id: string; readonly emit: string; readonly detail?: Record<string, unknown> }
  /** Sets client-declared member attributes (`null` clears one), in business-time order with `customer.updated`. */
  | { readonly id: string; readonly set: Readonly<Record<string, string | number | boolean | null>> }
  | { readonly id: string; readonly exit: true };

/** What the engine reads of a flow besides its steps: the events it listens to. */
export interface FlowEvents {
  readonly trigger:
    | { readonly event: string }
    | { readonly inactive: { readonly after: string } }
    | { readonly date: 'birthday' | 'anniversary'; readonly offset: string; readonly at: string }
    | {
        readonly schedule:
          | { readonly at: string }
          | { readonly campaign: string; readonly before: string }
          | { readonly every: string; readonly starting: string; readonly until?: string | undefined };
      };
  readonly exitOn: readonly { readonly event: string }[];
  readonly goal?: { readonly event: string } | undefined;
  readonly steps: readonly FlowStep[];
}

/** The nested paths of a step, with their place in the definition (`['matched']`, `['branch', 0, 'steps']`). */
export function childPaths(step: FlowStep): [readonly (string | number)[], readonly FlowStep[]][] {
  if ('waitFor' in step)
    return [
      [['matched'], step.matched],
      [['timedOut'], step.timedOut],
    ];
  if ('branch' in step) return step.branch.map((p, k) => [['branch', k, 'steps'], p.steps]);
  if ('split' in step) return step.split.map((p, k) => [['split', k, 'steps'], p.steps]);
  return [];
}

/** Every step of a flow, depth first, in definition order. */
export function allSteps(steps: readonly FlowStep[]): FlowStep[] {
  return steps.flatMap((s) => [s, ...childPaths(s).flatMap(([, sub]) => allSteps(sub))]);
}

/** Every event a flow listens to, with where it is named: the trigger, `exitOn`, the goal and each `waitFor`. */
export function eventNames(flow: FlowEvents): [readonly (string | number)[], string][] {
  const names: [readonly (string | number)[], string][] = [];
  if ('event' in flow.trigger) names.push([['trigger', 'event'], flow.trigger.event]);
  else if ('inactive' in flow.trigger) names.push([['trigger', 'inactive'], 'order.placed']);
  flow.exitOn.forEach((e, k) => {
    names.push([['exitOn', k, 'event'], e.event]);
  });
  if (flow.goal) names.push([['goal', 'event'], flow.goal.event]);
  for (const step of allSteps(flow.steps)) if ('waitFor' in step) names.push([['steps', step.id, 'waitFor'], step.waitFor.event]);
  return names;
}

/**
 * The DetailType whose detail a run's `{{event.…}}` variables come from: the trigger's event,
 * `order.placed` for an inactivity flow (the member's newest order), `flow.broadcast` for a
 * broadcast (its flow id, instant and campaign), `flow.date` for a member date (the date, the years).
 */
export function entryEvent(flow: Pick<FlowEvents, 'trigger'>): string {
  if ('event' in flow.trigger) return flow.trigger.event;
  if ('date' in flow.trigger) return 'flow.date';
  return 'inactive' in flow.trigger ? 'order.placed' : 'flow.broadcast';
}
