// Graph middleware that retries throttling and transient service errors within a short time budget.
// Containment is a race against the attacker: we wait for Retry-After only while the whole call stays
// within seconds, then give up and let the caller's own retry (or a human) take over. Every wait has a
// floor and a jittered exponential part, so `Retry-After: 0` (or none) from a throttling Graph cannot
// turn many concurrent containments into a request storm that keeps the tenant throttled.
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';

export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([429, 503, 504]);
const BASE_BACKOFF_MS = 200;
/** The least wait between two attempts, whatever Retry-After says. */
export const MIN_RETRY_WAIT_MS = 100;
/** No attempt is given less than this: below it, even a healthy Graph call would time out. */
export const MIN_ATTEMPT_MS = 250;

/**
 * Per-request record of how many attempts a call took; read it back after the call for the audit trail.
 * `budgetMs` narrows the handler's budget for this call (a write that already waited in a batch queue).
 */
export class AttemptRecord implements MiddlewareOptions {
  attempts = 0;
  constructor(readonly budgetMs?: number) {}
}

export interface BoundedRetryOptions {
  /** Total time a call may spend, including waits between attempts. */
  budgetMs: number;
  /** Time one attempt may take before it is aborted (a hung connection must not hold containment). */
  attemptTimeoutMs: number;
  /** Injected for tests; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) spreading the waits of concurrent callers; injected for tests, default Math.random. */
  random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After is seconds or an HTTP date; anything else is ignored. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before attempt `attempt + 1`: "equal jitter" over an exponential backoff (half fixed, half
 * random, so the waits still grow and concurrent callers spread out), never below the floor, and never
 * shorter than a Retry-After the service asked for.
 */
export function retryWaitMs(attempt: number, retryAfter: number | undefined, random: number): number {
  const backoff = BASE_BACKOFF_MS * 2 ** (attempt - 1);
  const jittered = backoff / 2 + (backoff / 2) * Math.min(Math.max(random, 0), 1);
  return Math.round(Math.max(MIN_RETRY_WAIT_MS, retryAfter ?? 0, jittered));
}

export class BoundedRetryHandler implements Middleware {
  private next?: Middleware;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: BoundedRetryOptions) {
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('BoundedRetryHandler needs a next middleware');
    const record = context.middlewareControl?.getMiddlewareOptions(AttemptRecord) as AttemptRecord | undefined;
    const started = Date.now();
    const budgetMs = Math.min(this.options.budgetMs, record?.budgetMs ?? Number.POSITIVE_INFINITY);
    for (let attempt = 1; ; attempt++) {
      if (record) record.attempts = attempt;
      const remaining = budgetMs - (Date.now() - started);
      context.options = {
        ...context.options,
        signal: AbortSignal.timeout(Math.round(Math.max(MIN_ATTEMPT_MS, Math.min(this.options.attemptTimeoutMs, remaining)))),
      };
      // Boxed, so even `throw undefined` counts as a failure.
      let failure: { error: unknown } | undefined;
      try {
        await this.next.execute(context);
      } catch (error) {
        failure = { error };
      }
      const response = failure === undefined ? context.response : undefined;
      // No response at all (timeout, reset connection) is retried too: both writes are idempotent, and
      // a fresh connection is the usual cure for a hung one.
      const retryable = failure !== undefined || (response !== undefined && RETRYABLE_STATUS.has(response.status));
      const wait = retryWaitMs(attempt, response ? retryAfterMs(response.headers.get('Retry-After')) : undefined, this.random());
      if (!retryable || Date.now() - started + wait + MIN_ATTEMPT_MS > budgetMs) {
        if (failure !== undefined) throw failure.error;
        return;
      }
      // Drain the body so the connection can be reused.
      await response?.arrayBuffer().catch(() => undefined);
      await this.sleep(wait);
    }
  }
}

/** By name, not instanceof: fetch rejects with a DOMException, which is not an Error in every realm. */
export function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

export function isTimeout(error: unknown): boolean {
  const name = errorName(error);
  return name === 'TimeoutError' || name === 'AbortError';
}
