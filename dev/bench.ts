// `npm run bench`: webhook latency for N alerts for distinct users, over HTTP, with the tenant simulator
// answering every Graph call after a set latency. Revoke and disable run in parallel, so the webhook's
// latency should sit near one simulated round-trip (ratio ~1), far from the sequential 2+.
import { startLocalStack } from './stack';

interface BenchOptions {
  alerts: number;
  concurrency: number;
  latencyMs: number;
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { alerts: 50, concurrency: 5, latencyMs: 200 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${argv[i]} needs a positive integer`);
    if (argv[i] === '--alerts') options.alerts = value;
    else if (argv[i] === '--concurrency') options.concurrency = value;
    else if (argv[i] === '--latency') options.latencyMs = value;
    else throw new Error(`unknown option ${argv[i]} (use --alerts N --concurrency C --latency MS)`);
  }
  return options;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  delete process.env.GRAPH_BASE_URL;
  delete process.env.AzureWebJobsStorage;
  const stack = await startLocalStack({ simulator: { latencyMs: options.latencyMs } });
  try {
    const simulator = stack.simulator!;
    const run = Date.now().toString(36);
    const users = Array.from({ length: options.alerts }, (_, i) =>
      simulator.addUser({ userPrincipalName: `bench-${run}-${i}@wingtip-lab.example` }).userPrincipalName,
    );
    // One warm-up alert so connection setup and table creation are not counted.
    const warm = simulator.addUser({ userPrincipalName: `bench-${run}-warmup@wingtip-lab.example` });
    await send(stack.baseUrl, stack.functionKey, warm.userPrincipalName, `bench-${run}-warmup`);

    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < users.length) {
          const i = next++;
          const t = performance.now();
          const status = await send(stack.baseUrl, stack.functionKey, users[i], `bench-${run}-${i}`);
          latencies.push(performance.now() - t);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    const wallMs = performance.now() - started;
    latencies.sort((a, b) => a - b);
    const contained = users.filter((upn) => simulator.tenant.findUser(upn)?.accountEnabled === false).length;
    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    const p99 = percentile(latencies, 99);
    console.log(`aitm-contain bench: ${options.alerts} alerts, ${options.concurrency} concurrent, simulated Graph latency ${options.latencyMs} ms per call`);
    console.log(`  HTTP statuses: ${[...statuses].map(([status, count]) => `${status} x${count}`).join(', ')}; accounts disabled: ${contained}/${options.alerts}`);
    console.log(`  webhook latency  p50 ${p50.toFixed(0)} ms   p95 ${p95.toFixed(0)} ms   p99 ${p99.toFixed(0)} ms   max ${latencies.at(-1)?.toFixed(0)} ms`);
    console.log(`  ratio to one Graph round-trip  p50 ${(p50 / options.latencyMs).toFixed(2)}   p99 ${(p99 / options.latencyMs).toFixed(2)}   (sequential writes would be >= 2.00)`);
    console.log(`  throughput ${(options.alerts / (wallMs / 1000)).toFixed(1)} alerts/s`);
    if (contained !== options.alerts) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

async function send(baseUrl: string, key: string, upn: string, alertId: string): Promise<number> {
  const response = await fetch(`${baseUrl}/api/contain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': key },
    body: JSON.stringify({ user: upn, alertId, severity: 'High', sourceIp: '198.51.100.23' }),
  });
  await response.arrayBuffer();
  return response.status;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
