import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { MiddlewareControl } from '@microsoft/microsoft-graph-client/lib/src/middleware/MiddlewareControl';
import { AttemptRecord, BoundedRetryHandler, MIN_RETRY_WAIT_MS, retryAfterMs, retryWaitMs } from '../../shared/graph/retry';
import { nextLinkPath } from '../../shared/graph/paging';

/** Answers with the given statuses in order: the transport seam, not our own code. */
class ScriptedTransport implements Middleware {
  calls = 0;
  constructor(private readonly script: Array<{ status: number; retryAfter?: string }>) {}
  async execute(context: Context): Promise<void> {
    const step = this.script[Math.min(this.calls, this.script.length - 1)];
    this.calls++;
    context.response = new Response(null, { status: step.status, headers: step.retryAfter ? { 'Retry-After': step.retryAfter } : {} });
  }
}

function run(script: Array<{ status: number; retryAfter?: string }>, budgetMs: number, random: () => number = () => 1) {
  const waits: number[] = [];
  const transport = new ScriptedTransport(script);
  const handler = new BoundedRetryHandler({ budgetMs, attemptTimeoutMs: 1000, sleep: async (ms) => void waits.push(ms), random });
  handler.setNext(transport);
  const record = new AttemptRecord();
  const context: Context = {
    request: 'https://graph.example/v1.0/users/x',
    options: { method: 'POST' },
    middlewareControl: new MiddlewareControl([record]),
  };
  return handler
    .execute(context)
    .then(() => ({ status: context.response?.status, calls: transport.calls, waits, attempts: record.attempts }));
}

describe('BoundedRetryHandler', () => {
  it('retries 429, 503 and 504 honouring Retry-After, then returns the success', async () => {
    const result = await run([{ status: 429, retryAfter: '2' }, { status: 503 }, { status: 504 }, { status: 200 }], 60_000);
    expect(result).toEqual({ status: 200, calls: 4, waits: [2000, 400, 800], attempts: 4 });
  });

  it('gives up at once when Retry-After would overrun the budget', async () => {
    const result = await run([{ status: 429, retryAfter: '30' }, { status: 200 }], 8000);
    expect(result).toMatchObject({ status: 429, calls: 1, waits: [] });
  });

  it('retries an attempt that got no response while the budget allows, then rethrows', async () => {
    const waits: number[] = [];
    let calls = 0;
    const handler = new BoundedRetryHandler({
      budgetMs: 1000,
      attemptTimeoutMs: 300,
      sleep: async (ms) => void waits.push(ms),
      random: () => 1,
    });
    handler.setNext({
      execute: async () => {
        calls++;
        throw Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
      },
    });
    await expect(handler.execute({ request: 'https://graph.example/v1.0/users/x', options: {} })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(calls).toBe(3);
    expect(waits).toEqual([200, 400]);
  });

  it('never retries Retry-After: 0 at once: the waits have a floor and grow, so a throttled call makes few requests', async () => {
    // The sleep is injected, so the budget is spent only by the waits the handler asks for.
    const waits: number[] = [];
    let clock = 0;
    const realNow = Date.now;
    Date.now = () => clock;
    try {
      const transport = new ScriptedTransport([{ status: 429, retryAfter: '0' }]);
      const handler = new BoundedRetryHandler({
        budgetMs: 8000,
        attemptTimeoutMs: 1000,
        sleep: async (ms) => {
          waits.push(ms);
          clock += ms;
          if (waits.length > 50) throw new Error('request storm: the handler keeps retrying without waiting');
        },
        random: () => 0,
      });
      handler.setNext(transport);
      const context: Context = { request: 'https://graph.example/v1.0/users/x', options: { method: 'POST' } };
      await handler.execute(context);
      expect(context.response?.status).toBe(429);
      expect(waits).toEqual([100, 200, 400, 800, 1600, 3200]);
      expect(transport.calls).toBe(7);
    } finally {
      Date.now = realNow;
    }
  });

  it('spreads the waits of concurrent callers by the injected random source, within [half, full] backoff', () => {
    expect(retryWaitMs(3, undefined, 0)).toBe(400);
    expect(retryWaitMs(3, undefined, 0.5)).toBe(600);
    expect(retryWaitMs(3, undefined, 0.999)).toBe(800);
    expect(retryWaitMs(1, 0, 0)).toBe(MIN_RETRY_WAIT_MS);
    expect(retryWaitMs(1, 5000, 0.3)).toBe(5000);
  });

  it('does not retry other failures', async () => {
    for (const status of [400, 401, 403, 404, 500]) {
      expect(await run([{ status }, { status: 200 }], 8000)).toMatchObject({ status, calls: 1 });
    }
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, ignores junk', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe('nextLinkPath', () => {
  it('turns absolute nextLinks from real Graph and the simulator into paths under our base', () => {
    expect(nextLinkPath('https://graph.microsoft.com/v1.0/users?$top=2&$skiptoken=abc', 'https://graph.microsoft.com')).toBe(
      '/users?$top=2&$skiptoken=abc',
    );
    expect(nextLinkPath('http://127.0.0.1:5000/v1.0/auditLogs/signIns?$skiptoken=MjA', 'http://127.0.0.1:5000')).toBe(
      '/auditLogs/signIns?$skiptoken=MjA',
    );
  });

  it('refuses to follow a nextLink to another host (it would carry our token)', () => {
    expect(() => nextLinkPath('https://evil.example/v1.0/users', 'https://graph.microsoft.com')).toThrow(/another host/);
  });
});
