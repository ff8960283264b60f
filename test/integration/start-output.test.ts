// What `npm start` prints, run as a person runs it (a child process on its own stack): the console URL,
// the containment mode in force, and curl lines that work as printed: the contain key by default, and in
// caller-token mode (WEBHOOK_ALLOWED_CALLERS) an app token the simulator issued, where the key gets 401.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RUN_TYPESCRIPT } from '../../dev/run-typescript';
import { SCENARIO_CALLER } from '../../dev/simulator';

const ROOT = path.join(__dirname, '../..');
const READY = 'Ctrl+C stops everything.';

interface Started {
  child: ChildProcess;
  stdout: string;
}

function start(env: Record<string, string>): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...RUN_TYPESCRIPT, 'dev/start.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', GRAPH_BASE_URL: '', AzureWebJobsStorage: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes(READY)) resolve({ child, stdout });
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`npm start exited ${code} before it was ready: ${stderr.slice(0, 500)}`)));
  });
}

function stop(started: Started | undefined): Promise<void> {
  if (!started || started.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    started.child.once('exit', () => resolve());
    started.child.kill('SIGTERM');
  });
}

/** The printed curl line for a sample, as the request it makes. */
function curlFor(stdout: string, sample: string): { url: string; header: [string, string] } {
  const line = stdout.split('\n').find((l) => l.includes('/api/contain') && l.endsWith(`--data @samples/alerts/${sample}`));
  if (!line) throw new Error(`no curl line for ${sample}`);
  const url = /-X POST '([^']+)'/.exec(line)![1];
  const headers = [...line.matchAll(/-H '([^:']+): ([^']+)'/g)].map((m) => [m[1], m[2]] as [string, string]);
  return { url, header: headers.find(([name]) => name !== 'content-type')! };
}

const MANUAL = readFileSync(path.join(ROOT, 'samples/alerts/manual.json'), 'utf8');

describe('npm start', () => {
  let started: Started | undefined;
  afterEach(() => stop(started));

  it('prints the console URL and the mode, and contain lines with the key that opens contain', async () => {
    started = await start({ CONTAINMENT_MODE: 'enforce', WEBHOOK_ALLOWED_CALLERS: '' });
    const { stdout } = started;
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)![1];
    expect(stdout).toContain(`\n  Console: http://localhost:${port}/api/console\n`);
    expect(stdout).toContain('\n  Containment mode: enforce: alerts revoke sessions and disable accounts');
    const { url, header } = curlFor(stdout, 'manual.json');
    expect(header[0]).toBe('x-functions-key');
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [header[0]]: header[1] },
      body: MANUAL,
    });
    expect(response.status).toBe(200);
  }, 120_000);

  it('in caller-token mode the contain lines carry a simulator-issued app token that works, where the key would get 401; dry-run is said', async () => {
    started = await start({
      CONTAINMENT_MODE: 'dry-run',
      WEBHOOK_ALLOWED_CALLERS: SCENARIO_CALLER.appId,
      LOCAL_FUNCTION_KEY: 'start-test-key-0123456789',
    });
    const { stdout } = started;
    expect(stdout).toContain('\n  Containment mode: dry-run: the Graph requests are recorded on the incident, none is sent\n');
    expect(stdout).toMatch(/\n {2}Console: http:\/\/localhost:\d+\/api\/console\n/);
    expect(stdout).not.toContain('x-functions-key');
    const { url, header } = curlFor(stdout, 'manual.json');
    expect(header[0]).toBe('authorization');
    expect(header[1]).toMatch(/^Bearer ey/);
    const asPrinted = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: header[1] },
      body: MANUAL,
    });
    expect(asPrinted.status).toBe(200);
    expect(((await asPrinted.json()) as { incidents: Array<{ state: string }> }).incidents[0].state).toBe('awaiting_approval');
    const withKey = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-functions-key': 'start-test-key-0123456789' },
      body: MANUAL,
    });
    expect(withKey.status).toBe(401);
  }, 120_000);
});
