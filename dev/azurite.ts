// Starts a throwaway, in-memory Azurite (Blob, Queue, Table) on free ports for tests and the demo, and
// hands back a connection string for the well-known development account (and for any further accounts
// asked for: one Azurite then serves several isolated tenants, each with its own tables and queues).
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface AzuriteEndpoints {
  connectionString: string;
  queueEndpoint: string;
  tableEndpoint: string;
  blobEndpoint: string;
}

export interface AzuriteInstance extends AzuriteEndpoints {
  /** The endpoints of one of the further `accounts` this Azurite was started with. */
  account(name: string): AzuriteEndpoints;
  stop(): Promise<void>;
}

/** A storage account: Azurite keeps each account's blobs, queues and tables apart. */
export interface AzuriteAccount {
  name: string;
  /** Base64, as in a connection string. */
  key: string;
}

export interface StartAzuriteOptions {
  /** Receives Azurite's own output lines. Default: discarded. */
  log?: (line: string) => void;
  /** How long to wait for all three services to listen. Default 20 000 ms. */
  startupTimeoutMs?: number;
  /** Accounts served beside the development account. Default: none. */
  accounts?: readonly AzuriteAccount[];
  /**
   * Let the starting process exit while Azurite runs (Azurite then exits with it), for an Azurite that
   * outlives whoever asked for it. Default false: the starter must call stop().
   */
  unref?: boolean;
}

/**
 * A process that starts many local stacks one after another (a jest worker, test/support/worker-environment.ts)
 * can lend each a fresh account of one long-running Azurite: an account is as empty and isolated as a new
 * Azurite, which takes seconds of CPU to start. The lender sits on globalThis under this name.
 */
export const AZURITE_LENDER = '__aitmAzuriteLender';
/** A lent account; stop() returns nothing to anyone, the account is simply never lent again. */
export type LentAzurite = AzuriteEndpoints & { stop(): Promise<void> };
export type AzuriteLender = () => Promise<LentAzurite>;

/**
 * Storage for a local stack, or for a test that needs only storage: an account from the running process's
 * lender when it has one, else an Azurite of its own (whose stop() then really stops it).
 */
export function lendOrStartAzurite(): Promise<LentAzurite> {
  const lend = (globalThis as { [AZURITE_LENDER]?: AzuriteLender })[AZURITE_LENDER];
  return lend ? lend() : startAzurite();
}

// The documented, public key of Azurite's built-in development account; not a secret.
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const STDERR_TAIL_LINES = 20;

type Service = 'Blob' | 'Queue' | 'Table';
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (\S+)/;
/**
 * Loaded into Azurite before its own code: it exits when its stdin closes, which happens when the process
 * that started it dies in any way, even killed (a jest worker is, when it does not exit in time), so
 * Azurite never outlives its parent holding ports.
 */
const EXIT_WITH_PARENT = `data:text/javascript,${encodeURIComponent(
  "process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();",
)}`;

export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteInstance> {
  const log = options.log ?? (() => undefined);
  const startupTimeoutMs = options.startupTimeoutMs ?? 20_000;
  // azurite.js is a CLI whose module body starts servers and exits the process on errors, so it runs
  // as a child rather than being required.
  const script = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
  // Azurite refuses --location together with --inMemoryPersistence, so the throwaway directory is its
  // working directory instead: anything it does write lands there and is removed on stop.
  const workspace = mkdtempSync(path.join(tmpdir(), 'aitm-azurite-'));
  const accounts = options.accounts ?? [];
  const child = spawn(
    process.execPath,
    [
      `--import=${EXIT_WITH_PARENT}`,
      script,
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      // Without it every queue poll prints an access-log line.
      '--silent',
      '--blobHost',
      '127.0.0.1',
      '--queueHost',
      '127.0.0.1',
      '--tableHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--queuePort',
      '0',
      '--tablePort',
      '0',
    ],
    {
      cwd: workspace,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Azurite serves only the accounts this variable lists, so the development account is listed too.
      env:
        accounts.length > 0
          ? {
              ...process.env,
              AZURITE_ACCOUNTS: [{ name: DEV_ACCOUNT, key: DEV_ACCOUNT_KEY }, ...accounts].map((a) => `${a.name}:${a.key}`).join(';'),
            }
          : process.env,
    },
  );

  if (options.unref) {
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref(): void }).unref();
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const removeWorkspace = (): void => rmSync(workspace, { recursive: true, force: true });
  // A test runner or demo that dies without calling stop() must not leave Azurite holding ports.
  const killOnParentExit = (): void => {
    child.kill('SIGKILL');
    removeWorkspace();
  };
  process.on('exit', killOnParentExit);

  const stop = async (): Promise<void> => {
    process.off('exit', killOnParentExit);
    if (child.exitCode === null && child.signalCode === null) {
      // Killed outright: it keeps everything in memory, so there is nothing to flush, and asked politely
      // (SIGTERM) it waits for its clients' keep-alive sockets to close, which took the whole 3 s grace
      // that used to follow on every stop of a stack.
      child.kill('SIGKILL');
      await exited;
    }
    removeWorkspace();
  };

  try {
    const urls = await waitForServices(child, startupTimeoutMs, log);
    const account = (name: string): AzuriteEndpoints => {
      const known = accounts.find((a) => a.name === name);
      if (!known) throw new Error(`this Azurite was not started with the account ${name}`);
      return endpoints(urls, known);
    };
    return { ...endpoints(urls, { name: DEV_ACCOUNT, key: DEV_ACCOUNT_KEY }), account, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function endpoints(urls: Record<Service, string>, { name, key }: AzuriteAccount): AzuriteEndpoints {
  const blobEndpoint = `${urls.Blob}/${name}`;
  const queueEndpoint = `${urls.Queue}/${name}`;
  const tableEndpoint = `${urls.Table}/${name}`;
  const connectionString = [
    'DefaultEndpointsProtocol=http',
    `AccountName=${name}`,
    `AccountKey=${key}`,
    `BlobEndpoint=${blobEndpoint}`,
    `QueueEndpoint=${queueEndpoint}`,
    `TableEndpoint=${tableEndpoint}`,
  ].join(';');
  return { connectionString, blobEndpoint, queueEndpoint, tableEndpoint };
}

function waitForServices(child: ChildProcess, timeoutMs: number, log: (line: string) => void): Promise<Record<Service, string>> {
  return new Promise((resolve, reject) => {
    const urls: Partial<Record<Service, string>> = {};
    const stderrTail: string[] = [];
    const describeStderr = (): string => (stderrTail.length > 0 ? `; stderr:\n${stderrTail.join('\n')}` : '; stderr was empty');

    const settle = (error?: Error): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) {
        reject(error);
      } else {
        resolve(urls as Record<Service, string>);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      settle(new Error(`Azurite exited before it was ready (code ${code}, signal ${signal})${describeStderr()}`));
    const onError = (error: Error): void => settle(new Error(`Azurite could not be started: ${error.message}`));
    const timer = setTimeout(
      () => settle(new Error(`Azurite did not start listening within ${timeoutMs} ms${describeStderr()}`)),
      timeoutMs,
    );

    child.once('exit', onExit);
    child.once('error', onError);
    // Both streams are read for the child's whole life: an unread pipe that fills up blocks Azurite.
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      log(line);
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log(line);
      const match = LISTENING.exec(line);
      if (!match) return;
      urls[match[1] as Service] = match[2].replace(/\/+$/, '');
      if (urls.Blob && urls.Queue && urls.Table) settle();
    });
  });
}
