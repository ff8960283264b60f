// Write-back for Microsoft Sentinel: a comment on the incident through the Azure Resource Manager REST API
// (PUT {incident id}/comments/{comment id}, Incident Comments - Create Or Update), as the app's managed
// identity holding Microsoft Sentinel Responder on the workspace. The comment id is ours and the same on
// every attempt, so a retry updates the comment rather than adding another. Transient failures (429, 5xx,
// no answer) are retried within a bounded budget, honouring Retry-After; the rest is an UpstreamError.
import type { TokenCredential } from '@azure/identity';
import type { AlertOrigin } from '../alerts/types';
import { field, text } from '../alerts/json';
import { UpstreamError } from '../errors';
import type { CommentReceipt, SourceComments } from '../runbook/ports';

/** The stable Microsoft.SecurityInsights API version the comment route is documented for. */
export const SENTINEL_API_VERSION = '2025-09-01';

/** Comment messages are bounded by the service; a comment pane is for reading, the rest is in the console. */
const MAX_MESSAGE_CHARS = 4_000;

export interface SentinelCommentsSettings {
  /** https://management.azure.com, a sovereign cloud's, or the simulator's stand-in (loopback). */
  baseUrl: string;
  /** Total time one comment may spend, retries included. */
  budgetMs: number;
  /** Time one attempt may take. */
  attemptTimeoutMs: number;
  /** Injected for tests; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
}

function sentinelError(message: string, status: number, code: string, requestId?: string, retryAfter?: number): UpstreamError {
  return new UpstreamError('sentinel', message, status, code, requestId, retryAfter);
}

export class SentinelIncidentComments implements SourceComments {
  readonly name = 'Microsoft Sentinel';
  readonly permission = 'Microsoft Sentinel Responder on the workspace';
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly settings: SentinelCommentsSettings,
    /** Undefined for the loopback stand-in only (GRAPH_AUTH=none). */
    private readonly credential: TokenCredential | undefined,
  ) {
    this.sleep = settings.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  target(origin: AlertOrigin | undefined): string | undefined {
    return origin?.sentinelIncident;
  }

  async comment(target: string, commentId: string, message: string): Promise<CommentReceipt> {
    const url = `${this.settings.baseUrl}${target}/comments/${encodeURIComponent(commentId)}?api-version=${SENTINEL_API_VERSION}`;
    const body = JSON.stringify({ properties: { message: message.slice(0, MAX_MESSAGE_CHARS) } });
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let failure: UpstreamError;
      try {
        return await this.put(url, body);
      } catch (error) {
        failure = error instanceof UpstreamError ? error : sentinelError('could not reach Microsoft Sentinel', 0, 'network_error');
      }
      failure.attempts = attempt;
      const wait = Math.min((failure.retryAfterSeconds ?? 2 ** (attempt - 1)) * 1000, 10_000);
      if (!failure.transient || attempt >= 4 || Date.now() - started + wait >= this.settings.budgetMs) throw failure;
      await this.sleep(wait);
    }
  }

  private async put(url: string, body: string): Promise<CommentReceipt> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.credential) {
      const scope = `${new URL(this.settings.baseUrl).origin}/.default`;
      const token = await this.credential.getToken(scope).catch(() => null);
      if (!token) throw sentinelError('could not get an Azure Resource Manager token', 0, 'credential_unavailable');
      headers.authorization = `Bearer ${token.token}`;
    }
    let response: Response;
    try {
      response = await fetch(url, { method: 'PUT', headers, body, signal: AbortSignal.timeout(this.settings.attemptTimeoutMs) });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw timedOut
        ? sentinelError('Microsoft Sentinel did not answer in time', 0, 'timeout')
        : sentinelError('could not reach Microsoft Sentinel', 0, 'network_error');
    }
    const requestId = response.headers.get('x-ms-request-id') ?? response.headers.get('x-ms-correlation-request-id') ?? undefined;
    if (response.ok) {
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status, requestId };
    }
    let answer: unknown;
    try {
      answer = await response.json();
    } catch {
      answer = undefined;
    }
    const error = field(answer, 'error');
    const retryAfter = Number(response.headers.get('retry-after'));
    throw sentinelError(
      (text(field(error, 'message')) ?? `Microsoft Sentinel answered ${response.status}`).slice(0, 500),
      response.status,
      text(field(error, 'code')) ?? `http_${response.status}`,
      requestId,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }
}
