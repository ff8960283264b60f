// Runs one queue-triggered function against Azure Storage queues the way the Functions host does:
// batched receives, exponential back-off on an empty queue, retries via visibility timeout, and the
// `<queue>-poison` queue once a message has failed maxDequeueCount times.
import { InvocationContext } from '@azure/functions';
import type { DequeuedMessageItem, QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { randomUUID } from 'node:crypto';
import type { QueueFunctionDefinition } from '../../functions/registry';
import type { QueueSettings } from './host-json';
import { InvocationTracker } from './invocations';
import { errorMessage, HostLog, invocationLogHandler } from './log';

export interface QueuePollerOptions {
  definition: QueueFunctionDefinition;
  queueService: QueueServiceClient;
  settings: QueueSettings;
  log: HostLog;
  invocations: InvocationTracker;
}

const FASTEST_POLL_MS = 100;
// Received messages stay invisible this long, so a slow handler is not handed the same message twice;
// the real host does the same (and renews it), matching the default function timeout.
const RECEIVE_VISIBILITY_SECONDS = 5 * 60;

export class QueuePoller {
  readonly queueName: string;
  readonly #options: QueuePollerOptions;
  readonly #queue: QueueClient;
  readonly #poison: QueueClient;
  readonly #abort = new AbortController();
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  /** Messages handed back for a retry (invisible for visibilityTimeout): still work to drain. */
  readonly #retrying = new Set<string>();

  constructor(options: QueuePollerOptions) {
    this.#options = options;
    this.queueName = options.definition.queueName;
    this.#queue = options.queueService.getQueueClient(this.queueName);
    this.#poison = options.queueService.getQueueClient(`${this.queueName}-poison`);
  }

  /** Creates the queue and its poison queue if missing, then polls until stop(). */
  async start(): Promise<void> {
    await this.#queue.createIfNotExists();
    await this.#poison.createIfNotExists();
    this.#loop = this.#run();
  }

  /** Stops polling and waits for the handlers already running. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    await this.#loop;
  }

  /**
   * Ends the wait of an empty queue's back-off, if one is running, so the next receive happens now. For
   * drainQueues: its caller wants the work done, and a poller backed off to maxPollingInterval would add
   * up to that much idle time per queue hop of a chain (diagnosis, then the hunts it queues, ...).
   */
  pollNow(): void {
    this.#wake?.();
  }

  /**
   * Messages a receive could get now. A delayed message (a verification at T0 + 60 min) is invisible
   * until its time, as in Azure, so it is not work left to drain; peek sees visible messages only.
   */
  async visibleMessageCount(): Promise<number> {
    return (await this.#queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length + this.#retrying.size;
  }

  async #run(): Promise<void> {
    const { batchSize, maxPollingIntervalMs } = this.#options.settings;
    const fastest = Math.min(FASTEST_POLL_MS, maxPollingIntervalMs);
    let delay = fastest;
    while (!this.#abort.signal.aborted) {
      let received = 0;
      try {
        const batch = await this.#queue.receiveMessages({
          numberOfMessages: batchSize,
          visibilityTimeout: RECEIVE_VISIBILITY_SECONDS,
          abortSignal: this.#abort.signal,
        });
        received = batch.receivedMessageItems.length;
        await Promise.all(batch.receivedMessageItems.map((message) => this.#process(message)));
      } catch (error) {
        if (this.#abort.signal.aborted) break;
        this.#options.log({ level: 'warning', queue: this.queueName, message: `poll failed: ${errorMessage(error)}` });
      }
      if (received > 0) {
        delay = fastest;
      } else {
        await this.#sleep(delay);
        delay = Math.min(delay * 2, maxPollingIntervalMs);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  async #process(message: DequeuedMessageItem): Promise<void> {
    const { definition, settings, log, invocations } = this.#options;
    this.#retrying.delete(message.messageId);
    const decoded = decode(message.messageText, settings.messageEncoding);
    if (decoded === undefined) {
      // Decoding is deterministic, so retrying cannot help: straight to the poison queue.
      log({ level: 'error', queue: this.queueName, messageId: message.messageId, message: 'message is not valid base64' });
      await this.#settle(message, () => this.#moveToPoison(message));
      return;
    }

    const invocationId = randomUUID();
    const context = new InvocationContext({
      invocationId,
      functionName: definition.name,
      logHandler: invocationLogHandler(log, definition.name, invocationId),
      triggerMetadata: {
        id: message.messageId,
        dequeueCount: message.dequeueCount,
        insertionTime: message.insertedOn.toISOString(),
        expirationTime: message.expiresOn.toISOString(),
        nextVisibleTime: message.nextVisibleOn.toISOString(),
        popReceipt: message.popReceipt,
        queueTrigger: decoded,
      },
      options: {
        trigger: { type: 'queueTrigger', name: 'queueItem', queueName: definition.queueName, connection: definition.connection },
      },
    });

    const done = invocations.begin();
    try {
      await definition.handler(parseIfJson(decoded), context);
    } catch (error) {
      const poisoned = message.dequeueCount >= settings.maxDequeueCount;
      log({
        level: 'error',
        functionName: definition.name,
        invocationId,
        queue: this.queueName,
        messageId: message.messageId,
        dequeueCount: message.dequeueCount,
        message: `${poisoned ? 'moved to poison queue' : 'will retry'}: ${errorMessage(error)}`,
      });
      if (!poisoned) this.#retrying.add(message.messageId);
      await this.#settle(message, () =>
        poisoned
          ? this.#moveToPoison(message)
          : this.#queue.updateMessage(message.messageId, message.popReceipt, undefined, visibilitySeconds(settings)),
      );
      return;
    } finally {
      done();
    }
    await this.#settle(message, () => this.#queue.deleteMessage(message.messageId, message.popReceipt));
  }

  async #moveToPoison(message: DequeuedMessageItem): Promise<void> {
    // The original text, still encoded, so a poison handler sees exactly what the first one did.
    await this.#poison.sendMessage(message.messageText);
    await this.#queue.deleteMessage(message.messageId, message.popReceipt);
  }

  /** Runs a delete/update/move; a failure there is logged, and the message simply reappears later. */
  async #settle(message: DequeuedMessageItem, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.#options.log({
        level: 'error',
        queue: this.queueName,
        messageId: message.messageId,
        message: `could not settle message: ${errorMessage(error)}`,
      });
    }
  }
}

function visibilitySeconds(settings: QueueSettings): number {
  return Math.ceil(settings.visibilityTimeoutMs / 1000);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The message text per host.json messageEncoding, or undefined when it is not valid base64. */
function decode(text: string, encoding: QueueSettings['messageEncoding']): string | undefined {
  if (encoding === 'none') return text;
  return BASE64.test(text) ? Buffer.from(text, 'base64').toString('utf8') : undefined;
}

/** What the Node worker hands a queue handler: parsed JSON when the text is JSON, else the string. */
function parseIfJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
