import type { Flow } from '../../config/flows';
import { durationMillis, parseDuration } from '../duration';
import { allSteps } from './steps';

/**
 * Which events the flows of a client listen to: the flows handler's rule (one per DetailType,
 * functions/handlers/flow-routes.ts) and the flows an arriving event concerns.
 */

/** The flows that listen to `detailType`: its trigger (an inactivity flow's is `order.placed`), an `exitOn`, the goal or a deletion. */
export function flowsListeningTo(flows: readonly Flow[], detailType: string): Flow[] {
  return flows.filter(
    (f) =>
      ('event' in f.trigger ? f.trigger.event === detailType : 'inactive' in f.trigger && detailType === 'order.placed') ||
      f.exitOn.some((e) => e.event === detailType) ||
      f.goal?.event === detailType ||
      // A flow with a holdout measures the orders after entry (outcomes).
      (f.holdoutPercent > 0 && detailType === 'order.placed') ||
      detailType === 'customer.deleted',
  );
}

/** Every DetailType some flow listens to, `waitFor`s included, and `customer.deleted` (a deletion ends the member's runs). */
export function flowDetailTypes(flows: readonly Flow[]): string[] {
  const types = new Set<string>();
  for (const f of flows) {
    if ('event' in f.trigger) types.add(f.trigger.event);
    else if ('inactive' in f.trigger) types.add('order.placed');
    for (const e of f.exitOn) types.add(e.event);
    if (f.goal) types.add(f.goal.event);
    if (f.holdoutPercent > 0) types.add('order.placed');
    for (const step of allSteps(f.steps)) if ('waitFor' in step) types.add(step.waitFor.event);
  }
  if (flows.length > 0) types.add('customer.deleted');
  return [...types].sort();
}

/** A broadcast flow's one instant (UTC ISO): its `at`, or its campaign's start less `before`; undefined for other flows or an unknown campaign. */
export function broadcastAt(
  flow: Pick<Flow, 'trigger'>,
  campaigns: readonly { readonly id: string; readonly start: string }[],
): string | undefined {
  if (!('schedule' in flow.trigger)) return undefined;
  const schedule = flow.trigger.schedule;
  if ('at' in schedule) return new Date(schedule.at).toISOString();
  const campaign = campaigns.find((c) => c.id === schedule.campaign);
  if (!campaign) return undefined;
  return new Date(Date.parse(campaign.start) - durationMillis(parseDuration(schedule.before), 'before')).toISOString();
}

/** Every broadcast of a client: (flow, instant) pairs the sweeper keeps a due item for. */
export function broadcastsOf(config: {
  readonly flows: readonly Flow[];
  readonly campaigns: readonly { readonly id: string; readonly start: string }[];
}): { readonly flowId: string; readonly at: string }[] {
  return config.flows.flatMap((f) => {
    const at = broadcastAt(f, config.campaigns);
    return at === undefined ? [] : [{ flowId: f.id, at }];
  });
}
