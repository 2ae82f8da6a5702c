import * as z from 'zod';
import { InvalidDurationError, parseDuration } from '../domain/duration';
import { compileEventPattern, InvalidEventPatternError } from '../domain/event-pattern';

/**
 * Flows: the client's own workflows, as data in the client file (docs/flows.md). This module
 * is the definition and its validation; a flow that fails here fails `cdk synth` and
 * `npm start`, naming the field. Conditions are EventBridge patterns, matched by the one
 * matcher Lambda and the local copy share (functions/domain/event-pattern.ts).
 */

/** Limits that keep one client's flows cheap to plan and safe to run. */
export const FLOW_LIMITS = {
  /** Flows per client. */
  flows: 50,
  /** Steps per flow, counted through every branch. */
  steps: 100,
  /** Nesting of `waitFor`, `branch` and `split` paths. */
  depth: 5,
  /** Paths of one `split` or `branch`. */
  paths: 10,
} as const;

/** Lower-case words and dashes: flow and step ids appear in keys, counters and URLs. */
const flowId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (at most 63)');

/** An ISO-8601 duration such as `P14D` or `PT2H`, checked by the parser the engine uses. */
const duration = z.string().superRefine((value, ctx) => {
  try {
    parseDuration(value);
  } catch (error) {
    if (!(error instanceof InvalidDurationError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
});

/** An EventBridge pattern over one object (the event's `detail`, or the member's facts), checked as EventBridge would. */
const pattern = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  try {
    compileEventPattern(value as Parameters<typeof compileEventPattern>[0]);
  } catch (error) {
    if (!(error instanceof InvalidEventPatternError)) throw error;
    ctx.addIssue({ code: 'custom', message: `${error.reason}${error.path ? ` (at ${error.path})` : ''}` });
  }
});

/** A bus event, by DetailType, optionally narrowed by a pattern on its detail. */
const EventConditionSchema = z.strictObject({
  event: z.string().min(1).max(128),
  where: pattern.optional(),
});

export const FlowTriggerSchema = z.union([
  /** A bus event (a webshop's or Lojal's own) starts a run for the event's `customerId`. */
  EventConditionSchema,
  /** A member date (`birthday`, `anniversary`, `registered`) with an offset, at a local time of day. */
  z.strictObject({
    date: z.enum(['birthday', 'anniversary', 'registered']),
    offsetDays: z.number().int().min(-366).max(366).default(0),
    at: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM')
      .default('09:00'),
  }),
  /** No `order.placed` for `after` since the member's last order (a win-back). */
  z.strictObject({ inactive: z.strictObject({ after: duration }) }),
]);

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
  | { readonly id: string; readonly set: Record<string, string | number | boolean | null> }
  | { readonly id: string; readonly exit: true };

const stepId = flowId;

export const FlowStepSchema: z.ZodType<FlowStep> = z.lazy(() =>
  z.union([
    z.strictObject({ id: stepId, wait: duration }),
    z.strictObject({
      id: stepId,
      waitFor: z.strictObject({
        event: z.string().min(1).max(128),
        where: pattern.optional(),
        within: duration,
        sameKey: z.boolean().optional(),
      }),
      matched: z.array(FlowStepSchema),
      timedOut: z.array(FlowStepSchema),
    }),
    z.strictObject({
      id: stepId,
      branch: z
        .array(z.strictObject({ when: pattern.optional(), steps: z.array(FlowStepSchema) }))
        .min(1)
        .max(FLOW_LIMITS.paths),
    }),
    z.strictObject({
      id: stepId,
      split: z
        .array(z.strictObject({ percent: z.number().int().min(0).max(100), steps: z.array(FlowStepSchema) }))
        .min(2)
        .max(FLOW_LIMITS.paths)
        .refine((paths) => paths.reduce((sum, p) => sum + p.percent, 0) === 100, 'the percentages must add up to 100'),
    }),
    z.strictObject({ id: stepId, email: z.string().min(1) }),
    z.strictObject({ id: stepId, points: z.number().int().min(-1_000_000).max(1_000_000), reason: z.string().min(1).max(200) }),
    z.strictObject({
      id: stepId,
      emit: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, 'must be a dotted name such as nps.detractor'),
      detail: z.record(z.string(), z.unknown()).optional(),
    }),
    z.strictObject({
      id: stepId,
      set: z.record(z.string().min(1).max(64), z.union([z.string().max(500), z.number(), z.boolean(), z.null()])),
    }),
    z.strictObject({ id: stepId, exit: z.literal(true) }),
  ]),
);

export const FlowSchema = z.strictObject({
  id: flowId,
  /** Raised when the steps change; runs in flight follow `onChange`. */
  version: z.number().int().positive().default(1),
  name: z.string().min(1).max(200),
  trigger: FlowTriggerSchema,
  /**
   * A field of the trigger event's detail that keys a run (`orderId`: one run per order). Absent:
   * one live run per member.
   */
  key: z.string().min(1).max(64).optional(),
  /** Entry again: `once` ever per key, `after` an interval since the last run ended, or `replace` the live run. @default once */
  reentry: z.union([z.literal('once'), z.literal('replace'), z.strictObject({ after: duration })]).default('once'),
  /** Who may enter: a pattern over the member's facts (tier, lifetimePoints, marketingConsent, attributes, …). */
  audience: pattern.optional(),
  /** Events that end a live run; `sameKey` only for the run with the event's key. */
  exitOn: z
    .array(EventConditionSchema.extend({ sameKey: z.boolean().optional() }))
    .max(10)
    .default([]),
  /** A run converts when this event arrives within the window after entry. */
  goal: EventConditionSchema.extend({ within: duration }).optional(),
  /** Share of entrants (deterministic per member and flow) that pass the timing but take no action. */
  holdoutPercent: z.number().min(0).max(100).default(0),
  /** Which mail waits when flows compete for the marketing cap: higher first. */
  priority: z.number().int().min(0).max(100).default(50),
  /** What a new `version` does to runs in flight: continue by step id, restart, or cancel. @default continue */
  onChange: z.enum(['continue', 'restart', 'cancel']).default('continue'),
  steps: z.array(FlowStepSchema).min(1),
});

export type Flow = z.output<typeof FlowSchema>;

/** The flows of a client file, with the checks that need them all: ids, limits, step references. */
export const FlowsSchema = z
  .array(FlowSchema)
  .max(FLOW_LIMITS.flows)
  .default([])
  .superRefine((flows, ctx) => {
    const ids = new Set<string>();
    flows.forEach((flow, i) => {
      if (ids.has(flow.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `${flow.id} is used by another flow` });
      ids.add(flow.id);
      const seen = new Set<string>();
      let count = 0;
      const walk = (steps: readonly FlowStep[], path: (string | number)[], depth: number) => {
        if (depth > FLOW_LIMITS.depth)
          ctx.addIssue({ code: 'custom', path, message: `nests deeper than ${FLOW_LIMITS.depth} levels of waitFor, branch and split` });
        steps.forEach((step, j) => {
          const at = [...path, j];
          count++;
          if (seen.has(step.id))
            ctx.addIssue({ code: 'custom', path: [...at, 'id'], message: `${step.id} is used by another step of this flow` });
          seen.add(step.id);
          for (const [name, sub] of childPaths(step)) walk(sub, [...at, ...name], depth + 1);
        });
      };
      walk(flow.steps, [i, 'steps'], 0);
      if (count > FLOW_LIMITS.steps)
        ctx.addIssue({ code: 'custom', path: [i, 'steps'], message: `has ${count} steps; at most ${FLOW_LIMITS.steps}` });
    });
  });

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
