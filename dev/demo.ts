// `npm run demo`: the whole Phase 1 on the embedded stack. Starts Azurite, the tenant simulator and
// the local host, replays the Sentinel sample over HTTP exactly as curl would, prints what happened,
// and exits 0 only if the simulator shows the account disabled and its sessions revoked.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalStack } from './stack';
import { repoRoot } from './settings';

const SAMPLE = 'samples/alerts/sentinel-incident.json';
const VICTIM = 'avery.chen@wingtip-lab.example';

interface ActionView {
  action: string;
  result: string;
  httpStatus?: number;
  graphCode?: string;
  requestId?: string;
  durationMs: number;
  attempts: number;
}
interface IncidentView {
  id: string;
  state: string;
  user: { upn?: string; objectId?: string };
  t0?: string;
  replayed: boolean;
  followUpsQueuedAt?: string;
  actions: ActionView[];
}
interface TimelineView {
  at: string;
  kind: string;
  mark?: string;
  summary: string;
}

async function postAlert(baseUrl: string, key: string, body: string): Promise<{ status: number; ms: number; json: { incidents?: IncidentView[] } }> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/contain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': key },
    body,
  });
  const json = (await response.json()) as { incidents?: IncidentView[] };
  return { status: response.status, ms: Math.round(performance.now() - started), json };
}

async function main(): Promise<number> {
  // Always the embedded stack: a demo must never reach a real tenant, whatever the environment says.
  delete process.env.GRAPH_BASE_URL;
  delete process.env.AzureWebJobsStorage;
  const stack = await startLocalStack({ useLocalSettings: false });
  try {
    const simulator = stack.simulator!;
    console.log('aitm-contain demo: Phase 1 containment on the local stack');
    console.log(`  function host      ${stack.baseUrl}`);
    console.log(`  tenant simulator   ${simulator.baseUrl}`);
    console.log(`  storage            Azurite (in memory)`);
    const body = readFileSync(path.join(repoRoot(), SAMPLE), 'utf8');
    console.log(`\nReplaying ${SAMPLE} (what a Sentinel playbook posts), as:`);
    console.log(`  curl -sS -X POST '${stack.baseUrl}/api/contain' -H 'content-type: application/json' -H 'x-functions-key: <key>' --data @${SAMPLE}\n`);

    const first = await postAlert(stack.baseUrl, stack.functionKey, body);
    console.log(`HTTP ${first.status} in ${first.ms} ms`);
    for (const incident of first.json.incidents ?? []) {
      console.log(`  incident  ${incident.id}`);
      console.log(`  user      ${incident.user.upn ?? incident.user.objectId}`);
      console.log(`  state     ${incident.state}`);
      for (const action of incident.actions) {
        const graph = action.result === 'succeeded' ? `Graph ${action.httpStatus}` : `Graph ${action.httpStatus ?? '-'} ${action.graphCode ?? ''}`;
        console.log(`  ${action.action.padEnd(15)} ${action.result.padEnd(10)} ${graph.padEnd(10)} ${String(action.durationMs).padStart(5)} ms  request-id ${action.requestId ?? '-'}`);
      }
      console.log(`  T0        ${incident.t0 ?? '(not contained)'}`);
      console.log(`  follow-ups queued: ${incident.followUpsQueuedAt ? 'diagnose, hunt' : 'no'}`);
    }

    const replay = await postAlert(stack.baseUrl, stack.functionKey, body);
    const replayed = replay.json.incidents?.[0];
    console.log(`\nSame alert delivered again (Sentinel and Logic Apps retry): HTTP ${replay.status} in ${replay.ms} ms, replayed=${replayed?.replayed}, same incident=${replayed?.id === first.json.incidents?.[0]?.id}`);

    await stack.host.drainQueues(15_000);
    const incidentId = first.json.incidents?.[0]?.id;
    if (incidentId) {
      const detail = (await (await fetch(`${stack.baseUrl}/api/incidents/${incidentId}`, { headers: { 'x-functions-key': stack.functionKey } })).json()) as {
        timeline?: TimelineView[];
      };
      console.log('\nTimeline:');
      for (const event of detail.timeline ?? []) {
        console.log(`  ${event.at}  ${(event.mark ?? '').padEnd(2)}  ${event.kind.padEnd(24)} ${event.summary}`);
      }
    }

    const victim = simulator.tenant.findUser(VICTIM);
    const writes = simulator.requestLog.filter((entry) => entry.method === 'PATCH' || entry.path.endsWith('/revokeSignInSessions'));
    console.log('\nTenant simulator state:');
    console.log(`  ${VICTIM}: accountEnabled=${victim?.accountEnabled}, sessions revoked ${victim?.revokeCount ?? 0}x (valid from ${victim?.signInSessionsValidFromDateTime})`);
    console.log(`  Graph writes received: ${writes.map((entry) => `${entry.method} ${entry.path} -> ${entry.status}`).join('; ')}`);
    const ok = victim !== undefined && victim.accountEnabled === false && victim.revokeCount >= 1;
    console.log(ok ? '\nOK: account disabled and sessions revoked.' : '\nFAILED: the account is not contained.');
    return ok ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
