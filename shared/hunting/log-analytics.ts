// Queries a Log Analytics (Sentinel) workspace through @azure/monitor-query-logs (`LogsQueryClient`,
// POST {endpoint}/workspaces/{id}/query), with the app's credential, a timeout and one limiter per
// process (the Query API allows 200 requests per 30 s per identity): one KQL query in, rows as objects
// out. Failures are UpstreamError naming the service 'log-analytics' (status, code, request-id,
// transient), so callers treat every source alike and the record says which service failed. The endpoint
// must end in /v1 and be https (the SDK refuses plain http).
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { TokenCredential } from '@azure/identity';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { SlidingWindowLimiter, type RateLimiter } from '../diagnosis/rate-limiter';
import { UpstreamError } from '../errors';

export const DEFAULT_LOG_ANALYTICS_ENDPOINT = 'https://api.loganalytics.io/v1';

/** The Query API's documented limit per identity. */
export const LOG_ANALYTICS_REQUESTS_PER_30_SECONDS = 200;

export interface LogAnalyticsSettings {
  /** e.g. https://api.loganalytics.io/v1 (or a sovereign cloud's, or the simulator's stand-in); /v1 is added when missing. */
  endpoint: string;
  workspaceId: string;
  timeoutMs: number;
  /** PEM file of a CA to trust for this endpoint only (the simulator's self-signed stand-in). */
  caFile?: string;
}

export type Row = Readonly<Record<string, unknown>>;

/** The endpoint the SDK is given: it posts to `${endpoint}/workspaces/...`, so it must name the API version. */
export function queryEndpoint(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return /\/v1$/i.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

/** A credential that sends a fixed placeholder: for the loopback stand-in only (GRAPH_AUTH=none). */
export const LOOPBACK_CREDENTIAL: TokenCredential = {
  getToken: () => Promise.resolve({ token: 'loopback-simulator', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

function trustPolicy(caFile: string): PipelinePolicy {
  const agent = new Agent({ ca: readFileSync(caFile), keepAlive: true });
  return {
    name: 'aitm-trusted-ca',
    sendRequest: (request, next) => {
      request.agent = agent;
      return next(request);
    },
  };
}

interface RestLike {
  statusCode?: number;
  code?: string;
  message?: string;
  name?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

function toUpstreamError(error: unknown): UpstreamError {
  const e = (error ?? {}) as RestLike;
  if (e.name === 'AbortError' || e.name === 'TimeoutError')
    return new UpstreamError('log-analytics', 'Log Analytics did not answer in time', 0, 'timeout');
  const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
  const requestId = e.response?.headers?.get('x-ms-request-id') ?? e.response?.headers?.get('request-id');
  const retryAfter = Number(e.response?.headers?.get('retry-after'));
  return new UpstreamError(
    'log-analytics',
    (e.message ?? 'Log Analytics query failed').split('\n')[0].slice(0, 500),
    status,
    e.code ?? (status === 0 ? 'network_error' : `http_${status}`),
    requestId,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

export class LogAnalyticsClient {
  private readonly client: LogsQueryClient;

  constructor(
    private readonly settings: LogAnalyticsSettings,
    credential: TokenCredential,
    private readonly limiter: RateLimiter = new SlidingWindowLimiter({ max: LOG_ANALYTICS_REQUESTS_PER_30_SECONDS, windowMs: 30_000 }),
  ) {
    this.client = new LogsQueryClient(credential, {
      endpoint: queryEndpoint(settings.endpoint),
      // Our queue retries transient failures; a hidden SDK retry loop would only stretch the budget.
      retryOptions: { maxRetries: 1 },
      additionalPolicies: settings.caFile ? [{ policy: trustPolicy(settings.caFile), position: 'perCall' }] : [],
    });
  }

  get workspaceId(): string {
    return this.settings.workspaceId;
  }

  /**
   * Rows of the first table over `duration` (ISO 8601, e.g. P7D) back from now. A partial result is
   * refused (as a transient failure): half a log would mislead.
   */
  async query(kql: string, duration: string): Promise<Row[]> {
    const { rows, partial } = await this.run(kql, duration);
    if (partial !== undefined)
      throw new UpstreamError(
        'log-analytics',
        `Log Analytics returned a partial result: ${partial.message.slice(0, 400)}`,
        503,
        partial.code,
      );
    return rows;
  }

  /** For the hunt: a partial result (a row or size limit hit) is kept and said to be truncated. */
  async queryAllowingPartial(kql: string, duration: string): Promise<{ rows: Row[]; truncated: boolean }> {
    const { rows, partial } = await this.run(kql, duration);
    return { rows, truncated: partial !== undefined };
  }

  private async run(kql: string, duration: string): Promise<{ rows: Row[]; partial?: { message: string; code: string } }> {
    await this.limiter.acquire();
    let result;
    try {
      result = await this.client.queryWorkspace(
        this.settings.workspaceId,
        kql,
        { startTime: new Date(Date.now() - durationMs(duration)), endTime: new Date() },
        {
          serverTimeoutInSeconds: Math.ceil(this.settings.timeoutMs / 1000),
          abortSignal: AbortSignal.timeout(this.settings.timeoutMs + 5_000),
        },
      );
    } catch (error) {
      throw toUpstreamError(error);
    }
    const partial =
      result.status === LogsQueryResultStatus.Success
        ? undefined
        : { message: result.partialError.message ?? '', code: result.partialError.code ?? 'PartialError' };
    const table = result.status === LogsQueryResultStatus.Success ? result.tables[0] : result.partialTables[0];
    if (!table) return { rows: [], partial };
    const columns = table.columnDescriptors.map((column) => column.name ?? '');
    const rows = table.rows.map((row) =>
      Object.fromEntries(columns.map((name, i) => [name, row[i] instanceof Date ? row[i].toISOString() : row[i]])),
    );
    return { rows, partial };
  }
}

function durationMs(iso: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
  if (!match || iso === 'P' || iso === 'PT') throw new RangeError(`not an ISO 8601 duration: ${iso}`);
  return ((Number(match[1] ?? 0) * 24 + Number(match[2] ?? 0)) * 60 + Number(match[3] ?? 0)) * 60_000;
}
