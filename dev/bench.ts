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
  const options: BenchOptions = { alerts: 50, concurrency: 10, latencyMs: 200 };
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

interface Pass {
  label: string;
  concurrency: number;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  delete process.env.GRAPH_BASE_URL;
  delete process.env.AzureWebJobsStorage;
  // The benchmark measures latency, not the safety limit: let every alert through the breaker.
  const stack = await startLocalStack({ simulator: { latencyMs: options.latencyMs }, settings: { BLAST_RADIUS_MAX: '1000000' } });
  let allContained = true;
  try {
    const simulator = stack.simulator!;
    const run = Date.now().toString(36);
    // One warm-up alert so connection setup and table creation are not counted.
    const warm = simulator.addUser({ userPrincipalName: `bench-${run}-warmup@wingtip-lab.example` });
    await send(stack.baseUrl, stack.functionKey, warm.userPrincipalName, `bench-${run}-warmup`);
    console.log(
      `aitm-contain bench: ${options.alerts} alerts per pass, distinct users, simulated Graph latency ${options.latencyMs} ms per call`,
    );
    const passes: Pass[] = [
      { label: 'one at a time', concurrency: 1 },
      { label: `${options.concurrency} concurrent`, concurrency: options.concurrency },
    ];
    for (const pass of passes) {
      const users = Array.from(
        { length: options.alerts },
        (_, i) => simulator.addUser({ userPrincipalName: `bench-${run}-c${pass.concurrency}-${i}@wingtip-lab.example` }).userPrincipalName,
      );
      const latencies: number[] = [];
      const statuses = new Map<number, number>();
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: pass.concurrency }, async () => {
          while (next < users.length) {
            const i = next++;
            const t = performance.now();
            const status = await send(stack.baseUrl, stack.functionKey, users[i], `bench-${run}-c${pass.concurrency}-${i}`);
            latencies.push(performance.now() - t);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
        }),
      );
      const wallMs = performance.now() - started;
      await stack.host.drainQueues(60_000);
      latencies.sort((a, b) => a - b);
      const contained = users.filter((upn) => simulator.tenant.findUser(upn)?.accountEnabled === false).length;
      allContained &&= contained === users.length;
      const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(latencies, p));
      console.log(
        `\n  ${pass.label}: HTTP ${[...statuses].map(([status, count]) => `${status} x${count}`).join(', ')}; accounts disabled ${contained}/${users.length}; ${(users.length / (wallMs / 1000)).toFixed(1)} alerts/s`,
      );
      console.log(
        `    webhook latency  p50 ${p50.toFixed(0)} ms   p95 ${p95.toFixed(0)} ms   p99 ${p99.toFixed(0)} ms   max ${latencies.at(-1)?.toFixed(0)} ms`,
      );
      console.log(
        `    ratio to one Graph round-trip  p50 ${(p50 / options.latencyMs).toFixed(2)}   p99 ${(p99 / options.latencyMs).toFixed(2)}`,
      );
    }
    console.log('\n  Critical path: 2 Graph round-trips — the safety reads (user, protected groups, directory roles) in parallel,');
    console.log('  then revoke + disable in parallel. Done one call at a time it would be 5 round-trips (ratio >= 5).');
    console.log("  Everything (host, simulator, Azurite) shares this machine's cores: the concurrent pass measures that contention too.");
    if (!allContained) process.exitCode = 1;
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
