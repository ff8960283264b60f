// Turns Graph responses and client failures into our UpstreamError (service 'graph'), keeping status, code and
// request-id.
import { UpstreamError } from '../errors';
import { errorName, isTimeout } from './retry';
import { field, path, text } from '../alerts/json';

/** A Graph failure: an UpstreamError with its service named. */
export function graphError(message: string, status: number, code: string, requestId?: string, retryAfterSeconds?: number): UpstreamError {
  return new UpstreamError('graph', message, status, code, requestId, retryAfterSeconds);
}

export function requestIdOf(response: Response): string | undefined {
  return response.headers.get('request-id') ?? response.headers.get('client-request-id') ?? undefined;
}

/** Reads Graph's documented error body: {"error":{"code","message","innerError":{"request-id"}}}. */
export async function graphErrorFromResponse(response: Response): Promise<UpstreamError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = field(body, 'error');
  const code = text(field(error, 'code')) ?? `http_${response.status}`;
  const message = text(field(error, 'message')) ?? `Graph answered ${response.status}`;
  const requestId = requestIdOf(response) ?? text(path(error, 'innerError', 'request-id'));
  const retryAfter = Number(response.headers.get('Retry-After'));
  return graphError(
    message.slice(0, 500),
    response.status,
    code,
    requestId,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

/** A failure before any response: timeout, connection refused, or the credential could not get a token. */
export function graphErrorFromException(error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  // graph-client wraps a failed fetch in its own GraphError: the original error's name becomes `code`,
  // or (for a DOMException from another realm) the original error becomes `body`.
  if (isTimeout(error) || isTimeout({ name: field(error, 'code') }) || isTimeout(field(error, 'body'))) {
    return graphError('Graph did not answer in time', 0, 'timeout');
  }
  const name = errorName(error);
  if (name === 'CredentialUnavailableError' || name === 'AuthenticationError') {
    return graphError(`could not get a Graph token: ${name}`, 0, 'credential_unavailable');
  }
  // The library's own GraphError carries statusCode/code/requestId when it got a response.
  const statusCode = field(error, 'statusCode');
  const code = text(field(error, 'code'));
  const requestId = text(field(error, 'requestId'));
  if (typeof statusCode === 'number' && statusCode > 0) {
    return graphError(
      error instanceof Error ? error.message.slice(0, 500) : 'Graph error',
      statusCode,
      code ?? `http_${statusCode}`,
      requestId,
    );
  }
  return graphError('could not reach Graph', 0, 'network_error');
}
