// Serves HTTP function definitions over node:http the way the Functions host does: routing under the
// host.json prefix, key auth (host keys and per-function keys) before the handler runs, a body size
// cap, and error responses that never carry a stack trace.
import { HttpRequest, HttpResponse, HttpResponseInit, InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { HttpFunctionDefinition } from '../../functions/registry';
import { opensFunction, type HostKeys } from './function-key';
import { InvocationTracker } from './invocations';
import { errorMessage, HostLog, invocationLogHandler } from './log';
import { RouteTable } from './routes';

export interface HttpListenerOptions {
  definitions: readonly HttpFunctionDefinition[];
  routePrefix: string;
  keys: HostKeys;
  maxBodyBytes: number;
  log: HostLog;
  invocations: InvocationTracker;
}

const KEY_HEADER = 'x-functions-key';
const KEY_QUERY = 'code';

export function createHttpListener(options: HttpListenerOptions): RequestListener {
  const routes = new RouteTable(options.definitions, options.routePrefix);

  return (req, res) => {
    const started = Date.now();
    const url = requestUrl(req);
    // Only the path is logged: the query may hold the function key.
    const path = url?.pathname ?? '?';
    res.on('finish', () =>
      options.log({
        level: 'information',
        message: 'request',
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Date.now() - started,
      }),
    );
    if (url === undefined) {
      sendError(req, res, 400, { code: 'bad_request', message: 'malformed request URL or Host header' });
      return;
    }
    handle(req, res, url, routes, options).catch((error: unknown) => {
      options.log({ level: 'error', message: `request failed outside a handler: ${errorMessage(error)}`, path });
      if (!res.headersSent) sendError(req, res, 500, { code: 'internal', message: 'internal error' });
      else res.destroy();
    });
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  routes: RouteTable,
  options: HttpListenerOptions,
): Promise<void> {
  const method = req.method ?? 'GET';
  const match = routes.match(method, url.pathname);
  if (match.kind === 'not-found') {
    sendError(req, res, 404, { code: 'not_found', message: 'no function serves this route' });
    return;
  }
  if (match.kind === 'method-not-allowed') {
    res.setHeader('allow', match.allowed.join(', '));
    sendError(req, res, 405, { code: 'method_not_allowed', message: `use ${match.allowed.join(' or ')}` });
    return;
  }
  const { definition, params } = match;

  if (definition.authLevel !== 'anonymous') {
    const header = req.headers[KEY_HEADER];
    const provided = typeof header === 'string' ? header : (url.searchParams.get(KEY_QUERY) ?? undefined);
    if (!opensFunction(provided, definition.name, options.keys)) {
      // Azure answers a missing or wrong key with a bare 401, before the function is involved.
      res.statusCode = 401;
      endUnread(req, res);
      return;
    }
  }

  const body = await readBody(req, options.maxBodyBytes);
  if (body === undefined) {
    sendError(req, res, 413, { code: 'payload_too_large', message: `request body exceeds ${options.maxBodyBytes} bytes` });
    return;
  }

  const invocationId = randomUUID();
  const request = new HttpRequest({
    method,
    url: withoutKey(url).toString(),
    headers: handlerHeaders(req),
    params,
    ...(body.length > 0 ? { body: { bytes: body } } : {}),
  });
  const context = new InvocationContext({
    invocationId,
    functionName: definition.name,
    logHandler: invocationLogHandler(options.log, definition.name, invocationId),
    options: {
      trigger: {
        type: 'httpTrigger',
        name: 'httpTrigger',
        authLevel: definition.authLevel,
        methods: definition.methods,
        route: definition.route,
      },
    },
  });

  const done = options.invocations.begin();
  let response: HttpResponse;
  let payload: Buffer;
  try {
    const result: HttpResponseInit | HttpResponse = await definition.handler(request, context);
    response = result instanceof HttpResponse ? result : new HttpResponse(result);
    payload = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    options.log({
      level: 'error',
      functionName: definition.name,
      invocationId,
      message: `handler failed: ${errorMessage(error)}`,
    });
    sendError(req, res, 500, { code: 'internal', message: 'internal error', invocationId });
    return;
  } finally {
    done();
  }

  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  res.setHeader('content-length', payload.length);
  res.end(payload);
}

/** The request URL as the client addressed it, or undefined when the path or Host header is garbage. */
function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    return undefined;
  }
}

/** Handlers log their URL and headers; the key must not travel with them into app logs. */
function withoutKey(url: URL): URL {
  const copy = new URL(url);
  copy.searchParams.delete(KEY_QUERY);
  return copy;
}

function handlerHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === KEY_HEADER || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The whole body, or undefined as soon as it is known to exceed `maxBytes` (reading then stops). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', reject);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}

function sendError(req: IncomingMessage, res: ServerResponse, status: number, error: Record<string, string>): void {
  const payload = Buffer.from(JSON.stringify({ error }));
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', payload.length);
  endUnread(req, res, payload);
}

/**
 * Ends a response sent without reading the request body. Closing the connection afterwards means the
 * unread body is never read at all, instead of being drained to find the next request on the socket.
 */
function endUnread(req: IncomingMessage, res: ServerResponse, payload?: Buffer): void {
  if (!req.complete) {
    res.setHeader('connection', 'close');
    req.pause();
  }
  res.end(payload);
}
