// The two Phase 1 writes against Microsoft Graph (runbook 1.1 and 1.2), as the ContainmentActions port.
// Both use the raw response so the record keeps the HTTP status and request-id of successes too. Every
// write goes through one GraphWriteBatcher per process (write-batcher.ts): at once when Graph has room,
// in JSON batches with per-item retry when many containments run together.
import { Client, ResponseType } from '@microsoft/microsoft-graph-client';
import type { UpstreamError } from '../errors';
import type { ContainmentAction } from '../runbook/incident';
import type { ContainmentActions, GraphWriteReceipt, GraphWriteRequest } from '../runbook/ports';
import { graphErrorFromException, graphErrorFromResponse, requestIdOf } from './errors';
import { AttemptRecord } from './retry';
import { GRAPH_VERSION } from './client';
import { GraphWriteBatcher, type WriteBatcherOptions } from './write-batcher';

function withAttempts(error: UpstreamError, record: AttemptRecord): UpstreamError {
  error.attempts = Math.max(1, record.attempts);
  return error;
}

export function revokeSessionsRequest(userId: string): GraphWriteRequest {
  return { method: 'POST', path: `/${GRAPH_VERSION}/users/${encodeURIComponent(userId)}/revokeSignInSessions` };
}

export function disableAccountRequest(userId: string): GraphWriteRequest {
  return { method: 'PATCH', path: `/${GRAPH_VERSION}/users/${encodeURIComponent(userId)}`, body: { accountEnabled: false } };
}

export class GraphContainmentActions implements ContainmentActions {
  private readonly batcher: GraphWriteBatcher;

  constructor(
    private readonly client: Client,
    options: WriteBatcherOptions,
  ) {
    this.batcher = new GraphWriteBatcher(client, (request, record) => this.send(request, record), options);
  }

  revokeSessions(userId: string): Promise<GraphWriteReceipt> {
    return this.batcher.send(revokeSessionsRequest(userId));
  }

  disableAccount(userId: string): Promise<GraphWriteReceipt> {
    return this.batcher.send(disableAccountRequest(userId));
  }

  describe(action: ContainmentAction, userId: string): GraphWriteRequest {
    return action === 'revokeSessions' ? revokeSessionsRequest(userId) : disableAccountRequest(userId);
  }

  private async send(request: GraphWriteRequest, attempts: AttemptRecord): Promise<GraphWriteReceipt> {
    const call = this.client
      .api(request.path.slice(GRAPH_VERSION.length + 1))
      .middlewareOptions([attempts])
      .responseType(ResponseType.RAW);
    let response: Response;
    try {
      response = (await (request.method === 'POST' ? call.post(request.body ?? {}) : call.patch(request.body))) as Response;
    } catch (error) {
      throw withAttempts(graphErrorFromException(error), attempts);
    }
    // revokeSignInSessions is documented to answer 204 in some tenants and 200 {value:true} in
    // others; every 2xx means the refresh tokens are invalidated.
    if (response.status >= 200 && response.status < 300) {
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status, requestId: requestIdOf(response), attempts: attempts.attempts };
    }
    throw withAttempts(await graphErrorFromResponse(response), attempts);
  }
}
