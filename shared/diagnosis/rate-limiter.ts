// Keeps this instance under the identity and access reports limit (signIns, directoryAudits): about 5
// requests per 10 s per app per tenant. One limiter per process is shared by every diagnosis; it is per
// instance, so with several instances Graph's 429 + Retry-After (honoured by the retry middleware) is
// what holds the tenant-wide line, and REPORTS_REQUESTS_PER_10_SECONDS can be lowered to leave room.

export interface RateLimiter {
  /** Resolves when a request may be sent; returns how long it waited. */
  acquire(): Promise<number>;
}

export interface SlidingWindowOptions {
  max: number;
  windowMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** At most `max` grants in any `windowMs`, first come first served. */
export class SlidingWindowLimiter implements RateLimiter {
  private readonly granted: number[] = [];
  private tail: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SlidingWindowOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError('max must be a positive integer');
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  acquire(): Promise<number> {
    const turn = this.tail.then(() => this.take());
    // A failed turn must not block the queue behind it.
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async take(): Promise<number> {
    const started = this.now();
    for (;;) {
      const now = this.now();
      while (this.granted.length > 0 && this.granted[0] <= now - this.options.windowMs) this.granted.shift();
      if (this.granted.length < this.options.max) {
        this.granted.push(now);
        return now - started;
      }
      await this.sleep(this.granted[0] + this.options.windowMs - now);
    }
  }
}

export const UNLIMITED: RateLimiter = { acquire: () => Promise.resolve(0) };
