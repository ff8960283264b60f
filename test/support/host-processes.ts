// Starts test/support/host-process.ts as a child process: a function host of its own, sharing the
// storage and Graph the settings name with every other host started so.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { RUN_TYPESCRIPT } from '../../dev/run-typescript';

export interface HostProcess {
  baseUrl: string;
  /** The host's log lines so far (JSON, one per invocation and per background check). */
  log: string[];
  stop(): Promise<void>;
}

const ROOT = path.join(__dirname, '../..');

export function startHostProcess(settings: Record<string, string>, functionKey: string, startupTimeoutMs = 90_000): Promise<HostProcess> {
  const child: ChildProcess = spawn(process.execPath, [...RUN_TYPESCRIPT, path.join('test', 'support', 'host-process.ts')], {
    cwd: ROOT,
    env: { ...process.env, HOST_SETTINGS: JSON.stringify(settings), HOST_FUNCTION_KEY: functionKey },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the host process did not start within ${startupTimeoutMs} ms: ${stderr}`));
    }, startupTimeoutMs);
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const ready = /^listening (\S+)$/.exec(line);
        if (ready) {
          clearTimeout(timer);
          resolve({ baseUrl: ready[1], log, stop });
        } else log.push(line);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the host process exited (${code}) before serving: ${stderr}`));
    });
  });
}
