// JSON batching (`POST /v1.0/$batch`) as Graph documents it (learn.microsoft.com/graph/json-batching,
// /work/shared/research/eradication.md §6.2): up to 20 requests, each with `id`, `method`, a URL relative
// to the version, `headers` (Content-Type required with a body), `body` and `dependsOn`; the answer is a
// 200 listing each item's own status, headers and body. Each item is evaluated on its own, throttling
// included, so a throttled item is a 429 *inside* a 200 batch with its own Retry-After, which Graph's
// SDKs do not retry. An item whose dependency failed answers 424.
import { badRequest, GraphHttpError } from './errors';
import { isRecord } from './json';

export const MAX_BATCH_REQUESTS = 20;

export interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

export interface BatchItemResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: object;
}

/** The batch's items in an order that runs every dependency first; a malformed batch is a 400 for the whole batch. */
export function parseBatch(body: unknown): BatchItem[] {
  if (!isRecord(body) || !Array.isArray(body.requests)) throw badRequest('Invalid batch payload format: expected {"requests": [...]}.');
  const requests: unknown[] = body.requests;
  if (requests.length === 0) throw badRequest('Invalid batch payload format: the batch has no requests.');
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw badRequest(`Invalid batch payload format: ${requests.length} requests exceed the limit of ${MAX_BATCH_REQUESTS} per batch.`);
  }
  const items = requests.map((request, index): BatchItem => {
    if (!isRecord(request)) throw badRequest(`Invalid batch payload format: request ${index} is not an object.`);
    const { id, method, url, headers, body: itemBody, dependsOn } = request;
    if (typeof id !== 'string' || id === '') throw badRequest(`Invalid batch payload format: request ${index} has no id.`);
    if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method))
      throw badRequest(`Invalid batch payload format: request '${id}' has no method.`);
    if (typeof url !== 'string' || url === '') throw badRequest(`Invalid batch payload format: request '${id}' has no url.`);
    if (headers !== undefined && (!isRecord(headers) || !Object.values(headers).every((v) => typeof v === 'string'))) {
      throw badRequest(`Invalid batch payload format: the headers of request '${id}' must be an object of strings.`);
    }
    if (dependsOn !== undefined && !(Array.isArray(dependsOn) && dependsOn.every((d) => typeof d === 'string'))) {
      throw badRequest(`Invalid batch payload format: dependsOn of request '${id}' must be an array of ids.`);
    }
    return {
      id,
      method: method.toUpperCase(),
      url,
      headers: (headers as Record<string, string> | undefined) ?? {},
      ...(itemBody === undefined ? {} : { body: itemBody }),
      dependsOn: dependsOn ?? [],
    };
  });
  const byId = new Map<string, BatchItem>();
  for (const item of items) {
    if (byId.has(item.id)) throw badRequest(`Invalid batch payload format: duplicate request id '${item.id}'.`);
    byId.set(item.id, item);
  }
  for (const item of items) {
    const missing = item.dependsOn.find((d) => !byId.has(d));
    if (missing !== undefined)
      throw badRequest(`Invalid batch payload format: request '${item.id}' depends on unknown request '${missing}'.`);
  }
  const ordered: BatchItem[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (item: BatchItem): void => {
    if (state.get(item.id) === 'done') return;
    if (state.get(item.id) === 'visiting') throw badRequest(`Invalid batch payload format: circular dependsOn at request '${item.id}'.`);
    state.set(item.id, 'visiting');
    for (const d of item.dependsOn) visit(byId.get(d)!);
    state.set(item.id, 'done');
    ordered.push(item);
  };
  items.forEach(visit);
  return ordered;
}

/** Case-insensitive header lookup (JSON batch headers are a plain object). */
export function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

/** Why an item cannot run at all (its URL or headers), before it reaches a route. */
export function itemProblem(item: BatchItem): GraphHttpError | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(item.url))
    return badRequest('The URL of a batch request must be relative to the version, e.g. /users/{id}.');
  if (/^\/?\$batch(\?|$)/i.test(item.url)) return badRequest('A batch request cannot contain a batch.');
  if (item.body !== undefined && headerOf(item.headers, 'content-type') === undefined) {
    return badRequest('Content-Type header must be specified when a batch request has a body.');
  }
  return undefined;
}
