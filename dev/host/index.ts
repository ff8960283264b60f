// The local function host: serves the same FunctionDefinition list Azure runs, HTTP over node:http and
// queue triggers against Azure Storage (Azurite), because Core Tools cannot be installed here.
import { QueueServiceClient } from '@azure/storage-queue';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionDefinition, HttpFunctionDefinition, QueueFunctionDefinition } from '../../functions/registry';
import { allKeys, type HostKeys } from './function-key';
import { HostJson, queueSettings, routePrefix } from './host-json';
import { createHttpListener } from './http-server';
import { InvocationTracker } from './invocations';
import { createHostLog, LogSink } from './log';
import { QueuePoller } from './queue-poller';

export { isValidFunctionKey, opensFunction } from './function-key';
export type { HostKeys } from './function-key';
export { readHostJson } from './host-json';
export type { HostJson } from './host-json';

export interface FunctionHostOptions {
  definitions: readonly FunctionDefinition[];
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Keys for authLevel 'function' routes, as Azure has them: a host key opens every one, a function key
   * only its function. 'admin' routes (Azure: the master key only) are not served.
   */
  keys: HostKeys;
  /** Connection string for queue triggers: the value of each definition's `connection` setting. */
  storageConnectionString: string;
  hostJson: HostJson;
  /** Default 1 MiB; larger bodies get a 413 and never reach the handler. */
  maxBodyBytes?: number;
  /** Default console.log. Lines are JSON; no key and no bearer token is ever among them. */
  log?: LogSink;
}

export interface FunctionHost {
  /** e.g. http://127.0.0.1:7071 */
  baseUrl: string;
  keys: HostKeys;
  stop(): Promise<void>;
  /** Resolves once every served queue is empty and no handler is running; for tests and the demo. */
  drainQueues(timeoutMs?: number): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DRAIN_POLL_MS = 100;

export async function startFunctionHost(options: FunctionHostOptions): Promise<FunctionHost> {
  const log = createHostLog(options.log ?? ((line) => console.log(line)), allKeys(options.keys));
  const http = options.definitions.filter((d): d is HttpFunctionDefinition => d.kind === 'http');
  const queues = options.definitions.filter((d): d is QueueFunctionDefinition => d.kind === 'queue');
  checkKeys(options.keys, http);
  const invocations = new InvocationTracker();

  const settings = queueSettings(options.hostJson);
  const queueService = QueueServiceClient.fromConnectionString(options.storageConnectionString);
  const pollers = queues.map((definition) => new QueuePoller({ definition, queueService, settings, log, invocations }));

  const server = createServer(
    createHttpListener({
      definitions: http,
      routePrefix: routePrefix(options.hostJson),
      keys: options.keys,
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
    // Peeking is a storage request per queue, every DRAIN_POLL_MS, which added up to a fifth of the suite's
    // Azurite traffic. While a handler or request runs there is no point looking (the drain cannot end),
    // and while none runs nothing can enqueue: a queue seen empty stays so until something runs again.
    // So every queue is looked at once after each change, and in between only those that had work (a
    // message handed back for a retry waits out its visibility timeout there).
    const counts = new Map<QueuePoller, number>();
    let lookedAtAllAfter: number | undefined;
    for (;;) {
      const changesBefore = invocations.changes;
      if (invocations.running === 0) {
        const all = lookedAtAllAfter !== changesBefore;
        const looked = all ? pollers : pollers.filter((p) => (counts.get(p) ?? 0) > 0);
        await Promise.all(looked.map(async (p) => counts.set(p, await p.visibleMessageCount())));
        if (all) lookedAtAllAfter = changesBefore;
        const idle = invocations.running === 0 && invocations.changes === changesBefore;
        if (idle && pollers.every((p) => counts.get(p) === 0)) return;
        for (const p of looked) if ((counts.get(p) ?? 0) > 0) p.pollNow();
      }
      if (Date.now() >= deadline) {
        const detail = pollers.map((p) => `${p.queueName}=${counts.get(p) ?? '?'}`).join(', ');
        throw new Error(`queues not drained after ${timeoutMs} ms (${detail}; running handlers=${invocations.running})`);
      }
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  };

  return { baseUrl, keys: options.keys, stop, drainQueues };
}

/** Refuses keys that would serve routes differently from Azure, or leave one unreachable. */
function checkKeys(keys: HostKeys, http: readonly HttpFunctionDefinition[]): void {
  const admin = http.find((d) => d.authLevel === 'admin');
  if (admin)
    throw new Error(`function ${admin.name} has authLevel admin, which Azure opens with the master key only; the local host serves none`);
  if (allKeys(keys).some((key) => key.length === 0)) throw new Error('a host or function key is empty');
  const names = new Set(http.map((d) => d.name));
  const stray = Object.keys(keys.functions).find((name) => !names.has(name));
  if (stray) throw new Error(`a function key names "${stray}", which is no HTTP function here`);
  const unreachable = http.find((d) => d.authLevel === 'function' && keys.host.length === 0 && (keys.functions[d.name] ?? []).length === 0);
  if (unreachable) throw new Error(`no host key and no function key opens ${unreachable.name}, so no caller could reach it`);
}
