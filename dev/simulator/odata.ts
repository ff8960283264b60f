// The OData conventions Graph applies to every route: system query options ($select, $top, $filter,
// $skiptoken, $count), property projection, and server-driven paging with an absolute @odata.nextLink.
import { badRequest, GraphHttpError } from './errors';

/**
 * `@odata.context` is an identifier clients never follow, so it names graph.microsoft.com as Graph does;
 * `@odata.nextLink` is followed, so it points at the simulator (see nextLink below).
 */
export const METADATA = 'https://graph.microsoft.com/v1.0/$metadata';

export type QueryOptionName = '$select' | '$top' | '$filter' | '$skiptoken' | '$count' | '$expand' | '$deltatoken';

export interface QueryOptions {
  select?: string[];
  top?: number;
  filter?: string;
  skiptoken?: string;
  count?: boolean;
  /** Served only where a route names what it expands (e.g. `principal`). */
  expand?: string;
  /** A delta query's state token (from an @odata.deltaLink). */
  deltatoken?: string;
}

const KNOWN_OPTIONS = new Set([
  '$select',
  '$top',
  '$filter',
  '$skiptoken',
  '$expand',
  '$orderby',
  '$search',
  '$skip',
  '$count',
  '$format',
  '$deltatoken',
]);

/**
 * Reads the system query options a route accepts. Option names are case-insensitive; an option the
 * route does not implement is refused rather than silently ignored, so a caller never trusts a result
 * that was not actually filtered or ordered.
 */
export function parseQueryOptions(params: URLSearchParams, accepted: readonly QueryOptionName[]): QueryOptions {
  const options: QueryOptions = {};
  const seen = new Set<string>();
  for (const [rawName, value] of params) {
    const name = rawName.toLowerCase();
    if (!name.startsWith('$')) continue;
    if (!KNOWN_OPTIONS.has(name)) throw badRequest(`Query option '${rawName}' is not allowed.`);
    if (!(accepted as readonly string[]).includes(name)) {
      throw badRequest(`Query option '${rawName}' is not supported on this resource by the tenant simulator.`, 'Request_UnsupportedQuery');
    }
    if (seen.has(name)) throw badRequest(`Query option '${name}' was specified more than once, but it must be specified at most once.`);
    seen.add(name);
    if (name === '$select') options.select = parseSelect(value);
    else if (name === '$top') options.top = parseTop(value);
    else if (name === '$filter') options.filter = value;
    else if (name === '$count') options.count = parseCount(value);
    else if (name === '$expand') options.expand = value;
    else if (name === '$deltatoken') options.deltatoken = value;
    else options.skiptoken = value;
  }
  return options;
}

function parseSelect(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  if (names.some((n) => !/^[A-Za-z@][A-Za-z0-9_.@]*$/.test(n))) throw badRequest(`Syntax error in $select: '${value}'.`);
  return names;
}

/** OData boolean literals are case-insensitive. */
function parseCount(value: string): boolean {
  const literal = value.toLowerCase();
  if (literal !== 'true' && literal !== 'false')
    throw badRequest(`Invalid value '${value}' for $count query option found. Valid values are 'true' and 'false'.`);
  return literal === 'true';
}

function parseTop(value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`Invalid value '${value}' for $top query option found.`);
  return Number(value);
}

/**
 * Keeps the selected properties (plus `id` and any `@odata.type`, which Graph always returns).
 * Names outside `properties` are a 400, as on Graph.
 */
export function project(item: object, select: readonly string[], properties: readonly string[], typeName: string): Record<string, unknown> {
  const known = new Map(properties.map((p) => [p.toLowerCase(), p]));
  const wanted = new Set(['id']);
  for (const name of select) {
    const property = known.get(name.toLowerCase());
    if (!property) throw badRequest(`Could not find a property named '${name}' on type '${typeName}'.`);
    wanted.add(property);
  }
  return Object.fromEntries(Object.entries(item).filter(([key]) => key === '@odata.type' || wanted.has(key)));
}

const TOKEN_PREFIX = 'sim-offset:';

/** Opaque to clients, like Graph's; the simulator only needs the offset of the next page. */
export function encodeSkipToken(offset: number): string {
  return Buffer.from(`${TOKEN_PREFIX}${offset}`).toString('base64url');
}

export function decodeSkipToken(token: string): number {
  const decoded = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  const match = /^sim-offset:(\d{1,9})$/.exec(decoded);
  if (!match) throw invalidSkipToken();
  return Number(match[1]);
}

function invalidSkipToken(): GraphHttpError {
  return badRequest('The specified page token value has expired or is invalid. Please restart the query.', 'Request_BadRequest');
}

export interface PagingLimits {
  defaultTop: number;
  maxTop: number;
}

export const DEFAULT_PAGING: PagingLimits = { defaultTop: 100, maxTop: 999 };

export interface Page<T> {
  items: T[];
  /** Offset of the next page, absent on the last one. */
  next?: number;
}

export function takePage<T>(items: readonly T[], query: QueryOptions, limits: PagingLimits = DEFAULT_PAGING): Page<T> {
  const top = query.top ?? limits.defaultTop;
  if (top < 1 || top > limits.maxTop) {
    throw badRequest(
      `Invalid page size specified: '${top}'. Must be between 1 and ${limits.maxTop} inclusive.`,
      'Request_UnsupportedQuery',
    );
  }
  const offset = query.skiptoken === undefined ? 0 : decodeSkipToken(query.skiptoken);
  const end = offset + top;
  return { items: items.slice(offset, end), next: end < items.length ? end : undefined };
}

/**
 * The request URL re-based on the simulator with a fresh $skiptoken, the other options kept as sent.
 * Graph's nextLinks are absolute URLs on the host that served them; ours must be too.
 */
export function nextLink(baseUrl: string, requestUrl: URL, offset: number): string {
  const kept = [...requestUrl.searchParams].filter(([name]) => name.toLowerCase() !== '$skiptoken');
  const query = [...kept, ['$skiptoken', encodeSkipToken(offset)]]
    .map(([name, value]) => `${encodeQueryPart(name)}=${encodeQueryPart(value)}`)
    .join('&');
  return `${baseUrl}${requestUrl.pathname}?${query}`;
}

/** Leaves `$` and `,` readable, as Graph's own links do (`?$select=id,mail&$skiptoken=...`). */
function encodeQueryPart(text: string): string {
  return encodeURIComponent(text).replace(/%24/g, '$').replace(/%2C/g, ',');
}
