// Queries a Log Analytics (Sentinel) workspace over its REST API (`POST {endpoint}/v1/workspaces/{id}/query`),
// with the app's own credential and a timeout: one KQL query in, rows as objects out. Failures are
// UpstreamError naming the service 'log-analytics' (status, code, request-id, transient), so callers treat
// every source alike and the record says which service failed.
import type { TokenCredential } from '@azure/identity';
import { field, list, text } from '../alerts/json';
import { UpstreamError } from '../errors';

export const DEFAULT_LOG_ANALYTICS_ENDPOINT = 'https://api.loganalytics.io';

export interface LogAnalyticsSettings {
  /** e.g. https://api.loganalytics.io (or a sovereign cloud's, or the simulator's stand-in). */
  endpoint: string;
  workspaceId: string;
  timeoutMs: number;
}

export type Row = Readonly<Record<string, unknown>>;

export class LogAnalyticsClient {
  constructor(
    private readonly settings: LogAnalyticsSettings,
    private readonly credential: TokenCredential | undefined,
  ) {}

  get workspaceId(): string {
    return this.settings.workspaceId;
  }

  /** Rows of the first table. A partial result (200 with an error) is refused: half a log would mislead. */
  async query(kql: string, timespan: string): Promise<Row[]> {
    const endpoint = this.settings.endpoint.replace(/\/+$/, '');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.credential) {
      let token;
      try {
        token = await this.credential.getToken(`${new URL(endpoint).origin}/.default`);
      } catch {
        throw new UpstreamError('log-analytics', 'could not get a Log Analytics token', 0, 'credential_unavailable');
      }
      if (!token) throw new UpstreamError('log-analytics', 'could not get a Log Analytics token', 0, 'credential_unavailable');
      headers.authorization = `Bearer ${token.token}`;
    }
    let response: Response;
    try {
      response = await fetch(`${endpoint}/v1/workspaces/${encodeURIComponent(this.settings.workspaceId)}/query`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: kql, timespan }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      const name = (error as { name?: unknown } | null)?.name;
      throw new UpstreamError('log-analytics', 'Log Analytics did not answer', 0, name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network_error');
    }
    const requestId = response.headers.get('x-ms-request-id') ?? response.headers.get('request-id') ?? undefined;
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    const error = field(body, 'error');
    if (!response.ok || error !== undefined) {
      const code = text(field(error, 'code')) ?? `http_${response.status}`;
      const message = text(field(error, 'message')) ?? `Log Analytics answered ${response.status}`;
      // 200 with an error is a partial result; retrying may give the whole one.
      throw new UpstreamError('log-analytics', message.slice(0, 500), response.ok ? 503 : response.status, code, requestId);
    }
    const table = list(field(body, 'tables'))[0];
    const columns = list(field(table, 'columns')).map((column) => text(field(column, 'name')) ?? '');
    return list(field(table, 'rows')).map((row) => Object.fromEntries(columns.map((name, i) => [name, list(row)[i]])));
  }
}
