// Pivot-hunt latency for the seeded campaign, through the simulator answering every Graph, Log Analytics
// and advanced hunting call after a set latency (default 200 ms):
//   node -r ./scripts/register-ts.js dev/hunt-bench.ts [--backend log-analytics|defender|none] [--latency 200]
// Contains Avery Chen's alert (the hunt queued with it), waits for every queue to drain (diagnosis, the
// evidence pass, the held victims' own hunts), and reports each hunt handler's own time and the calls made.
import { startLocalStack } from './stack';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  delete process.env.GRAPH_BASE_URL;
  delete process.env.AzureWebJobsStorage;
  const backend = option('backend', 'log-analytics');
  const latency = Number(option('latency', '200'));
  const log: string[] = [];
  const key = 'hunt-bench-key-0123456789abcdefgh';
  const stack = await startLocalStack({
    functionKey: key,
    settings: { HUNT_BACKEND: backend, CAMPAIGN_CONTAINMENT: 'approve' },
    log: (line) => log.push(line),
  });
  try {
    const simulator = stack.simulator!;
    simulator.setLatency(latency);
    const started = performance.now();
    const response = await fetch(`${stack.baseUrl}/api/contain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-functions-key': key },
      body: JSON.stringify({ user: 'avery.chen@wingtip-lab.example', alertId: 'hunt-bench', severity: 'High', sourceIp: '198.51.100.23' }),
    });
    const { incidents } = (await response.json()) as { incidents: Array<{ id: string }> };
    await stack.host.drainQueues(600_000);
    const total = Math.round(performance.now() - started);
    const hunts = log.flatMap((line) => {
      try {
        const message = (JSON.parse(line) as { message?: string }).message ?? '';
        if (!message.startsWith('{"event":"hunt"')) return [];
        return [JSON.parse(message) as { incidentId: string; latencyMs: number; pivots: string[]; suspicious: number; victims: string[] }];
      } catch {
        return [];
      }
    });
    const origin = hunts.filter((h) => h.incidentId === incidents[0].id);
    const queries = simulator.requestLog.filter(
      (e) =>
        e.path.startsWith('/v1/workspaces/') ||
        e.path.endsWith('/runHuntingQuery') ||
        (e.path === '/v1.0/auditLogs/signIns' && e.query.includes('ipAddress')),
    );
    console.log(`HUNT_BACKEND=${backend}, ${latency} ms per simulated call`);
    for (const [i, h] of origin.entries())
      console.log(
        `  origin hunt pass ${i + 1}: ${h.latencyMs} ms, ${h.pivots.length} pivots hunted, ${h.suspicious} suspicious, ${h.victims.length} incidents`,
      );
    console.log(
      `  hunts run in all: ${hunts.length} (the victims' own hunts included), sum ${hunts.reduce((n, h) => n + h.latencyMs, 0)} ms`,
    );
    console.log(`  hunting queries sent: ${queries.length}`);
    console.log(`  alert to every queue drained (diagnosis included): ${total} ms`);
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
