// The post-incident report of the demo incident, through the real edges: the scenario `npm run demo`
// runs (the Sentinel sample over HTTP into the local host, diagnosis and the pivot hunt from the queues,
// Graph over HTTP to the tenant simulator, Azurite), then eradicate, notify and recover as the seeded
// approver. Each section is checked against what the simulator seeded and logged (IPs, ASNs, the removed
// rule, the victims, Graph request-ids), not against the report's own text; the one-time pass is absent.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { CAMPAIGN_NETWORKS, CAMPAIGN_NOT_VICTIMS, CAMPAIGN_VICTIMS } from '../../dev/simulator/campaign';
import {
  SCENARIO_ATTACK,
  SCENARIO_BENIGN,
  SCENARIO_MAILBOX,
  SCENARIO_NETWORKS,
  SCENARIO_USERS,
  type TenantSimulator,
} from '../../dev/simulator';
import type { IncidentReport } from '../../shared/report/types';
import { request, type ContainBody } from '../support/http';
import { approverToken, bearer, readerToken } from '../support/tokens';

const KEY = 'report-test-key-0123456789abcdef';
const SAMPLE = readFileSync(path.join(__dirname, '../../samples/alerts/sentinel-incident.json'), 'utf8');
const { victim } = SCENARIO_USERS;

describe('the post-incident report of the demo incident', () => {
  let stack: LocalStack;
  let simulator: TenantSimulator;
  let reader: Record<string, string>;
  let approver: Record<string, string>;
  let id: string;
  let pass: string;
  let before: IncidentReport;

  const report = (incident: string, query = '', headers = reader) =>
    request<IncidentReport>(`${stack.baseUrl}/api/incidents/${incident}/report${query}`, { headers });
  const post = (verb: string, body: unknown) =>
    request<{ credential?: { value: string } }>(`${stack.baseUrl}/api/incidents/${id}/${verb}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...approver },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    stack = await startLocalStack({ functionKey: KEY, settings: { HUNT_BACKEND: 'log-analytics', CAMPAIGN_CONTAINMENT: 'approve' } });
    simulator = stack.simulator!;
    reader = bearer(await readerToken(stack));
    approver = bearer(await approverToken(stack));
    const contained = await request<ContainBody>(`${stack.baseUrl}/api/contain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-functions-key': KEY },
      body: SAMPLE,
    });
    expect(contained.status).toBe(200);
    id = contained.json.incidents[0].id;
    await stack.host.drainQueues(120_000);
    before = (await report(id, '?format=json')).json;
    expect((await post('eradicate', { findings: 'flagged', comment: 'pack reviewed' })).status).toBe(202);
    await stack.host.drainQueues(60_000);
    expect((await post('notified', { channel: 'phone' })).status).toBe(200);
    const recovered = await post('recover', { credential: 'tap' });
    expect(recovered.status).toBe(200);
    pass = recovered.json.credential!.value;
    // The fixture is the whole demo, six incidents' diagnoses and hunts included (as hunt-log-analytics.test.ts).
  }, 240_000);
  afterAll(() => stack?.stop());

  it('is for readers: no token is a 401, the contain key opens nothing, an unknown incident is a 404, another format a 400', async () => {
    expect((await report(id, '', {})).status).toBe(401);
    expect((await report(id, '', { 'x-functions-key': KEY })).status).toBe(401);
    expect((await report('01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
    expect((await report('not-an-id')).status).toBe(404);
    expect((await report(id, '?format=xml')).status).toBe(400);
  });

  it('before eradication it names the phases pending, and a held campaign victim says containment is pending', async () => {
    expect(before.pending.map((p) => p.phase)).toEqual(['eradication', 'notification', 'recovery']);
    expect(before.actions.removed).toEqual([]);
    const casey = before.others.campaign!.victims.find((v) => v.user === SCENARIO_USERS.casey.userPrincipalName)!;
    const held = (await report(casey.incidentId!, '?format=json')).json;
    expect(held.pending[0]).toMatchObject({ phase: 'containment' });
    expect(held.pending[0].detail).toMatch(/^Phase 1 containment: not achieved \(state awaiting_approval/);
    expect(held.actions.graphWrites).toEqual([]);
    expect(simulator.tenant.findUser(SCENARIO_USERS.casey.id)?.accountEnabled).toBe(true);
  });

  it('Markdown, safe to paste: no one-time pass, no token, no raw evidence', async () => {
    const response = await fetch(`${stack.baseUrl}/api/incidents/${id}/report`, { headers: reader });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const markdown = await response.text();
    expect(markdown).toMatch(/^# Post-incident report: avery\.chen@wingtip-lab\.example\n/);
    for (const heading of [
      '## Timeline',
      '## What the attacker did',
      '## What was done',
      '## Who else',
      '## Update detections (runbook 5.4)',
      '## Prevention (runbook 6.2)',
      '## Training (runbook 6.3)',
      '## Regulated data',
    ])
      expect(markdown).toContain(`\n${heading}\n`);
    expect(markdown).not.toContain(pass);
    expect(markdown).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\./);
    const json = (await report(id, '?format=json')).json;
    expect(JSON.stringify(json)).not.toContain(pass);
    // raw evidence (the rule's folder id is only in the Graph object) stays out
    expect(markdown).not.toContain(SCENARIO_ATTACK.inboxRule.moveToFolderId);
  });

  it("timeline: T0-T3 as recorded, time to contain from the alert (the payload's createdTimeUtc) and from receipt, and who decided what", async () => {
    const r = (await report(id, '?format=json')).json;
    const incident = (
      await request<{ createdAt: string; t0: string; t1: string; t2: string; t3: string }>(`${stack.baseUrl}/api/incidents/${id}`, {
        headers: reader,
      })
    ).json;
    const created = (JSON.parse(SAMPLE) as { object: { properties: { createdTimeUtc: string } } }).object.properties.createdTimeUtc;
    expect(r.timeline).toMatchObject({
      alertRaisedAt: new Date(created).toISOString(),
      receivedAt: incident.createdAt,
      t0: incident.t0,
      t1: incident.t1,
      t2: incident.t2,
      t3: incident.t3,
    });
    const ms = Object.fromEntries(r.timeline.durations.map((d) => [d.name, d.ms]));
    expect(ms.time_to_contain_from_receipt).toBe(Date.parse(incident.t0) - Date.parse(incident.createdAt));
    expect(ms.time_to_contain_from_alert).toBe(Date.parse(incident.t0) - Date.parse(created));
    expect(ms.attacker_dwell).toBeGreaterThanOrEqual((SCENARIO_ATTACK.minutesBeforeNow.attackerSignIn - 1) * 60_000);
    expect(r.timeline.decisions.map((d) => d.kind)).toEqual([
      'eradication_requested',
      'user_notified',
      'credential_issued',
      'account_enabled',
      'recovered',
    ]);
    expect(r.timeline.decisions.every((d) => d.who.startsWith('sam.analyst@wingtip-lab.example'))).toBe(true);
  });

  it("what the attacker did: the seeded sign-ins, mail read and sent, and persistence with the pack's verdicts", async () => {
    const a = (await report(id, '?format=json')).json.attacker!;
    const { attacker } = SCENARIO_NETWORKS;
    expect(a.signIns.length).toBeGreaterThan(0);
    for (const s of a.signIns)
      expect(s).toMatchObject({
        ip: attacker.ipAddress,
        asn: attacker.autonomousSystemNumber,
        userAgent: attacker.userAgent,
        verdict: 'suspicious',
      });
    expect(a.signIns.map((s) => s.app)).toContain(SCENARIO_ATTACK.maliciousApp.displayName);
    expect(a.mailRead.items).toBe(SCENARIO_MAILBOX.attackerReads.reduce((sum, read) => sum + read.items, 0));
    expect(a.mailSent.map((m) => [m.subject, [...m.internal, ...m.external]])).toEqual(
      SCENARIO_MAILBOX.attackerSends.map((s) => [s.subject, [s.to]]),
    );
    const byTitle = new Map(a.persistence.map((p) => [p.title, p]));
    expect(byTitle.get(`Inbox rule "${SCENARIO_ATTACK.inboxRule.displayName}"`)).toMatchObject({
      verdict: 'suspicious',
      removal: { status: 'removed' },
    });
    expect(byTitle.get(`Inbox rule "${SCENARIO_BENIGN.inboxRule.displayName}"`)).toMatchObject({ verdict: 'benign' });
    expect(byTitle.get(`Inbox rule "${SCENARIO_BENIGN.inboxRule.displayName}"`)?.removal).toBeUndefined();
    expect(a.containmentHeld).toBe(true);
    expect(a.verifications.map((v) => v.kind)).toContain('eradicated');
  });

  it('what was done: every Graph write with the request-id the simulator answered with, and the Exchange steps left for a human', async () => {
    const x = (await report(id, '?format=json')).json.actions;
    const answered = new Map(simulator.requestLog.map((entry) => [entry.requestId, entry]));
    expect(x.graphWrites.map((g) => g.phase)).toEqual([
      'containment',
      'containment',
      'eradication',
      'eradication',
      'eradication',
      'eradication',
      'recovery',
      'recovery',
    ]);
    for (const write of x.graphWrites) {
      const entry = answered.get(write.requestId!);
      expect({ what: write.what, status: entry?.status }).toEqual({ what: write.what, status: write.httpStatus });
      expect(['POST', 'PATCH', 'DELETE']).toContain(entry?.method);
    }
    expect(x.removed.map((r) => r.title).sort()).toEqual(
      [
        `Inbox rule "${SCENARIO_ATTACK.inboxRule.displayName}"`,
        'Consent to MailPort Sync',
        `Phone ${SCENARIO_ATTACK.phoneMethod.phoneNumber}`,
        `Device ${SCENARIO_ATTACK.device.displayName}`,
      ].sort(),
    );
    // The rule is gone from the simulated mailbox, as the report says.
    const rules = await fetch(`${simulator.baseUrl}/v1.0/users/${victim.id}/mailFolders/inbox/messageRules`).then(
      (r) => r.json() as Promise<{ value: Array<{ id: string }> }>,
    );
    expect(rules.value.map((rule) => rule.id)).not.toContain(SCENARIO_ATTACK.inboxRule.id);
    const steps = x.leftForHuman.map((s) => `${s.why}\n${s.commands.join('\n')}`).join('\n');
    expect(steps).toContain(`Set-Mailbox -Identity '${victim.userPrincipalName}' -ForwardingSmtpAddress $null`);
    expect(steps).toContain('Get-TransportRule');
    expect(steps).toContain(`Get-InboxRule -Mailbox '${victim.userPrincipalName}' -IncludeHidden`);
  });

  it("who else: the campaign's victims with their incidents' current state, and the people the attacker mailed", async () => {
    const o = (await report(id, '?format=json')).json.others;
    expect(o.campaign!.victims.map((v) => v.user).sort()).toEqual(CAMPAIGN_VICTIMS.map((u) => u.userPrincipalName).sort());
    for (const v of o.campaign!.victims)
      expect(v).toMatchObject({ incidentId: expect.stringMatching(/^[0-9A-Z]{26}$/), state: 'awaiting_approval' });
    expect(o.campaign!.notEvidence.map((v) => v.user)).toEqual(CAMPAIGN_NOT_VICTIMS.map((u) => u.userPrincipalName));
    expect(o.recipients).toEqual({
      internal: SCENARIO_MAILBOX.attackerSends.filter((s) => s.to.endsWith('@wingtip-lab.example')).map((s) => s.to),
      external: SCENARIO_MAILBOX.attackerSends.filter((s) => !s.to.endsWith('@wingtip-lab.example')).map((s) => s.to),
    });
  });

  it('update detections: the seeded IOCs, never the shared office egress, and KQL for both platforms', async () => {
    const d = (await report(id, '?format=json')).json.detections!;
    expect(d.iocs.ips.sort()).toEqual([SCENARIO_NETWORKS.attacker.ipAddress, CAMPAIGN_NETWORKS.secondHosting.ipAddress].sort());
    expect(d.iocs.ips).not.toContain(CAMPAIGN_NETWORKS.sharedEgress.ipAddress);
    expect(d.iocs.asns).toEqual(
      [SCENARIO_NETWORKS.attacker.autonomousSystemNumber, CAMPAIGN_NETWORKS.secondHosting.autonomousSystemNumber].sort((a, b) => a - b),
    );
    expect(d.asnsNotInHostingList).toEqual([]);
    expect(d.iocs.userAgents).toEqual([SCENARIO_NETWORKS.attacker.userAgent]);
    expect(d.iocs.forwardingAddresses).toEqual([SCENARIO_ATTACK.inboxRule.forwardTo]);
    expect(d.iocs.apps).toEqual([
      {
        name: SCENARIO_ATTACK.maliciousApp.displayName,
        appId: SCENARIO_ATTACK.maliciousApp.appId,
        servicePrincipalId: SCENARIO_ATTACK.maliciousApp.servicePrincipalId,
      },
    ]);
    expect(new Set(d.kql.map((q) => q.platform))).toEqual(new Set(['sentinel', 'defender']));
    expect(d.kql[0].query).toContain(`'${SCENARIO_NETWORKS.attacker.ipAddress}'`);
  });

  it("prevention and regulated data: no phishing-resistant method, the attacker's phone removed, 435 items read with the 72-hour reminder", async () => {
    const r = (await report(id, '?format=json')).json;
    expect(r.prevention!.methods).toContainEqual({
      title: `Phone ${SCENARIO_ATTACK.phoneMethod.phoneNumber}`,
      type: 'phoneAuthenticationMethod',
      phishingResistant: false,
      removed: true,
    });
    expect(r.prevention!.hasPhishingResistant).toBe(false);
    expect(r.prevention!.recommendations[0]).toMatch(/^Enroll avery\.chen@wingtip-lab\.example in a phishing-resistant method/);
    expect(r.regulatedData).toMatchObject({ mailRead: true, items: 435 });
    expect(r.regulatedData.reminder).toMatch(/72 hours/);
  });
});
