import type { Flow } from '../../config/flows';
import { allSteps } from './steps';

/**
 * Which events the flows of a client listen to: the flows handler's rule (one per DetailType,
 * functions/handlers/flow-routes.ts) and the flows an arriving event concerns.
 */

/** The flows that listen to `detailType`: its trigger (an inactivity flow's is `order.placed`), an `exitOn`, the goal or a deletion. */
export function flowsListeningTo(flows: readonly Flow[], detailType: string): Flow[] {
  return flows.filter(
    (f) =>
      ('event' in f.trigger ? f.trigger.event === detailType : detailType === 'order.placed') ||
      f.exitOn.some((e) => e.event === detailType) ||
      f.goal?.event === detailType ||
      detailType === 'customer.deleted',
  );
}

/** Every DetailType some flow listens to, `waitFor`s included, and `customer.deleted` (a deletion ends the member's runs). */
export function flowDetailTypes(flows: readonly Flow[]): string[] {
  const types = new Set<string>();
  for (const f of flows) {
    types.add('event' in f.trigger ? f.trigger.event : 'order.placed');
    for (const e of f.exitOn) types.add(e.event);
    if (f.goal) types.add(f.goal.event);
    for (const step of allSteps(f.steps)) if ('waitFor' in step) types.add(step.waitFor.event);
  }
  if (types.size > 0) types.add('customer.deleted');
  return [...types].sort();
}
