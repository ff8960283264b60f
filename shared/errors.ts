// The error vocabulary: a few typed errors, one way to turn any thrown value into an Error, and one
// mapping from errors to HTTP responses. Responses never carry a stack trace.
import type { HttpResponseInit } from '@azure/functions';

/** The caller sent something we cannot act on: 400 malformed, 413 too large, 415 wrong type, 422 not actionable. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly status: 400 | 413 | 415 | 422 = 422,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    message: string,
    readonly status: 401 | 403 = 401,
  ) {
    super(message);
  }
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** A state conflict the caller must resolve (reload, decide again): e.g. the incident is not awaiting approval. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** Someone else holds the work right now (another delivery, a containment still running); the same call later succeeds. */
export class BusyError extends Error {
  override readonly name = 'BusyError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The services we call out to; each failure names its service so the record and the support ticket say whom to ask. */
export type UpstreamService = 'graph' | 'log-analytics' | 'sentinel';

const SERVICE_NAMES: Readonly<Record<UpstreamService, string>> = {
  graph: 'Graph',
  'log-analytics': 'Log Analytics',
  sentinel: 'Microsoft Sentinel',
};

/** A failure of a service we call (Microsoft Graph, Log Analytics), keeping what the record and the support ticket need. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly service: UpstreamService,
    message: string,
    /** HTTP status; 0 when no response arrived (timeout, network, no token). */
    readonly status: number,
    readonly code: string,
    readonly requestId?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** How many attempts the bounded retry made before giving up. */
  attempts = 1;

  /** The service's name in words, for details and logs: "Graph", "Log Analytics". */
  get serviceName(): string {
    return SERVICE_NAMES[this.service];
  }

  /** Whether the same call later may succeed: throttling, service trouble, no response. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** A dependency we keep state in (Table/Queue Storage) failed; the caller may retry. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
}

export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}

function problem(status: number, code: string, message: string, extra: Record<string, unknown> = {}): HttpResponseInit {
  return { status, jsonBody: { error: { code, message, ...extra } } };
}

/** The one mapping from an error to a response. Unknown errors become a bare 500 with the invocation id. */
export function toHttpResponse(error: unknown, invocationId: string): HttpResponseInit {
  if (error instanceof ValidationError) {
    const code = { 400: 'malformed_request', 413: 'payload_too_large', 415: 'unsupported_media_type', 422: 'unprocessable_alert' }[
      error.status
    ];
    return problem(error.status, code, error.message, error.details);
  }
  if (error instanceof AuthError) {
    const response = problem(error.status, error.status === 401 ? 'unauthorized' : 'forbidden', error.message);
    return error.status === 401 ? { ...response, headers: { 'WWW-Authenticate': 'Bearer' } } : response;
  }
  if (error instanceof NotFoundError) return problem(404, 'not_found', error.message);
  if (error instanceof ConflictError) return problem(409, 'conflict', error.message);
  if (error instanceof BusyError) {
    return { ...problem(503, 'busy', error.message), headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  }
  if (error instanceof StorageError) {
    return {
      ...problem(503, 'storage_unavailable', 'incident store unavailable; retry', { invocationId }),
      headers: { 'Retry-After': '5' },
    };
  }
  if (error instanceof UpstreamError) {
    return problem(502, 'upstream_error', error.message, {
      service: error.service,
      upstreamStatus: error.status,
      upstreamCode: error.code,
      requestId: error.requestId,
    });
  }
  return problem(500, 'internal', 'internal error', { invocationId });
}
