import * as z from 'zod/mini';
import { summarizeFlow } from '../../domain/flows/summary';
import { NotFoundError } from '../../runtime/errors';
import { parseQuery } from '../http';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';

/**
 * `GET /v1/members/{customerId}/flows`: the member's runs of every flow, where each stands
 * (waiting until, waiting for an event, ended and why), the steps it reached, its goal and
 * whether it was held out. One Query of the member's partition.
 */
export function getMemberFlows({ flows }: MemberApiContext): Operation<'customerId'> {
  return async ({ params: { customerId } }) => {
    const runs = await flows.allRuns(customerId);
    return {
      customerId,
      runs: runs
        // An exit mark (an exit event for a run that never started) is bookkeeping, not a run.
        .filter((r) => r.entry > 0)
        .map((r) => ({
          flowId: r.flowId,
          runKey: r.runKey,
          entry: r.entry,
          version: r.version,
          status: r.status,
          group: r.holdout ? 'holdout' : 'treated',
          enteredAt: r.enteredAt ?? null,
          waiting: r.waiting ? { stepId: r.waiting.stepId, until: r.waiting.until, event: r.waiting.event ?? null } : null,
          path: r.path,
          endedAt: r.endedAt ?? null,
          endReason: r.endReason ?? null,
          goalAt: r.goalAt ?? null,
        })),
    };
  };
}

const DAY = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'));
const FlowQuerySchema = z.object({ from: z.optional(DAY), to: z.optional(DAY) });

/**
 * `GET /v1/flows/{flowId}?from=&to=`: a flow's exact counters per day (UTC) and in total:
 * entered, held out, per step, exits by reason, goals reached by treated and held-out runs, and
 * the goal rates of both groups. Reads the flow's counter items only (8 shards per day range).
 */
export function getFlow({ deps, flows }: MemberApiContext): Operation<'flowId'> {
  return async ({ params: { flowId }, event }) => {
    const flow = deps.config.flows.find((f) => f.id === flowId);
    if (!flow) throw new NotFoundError(`no flow ${flowId}`);
    const query = parseQuery(FlowQuerySchema, event);
    const today = deps.clock.now().toISOString().slice(0, 10);
    const to = query.to ?? today;
    const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
    const days = await flows.counters(flowId, from, to);
    return { flowId, name: flow.name, version: flow.version, from, to, ...summarizeFlow(days, flow), days };
  };
}
