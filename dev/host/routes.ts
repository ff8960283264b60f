// Maps a request path and method to an HTTP function definition, with Azure's route template rules
// as far as this app needs them: `{param}` segments, case-insensitive literals, literals win over params.
import type { HttpFunctionDefinition } from '../../functions/registry';

type Segment = { literal: string } | { param: string };

interface CompiledRoute {
  definition: HttpFunctionDefinition;
  segments: Segment[];
}

export type RouteMatch =
  | { kind: 'found'; definition: HttpFunctionDefinition; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export class RouteTable {
  readonly #routes: CompiledRoute[];

  constructor(definitions: readonly HttpFunctionDefinition[], prefix: string) {
    this.#routes = definitions.map((definition) => ({
      definition,
      segments: compile(prefix, definition),
    }));
  }

  match(method: string, pathname: string): RouteMatch {
    const parts = splitPath(pathname);
    if (parts === undefined) return { kind: 'not-found' };
    const candidates = this.#routes
      .map((route) => ({ route, params: matchSegments(route.segments, parts) }))
      .filter((candidate): candidate is { route: CompiledRoute; params: Record<string, string> } => candidate.params !== undefined)
      .sort((a, b) => comparePrecedence(a.route.segments, b.route.segments));
    if (candidates.length === 0) return { kind: 'not-found' };
    const upper = method.toUpperCase();
    const hit = candidates.find(({ route }) => route.definition.methods.some((m) => m.toUpperCase() === upper));
    if (!hit) {
      const allowed = new Set(candidates.flatMap(({ route }) => route.definition.methods.map((m) => m.toUpperCase())));
      return { kind: 'method-not-allowed', allowed: [...allowed] };
    }
    return { kind: 'found', definition: hit.route.definition, params: hit.params };
  }
}

function compile(prefix: string, definition: HttpFunctionDefinition): Segment[] {
  const template = [prefix, definition.route].join('/');
  const names = new Set<string>();
  return template
    .split('/')
    .filter((part) => part.length > 0)
    .map((part) => {
      const param = PARAM.exec(part)?.[1];
      if (param !== undefined) {
        if (names.has(param)) throw new Error(`function ${definition.name}: route parameter {${param}} appears twice`);
        names.add(param);
        return { param };
      }
      // Constraints, optional and catch-all parameters are not implemented; fail loudly rather than
      // serve a route differently from Azure.
      if (/[{}]/.test(part)) {
        throw new Error(`function ${definition.name}: unsupported route segment "${part}" (only {name} parameters)`);
      }
      return { literal: part.toLowerCase() };
    });
}

/** Decoded path segments, or undefined when the path is not valid percent-encoding. */
function splitPath(pathname: string): string[] | undefined {
  try {
    return pathname
      .split('/')
      .filter((part) => part.length > 0)
      .map((part) => decodeURIComponent(part));
  } catch {
    return undefined;
  }
}

function matchSegments(segments: readonly Segment[], parts: readonly string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const part = parts[index];
    if ('param' in segment) {
      params[segment.param] = part;
    } else if (segment.literal !== part.toLowerCase()) {
      return undefined;
    }
  }
  return params;
}

/** Earlier literal segments first, so `incidents/export` beats `incidents/{id}`. */
function comparePrecedence(a: readonly Segment[], b: readonly Segment[]): number {
  for (const [index, segment] of a.entries()) {
    const aLiteral = 'literal' in segment;
    const bLiteral = 'literal' in b[index];
    if (aLiteral !== bLiteral) return aLiteral ? -1 : 1;
  }
  return 0;
}
