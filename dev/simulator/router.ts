// Route table for the Graph stand-in: path templates with `{param}` segments, matched case-insensitively
// like Graph's, and the two ways a path can miss (unknown segment -> 400, wrong method -> 405).
import type { QueryOptionName, QueryOptions } from './odata';
import type { SimulatedTenant } from './tenant';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: QueryOptions;
  /** Parsed JSON body, or undefined when none was sent. */
  readonly body: unknown;
  readonly tenant: SimulatedTenant;
  /** The tenant clock (SimulatorOptions.now), used for state changes such as revocation times. */
  readonly now: () => Date;
  /** This request's URL on the simulator, for building @odata.nextLink. */
  readonly url: URL;
  readonly baseUrl: string;
}

export interface RouteResult {
  status: number;
  body?: object;
}

export interface GraphRoute {
  method: HttpMethod;
  /** Below /v1.0, e.g. `users/{userId}/revokeSignInSessions`. */
  path: string;
  query: readonly QueryOptionName[];
  handle(ctx: RouteContext): RouteResult;
}

export type RouteMatch =
  | { kind: 'found'; route: GraphRoute; params: Record<string, string> }
  | { kind: 'methodNotAllowed'; allow: HttpMethod[] }
  | { kind: 'unknownSegment'; segment: string };

export function matchRoute(routes: readonly GraphRoute[], method: string, segments: readonly string[]): RouteMatch {
  const candidates = routes.flatMap((route) => {
    const params = bind(route.path.split('/'), segments);
    return params ? [{ route, params }] : [];
  });
  const hit = candidates.find((c) => c.route.method === method);
  if (hit) return { kind: 'found', ...hit };
  if (candidates.length > 0) return { kind: 'methodNotAllowed', allow: candidates.map((c) => c.route.method) };
  const matched = Math.max(0, ...routes.map((route) => matchedPrefix(route.path.split('/'), segments)));
  return { kind: 'unknownSegment', segment: segments[Math.min(matched, segments.length - 1)] ?? '' };
}

function bind(template: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (template.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const name = paramName(template[i]);
    if (name) params[name] = segments[i];
    else if (template[i].toLowerCase() !== segments[i].toLowerCase()) return undefined;
  }
  return params;
}

function matchedPrefix(template: readonly string[], segments: readonly string[]): number {
  let n = 0;
  while (n < template.length && n < segments.length && (paramName(template[n]) || template[n].toLowerCase() === segments[n].toLowerCase()))
    n++;
  return n;
}

function paramName(templateSegment: string): string | undefined {
  return /^\{(\w+)\}$/.exec(templateSegment)?.[1];
}
