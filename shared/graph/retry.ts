// Graph middleware that retries throttling and transient service errors within a short time budget.
// Containment is a race against the attacker: we wait for Retry-After only while the whole call stays
// within seconds, then give up and let the caller's own retry (or a human) take over.
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';

const RETRYABLE_STATUS = new Set([429, 503, 504]);
const BASE_BACKOFF_MS = 200;

/** Per-request record of how many attempts a call took; read it back after the call for the audit trail. */
export class AttemptRecord implements MiddlewareOptions {
  attempts = 0;
}

export interface BoundedRetryOptions {
  /** Total time a call may spend, including waits between attempts. */
  budgetMs: number;
  /** Time one attempt may take before it is aborted (a hung connection must not hold containment). */
  attemptTimeoutMs: number;
  /** Injected for tests; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
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

export class BoundedRetryHandler implements Middleware {
  private next?: Middleware;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: BoundedRetryOptions) {
    this.sleep = options.sleep ?? defaultSleep;
  }

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('BoundedRetryHandler needs a next middleware');
    const record = context.middlewareControl?.getMiddlewareOptions(AttemptRecord) as AttemptRecord | undefined;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (record) record.attempts = attempt;
      const remaining = this.options.budgetMs - (Date.now() - started);
      context.options = { ...context.options, signal: AbortSignal.timeout(Math.max(1, Math.min(this.options.attemptTimeoutMs, Math.max(remaining, 1000)))) };
      let failure: unknown;
      try {
        await this.next.execute(context);
      } catch (error) {
        failure = error;
      }
      const response = context.response;
      const retryable = failure !== undefined ? !isTimeout(failure) : response !== undefined && RETRYABLE_STATUS.has(response.status);
      if (!retryable) {
        if (failure !== undefined) throw failure;
        return;
      }
      const wait = (response && retryAfterMs(response.headers.get('Retry-After'))) ?? BASE_BACKOFF_MS * 2 ** (attempt - 1);
      const elapsed = Date.now() - started;
      if (elapsed + wait >= this.options.budgetMs) {
        if (failure !== undefined) throw failure;
        return;
      }
      // Drain the body so the connection can be reused.
      await response?.arrayBuffer().catch(() => undefined);
      await this.sleep(wait);
    }
  }
}

export function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
