import type { Flow } from '../../config/flows';
import { durationMillis, parseDuration } from '../duration';
import { nextOccurrence } from './schedule';
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

/** A broadcast delivered later than this after its instant sends nothing (as a timeline item more than 7 days late). */
export const BROADCAST_STALE_MS = 7 * 86_400_000;

/**
 * A broadcast flow's instant (UTC ISO): its `at`, its campaign's start less `before`, or for a
 * recurring schedule the first occurrence at or after `now`; undefined for other flows, an
 * unknown campaign or a schedule past its `until`.
 */
export function broadcastAt(
  flow: Pick<Flow, 'trigger'>,
  campaigns: readonly { readonly id: string; readonly start: string }[],
  recurring?: { readonly timeZone: string; readonly now: Date },
): string | undefined {
  if (!('schedule' in flow.trigger)) return undefined;
  const schedule = flow.trigger.schedule;
  if ('at' in schedule) return new Date(schedule.at).toISOString();
  if ('every' in schedule)
    return recurring ? nextOccurrence(schedule, recurring.timeZone, { atOrAfter: recurring.now.toISOString() }) : undefined;
  const campaign = campaigns.find((c) => c.id === schedule.campaign);
  if (!campaign) return undefined;
  return new Date(Date.parse(campaign.start) - durationMillis(parseDuration(schedule.before), 'before')).toISOString();
}

/**
 * Every broadcast of a client: (flow, instant) pairs the sweeper keeps a due item for. A
 * recurring one is its next occurrence from `now`; the sweeper chains the later ones
 * (`nextBroadcastAt`), each written in the transaction that fires the one before.
 */
export function broadcastsOf(
  config: {
    readonly flows: readonly Flow[];
    readonly campaigns: readonly { readonly id: string; readonly start: string }[];
    readonly timeZone: string;
  },
  now: Date,
): { readonly flowId: string; readonly at: string }[] {
  return config.flows.flatMap((f) => {
    const at = broadcastAt(f, config.campaigns, { timeZone: config.timeZone, now });
    return at === undefined ? [] : [{ flowId: f.id, at }];
  });
}

/**
 * The occurrence after `at` of a recurring broadcast, as the client file says it now: undefined
 * when the flow is gone, no longer recurring, `at` is not one of its occurrences (the schedule
 * changed: its new first occurrence is ensured instead) or the schedule has ended. One the
 * sweeper would put more than 7 days in the past (it was down) skips to the first from `now`.
 */
export function nextBroadcastAt(
  config: { readonly flows: readonly Flow[]; readonly timeZone: string },
  flowId: string,
  at: string,
  now: Date,
): string | undefined {
  const flow = config.flows.find((f) => f.id === flowId);
  if (!flow || !('schedule' in flow.trigger) || !('every' in flow.trigger.schedule)) return undefined;
  const schedule = flow.trigger.schedule;
  if (nextOccurrence(schedule, config.timeZone, { atOrAfter: at }) !== new Date(at).toISOString()) return undefined;
  const next = nextOccurrence(schedule, config.timeZone, { after: at });
  if (next === undefined || Date.parse(next) >= now.getTime() - BROADCAST_STALE_MS) return next;
  return nextOccurrence(schedule, config.timeZone, { atOrAfter: now.toISOString() });
}
