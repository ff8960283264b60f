// `npm run bench:limiter`: the blast-radius limiter's step (`limit` in the host's per-step timings) when
// N alerts for distinct people arrive at once on one instance, against Azurite: `--max 10` (the limit
// trips: most answers are refusals) or `--max 100` (everyone fits: every answer is a grant). Prints p50,
// p99 and max of the step; the containment path around it is the real one.
import { startLocalStack } from './stack';

function parseArgs(argv: readonly string[]): { alerts: number; max: number } {
  const options = { alerts: 100, max: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${argv[i]} needs a positive integer`);
    if (argv[i] === '--alerts') options.alerts = value;
    else if (argv[i] === '--max') options.max = value;
    else throw new Error(`unknown option ${argv[i]} (use --alerts N --max M)`);
  }
  return options;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A step's timing in each containment log line (the host logs the invocation's JSON as its message). */
function stepTimings(lines: readonly string[], step: string): number[] {
  const pattern = new RegExp(`\\\\?"${step}\\\\?":(\\d+)`);
  return lines.flatMap((line) => {
    const match = line.includes('containment') ? pattern.exec(line) : null;
    return match ? [Number(match[1])] : [];
  });
}

function summary(timings: number[]): string {
  const sorted = [...timings].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1)} ms`;
}

async function pass(alerts: number, max: number): Promise<void> {
  const lines: string[] = [];
  delete process.env.GRAPH_BASE_URL;
  delete process.env.AzureWebJobsStorage;
  const stack = await startLocalStack({
    settings: { BLAST_RADIUS_MAX: String(max), CAMPAIGN_CONTAINMENT: 'off', GRAPH_TIMEOUT_MS: '600000', GRAPH_RETRY_BUDGET_MS: '600000' },
    log: (line) => lines.push(line),
  });
  try {
    const simulator = stack.simulator!;
    const tag = Date.now().toString(36);
    const users = Array.from({ length: alerts }, (_, i) =>
      simulator.addUser({ userPrincipalName: `bench-${tag}-${i}@wingtip-lab.example` }),
    );
    const started = performance.now();
    const states = await Promise.all(
      users.map(async (user, i) => {
        const response = await fetch(`${stack.baseUrl}/api/contain`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-functions-key': stack.functionKey },
          body: JSON.stringify({ user: user.userPrincipalName, alertId: `bench-${tag}-${i}`, severity: 'High' }),
        });
        const body = (await response.json()) as { incidents?: Array<{ state: string }> };
        return body.incidents?.[0]?.state ?? `http ${response.status}`;
      }),
    );
    const wall = Math.round(performance.now() - started);
    const limit = stepTimings(lines, 'limit');
    const contained = states.filter((state) => state === 'contained').length;
    console.log(
      `${alerts} concurrent, BLAST_RADIUS_MAX=${max}: ${contained} contained, ${states.length - contained} held (wall ${wall} ms)`,
    );
    console.log(
      `  limit over ${limit.length} alerts: ${summary(limit)}; slowest ${[...limit]
        .sort((a, b) => a - b)
        .slice(-10)
        .join(', ')}`,
    );
    // The other storage steps of the same alerts, for scale: one insert (claim), one transaction (person).
    for (const step of ['claim', 'person', 'record']) console.log(`  ${step}: ${summary(stepTimings(lines, step))}`);
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  const { alerts, max } = parseArgs(process.argv.slice(2));
  // One pass per process: the app reads its configuration once.
  await pass(alerts, max);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
