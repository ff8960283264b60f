// Time to a full evidence pack for the demo victim, with the tenant simulator answering every Graph call
// after a set latency (default 200 ms):
//   node -r ./scripts/register-ts.js dev/diagnose-bench.ts [--runs 5] [--latency 200]
// Each run contains Avery Chen again (a new manual alert), then waits for the queued diagnosis. It prints
// the handler's own time (what the pack costs) and the time from the webhook's answer until the pack is
// readable over HTTP (that adds the queue trigger's polling).
import { startLocalStack } from './stack';
import { SCENARIO_NETWORKS, SCENARIO_USERS } from './simulator';
import { percentile } from './bench-stats';

interface Options {
  runs: number;
  latencyMs: number;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { runs: 5, latencyMs: 200 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${argv[i]} needs a non-negative integer`);
    if (argv[i] === '--runs') options.runs = Math.max(1, value);
    else if (argv[i] === '--latency') options.latencyMs = value;
    else throw new Error(`unknown option ${argv[i]} (use --runs N --latency MS)`);
  }
  return options;
}

interface DiagnosisLog {
  incidentId?: string;
  outcome?: string;
  latencyMs?: Record<string, number>;
}

function diagnosisLogs(lines: readonly string[]): DiagnosisLog[] {
  return lines.flatMap((line) => {
    try {
      const message = (JSON.parse(line) as { message?: string }).message ?? '';
      return message.startsWith('{"event":"diagnosis"') ? [JSON.parse(message) as DiagnosisLog] : [];
    } catch {
      return [];
    }
  });
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  delete process.env.GRAPH_BASE_URL;
  delete process.env.AzureWebJobsStorage;
  const log: string[] = [];
  const stack = await startLocalStack({
    simulator: { latencyMs: options.latencyMs },
    settings: { BLAST_RADIUS_MAX: '1000000' },
    log: (line) => log.push(line),
  });
  const headers = { 'content-type': 'application/json', 'x-functions-key': stack.functionKey };
  const simulator = stack.simulator!;
  const reader = {
    authorization: `Bearer ${await simulator.identity.issueToken({ audience: stack.audience!, analyst: 'reader', expiresInSeconds: 12 * 3600 })}`,
  };
  const handler: number[] = [];
  const endToEnd: number[] = [];
  const calls: number[] = [];
  try {
    console.log(
      `aitm-contain diagnosis bench: ${options.runs} packs for ${SCENARIO_USERS.victim.userPrincipalName}, simulated Graph latency ${options.latencyMs} ms per call`,
    );
    for (let run = 0; run < options.runs; run++) {
      await stack.host.drainQueues(60_000);
      const response = await fetch(`${stack.baseUrl}/api/contain`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          user: SCENARIO_USERS.victim.userPrincipalName,
          alertId: `diagnose-bench-${Date.now()}-${run}`,
          severity: 'High',
          sourceIp: SCENARIO_NETWORKS.attacker.ipAddress,
        }),
      });
      const answered = performance.now();
      const id = ((await response.json()) as { incidents: Array<{ id: string }> }).incidents[0].id;
      const logStart = simulator.requestLog.length;
      for (;;) {
        const detail = (await (await fetch(`${stack.baseUrl}/api/incidents/${id}`, { headers: reader })).json()) as {
          diagnosis?: { status: string };
        };
        if (detail.diagnosis?.status === 'complete') break;
        if (performance.now() - answered > 60_000) throw new Error(`no complete pack for ${id} after 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      endToEnd.push(performance.now() - answered);
      await stack.host.drainQueues(60_000);
      const own = diagnosisLogs(log).find((entry) => entry.incidentId === id);
      handler.push(own?.latencyMs?.total ?? Number.NaN);
      // The containment's own calls were answered before the webhook returned; what follows is diagnosis (and the hunt stub, which calls nothing).
      calls.push(simulator.requestLog.slice(logStart).length);
      console.log(
        `  run ${run + 1}: pack built in ${handler.at(-1)} ms by the handler, readable ${Math.round(endToEnd.at(-1) as number)} ms after the webhook answered, ${calls.at(-1)} Graph calls`,
      );
    }
    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const [h, e] = [sorted(handler), sorted(endToEnd)];
    console.log(
      `\n  handler (the pack itself)      p50 ${percentile(h, 50).toFixed(0)} ms   min ${h[0].toFixed(0)} ms   max ${h.at(-1)?.toFixed(0)} ms   = ${(percentile(h, 50) / Math.max(1, options.latencyMs)).toFixed(1)} Graph round-trips`,
    );
    console.log(
      `  webhook answer -> pack readable p50 ${percentile(e, 50).toFixed(0)} ms   min ${e[0].toFixed(0)} ms   max ${e.at(-1)?.toFixed(0)} ms   (adds the queue trigger's polling)`,
    );
    console.log(
      `  Graph calls per pack: ${sorted(calls)[0]}-${sorted(calls).at(-1)}, each source in parallel. Critical path: the Purview audit query (create, poll,`,
    );
    console.log('  records) then the recipients of what the attacker sent: 4 round-trips; done one call at a time it would be ~16.');
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`diagnose bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
