// The tenant simulator's HTTP plumbing: a loopback-only server that answers as Microsoft Graph v1.0 does
// (headers, error shape, paging), with knobs for latency and faults and a log of every Graph request, and
// as Entra ID's token issuer does for its JWKS and OpenID configuration.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seedCampaign, seedCampaignVictims } from './campaign';
import { BatchItem, BatchItemResponse, headerOf, itemProblem, parseBatch } from './batch';
import type { AddressInfo } from 'node:net';
import { isIPv4 } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { RequestLogEntry, SimulatorOptions, TelemetryEnvelope, TenantSimulator } from './api';
import { ControlTarget, handleControl } from './control';
import { badRequest, defaultError, errorBody, GraphHttpError, RequestIds } from './errors';
import { FaultBook, FaultRule } from './faults';
import { TokenIssuer } from './identity';
import { handleIdentity, matchIdentityEndpoint } from './identity-routes';
import { answerLogAnalyticsQuery, logAnalyticsErrorBody } from './log-analytics';
import { isRecord, redactSecrets } from './json';
import { answerSentinel } from './sentinel';
import { parseQueryOptions } from './odata';
import { matchRoute } from './router';
import { graphRoutes } from './routes';
import { SCENARIO_TENANT, seedScenario } from './scenario';
import { NewGroup, NewUser, SimGroup, SimulatedTenant, SimUser } from './tenant';
import type { ScenarioUser } from './scenario';
import { appIdOf, GRAPH_WRITE_LIMITS, isIdentityWrite, WriteThrottle, type WriteLimits } from './throttling';

const GRAPH_CONTENT_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';
const CONTROL_CONTENT_TYPE = 'application/json; charset=utf-8';
const MAX_BODY_BYTES = 1024 * 1024;
const UNREADABLE_JSON =
  'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';

export async function startTenantSimulator(options: SimulatorOptions = {}): Promise<TenantSimulator> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new Error(`The tenant simulator only listens on loopback addresses, not '${host}'`);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer 0-65535, not ${port}`);
  const simulator = new Simulator(options);
  simulator.setLatency(options.latencyMs ?? 0);
  await simulator.listen(port, host);
  return simulator;
}

type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'malformed' } | { kind: 'tooLarge' };

class Simulator implements TenantSimulator, ControlTarget {
  readonly tenant = new SimulatedTenant(SCENARIO_TENANT.id);
  readonly identity = new TokenIssuer(SCENARIO_TENANT.id, () => this.base);
  private readonly log: RequestLogEntry[] = [];
  private readonly envelopes: TelemetryEnvelope[] = [];
  private readonly faults = new FaultBook();
  private readonly server: Server;
  private tls?: HttpsServer;
  private tlsDir = '';
  private tlsUrl = '';
  private latency = 0;
  private base = '';
  private stopping?: Promise<void>;
  private readonly now: () => Date;
  private readonly throttle?: WriteThrottle;
  private campaignVictims = 0;

  constructor(options: SimulatorOptions) {
    this.now = options.now ?? (() => new Date());
    const seededAt = this.now();
    seedScenario(this.tenant, seededAt);
    if (options.campaign) seedCampaign(this.tenant, seededAt);
    if (typeof options.campaign === 'object') this.seedCampaign(options.campaign.victims);
    if (options.throttling !== false) {
      const clock = options.throttleClock ?? (() => performance.now());
      this.throttle = new WriteThrottle(SCENARIO_TENANT.id, { ...GRAPH_WRITE_LIMITS, ...options.throttling }, clock);
    }
    this.server = createServer((req, res) => this.serve(req, res));
  }

  setWriteLimits(limits: Partial<WriteLimits>): void {
    if (!this.throttle) throw new TypeError('this simulator was started with throttling: false');
    this.throttle.configure({ ...GRAPH_WRITE_LIMITS, ...limits });
  }

  describeThrottling(): object {
    return this.throttle?.describe() ?? { appTenant: null, tenant: null };
  }

  seedCampaign(victims: number): ScenarioUser[] {
    const seeded = seedCampaignVictims(this.tenant, this.now(), victims, this.campaignVictims + 1);
    this.campaignVictims += seeded.length;
    return seeded;
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    this.handle(req, res).catch((error: unknown) => {
      // A simulator bug must not take the server down or leave the client hanging.
      if (res.headersSent) res.destroy();
      else send(res, 500, { error: { code: 'generalException', message: String(error) } }, GRAPH_CONTENT_TYPE);
    });
  }

  get logAnalyticsUrl(): string {
    return this.tlsUrl;
  }

  get logAnalyticsCaFile(): string {
    return path.join(this.tlsDir, 'cert.pem');
  }

  get ingestionEndpoint(): string {
    return new URL(this.tlsUrl).origin;
  }

  get telemetry(): readonly TelemetryEnvelope[] {
    return this.envelopes;
  }

  get baseUrl(): string {
    return this.base;
  }

  get requestLog(): readonly RequestLogEntry[] {
    return this.log;
  }

  get latencyMs(): number {
    return this.latency;
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { address, family, port: bound } = this.server.address() as AddressInfo;
    this.base = `http://${family === 'IPv6' ? `[${address}]` : address}:${bound}`;
    // The HTTPS side answers the same routes; the Log Analytics SDK only talks to it.
    this.tlsDir = mkdtempSync(path.join(tmpdir(), 'aitm-sim-tls-'));
    const [key, cert] = [path.join(this.tlsDir, 'key.pem'), path.join(this.tlsDir, 'cert.pem')];
    const san = family === 'IPv6' ? `IP:${address}` : `IP:${address},DNS:localhost`;
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=aitm-contain simulator',
        '-addext',
        `subjectAltName=${san}`,
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const tls = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => this.serve(req, res));
    this.tls = tls;
    await new Promise<void>((resolve, reject) => {
      tls.once('error', reject);
      tls.listen(0, host, () => resolve());
    });
    const tlsPort = (tls.address() as AddressInfo).port;
    this.tlsUrl = `https://${family === 'IPv6' ? `[${address}]` : address}:${tlsPort}/v1`;
  }

  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a non-negative number of milliseconds, not ${ms}`);
    this.latency = ms;
  }

  addFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  describeFaults(): object[] {
    return this.faults.describe();
  }

  tenantNow(): Date {
    return this.now();
  }

  clearFaults(): void {
    this.faults.clear();
  }

  clearRequestLog(): void {
    this.log.length = 0;
  }

  addUser(user: NewUser): SimUser {
    return this.tenant.addUser(user, this.now());
  }

  addGroup(group: NewGroup): SimGroup {
    return this.tenant.addGroup(group);
  }

  stop(): Promise<void> {
    const close = (server: Server | HttpsServer | undefined) =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        // Hung requests and idle keep-alive sockets would otherwise hold close() open indefinitely.
        server.closeAllConnections();
      });
    this.stopping ??= Promise.all([close(this.server), close(this.tls)]).then(() => {
      if (this.tlsDir) rmSync(this.tlsDir, { recursive: true, force: true });
    });
    return this.stopping;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const ids: RequestIds = { requestId, clientRequestId: singleHeader(req.headers['client-request-id']) ?? requestId };
    res.setHeader('request-id', ids.requestId);
    res.setHeader('client-request-id', ids.clientRequestId);
    const method = (req.method ?? 'GET').toUpperCase();

    // A page in a browser can reach loopback via DNS rebinding; its Host header gives it away.
    if (!isLoopbackHostHeader(req.headers.host)) {
      return send(
        res,
        421,
        errorBody('MisdirectedRequest', 'The tenant simulator answers loopback hosts only.', ids, new Date()),
        CONTROL_CONTENT_TYPE,
      );
    }
    const url = URL.canParse(req.url ?? '/', this.base) ? new URL(req.url ?? '/', this.base) : undefined;
    if (!url) return send(res, 400, errorBody('BadRequest', 'The request URI is not valid.', ids, new Date()), GRAPH_CONTENT_TYPE);
    const segments = pathSegments(url.pathname);
    if (segments?.[0] === '_sim' && segments.length === 2 && segments[1] === 'analyst-sign-in')
      return this.handleAnalystSignIn(req, res, method, ids);
    if (segments?.[0] === '_sim') return this.handleControl(req, res, method, segments.slice(1), ids);
    if (segments?.[0] === 'v2.1' && segments[1] === 'track' && segments.length === 2) return this.handleTelemetry(req, res, method);
    const identityEndpoint = segments && matchIdentityEndpoint(segments);
    if (segments && identityEndpoint) {
      await readBody(req); // Nothing here takes a body; drain it so the connection stays usable.
      const result = await handleIdentity(this.identity, identityEndpoint, method, segments[0]);
      return send(res, result.status, result.body, CONTROL_CONTENT_TYPE, result.headers);
    }
    if (segments?.[0] === 'v1' && segments[1]?.toLowerCase() === 'workspaces')
      return this.handleLogAnalytics(req, res, method, url, segments, ids);
    if (segments?.[0]?.toLowerCase() === 'subscriptions') return this.handleSentinel(req, res, method, url, ids);
    return this.handleGraph(req, res, method, url, segments, ids);
  }

  /** Starts a request-log entry; the caller fills in status, finish time and body as the request ends. */
  private logRequest(req: IncomingMessage, method: string, path: string, url: URL, ids: RequestIds): RequestLogEntry {
    const entry: RequestLogEntry = {
      method,
      path,
      query: url.search.slice(1),
      status: 0,
      requestId: ids.requestId,
      receivedAt: new Date().toISOString(),
      finishedAt: '',
      // Whether a token was sent, never its value.
      authorization: req.headers.authorization !== undefined,
    };
    this.log.push(entry);
    return entry;
  }

  /** The Log Analytics stand-in: logged, delayed and faulted like Graph calls. */
  /**
   * How the Log Analytics and Sentinel stand-ins begin a call, as Graph calls do: logged (passwords
   * redacted), delayed by the latency, then the fault it meets; undefined when the client left or the
   * fault hangs (nothing is answered).
   */
  private async beginCall(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    ids: RequestIds,
  ): Promise<
    | {
        entry: RequestLogEntry;
        answer: (status: number, body: object, headers?: Readonly<Record<string, string>>) => void;
        body: Body;
        fault?: FaultRule & { status: number };
      }
    | undefined
  > {
    const entry = this.logRequest(req, method, decodeURIComponent(url.pathname), url, ids);
    res.setHeader('x-ms-request-id', ids.requestId);
    const answer = (status: number, body: object, headers: Readonly<Record<string, string>> = {}): void => {
      entry.status = status;
      entry.finishedAt = new Date().toISOString();
      send(res, status, body, CONTROL_CONTENT_TYPE, headers);
    };
    const body = await readBody(req);
    if (body.kind === 'json') entry.body = redactSecrets(body.value);
    if (!(await pause(this.latency, res))) return undefined;
    const fault = this.faults.take(method, entry.path);
    if (fault?.status === 'hang') return undefined;
    return { entry, answer, body, fault: fault && { ...fault, status: fault.status } };
  }

  private async handleLogAnalytics(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    segments: string[],
    ids: RequestIds,
  ): Promise<void> {
    const call = await this.beginCall(req, res, method, url, ids);
    if (call === undefined) return;
    const { answer, body, fault } = call;
    const fail = (error: GraphHttpError) => answer(error.status, logAnalyticsErrorBody(error, ids.requestId), error.headers);
    if (fault) return fail(faultError(fault.status, fault));
    if (segments.length !== 4 || segments[3].toLowerCase() !== 'query')
      return fail(new GraphHttpError(404, 'PathNotFoundError', `The requested path does not exist: ${url.pathname}`));
    if (method !== 'POST') return fail(new GraphHttpError(405, 'MethodNotAllowed', 'Use POST to run a query.'));
    try {
      answer(200, answerLogAnalyticsQuery(this.tenant, body.kind === 'json' ? body.value : undefined, this.now));
    } catch (error) {
      fail(asGraphError(error));
    }
  }

  /**
   * The console's one-click sign-in (dev only): a seeded analyst's user token for a page on a loopback
   * origin, which calls cross-origin (the page is the function host's, this is the issuer's), so CORS
   * is answered for loopback origins only. Unlike /_sim/tokens, it issues no token with chosen claims.
   */
  private async handleAnalystSignIn(req: IncomingMessage, res: ServerResponse, method: string, ids: RequestIds): Promise<void> {
    const origin = singleHeader(req.headers.origin);
    const cors: Record<string, string> = { vary: 'origin' };
    if (origin !== undefined && isLoopbackOrigin(origin)) cors['access-control-allow-origin'] = origin;
    const body = await readBody(req);
    if (method === 'OPTIONS') {
      send(res, 204, undefined, CONTROL_CONTENT_TYPE, {
        ...cors,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
      });
      return;
    }
    const fail = (status: number, message: string) =>
      send(res, status, errorBody('BadRequest', message, ids, new Date()), CONTROL_CONTENT_TYPE, cors);
    if (method !== 'POST') return fail(405, 'Use POST.');
    const value = body.kind === 'json' ? body.value : undefined;
    const analyst = isRecord(value) ? value.analyst : undefined;
    const audience = isRecord(value) ? value.audience : undefined;
    if ((analyst !== 'approver' && analyst !== 'reader') || typeof audience !== 'string' || audience === '')
      return fail(400, 'body must be {"analyst": "approver" | "reader", "audience": "<WEBHOOK_AUDIENCE>"}');
    const accessToken = await this.identity.issueToken({ analyst, audience });
    send(res, 200, { token_type: 'Bearer', expires_in: 3600, access_token: accessToken }, CONTROL_CONTENT_TYPE, {
      ...cors,
      'cache-control': 'no-store',
    });
  }

  /** The Sentinel (ARM) stand-in: logged, delayed and faulted like Graph calls; errors in ARM's shape. */
  private async handleSentinel(req: IncomingMessage, res: ServerResponse, method: string, url: URL, ids: RequestIds): Promise<void> {
    const call = await this.beginCall(req, res, method, url, ids);
    if (call === undefined) return;
    const { entry, answer, body, fault } = call;
    const fail = (error: GraphHttpError) => answer(error.status, { error: { code: error.code, message: error.message } }, error.headers);
    if (fault) return fail(faultError(fault.status, fault));
    if (body.kind === 'malformed' || body.kind === 'tooLarge') return fail(badRequest('The request body must be a JSON document.'));
    try {
      const result = answerSentinel(
        this.tenant.security,
        method,
        entry.path,
        url.searchParams,
        body.kind === 'json' ? body.value : undefined,
        this.now,
      );
      answer(result.status, result.body);
    } catch (error) {
      fail(asGraphError(error));
    }
  }

  /** The Application Insights ingestion stand-in (Breeze `v2.1/track`): keeps each envelope, answers as Breeze does. */
  private async handleTelemetry(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (method !== 'POST') return send(res, 405, { error: 'POST telemetry' }, CONTROL_CONTENT_TYPE);
    let items: unknown;
    try {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      // An array of envelopes, or one envelope per line.
      items = text.trim().startsWith('[')
        ? JSON.parse(text)
        : text
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as unknown);
    } catch {
      return send(
        res,
        400,
        { itemsReceived: 0, itemsAccepted: 0, errors: [{ index: 0, statusCode: 400, message: 'unreadable' }] },
        CONTROL_CONTENT_TYPE,
      );
    }
    const list = Array.isArray(items) ? (items as TelemetryEnvelope[]) : [];
    this.envelopes.push(...list);
    send(res, 200, { itemsReceived: list.length, itemsAccepted: list.length, errors: [] }, CONTROL_CONTENT_TYPE);
  }

  private async handleControl(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    segments: string[],
    ids: RequestIds,
  ): Promise<void> {
    const body = await readBody(req);
    try {
      if (body.kind === 'malformed' || body.kind === 'tooLarge') throw badRequest('The request body must be a JSON document.');
      const result = await handleControl(this, method, segments, body.kind === 'json' ? body.value : undefined);
      send(res, result.status, result.body, CONTROL_CONTENT_TYPE);
    } catch (error) {
      const failure = asGraphError(error);
      send(res, failure.status, errorBody(failure.code, failure.message, ids, new Date()), CONTROL_CONTENT_TYPE, failure.headers);
    }
  }

  private async handleGraph(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    segments: string[] | undefined,
    ids: RequestIds,
  ): Promise<void> {
    const entry = this.logRequest(req, method, segments ? decodeURIComponent(url.pathname) : url.pathname, url, ids);
    res.once('close', () => {
      if (!entry.finishedAt) entry.finishedAt = new Date().toISOString();
    });
    const answer = ({ status, body, headers }: GraphAnswer): void => {
      entry.status = status;
      entry.finishedAt = new Date().toISOString();
      send(res, status, body, GRAPH_CONTENT_TYPE, headers);
    };

    const body = await readBody(req);
    if (body.kind === 'json') entry.body = redactSecrets(body.value);
    if (!segments) return answer(failure(badRequest('The request URI is not valid.'), ids));
    if (segments[0]?.toLowerCase() !== 'v1.0') return answer(failure(badRequest(`Invalid version: ${segments[0] ?? ''}`), ids));

    if (!(await pause(this.latency, res))) return;
    const appId = appIdOf(singleHeader(req.headers.authorization));
    const isBatch = segments.length === 2 && segments[1].toLowerCase() === '$batch';
    const result = isBatch
      ? this.runBatch(method, body, ids, appId, entry)
      : this.dispatch({ method, url, segments, body, ids, appId, path: entry.path });
    if (result !== 'hang') answer(result);
  }

  /** One Graph request, on its own or as a batch item: fault, throttle, route. */
  private dispatch(call: GraphCall): GraphAnswer | 'hang' {
    const fault = this.faults.take(call.method, call.path);
    if (fault?.status === 'hang') return 'hang';
    if (fault) return failure(faultError(fault.status, fault), call.ids);
    try {
      const match = matchRoute(graphRoutes, call.method, call.segments.slice(1));
      if (match.kind === 'unknownSegment') throw badRequest(`Resource not found for the segment '${match.segment}'.`);
      if (match.kind === 'methodNotAllowed') {
        const allow = match.allow.join(', ');
        throw new GraphHttpError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.', { allow });
      }
      if (call.body.kind === 'malformed') throw badRequest(UNREADABLE_JSON);
      if (call.body.kind === 'tooLarge') throw new GraphHttpError(413, 'RequestEntityTooLarge', 'The request body is too large.');
      if (isIdentityWrite(call.method, call.path)) {
        const decision = this.throttle?.admit(call.appId);
        if (decision && !decision.admitted) {
          throw new GraphHttpError(
            429,
            'TooManyRequests',
            'Too many requests: the write limit for this application and tenant is exceeded.',
            {
              'Retry-After': String(decision.retryAfterSeconds),
              'x-ms-throttle-scope': decision.scope,
              'x-ms-throttle-information': 'WriteLimitExceeded',
            },
          );
        }
      }
      const result = match.route.handle({
        params: match.params,
        query: parseQueryOptions(call.url.searchParams, match.route.query),
        body: call.body.kind === 'json' ? call.body.value : undefined,
        tenant: this.tenant,
        now: this.now,
        url: call.url,
        baseUrl: this.base,
      });
      return { status: result.status, body: result.body, headers: {} };
    } catch (error) {
      return failure(asGraphError(error), call.ids);
    }
  }

  /**
   * `POST /v1.0/$batch`: each item logged, faulted, throttled and routed as a request of its own (the
   * latency was paid once, by the batch); a fault or malformed batch fails the whole batch.
   */
  private runBatch(method: string, body: Body, ids: RequestIds, appId: string, entry: RequestLogEntry): GraphAnswer | 'hang' {
    const fault = this.faults.take(method, entry.path);
    if (fault?.status === 'hang') return 'hang';
    if (fault) return failure(faultError(fault.status, fault), ids);
    if (method !== 'POST') {
      return failure(
        new GraphHttpError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.', { allow: 'POST' }),
        ids,
      );
    }
    let items: BatchItem[];
    try {
      if (body.kind === 'malformed') throw badRequest(UNREADABLE_JSON);
      if (body.kind === 'tooLarge') throw new GraphHttpError(413, 'RequestEntityTooLarge', 'The request body is too large.');
      items = parseBatch(body.kind === 'json' ? body.value : undefined);
    } catch (error) {
      return failure(asGraphError(error), ids);
    }
    const statuses = new Map<string, number>();
    const responses: BatchItemResponse[] = [];
    for (const item of items) {
      const itemIds: RequestIds = {
        requestId: randomUUID(),
        clientRequestId: headerOf(item.headers, 'client-request-id') ?? ids.clientRequestId,
      };
      const relative = item.url.startsWith('/') ? item.url : `/${item.url}`;
      const url = URL.canParse(`/v1.0${relative}`, this.base) ? new URL(`/v1.0${relative}`, this.base) : undefined;
      const segments = url && pathSegments(url.pathname);
      const path = segments ? decodeURIComponent(url.pathname) : relative;
      const itemEntry: RequestLogEntry = {
        method: item.method,
        path,
        query: url?.search.slice(1) ?? '',
        status: 0,
        requestId: itemIds.requestId,
        receivedAt: entry.receivedAt,
        finishedAt: '',
        authorization: entry.authorization,
        batch: { requestId: ids.requestId, id: item.id },
        ...(item.body === undefined ? {} : { body: redactSecrets(item.body) }),
      };
      this.log.push(itemEntry);
      const failedDependency = item.dependsOn.find((d) => (statuses.get(d) ?? 0) >= 400);
      const problem = !url || !segments ? badRequest('The request URI is not valid.') : itemProblem(item);
      let result: GraphAnswer | 'hang';
      if (failedDependency !== undefined) {
        result = failure(new GraphHttpError(424, 'FailedDependency', `The request '${failedDependency}' it depends on failed.`), itemIds);
      } else if (problem || !url || !segments) {
        result = failure(problem ?? badRequest('The request URI is not valid.'), itemIds);
      } else {
        result = this.dispatch({
          method: item.method,
          url,
          segments,
          body: item.body === undefined ? { kind: 'none' } : { kind: 'json', value: item.body },
          ids: itemIds,
          appId,
          path,
        });
      }
      // A hung item holds the whole batch, as one slow request holds a real batch's answer.
      if (result === 'hang') return 'hang';
      itemEntry.status = result.status;
      itemEntry.finishedAt = new Date().toISOString();
      statuses.set(item.id, result.status);
      responses.push({
        id: item.id,
        status: result.status,
        headers: { ...(result.body === undefined ? {} : { 'Content-Type': GRAPH_CONTENT_TYPE }), ...result.headers },
        ...(result.body === undefined ? {} : { body: result.body }),
      });
    }
    return { status: 200, body: { responses }, headers: {} };
  }
}

interface GraphCall {
  method: string;
  url: URL;
  segments: string[];
  /** The URL-decoded pathname, e.g. /v1.0/users/x (what faults and the throttle match). */
  path: string;
  body: Body;
  ids: RequestIds;
  appId: string;
}

interface GraphAnswer {
  status: number;
  body?: object;
  headers: Readonly<Record<string, string>>;
}

function failure(error: GraphHttpError, ids: RequestIds): GraphAnswer {
  return { status: error.status, body: errorBody(error.code, error.message, ids, new Date()), headers: error.headers };
}

function faultError(status: number, fault: FaultRule): GraphHttpError {
  const { code, message } = defaultError(status);
  const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  return new GraphHttpError(status, fault.code ?? code, message, headers);
}

function asGraphError(error: unknown): GraphHttpError {
  if (error instanceof GraphHttpError) return error;
  return new GraphHttpError(500, 'generalException', error instanceof Error ? error.message : String(error));
}

function send(
  res: ServerResponse,
  status: number,
  body: object | undefined,
  contentType: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.writableEnded || res.destroyed) return;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) }).end(text);
}

async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // Keep draining past the limit so the client can still read the 413.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
    }
  } catch {
    return { kind: 'none' }; // The client went away mid-body; nobody is left to answer.
  }
  if (size > MAX_BODY_BYTES) return { kind: 'tooLarge' };
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return { kind: 'none' };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'malformed' };
  }
}

/** Resolves true after `ms`, or false as soon as the client or stop() closes the connection. */
function pause(ms: number, res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

/** Decoded, non-empty path segments; undefined when the percent-encoding is malformed. */
function pathSegments(pathname: string): string[] | undefined {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const { protocol, hostname } = new URL(origin);
    return (protocol === 'http:' || protocol === 'https:') && isLoopbackHost(hostname === '[::1]' ? '::1' : hostname);
  } catch {
    return false;
  }
}

function isLoopbackHostHeader(hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return true;
  try {
    const hostname = new URL(`http://${hostHeader}`).hostname;
    return isLoopbackHost(hostname === '[::1]' ? '::1' : hostname);
  } catch {
    return false;
  }
}
