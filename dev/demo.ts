// `npm run demo`: the runbook end to end on the embedded stack, printed as it happens. Starts Azurite, the
// tenant simulator and the local host, replays the Sentinel sample over HTTP as curl would (its times moved
// to tonight's story, so time to contain from the alert reads as it would in a real night), follows the
// incident's timeline live while the queued diagnosis and pivot hunt run (and the campaign's victims'
// incidents as they are held), prints the evidence pack and the campaign; then approves eradication of
// what the pack flagged, recovers the account with a one-time TAP (printed once), and ends with the
// post-incident report (GET /api/incidents/{id}/report, Markdown). Exits 0 only if the account was
// contained, the pack is complete, the campaign's victims were held (not written to), eradication verified,
// the account given back and the report served.
// HUNT_BACKEND=log-analytics (default) | defender | none picks the hunting backend's stand-in.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SCENARIO_ATTACK } from './simulator';
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
interface FindingView {
  kind: string;
  title: string;
  verdict: string;
  createdAt?: string;
  reasons: string[];
}
interface DiagnosisView {
  status: string;
  summary: string;
  containmentHeld?: boolean;
  counts: Record<string, number>;
  window: { start?: string; end: string; endsAt: string; attackerIps: string[] };
  sources: Record<string, { status: string; items: number; via: string; detail?: string }>;
  recipients: { internal: string[]; external: string[] };
}
interface IncidentDetail {
  state: string;
  timeline?: TimelineView[];
  diagnosis?: DiagnosisView;
  findings?: FindingView[];
  campaign?: { id: string };
}

/** Wraps a paragraph for an 100-column terminal. */
function wrap(text: string, indent: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + word.length + 1 > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

function printPack(detail: IncidentDetail, packMs: number | undefined): void {
  const diagnosis = detail.diagnosis;
  if (!diagnosis) {
    console.log('\nDiagnosis: no evidence pack recorded');
    return;
  }
  console.log(
    `\nDiagnosis (Phase 2): evidence pack ${diagnosis.status}${packMs === undefined ? '' : ` in ${packMs} ms`}; incident state ${detail.state}`,
  );
  if (diagnosis.window.start) {
    console.log(
      `  attacker window   ${diagnosis.window.start} -> ${diagnosis.window.end} (${diagnosis.window.endsAt}), from ${diagnosis.window.attackerIps.join(', ')}`,
    );
  }
  console.log(
    `  sources           ${Object.entries(diagnosis.sources)
      .map(([name, outcome]) => `${name} ${outcome.status}${outcome.status === 'complete' ? ` (${outcome.items})` : ''}`)
      .join(', ')}`,
  );
  console.log(`  sign-ins from     ${diagnosis.sources.signIns?.via ?? '-'}`);
  console.log(
    `  containment held  ${diagnosis.containmentHeld === undefined ? 'cannot say' : diagnosis.containmentHeld ? 'yes: no successful sign-in after T0' : 'NO'}`,
  );
  console.log(
    `  to notify (5.3)   external: ${diagnosis.recipients.external.join(', ') || '-'}; internal: ${diagnosis.recipients.internal.join(', ') || '-'}`,
  );
  console.log(
    `\nFindings (${diagnosis.counts.suspicious} suspicious, ${diagnosis.counts.unknown} unknown, ${diagnosis.counts.benign} benign):`,
  );
  for (const finding of detail.findings ?? []) {
    console.log(`  ${finding.verdict.toUpperCase().padEnd(10)} ${finding.kind.padEnd(22)} ${finding.title}`);
    console.log(wrap(finding.reasons.join('; '), ' '.repeat(36)));
  }
  console.log('\nSummary:');
  console.log(wrap(diagnosis.summary, '  '));
}

interface CampaignView {
  id: string;
  pivots: Array<{ pivot: { kind: string; value: string }; status: string; via: string; matches: number; detail?: string }>;
  hits: Array<{ upn?: string; userKey: string; verdict: string; reasons: string[]; firstSeen?: string }>;
  incidents: Array<{ incidentId: string; upn?: string; role: string; state?: string }>;
  notes: string[];
}

/** Phase 4: the campaign the hunts built; returns the suspicious users' UPNs. */
async function printCampaign(baseUrl: string, readerToken: string, campaignId: string | undefined): Promise<string[]> {
  if (!campaignId) {
    console.log('\nPivot hunt: no campaign recorded');
    return [];
  }
  const campaign = (await (
    await fetch(`${baseUrl}/api/campaigns/${campaignId}`, { headers: { authorization: `Bearer ${readerToken}` } })
  ).json()) as CampaignView;
  console.log(`\nPivot hunt (Phase 4): campaign ${campaign.id}`);
  for (const p of campaign.pivots) {
    const value = p.pivot.value.length > 60 ? `${p.pivot.value.slice(0, 57)}...` : p.pivot.value;
    console.log(
      `  ${p.pivot.kind.padEnd(9)} ${value.padEnd(60)} ${p.status.padEnd(11)} ${String(p.matches).padStart(2)} match(es)${p.detail ? `  (${p.detail.slice(0, 90)})` : ''}`,
    );
  }
  for (const note of campaign.notes) console.log(`  note: ${note}`);
  const held = new Map(campaign.incidents.filter((l) => l.role === 'victim').map((l) => [l.upn, l]));
  console.log('\nOther users the pivots found:');
  for (const hit of campaign.hits) {
    const link = held.get(hit.upn);
    console.log(
      `  ${(hit.upn ?? hit.userKey).padEnd(36)} ${hit.verdict.padEnd(13)} ${link ? `incident ${link.incidentId} ${link.state}` : ''}`,
    );
    for (const reason of hit.reasons.slice(0, 2)) console.log(wrap(reason, '      '));
  }
  return campaign.hits.filter((h) => h.verdict === 'suspicious').map((h) => h.upn ?? h.userKey);
}

async function postAlert(
  baseUrl: string,
  key: string,
  body: string,
): Promise<{ status: number; ms: number; json: { incidents?: IncidentView[] } }> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/contain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': key },
    body,
  });
  const json = (await response.json()) as { incidents?: IncidentView[] };
  return { status: response.status, ms: Math.round(performance.now() - started), json };
}

/** The handler's own measure of the diagnosis (from its structured log line), in ms. */
function diagnosisMs(hostLog: readonly string[], incidentId: string): number | undefined {
  for (const line of hostLog) {
    try {
      const message = (JSON.parse(line) as { message?: string }).message ?? '';
      if (!message.startsWith('{"event":"diagnosis"')) continue;
      const event = JSON.parse(message) as { incidentId?: string; latencyMs?: { total?: number } };
      if (event.incidentId === incidentId) return event.latencyMs?.total;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

/** Seconds since the demo started, for each line printed as it happens. */
const started = performance.now();
function stamp(): string {
  return `[+${((performance.now() - started) / 1000).toFixed(1).padStart(4)} s]`;
}

/**
 * The sample as a playbook would post it tonight: its creation time a few seconds ago and its first
 * activity at the simulated attacker's first sign-in, so "time to contain from the alert" is measured
 * from a plausible alert rather than from the sample's fixed date.
 */
function tonightsAlert(body: string): string {
  const alert = JSON.parse(body) as { object: { properties: Record<string, unknown> } };
  const now = Date.now();
  const at = (msBefore: number) => new Date(now - msBefore).toISOString();
  Object.assign(alert.object.properties, {
    createdTimeUtc: at(4_000),
    firstActivityTimeUtc: at(SCENARIO_ATTACK.minutesBeforeNow.attackerSignIn * 60_000),
    lastActivityTimeUtc: at(5_000),
    lastModifiedTimeUtc: at(4_000),
  });
  return JSON.stringify(alert);
}

/**
 * Prints the incident's timeline events, and the other incidents the hunt opens, as they land: polled
 * over HTTP (as a person refreshing the console would) while `work` runs, then once more after it.
 */
async function follow(baseUrl: string, token: string, id: string, printed: Set<string>, work: () => Promise<void>): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  const poll = async () => {
    const [detail, list] = await Promise.all([
      fetch(`${baseUrl}/api/incidents/${id}`, { headers }).then(
        (r) => r.json() as Promise<{ timeline?: Array<TimelineView & { id: string }> }>,
      ),
      fetch(`${baseUrl}/api/incidents?top=50`, { headers }).then(
        (r) => r.json() as Promise<{ incidents?: Array<{ id: string; state: string; user: { upn?: string }; reason?: string }> }>,
      ),
    ]);
    for (const event of detail.timeline ?? []) {
      if (printed.has(event.id)) continue;
      printed.add(event.id);
      const summary = event.summary.length > 110 ? `${event.summary.slice(0, 107)}...` : event.summary;
      console.log(`  ${stamp()} ${(event.mark ?? '').padEnd(2)} ${event.kind.padEnd(24)} ${summary}`);
    }
    for (const other of [...(list.incidents ?? [])].reverse()) {
      if (other.id === id || printed.has(other.id)) continue;
      printed.add(other.id);
      console.log(
        `  ${stamp()}    new incident ${other.id} for ${other.user.upn ?? '?'}: ${other.state}${other.reason ? ` (${other.reason.slice(0, 70)})` : ''}`,
      );
    }
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      await poll().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await loop;
    await poll();
  }
}

async function main(): Promise<number> {
  // Always the embedded stack: a demo must never reach a real tenant, whatever the environment says.
  delete process.env.GRAPH_BASE_URL;
  delete process.env.AzureWebJobsStorage;
  // The host's log lines carry each diagnosis's own timing; keep them to report the pack's latency.
  const hostLog: string[] = [];
  // Sign-ins from the simulator's Sentinel (SigninLogs) stand-in, as HUNT_BACKEND=log-analytics reads them
  // in Azure: with user agent and ASN, which Graph v1.0 sign-ins do not carry.
  const backend = process.env.HUNT_BACKEND ?? 'log-analytics';
  if (!['log-analytics', 'defender', 'none'].includes(backend))
    throw new Error(`HUNT_BACKEND must be log-analytics, defender or none, not ${backend}`);
  console.log(`aitm-contain demo: the runbook end to end on the local stack (HUNT_BACKEND=${backend})`);
  console.log(`${stamp()} starting Azurite, the tenant simulator and the local function host...`);
  const stack = await startLocalStack({
    useLocalSettings: false,
    settings: { HUNT_BACKEND: backend, CAMPAIGN_CONTAINMENT: 'approve' },
    log: (line) => hostLog.push(line),
  });
  try {
    const simulator = stack.simulator!;
    console.log(`${stamp()} ready`);
    console.log(`  function host      ${stack.baseUrl}`);
    console.log(`  tenant simulator   ${simulator.baseUrl}`);
    console.log(`  storage            Azurite (in memory)`);
    const body = tonightsAlert(readFileSync(path.join(repoRoot(), SAMPLE), 'utf8'));
    console.log(`\nPhase 1, containment: replaying ${SAMPLE} (what a Sentinel playbook posts; its times moved to tonight), as:`);
    console.log(
      `  curl -sS -X POST '${stack.baseUrl}/api/contain' -H 'content-type: application/json' -H 'x-functions-key: <key>' --data @${SAMPLE}\n`,
    );

    const first = await postAlert(stack.baseUrl, stack.functionKey, body);
    console.log(`${stamp()} HTTP ${first.status} in ${first.ms} ms`);
    for (const incident of first.json.incidents ?? []) {
      console.log(`  incident  ${incident.id}`);
      console.log(`  user      ${incident.user.upn ?? incident.user.objectId}`);
      console.log(`  state     ${incident.state}`);
      for (const action of incident.actions) {
        const graph =
          action.result === 'succeeded' ? `Graph ${action.httpStatus}` : `Graph ${action.httpStatus ?? '-'} ${action.graphCode ?? ''}`;
        console.log(
          `  ${action.action.padEnd(15)} ${action.result.padEnd(10)} ${graph.padEnd(10)} ${String(action.durationMs).padStart(5)} ms  request-id ${action.requestId ?? '-'}`,
        );
      }
      console.log(`  T0        ${incident.t0 ?? '(not contained)'}`);
      console.log(`  follow-ups queued: ${incident.followUpsQueuedAt ? 'diagnose, hunt' : 'no'}`);
    }

    const replay = await postAlert(stack.baseUrl, stack.functionKey, body);
    const replayed = replay.json.incidents?.[0];
    console.log(
      `\n${stamp()} same alert delivered again (Sentinel and Logic Apps retry): HTTP ${replay.status} in ${replay.ms} ms, replayed=${replayed?.replayed}, same incident=${replayed?.id === first.json.incidents?.[0]?.id}`,
    );

    const incidentId = first.json.incidents?.[0]?.id;
    let packComplete = false;
    let campaignVictims: string[] = [];
    // Read as the seeded reader analyst, with a user token from the simulator's issuer.
    const readerToken = await simulator.identity.issueToken({ audience: stack.audience!, analyst: 'reader' });
    const printed = new Set<string>();
    if (incidentId) {
      console.log('\nPhases 2 and 4, diagnosis and the pivot hunt, from the queues; the timeline as it is written:');
      // The diagnose and hunt messages were queued with the containment; follow them, and the hunts of
      // the victims the first hunts hold, until every queue is drained.
      await follow(stack.baseUrl, readerToken, incidentId, printed, () => stack.host.drainQueues(180_000));
      const detail = (await (
        await fetch(`${stack.baseUrl}/api/incidents/${incidentId}`, { headers: { authorization: `Bearer ${readerToken}` } })
      ).json()) as IncidentDetail;
      printPack(detail, diagnosisMs(hostLog, incidentId));
      packComplete = detail.diagnosis?.status === 'complete';
      campaignVictims = await printCampaign(stack.baseUrl, readerToken, detail.campaign?.id);
    } else {
      await stack.host.drainQueues(180_000);
    }

    const victim = simulator.tenant.findUser(VICTIM);
    const writes = simulator.requestLog.filter((entry) => entry.method === 'PATCH' || entry.path.endsWith('/revokeSignInSessions'));
    console.log('\nTenant simulator state:');
    console.log(
      `  ${VICTIM}: accountEnabled=${victim?.accountEnabled}, sessions revoked ${victim?.revokeCount ?? 0}x (valid from ${victim?.signInSessionsValidFromDateTime})`,
    );
    console.log(`  Graph writes received: ${writes.map((entry) => `${entry.method} ${entry.path} -> ${entry.status}`).join('; ')}`);
    const contained = victim !== undefined && victim.accountEnabled === false && victim.revokeCount >= 1;
    const untouched = campaignVictims.length > 0 && campaignVictims.every((upn) => simulator.tenant.findUser(upn)?.revokeCount === 0);
    console.log(contained ? '\nOK: account disabled and sessions revoked.' : '\nFAILED: the account is not contained.');
    console.log(packComplete ? 'OK: evidence pack complete.' : 'FAILED: the evidence pack is not complete.');
    console.log(
      untouched
        ? `OK: ${campaignVictims.length} other victims found and held for an approver, nothing written to them.`
        : 'FAILED: the campaign found no victims, or wrote to one.',
    );
    const recovered =
      contained &&
      packComplete &&
      incidentId !== undefined &&
      (await eradicateAndRecover(
        stack.baseUrl,
        await simulator.identity.issueToken({ audience: stack.audience!, analyst: 'approver' }),
        incidentId,
        (work) => follow(stack.baseUrl, readerToken, incidentId, printed, work),
        () => stack.host.drainQueues(60_000),
      ));
    const reported = incidentId !== undefined && (await printReport(stack.baseUrl, readerToken, incidentId));
    return contained && packComplete && untouched && recovered && reported ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

/** Phase 6: the post-incident report, as a reader gets it to paste into the ticket. */
async function printReport(baseUrl: string, token: string, id: string): Promise<boolean> {
  console.log(`\n${stamp()} Phase 6, the post-incident report:`);
  console.log(`  curl -sS '${baseUrl}/api/incidents/${id}/report' -H 'authorization: Bearer <reader token>'   (?format=json for data)\n`);
  const response = await fetch(`${baseUrl}/api/incidents/${id}/report`, { headers: { authorization: `Bearer ${token}` } });
  const markdown = await response.text();
  if (response.status !== 200) {
    console.log(`FAILED: HTTP ${response.status} ${markdown.slice(0, 200)}`);
    return false;
  }
  console.log(markdown);
  return true;
}

interface RemovalView {
  title: string;
  status: string;
  httpStatus?: number;
  detail?: string;
}
interface PhaseDetail extends IncidentDetail {
  t0?: string;
  t1?: string;
  t2?: string;
  t3?: string;
  reason?: string;
  eradication?: { items: RemovalView[]; manualSteps: Array<{ why: string; powershell: string[] }> };
}

async function call<T>(
  baseUrl: string,
  token: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const response = await fetch(`${baseUrl}/api/incidents/${route}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
}

/** Phases 3 and 5 as an approver drives them: eradicate what the pack flagged, call the user, recover. */
async function eradicateAndRecover(
  baseUrl: string,
  token: string,
  id: string,
  follow: (work: () => Promise<void>) => Promise<void>,
  drain: () => Promise<void>,
): Promise<boolean> {
  console.log(`\nEradication (Phase 3): an approver (sam.analyst, a user token with Incidents.Approve) removes what the pack flagged:`);
  console.log(
    `  curl -sS -X POST '${baseUrl}/api/incidents/${id}/eradicate' -H 'authorization: Bearer <approver token>' -d '{"findings": "flagged"}'`,
  );
  const asked = await call<{ state: string }>(baseUrl, token, 'POST', `${id}/eradicate`, {
    findings: 'flagged',
    comment: 'demo: pack reviewed',
  });
  console.log(`${stamp()} HTTP ${asked.status}: state ${asked.json.state}; the eradicate queue removes them in the runbook's order:`);
  await follow(drain);
  const after = (await call<PhaseDetail>(baseUrl, token, 'GET', id)).json;
  console.log(`  state ${after.state}${after.reason ? `: ${after.reason}` : ''}`);
  console.log(
    `  ${after.eradication?.manualSteps.length ?? 0} step(s) Graph cannot reach (hidden rules, mailbox forwarding, transport rules) are left for a human: see the report's "Left for a human"`,
  );
  if (after.state !== 'eradicated') {
    console.log('\nFAILED: eradication was not verified.');
    return false;
  }

  await call(baseUrl, token, 'POST', `${id}/notified`, { channel: 'phone', comment: 'demo: called the user on their mobile' });
  console.log(`\n${stamp()} user notified by phone (T2).`);
  console.log(`\n${stamp()} Recovery (Phase 5): POST /api/incidents/${id}/recover {"credential": "tap"}`);
  const recovery = await call<{
    state: string;
    credential?: { value: string; expiresAt?: string; lifetimeMinutes?: number };
    notifyOutOfBand?: { internal: string[]; external: string[] };
    error?: { message: string };
  }>(baseUrl, token, 'POST', `${id}/recover`, { credential: 'tap' });
  if (recovery.status !== 200 || !recovery.json.credential) {
    console.log(`FAILED: HTTP ${recovery.status} ${recovery.json.error?.message ?? ''}`);
    return false;
  }
  const { credential } = recovery.json;
  console.log(`  Temporary Access Pass: ${credential.value}   (SHOWN ONCE: not stored anywhere; read it to the user by phone)`);
  console.log(`  one-time, ${credential.lifetimeMinutes} min, until ${credential.expiresAt ?? '-'}; the account is enabled again`);
  console.log(
    `  contact out of band (5.3): external ${recovery.json.notifyOutOfBand?.external.join(', ') || '-'}; internal ${recovery.json.notifyOutOfBand?.internal.join(', ') || '-'}`,
  );
  const final = (await call<PhaseDetail>(baseUrl, token, 'GET', id)).json;
  console.log('\nTimeline marks:');
  console.log(`  T0 contained        ${final.t0 ?? '-'}`);
  console.log(`  T1 eradicated       ${final.t1 ?? '-'}`);
  console.log(`  T2 user notified    ${final.t2 ?? '-'}`);
  console.log(`  T3 recovered        ${final.t3 ?? '-'}`);
  const ok = final.state === 'recovered' && [final.t0, final.t1, final.t2, final.t3].every((mark) => mark !== undefined);
  console.log(ok ? 'OK: eradication verified and the account recovered.' : 'FAILED: the incident did not reach recovered.');
  return ok;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
