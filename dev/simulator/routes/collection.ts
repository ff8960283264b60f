// Shared building blocks for Graph route files: resolving the addressed user and serving a paged,
// filterable, projectable collection in Graph's response envelope.
import { badRequest, resourceNotFound } from '../errors';
import { FilterError } from '../filter';
import { DEFAULT_PAGING, METADATA, nextLink, PagingLimits, project, QueryOptionName, takePage } from '../odata';
import type { GraphRoute, RouteContext } from '../router';
import type { SimUser } from '../tenant';

/** Users are addressed by object id or UPN; an unknown one is Graph's Request_ResourceNotFound. */
export function requireUser(ctx: RouteContext): SimUser {
  const idOrUpn = ctx.params.userId;
  const user = ctx.tenant.findUser(idOrUpn);
  if (!user) throw resourceNotFound(idOrUpn);
  return user;
}

export interface CollectionSpec<T extends object> {
  /** Below /v1.0, with `{param}` segments. */
  path: string;
  /** Qualified type name for $select errors, e.g. `microsoft.graph.signIn`. */
  typeName: string;
  /** Every selectable property of the item type. */
  properties: readonly string[];
  /** Properties returned when no $select is given; all of them when absent. */
  defaultProperties?: readonly string[];
  /** The `@odata.context` fragment after `$metadata#`, e.g. `auditLogs/signIns`. */
  context(ctx: RouteContext): string;
  list(ctx: RouteContext): readonly T[];
  /** Compiles $filter into a predicate, throwing FilterError when unsupported; no $filter support when absent. */
  filter?: (filter: string) => (item: T) => boolean;
  paging?: PagingLimits;
  /** Accept `$count=true` and answer `@odata.count` (the total before paging); refused when absent. */
  count?: boolean;
}

export function collectionRoute<T extends object>(spec: CollectionSpec<T>): GraphRoute {
  const query: QueryOptionName[] = ['$select', '$top', '$skiptoken'];
  if (spec.filter) query.push('$filter');
  if (spec.count) query.push('$count');
  return {
    method: 'GET',
    path: spec.path,
    query,
    handle(ctx) {
      const all = spec.list(ctx);
      const matching = spec.filter && ctx.query.filter !== undefined ? all.filter(compile(spec.filter, ctx.query.filter)) : all;
      const page = takePage(matching, ctx.query, spec.paging ?? DEFAULT_PAGING);
      const select = ctx.query.select ?? spec.defaultProperties;
      const value = select ? page.items.map((item) => project(item, select, spec.properties, spec.typeName)) : page.items;
      const context = ctx.query.select ? `${spec.context(ctx)}(${ctx.query.select.join(',')})` : spec.context(ctx);
      const body: Record<string, unknown> = { '@odata.context': `${METADATA}#${context}` };
      if (ctx.query.count) body['@odata.count'] = matching.length;
      if (page.next !== undefined) body['@odata.nextLink'] = nextLink(ctx.baseUrl, ctx.url, page.next);
      body.value = value;
      return { status: 200, body };
    },
  };
}

function compile<T>(compiler: (filter: string) => (item: T) => boolean, filter: string): (item: T) => boolean {
  try {
    return compiler(filter);
  } catch (error) {
    if (error instanceof FilterError) throw badRequest(`Invalid filter clause: ${error.message}`);
    throw error;
  }
}
