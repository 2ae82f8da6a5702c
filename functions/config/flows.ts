import * as z from 'zod';
import { InvalidDurationError, parseDuration } from '../domain/duration';
import { compileEventPattern, InvalidEventPatternError } from '../domain/event-pattern';
import { isDayOffset, offsetDays } from '../domain/flows/offset';
import { allSteps, childPaths, eventNames, type FlowStep } from '../domain/flows/steps';
import { LOJAL_DETAIL_TYPES, WEBSHOP_DETAIL_TYPES } from '../contract/events';
import { ATTRIBUTE_NAME, type AttributeDeclarations, attributeIssue } from '../domain/attributes';

export { allSteps, childPaths, type FlowStep } from '../domain/flows/steps';

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
  /**
   * Steps per flow, counted through every branch. The actions between two waits are written in
   * one DynamoDB transaction with the run (at most 100 items), so this keeps any path inside it.
   */
  steps: 60,
  /** Nesting of `waitFor`, `branch` and `split` paths. */
  depth: 5,
  /** Paths of one `split` or `branch`. */
  paths: 10,
  /** Days a member-date trigger may lie before or after the date. */
  offsetDays: 90,
  /** The shortest `every` of a recurring broadcast, in days: each occurrence reads the whole member index. */
  everyDays: 1,
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

/** A member-date offset in whole days or weeks, before (`-P3D`) or after (`P1W`) the date. */
const dayOffset = z
  .string()
  .refine(isDayOffset, 'must be whole days or weeks, such as -P3D, P0D or P1W')
  .refine((o) => !isDayOffset(o) || Math.abs(offsetDays(o)) <= FLOW_LIMITS.offsetDays, `at most ${FLOW_LIMITS.offsetDays} days either way`);

/** A time of day on the member's clock, `HH:MM`. */
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM');

/** A recurring schedule's `every`: at least a day. */
const recurrence = duration.refine((value) => {
  try {
    const d = parseDuration(value);
    return d.years * 365 + d.months * 28 + d.weeks * 7 + d.days + d.hours / 24 + d.minutes / 1440 >= FLOW_LIMITS.everyDays;
  } catch {
    return true; // the duration check names the error
  }
}, `must be at least ${FLOW_LIMITS.everyDays} day: each occurrence enumerates every member`);

export const FlowTriggerSchema = z.union([
  /** A bus event (a webshop's or Lojal's own) starts a run for the event's `customerId`. */
  EventConditionSchema,
  /** No `order.placed` for `after` since the member's last order (a win-back). */
  z.strictObject({ inactive: z.strictObject({ after: duration }) }),
  /**
   * A member date: the member's `birthday` or membership `anniversary` (from year 1), `offset`
   * days away (`-P3D`: three days before), at `at` on the member's clock; once per member and
   * year (docs/flows.md, "Member dates"). @default offset P0D, at 09:00
   */
  z.strictObject({ date: z.enum(['birthday', 'anniversary']), offset: dayOffset.default('P0D'), at: localTime.default('09:00') }),
  /**
   * A broadcast: once, at an instant or `before` a campaign's start, or recurring `every` a
   * duration from `starting` (on the client's clock, optionally `until` an instant); every
   * registered member the `audience` admits enters, once per occurrence (docs/flows.md, "Broadcasts").
   */
  z.strictObject({
    schedule: z.union([
      z.strictObject({ at: z.iso.datetime({ offset: true }) }),
      z.strictObject({ campaign: z.string().min(1), before: duration.default('PT0S') }),
      z.strictObject({
        every: recurrence,
        starting: z.iso.datetime({ offset: true }),
        until: z.iso.datetime({ offset: true }).optional(),
      }),
    ]),
  }),
]);

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
      /** Declared member attributes to set (`null` clears one); checked against `attributes` with the whole client file. */
      set: z
        .record(
          z.string().regex(ATTRIBUTE_NAME, 'must be an attribute name'),
          z.union([z.string().max(200), z.number(), z.boolean(), z.null()]),
        )
        .refine((values) => Object.keys(values).length > 0, 'sets at least one attribute'),
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
  /**
   * How long after entry a member's orders count as the flow's outcome (orders, revenue, buyers
   * per group, docs/flows.md "Outcomes"); kept only for a flow with a holdout. @default P30D
   */
  outcomeWindow: duration.default('P30D'),
  /**
   * Which mail waits when flows compete for the marketing cap or a quiet-hours release: the
   * higher first (docs/flows.md, "Priority"). Mails that are not a flow's count as 50. @default 50
   */
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
    const builtIn = new Set<string>([...WEBSHOP_DETAIL_TYPES, ...LOJAL_DETAIL_TYPES]);
    const emitted = flows.flatMap((f) => allSteps(f.steps).flatMap((s) => ('emit' in s ? [s.emit] : [])));
    const known = new Set<string>([...builtIn, ...emitted]);
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
      for (const [path, name] of eventNames(flow))
        if (!known.has(name))
          ctx.addIssue({
            code: 'custom',
            path: [i, ...path],
            message: `${name} is not an event of the bus (a webshop's, Lojal's or one a flow emits)`,
          });
      for (const step of allSteps(flow.steps))
        if ('emit' in step && builtIn.has(step.emit))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'steps'],
            message: `step ${step.id} may not emit ${step.emit}: it is a webshop or Lojal event`,
          });
      if (count > FLOW_LIMITS.steps)
        ctx.addIssue({ code: 'custom', path: [i, 'steps'], message: `has ${count} steps; at most ${FLOW_LIMITS.steps}` });
    });
  });

/**
 * The checks of a client's flows against its declared `attributes` (they need the whole client
 * file): a `set` step sets declared attributes to values of their type, and an `audience` or a
 * `branch.when` that matches `attributes` names declared ones. Paths are from `flows`.
 */
export function flowAttributeIssues(
  flows: readonly Flow[],
  declared: AttributeDeclarations,
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const known = Object.keys(declared).join(', ') || 'none declared';
  const conditionIssues = (pattern: Record<string, unknown> | undefined, path: (string | number)[]) => {
    const alternatives = [pattern, ...(Array.isArray(pattern?.$or) ? (pattern.$or as Record<string, unknown>[]) : [])];
    for (const p of alternatives) {
      const attributes = p?.attributes;
      if (attributes === undefined || typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) continue;
      for (const name of Object.keys(attributes))
        if (!Object.hasOwn(declared, name))
          issues.push({ path: [...path, 'attributes', name], message: `is not an attribute of this program (${known})` });
    }
  };
  flows.forEach((flow, i) => {
    conditionIssues(flow.audience, [i, 'audience']);
    const walk = (steps: readonly FlowStep[], path: (string | number)[]) =>
      steps.forEach((step, j) => {
        const at = [...path, j];
        if ('set' in step) {
          const issue = attributeIssue(declared, step.set);
          if (issue) issues.push({ path: [...at, 'set', issue.name], message: issue.reason });
        }
        if ('branch' in step)
          step.branch.forEach((p, k) => {
            conditionIssues(p.when, [...at, 'branch', k, 'when']);
          });
        for (const [name, sub] of childPaths(step)) walk(sub, [...at, ...name]);
      });
    walk(flow.steps, [i, 'steps']);
  });
  return issues;
}
