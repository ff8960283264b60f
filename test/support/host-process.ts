// One local function host in a process of its own (a second "instance" of the app), for tests that need
// several hosts sharing one Azurite and one tenant simulator: run with scripts/register-ts.js, settings as JSON in
// HOST_SETTINGS and the contain key in HOST_FUNCTION_KEY. It prints `listening <base URL>` once it
// serves, its host log lines after it, and stops when its stdin closes (the test ended or died).
import { startLocalStack } from '../../dev/stack';

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.HOST_SETTINGS ?? '{}') as Record<string, string>;
  const stack = await startLocalStack({
    functionKey: process.env.HOST_FUNCTION_KEY,
    settings,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`listening ${stack.baseUrl}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void stack.stop().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
