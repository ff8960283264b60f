// One meaning per error class, one mapping to HTTP: a conflict is a 409 the caller resolves, "busy" is a
// 503 with Retry-After, an upstream failure is a 502 naming the service that failed.
import { BusyError, ConflictError, toHttpResponse, UpstreamError } from '../../shared/errors';
import { failedOutcome } from '../../shared/diagnosis/sources';

describe('toHttpResponse', () => {
  it('answers a conflict with 409 and no Retry-After: retrying the same call does not help', () => {
    const response = toHttpResponse(
      new ConflictError('incident inc-1 is contained; only an incident awaiting approval can be approved'),
      'inv-1',
    );
    expect(response.status).toBe(409);
    expect(response.headers).toBeUndefined();
    expect(response.jsonBody).toMatchObject({ error: { code: 'conflict' } });
  });

  it('answers busy with 503 and the Retry-After it carries', () => {
    const response = toHttpResponse(new BusyError('containment of incident inc-1 is still in progress', 5), 'inv-1');
    expect(response).toMatchObject({ status: 503, headers: { 'Retry-After': '5' }, jsonBody: { error: { code: 'busy' } } });
  });

  it('answers an upstream failure with 502 naming the service, its status, code and request-id', () => {
    const response = toHttpResponse(new UpstreamError('log-analytics', 'Forbidden', 403, 'InsufficientAccessError', 'req-1'), 'inv-1');
    expect(response).toMatchObject({
      status: 502,
      jsonBody: {
        error: {
          code: 'upstream_error',
          service: 'log-analytics',
          upstreamStatus: 403,
          upstreamCode: 'InsufficientAccessError',
          requestId: 'req-1',
        },
      },
    });
  });
});

describe('failedOutcome', () => {
  it('names the service that failed', () => {
    const outcome = failedOutcome(
      'signIns',
      'Log Analytics',
      new UpstreamError('log-analytics', 'Service unavailable', 503, 'ServiceUnavailable'),
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      transient: true,
      detail: 'failed: Log Analytics 503 ServiceUnavailable (transient; the queue retries)',
    });
  });
});
