// Graph's error vocabulary: one error type carrying status and code, and the JSON body Graph wraps
// every failure in, so production code's error mapping is exercised against the real shape.

export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'GraphHttpError';
  }
}

export function resourceNotFound(id: string): GraphHttpError {
  return new GraphHttpError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

export function badRequest(message: string, code = 'BadRequest'): GraphHttpError {
  return new GraphHttpError(400, code, message);
}

const DEFAULTS: Readonly<Record<number, { code: string; message: string }>> = {
  400: { code: 'BadRequest', message: 'Bad request.' },
  401: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' },
  403: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' },
  404: { code: 'Request_ResourceNotFound', message: 'Resource does not exist.' },
  409: { code: 'Conflict', message: 'The request conflicts with the current state of the resource.' },
  429: { code: 'TooManyRequests', message: 'Too many requests.' },
  500: { code: 'generalException', message: 'An unspecified error has occurred.' },
  502: { code: 'BadGateway', message: 'Bad gateway.' },
  503: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' },
  504: { code: 'GatewayTimeout', message: 'The gateway timed out.' },
};

/** The code and message Graph typically sends with a status, for injected faults that name neither. */
export function defaultError(status: number): { code: string; message: string } {
  return (
    DEFAULTS[status] ??
    (status >= 500 ? { code: 'UnknownError', message: 'An error occurred.' } : { code: 'BadRequest', message: 'Bad request.' })
  );
}

export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

export function errorBody(code: string, message: string, ids: RequestIds, at: Date): object {
  return {
    error: {
      code,
      message,
      // Graph stamps innerError.date to the second and without a zone designator.
      innerError: { date: at.toISOString().slice(0, 19), 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId },
    },
  };
}
