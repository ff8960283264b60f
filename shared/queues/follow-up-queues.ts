// FollowUpQueues over Azure Storage Queues. Messages are base64-encoded JSON because that is what the
// Functions queue trigger reads by default (host.json messageEncoding "base64"). Each call carries the
// storage deadline (STORAGE_TIMEOUT_MS), retries included: a hung queue fails fast, it does not hold the caller.
import type { QueueClient } from '@azure/storage-queue';
import { StorageError } from '../errors';
import { DEFAULT_STORAGE_TIMEOUT_MS } from '../config';
import type { EnqueueOptions, FollowUpQueues, QueueMessages, QueueName } from '../runbook/ports';

export function encodeQueueMessage(message: unknown): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

export class StorageFollowUpQueues implements FollowUpQueues {
  private readonly ready = new Map<QueueName, Promise<void>>();
  /**
   * One client per queue for the life of the process: each client has its own HTTP pipeline and
   * connections, so a client per message opened a connection per message (five per containment).
   */
  private readonly clients = new Map<QueueName, QueueClient>();

  constructor(
    private readonly clientFor: (queue: QueueName) => QueueClient,
    private readonly timeoutMs: number = DEFAULT_STORAGE_TIMEOUT_MS,
  ) {}

  /** Creates these queues now (at start), so the first alert does not pay for it. */
  async prepare(queues: readonly QueueName[]): Promise<void> {
    await Promise.all(queues.map((queue) => this.ensure(queue, this.client(queue))));
  }

  private client(queue: QueueName): QueueClient {
    let client = this.clients.get(queue);
    if (client === undefined) {
      client = this.clientFor(queue);
      this.clients.set(queue, client);
    }
    return client;
  }

  /** Queues are created lazily, once per process, so a fresh storage account needs no setup step. */
  private ensure(queue: QueueName, client: QueueClient): Promise<void> {
    let ready = this.ready.get(queue);
    if (!ready) {
      ready = client.createIfNotExists({ abortSignal: AbortSignal.timeout(this.timeoutMs) }).then(
        () => undefined,
        (error: unknown) => {
          this.ready.delete(queue);
          throw error;
        },
      );
      this.ready.set(queue, ready);
    }
    return ready;
  }

  async enqueue<Q extends QueueName>(queue: Q, message: QueueMessages[Q], options: EnqueueOptions = {}): Promise<void> {
    const client = this.client(queue);
    try {
      await this.ensure(queue, client);
      // A delayed message (a deferred look later, a verification at T0 + n minutes) is sent invisible:
      // plain queues with visibility delays rather than Durable Functions, since every wait here is a single
      // timer with nothing to orchestrate after it. Storage Queues allow up to 7 days.
      const delay = Math.min(Math.max(0, Math.round(options.delaySeconds ?? 0)), 7 * 24 * 3600);
      const abortSignal = AbortSignal.timeout(this.timeoutMs);
      await client.sendMessage(encodeQueueMessage(message), delay > 0 ? { visibilityTimeout: delay, abortSignal } : { abortSignal });
    } catch (error) {
      throw new StorageError(`queueing ${queue} failed: ${error instanceof Error ? error.message.split('\n')[0] : 'unknown'}`);
    }
  }
}
