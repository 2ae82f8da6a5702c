import type { Flow } from '../config/flows';
import { type FlowEventName, WEBSHOP_DETAIL_TYPES } from '../contract/events';
import { ROUTES, type Route } from '../contract/routes';
import { flowDetailTypes } from '../domain/flows/listening';

/**
 * The routes of a client: Lojal's fixed ones (functions/contract/routes.ts) and, when the client
 * file has flows, one route to the `flows` handler per DetailType they listen to, plus the
 * engine's own wake-ups. CDK turns each into a rule and the local copy routes with the same
 * patterns, so a flow hears exactly the same events in both.
 */
export function routesFor(config: { readonly flows: readonly Flow[] }): Route[] {
  const types = flowDetailTypes(config.flows);
  if (config.flows.length === 0) return [...ROUTES];
  const webshop = new Set<string>(WEBSHOP_DETAIL_TYPES);
  const flowRoutes: Route[] = [
    ...types,
    'flow.step.due',
    'flow.action.due',
    'flow.broadcast.due',
    'flow.broadcast.slice',
    'flow.date.due',
  ].map((detailType) => ({
    id: `Flows${detailType.replace(/(^|[.-])([a-z0-9])/g, (_, _sep: string, c: string) => c.toUpperCase())}`,
    detailType: detailType as FlowEventName,
    from: webshop.has(detailType) ? 'webshop' : 'lojal',
    handler: 'flows',
  }));
  return [...ROUTES, ...flowRoutes];
}
