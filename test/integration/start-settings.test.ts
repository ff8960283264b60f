// `npm start` with a bad setting: the process stops at start with a message naming the setting, instead
// of serving and answering the first alert with a 500.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { RUN_TYPESCRIPT } from '../../dev/run-typescript';

const ROOT = path.join(__dirname, '../..');

function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...RUN_TYPESCRIPT, 'dev/start.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

it.each([
  ['a bare alias', 'bg-admin'],
  ['a braced GUID', '{5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99}'],
  ['a trailing dot', 'bg-admin-01@wingtip-lab.example.'],
])('a PROTECTED_ACCOUNTS entry that is %s stops npm start, naming the setting and the entry', async (_label, entry) => {
  const result = await start({ PROTECTED_ACCOUNTS: `bg-admin-01@wingtip-lab.example,${entry}` });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('PROTECTED_ACCOUNTS');
  expect(result.stderr).toContain(`"${entry}"`);
  expect(result.stdout).not.toContain('listening');
});

it('the Azure worker cannot load the function entry points with a bad setting: the error names it', async () => {
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    // What the worker does with package.json "main": require each compiled function file.
    const child = spawn(process.execPath, [...RUN_TYPESCRIPT, '-e', "require('./functions/contain')"], {
      cwd: ROOT,
      env: {
        ...process.env,
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        PROTECTED_ACCOUNTS: 'bg-admin',
        CONTAINMENT_MODE: 'enforce',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/ConfigError: Invalid configuration: PROTECTED_ACCOUNTS: "bg-admin" is neither/);
});
