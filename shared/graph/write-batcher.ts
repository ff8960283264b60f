// Sends containment writes to Graph with bounded concurrency, coalescing them into JSON batches
// (`POST /v1.0/$batch`, at most 20 requests) only when that saves round-trips, and retrying each throttled
// item on its own. Why this shape:
//   - No batching delay: a write goes out in the tick it was asked for whenever a request slot is free.
//     The writes waiting when a request is sent are spread over the free slots, so one alert's revoke and
//     disable still go as two parallel requests (one round-trip, and one cannot hold the other), while a
//     burst or a campaign, which fills every slot, goes out 20 to a request.
//   - Bounded concurrency (MAX_IN_FLIGHT requests per process): a 500-person campaign is 1,000 writes,
//     and without a bound they would open a thousand sockets at once and all meet the write quota
//     together. 32 requests of up to 20 writes keep up to 640 in flight: at 200 ms a round-trip that is
//     ~3,200 writes a second, past what Graph's write quota admits (3,000 per 150 s), so the bound never
//     slows us below the tenant's own limit. And 32, not fewer: 16 concurrent alerts (32 writes) still
//     send each write on its own the moment it is asked for; with 8, the ninth write waited a round-trip
//     for a free request (the bench's graph step at 20 concurrent was 1.6 round-trips).
//   - Inside a batch Graph answers a throttled item as a 429 in a 200 batch with its own Retry-After,
//     which @microsoft/microsoft-graph-client does not retry; we do, per item, honouring Retry-After with
//     the project's floor and jittered backoff (retry.ts), within the same budget a single write has
//     (GRAPH_RETRY_BUDGET_MS, counted from when the write was asked for). The quota is the tenant's, not
//     the item's: while Graph has asked us to wait, no write of this process goes out, so retries do not
//     hammer a throttled tenant.
//   - Nothing is lost: every write ends resolved with its receipt or rejected with an UpstreamError
//     (service, status, code, request-id, attempts) that the runbook records on the incident.
import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import type { UpstreamError } from '../errors';
import type { GraphWriteReceipt, GraphWriteRequest } from '../runbook/ports';
import { field, text } from '../alerts/json';
import { graphError, graphErrorFromException, graphErrorFromResponse, requestIdOf } from './errors';
import { AttemptRecord, MIN_ATTEMPT_MS, RETRYABLE_STATUS, retryAfterMs, retryWaitMs } from './retry';

/** Graph's limit of requests in one JSON batch. */
export const MAX_BATCH_REQUESTS = 20;
/** Graph requests (single or batch) this process keeps in flight for containment writes. */
export const MAX_IN_FLIGHT = 32;

export interface WriteBatcherOptions {
  /** How long a write may take from when it is asked for, waits and retries included. */
  budgetMs: number;
  maxInFlight?: number;
  /** Injected for tests; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) spreading retries; injected (seeded) for tests, default Math.random. */
  random?: () => number;
  /** Milliseconds, monotonic; default performance.now. */
  now?: () => number;
}

/** How many waiting writes the next request carries: the queue spread over the free slots, at most 20. */
export function nextBatchSize(queued: number, freeSlots: number): number {
  if (queued <= 0 || freeSlots <= 0) return 0;
  return Math.min(MAX_BATCH_REQUESTS, Math.ceil(queued / freeSlots));
}

/** The request a write is sent as on its own: the version-relative path, the body (revoke takes an empty one). */
export type SendOne = (request: GraphWriteRequest, record: AttemptRecord) => Promise<GraphWriteReceipt>;

interface Pending {
  request: GraphWriteRequest;
  askedAt: number;
  /** Times it was sent so far. */
  attempts: number;
  resolve(receipt: GraphWriteReceipt): void;
  reject(error: UpstreamError): void;
}

interface BatchAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function withAttempts(error: UpstreamError, attempts: number): UpstreamError {
  error.attempts = Math.max(1, attempts);
  return error;
}

function headerOf(headers: Readonly<Record<string, string>>, name: string): string | null {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : headers[key];
}

/** A batch's `responses`, by item id; anything malformed is left out (and its write treated as unanswered). */
function answersOf(json: unknown): Map<string, BatchAnswer> {
  const answers = new Map<string, BatchAnswer>();
  const responses = field(json, 'responses');
  if (!Array.isArray(responses)) return answers;
  for (const response of responses as unknown[]) {
    const id = text(field(response, 'id'));
    const status = field(response, 'status');
    if (id === undefined || typeof status !== 'number') continue;
    const rawHeaders = field(response, 'headers');
    const headers: Record<string, string> = {};
    if (typeof rawHeaders === 'object' && rawHeaders !== null) {
      for (const [k, v] of Object.entries(rawHeaders)) if (typeof v === 'string') headers[k] = v;
    }
    answers.set(id, { status, headers, body: field(response, 'body') });
  }
  return answers;
}

/** An item's failure as an UpstreamError, from Graph's error body inside the batch answer. */
function itemError(answer: BatchAnswer, batchRequestId: string | undefined): UpstreamError {
  const error = field(answer.body, 'error');
  const retryAfter = Number(headerOf(answer.headers, 'Retry-After'));
  return graphError(
    (text(field(error, 'message')) ?? `Graph answered ${answer.status} inside a batch`).slice(0, 500),
    answer.status,
    text(field(error, 'code')) ?? `http_${answer.status}`,
    text(field(field(error, 'innerError'), 'request-id')) ?? batchRequestId,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

export class GraphWriteBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Graph asked us (Retry-After) to send no write before this. */
  private pausedUntil = 0;
  private pauseReason?: UpstreamError;
  private wakeUp?: Promise<void>;
  private readonly maxInFlight: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    private readonly client: Client,
    private readonly sendOne: SendOne,
    private readonly options: WriteBatcherOptions,
  ) {
    this.maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => performance.now());
  }

  send(request: GraphWriteRequest): Promise<GraphWriteReceipt> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, askedAt: this.now(), attempts: 0, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Coalesces the writes asked for in the same tick (one alert's two, a fan-out's many): no timer.
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Whole milliseconds (timers and abort signals take integers). */
  private remainingMs(pending: Pending): number {
    return Math.floor(this.options.budgetMs - (this.now() - pending.askedAt));
  }

  private pump(): void {
    const pause = this.pausedUntil - this.now();
    if (pause > 0) {
      // A write whose budget ends before Graph lets us write again fails now, as throttled, rather than hang.
      for (let i = this.queue.length - 1; i >= 0; i--) {
        const pending = this.queue[i];
        if (this.remainingMs(pending) < pause + MIN_ATTEMPT_MS && this.pauseReason) {
          this.queue.splice(i, 1);
          pending.reject(
            withAttempts(graphError(this.pauseReason.message, 429, this.pauseReason.code, this.pauseReason.requestId), pending.attempts),
          );
        }
      }
      if (this.queue.length > 0 && !this.wakeUp) {
        this.wakeUp = this.sleep(pause).then(() => {
          this.wakeUp = undefined;
          this.schedule();
        });
      }
      return;
    }
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const items = this.queue.splice(0, nextBatchSize(this.queue.length, this.maxInFlight - this.inFlight));
      this.inFlight++;
      const sent = items.length === 1 ? this.single(items[0]) : this.batch(items);
      // Both settle every write they took; this is the net for a bug, so no write is left hanging.
      void sent
        .catch((error: unknown) => {
          const failure = graphErrorFromException(error);
          for (const pending of items) pending.reject(withAttempts(failure, pending.attempts));
        })
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }

  /** One write on its own: the retry middleware retries it, within what is left of its budget. */
  private async single(pending: Pending): Promise<void> {
    const record = new AttemptRecord(Math.max(MIN_ATTEMPT_MS, this.remainingMs(pending)));
    try {
      const receipt = await this.sendOne(pending.request, record);
      pending.resolve({ ...receipt, attempts: pending.attempts + receipt.attempts });
    } catch (error) {
      const failure = graphErrorFromException(error);
      pending.reject(withAttempts(failure, pending.attempts + Math.max(1, record.attempts)));
    }
  }

  private async batch(items: Pending[]): Promise<void> {
    const record = new AttemptRecord(Math.max(MIN_ATTEMPT_MS, Math.min(...items.map((p) => this.remainingMs(p)))));
    const requests = items.map((pending, i) => ({
      id: String(i + 1),
      method: pending.request.method,
      url: pending.request.path.replace(/^\/v1\.0/, ''),
      headers: { 'Content-Type': 'application/json' },
      body: pending.request.body ?? {},
    }));
    let response: Response;
    try {
      response = (await this.client
        .api('/$batch')
        .middlewareOptions([record])
        .responseType(ResponseType.RAW)
        .post({ requests })) as Response;
    } catch (error) {
      const failure = graphErrorFromException(error);
      for (const pending of items) pending.reject(withAttempts(failure, pending.attempts + Math.max(1, record.attempts)));
      return;
    }
    const sends = Math.max(1, record.attempts);
    for (const pending of items) pending.attempts += sends;
    if (response.status !== 200) {
      // The batch as a whole was refused (after the middleware's retries): every write in it fails alike.
      const failure = await graphErrorFromResponse(response);
      for (const pending of items) pending.reject(withAttempts(failure, pending.attempts));
      return;
    }
    const batchRequestId = requestIdOf(response);
    const answers = answersOf(await response.json().catch(() => undefined));
    items.forEach((pending, i) => {
      const answer = answers.get(String(i + 1));
      if (answer && answer.status >= 200 && answer.status < 300) {
        pending.resolve({ status: answer.status, requestId: batchRequestId, attempts: pending.attempts });
        return;
      }
      // An item the batch did not answer may or may not have run: both writes are idempotent, so it is retried.
      const failure = answer
        ? itemError(answer, batchRequestId)
        : graphError('Graph left this request out of its batch answer', 502, 'batch_item_unanswered', batchRequestId);
      if (answer && !RETRYABLE_STATUS.has(answer.status)) {
        pending.reject(withAttempts(failure, pending.attempts));
        return;
      }
      this.retryLater(pending, failure, answer ? retryAfterMs(headerOf(answer.headers, 'Retry-After')) : undefined);
    });
  }

  private retryLater(pending: Pending, failure: UpstreamError, retryAfter: number | undefined): void {
    const wait = retryWaitMs(pending.attempts, retryAfter, this.random());
    if (wait + MIN_ATTEMPT_MS > this.remainingMs(pending)) {
      pending.reject(withAttempts(failure, pending.attempts));
      return;
    }
    if (failure.status === 429 && retryAfter !== undefined) {
      const until = this.now() + retryAfter;
      if (until > this.pausedUntil) {
        this.pausedUntil = until;
        this.pauseReason = failure;
      }
    }
    void this.sleep(wait).then(() => {
      // Ahead of writes asked for since: the oldest go first.
      this.queue.unshift(pending);
      this.schedule();
    });
  }
}
