import type { MemberApiRouteSpec } from '../contract/member-api';
import { ValidationError } from '../runtime/errors';
import type { HttpRequest } from './http';
import { PathIdSchema } from './path-id';

/** The names of a route path's parameters: `'customerId'` for `/v1/members/{customerId}/ledger`. */
export type PathParamNames<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParamNames<Rest>
  : never;

/** What an operation gets: its path parameters (decoded and checked, by name) and the whole request. */
export interface ApiRequest<Param extends string = string> {
  readonly params: Readonly<Record<Param, string>>;
  readonly event: HttpRequest;
}

export type Operation<Param extends string = string> = (request: ApiRequest<Param>) => Promise<unknown>;

/** One operation per route, each typed with the parameters its path names. */
export type OperationsOf<Routes extends readonly MemberApiRouteSpec[]> = {
  readonly [Route in Routes[number] as Route['operation']]: Operation<PathParamNames<Route['path']>>;
};

/** A request matched to its route and ready to run. */
export interface RoutedRequest {
  readonly operation: string;
  readonly run: () => Promise<unknown>;
}

type Segment = { readonly literal: string } | { readonly param: string };

interface CompiledRoute {
  readonly key: string;
  readonly method: string;
  readonly segments: readonly Segment[];
  readonly operation: string;
  readonly run: Operation;
}

/** API Gateway's route key: `GET /v1/members/{customerId}`. */
export const routeKeyOf = (route: Pick<MemberApiRouteSpec, 'method' | 'path'>) => `${route.method} ${route.path}`;

/**
 * Compiles the routes once (per execution environment) into a dispatcher. API Gateway names the
 * route it matched in `routeKey`, so a request is dispatched on that in one lookup; a request
 * with the `$default` route key (tests, a catch-all route) is matched on its method and raw path
 * the way API Gateway matches. The parameters are taken from the raw path and decoded here: a
 * malformed percent-encoding or an id out of bounds is a ValidationError naming `path.<name>`
 * (a 400), never a 500.
 */
export function compileRouter<Routes extends readonly MemberApiRouteSpec[]>(
  routes: Routes,
  operations: OperationsOf<Routes>,
): (event: HttpRequest) => RoutedRequest | undefined {
  // The mapped type erases to operation name → Operation; the lookup below is by those names.
  const byOperation: Readonly<Record<string, Operation>> = operations;
  const compiled: CompiledRoute[] = routes.map((route) => {
    const run = byOperation[route.operation];
    if (!run) throw new Error(`no operation ${route.operation} for ${routeKeyOf(route)}`);
    return {
      key: routeKeyOf(route),
      method: route.method,
      segments: route.path.split('/').map((part) => {
        const name = /^\{(\w+)\}$/.exec(part)?.[1];
        return name === undefined ? { literal: part } : { param: name };
      }),
      operation: route.operation,
      run,
    };
  });
  const byKey = new Map(compiled.map((route) => [route.key, route]));

  return (event) => {
    const method = event.requestContext.http.method.toUpperCase();
    const raw = event.rawPath.split('/');
    const keyed = byKey.get(event.routeKey);
    const route = keyed && rawParams(keyed, raw) ? keyed : compiled.find((r) => r.method === method && rawParams(r, raw) !== undefined);
    if (!route) return undefined;
    const params = rawParams(route, raw) ?? {};
    return { operation: route.operation, run: async () => route.run({ params: decodeParams(params), event }) };
  };
}

/** The raw (still percent-encoded) parameters when the path fits the route, else undefined. */
function rawParams(route: CompiledRoute, raw: readonly string[]): Record<string, string> | undefined {
  if (raw.length !== route.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of route.segments.entries()) {
    const part = raw[i] ?? '';
    if ('literal' in segment) {
      if (segment.literal !== part) return undefined;
    } else {
      if (part === '') return undefined;
      params[segment.param] = part;
    }
  }
  return params;
}

function decodeParams(raw: Readonly<Record<string, string>>): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    let text: string;
    try {
      text = decodeURIComponent(value);
    } catch {
      throw new ValidationError(`path.${name}`, 'is not a valid percent-encoding');
    }
    const checked = PathIdSchema.safeParse(text);
    if (!checked.success) throw ValidationError.fromZod(checked.error, `path.${name}`);
    decoded[name] = checked.data;
  }
  return decoded;
}
