// The local function host: serves the same FunctionDefinition list Azure runs, HTTP over node:http and
// queue triggers against Azure Storage (Azurite), because Core Tools cannot be installed here.
import { QueueServiceClient } from '@azure/storage-queue';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionDefinition, HttpFunctionDefinition, QueueFunctionDefinition } from '../../functions/registry';
import { HostJson, queueSettings, routePrefix } from './host-json';
import { createHttpListener } from './http-server';
import { InvocationTracker } from './invocations';
import { createHostLog, LogSink } from './log';
import { QueuePoller } from './queue-poller';

export { isValidFunctionKey } from './function-key';
export { readHostJson } from './host-json';
export type { HostJson } from './host-json';

export interface FunctionHostOptions {
  definitions: readonly FunctionDefinition[];
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The key callers present for authLevel 'function' and 'admin'. */
  functionKey: string;
  /** Connection string for queue triggers: the value of each definition's `connection` setting. */
  storageConnectionString: string;
  hostJson: HostJson;
  /** Default 1 MiB; larger bodies get a 413 and never reach the handler. */
  maxBodyBytes?: number;
  /** Default console.log. Lines are JSON; the function key is never among them. */
  log?: LogSink;
}

export interface FunctionHost {
  /** e.g. http://127.0.0.1:7071 */
  baseUrl: string;
  functionKey: string;
  stop(): Promise<void>;
  /** Resolves once every served queue is empty and no handler is running; for tests and the demo. */
  drainQueues(timeoutMs?: number): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DRAIN_POLL_MS = 100;

export async function startFunctionHost(options: FunctionHostOptions): Promise<FunctionHost> {
  const log = createHostLog(options.log ?? ((line) => console.log(line)), options.functionKey);
  const http = options.definitions.filter((d): d is HttpFunctionDefinition => d.kind === 'http');
  const queues = options.definitions.filter((d): d is QueueFunctionDefinition => d.kind === 'queue');
  if (options.functionKey.length === 0 && http.some((d) => d.authLevel !== 'anonymous')) {
    throw new Error('functionKey is empty, so no caller could reach the functions that require it');
  }
  const invocations = new InvocationTracker();

  const settings = queueSettings(options.hostJson);
  const queueService = QueueServiceClient.fromConnectionString(options.storageConnectionString);
  const pollers = queues.map(
    (definition) => new QueuePoller({ definition, queueService, settings, log, invocations }),
  );

  const server = createServer(
    createHttpListener({
      definitions: http,
      routePrefix: routePrefix(options.hostJson),
      functionKey: options.functionKey,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      log,
      invocations,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const baseUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  const stop = async (): Promise<void> => {
    await Promise.all(pollers.map((poller) => poller.stop()));
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections from fetch would otherwise hold close() open.
      server.closeAllConnections();
    });
  };

  try {
    await Promise.all(pollers.map((poller) => poller.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  log({
    level: 'information',
    message: 'function host started',
    baseUrl,
    functions: options.definitions.map((d) => d.name),
  });

  const drainQueues = async (timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const changesBefore = invocations.changes;
      const counts = await Promise.all(pollers.map(async (p) => [p.queueName, await p.visibleMessageCount()] as const));
      const idle = invocations.running === 0 && invocations.changes === changesBefore;
      if (idle && counts.every(([, count]) => count === 0)) return;
      if (Date.now() >= deadline) {
        const detail = counts.map(([name, count]) => `${name}=${count}`).join(', ');
        throw new Error(`queues not drained after ${timeoutMs} ms (${detail}; running handlers=${invocations.running})`);
      }
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  };

  return { baseUrl, functionKey: options.functionKey, stop, drainQueues };
}
