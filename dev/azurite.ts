// Starts a throwaway, in-memory Azurite (Blob, Queue, Table) on free ports for tests and the demo, and
// hands back a connection string for the well-known development account.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface AzuriteInstance {
  connectionString: string;
  queueEndpoint: string;
  tableEndpoint: string;
  blobEndpoint: string;
  stop(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** Receives Azurite's own output lines. Default: discarded. */
  log?: (line: string) => void;
  /** How long to wait for all three services to listen. Default 20 000 ms. */
  startupTimeoutMs?: number;
}

// The documented, public key of Azurite's built-in development account; not a secret.
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const KILL_GRACE_MS = 3000;
const STDERR_TAIL_LINES = 20;

type Service = 'Blob' | 'Queue' | 'Table';
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (\S+)/;

export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteInstance> {
  const log = options.log ?? (() => undefined);
  const startupTimeoutMs = options.startupTimeoutMs ?? 20_000;
  // azurite.js is a CLI whose module body starts servers and exits the process on errors, so it runs
  // as a child rather than being required.
  const script = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
  // Azurite refuses --location together with --inMemoryPersistence, so the throwaway directory is its
  // working directory instead: anything it does write lands there and is removed on stop.
  const workspace = mkdtempSync(path.join(tmpdir(), 'aitm-azurite-'));
  const child = spawn(
    process.execPath,
    [
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
    { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] },
  );

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
      child.kill('SIGTERM');
      const escalate = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      await exited;
      clearTimeout(escalate);
    }
    removeWorkspace();
  };

  try {
    const urls = await waitForServices(child, startupTimeoutMs, log);
    const blobEndpoint = `${urls.Blob}/${DEV_ACCOUNT}`;
    const queueEndpoint = `${urls.Queue}/${DEV_ACCOUNT}`;
    const tableEndpoint = `${urls.Table}/${DEV_ACCOUNT}`;
    const connectionString = [
      'DefaultEndpointsProtocol=http',
      `AccountName=${DEV_ACCOUNT}`,
      `AccountKey=${DEV_ACCOUNT_KEY}`,
      `BlobEndpoint=${blobEndpoint}`,
      `QueueEndpoint=${queueEndpoint}`,
      `TableEndpoint=${tableEndpoint}`,
    ].join(';');
    return { connectionString, blobEndpoint, queueEndpoint, tableEndpoint, stop };
  } catch (error) {
    await stop();
    throw error;
  }
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
