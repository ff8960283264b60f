// The post-incident report's pure parts: durations as a post-mortem quotes them, Markdown that hostile
// strings cannot break out of, "not known" and pending phases instead of invented facts, who decided
// what, what is left for a human, the detection KQL (checked by Microsoft's Kusto analyzer against the
// tables' schemas), prevention and the regulated-data reminder.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeKusto } from '../../dev/kusto/parser';
import { DEFENDER_TABLES, LOG_ANALYTICS_TABLES } from '../../dev/kusto/schemas';
import type { DiagnosisRecord, Incident, TimelineEvent } from '../../shared/runbook/incident';
import type { StoredFinding } from '../../shared/runbook/ports';
import type { Campaign } from '../../shared/campaign/types';
import { parseAlert } from '../../shared/alerts/parse-alert';
import { alertTimes } from '../../shared/report/alert-times';
import { buildReport, type ReportInput } from '../../shared/report/build';
import { detectionQueries } from '../../shared/report/detections';
import { formatDuration, span } from '../../shared/report/durations';
import { fenced, inline, renderMarkdown } from '../../shared/report/markdown';
import { alertOf } from '../support/alerts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deep edits of sample JSON
type Json = Record<string, any>;

const T0 = '2026-03-14T12:00:00.000Z';
const HOSTILE_UA = 'Evil\'"`|<script>alert(1)</script>\\ ```';

function incident(partial: Partial<Incident> = {}): Incident {
  return {
    id: '01J0000000000000000000000A',
    state: 'contained',
    user: { upn: 'avery.chen@wingtip-lab.example', objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01' },
    userKey: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01',
    alertKey: 'manual:a1',
    alertId: 'a1',
    source: 'manual',
    severity: 'high',
    title: 'AiTM',
    ips: ['198.51.100.23'],
    userAgents: [],
    mode: 'enforce',
    createdAt: '2026-03-14T11:59:59.800Z',
    updatedAt: T0,
    t0: T0,
    actions: [
      {
        action: 'revokeSessions',
        result: 'succeeded',
        request: { method: 'POST', path: '/v1.0/users/x/revokeSignInSessions' },
        httpStatus: 200,
        requestId: 'req-revoke',
        attempts: 1,
        startedAt: T0,
        endedAt: T0,
        durationMs: 20,
      },
    ],
    alertRaw: JSON.stringify({ user: 'avery.chen@wingtip-lab.example', alertId: 'a1' }),
    ...partial,
  };
}

function diagnosis(partial: Partial<DiagnosisRecord> = {}): DiagnosisRecord {
  const complete = { status: 'complete' as const, via: 'test', items: 1 };
  return {
    status: 'complete',
    runs: 1,
    startedAt: T0,
    updatedAt: T0,
    completedAt: T0,
    asOf: T0,
    lookbackStart: '2026-03-13T12:00:00.000Z',
    window: {
      start: '2026-03-14T09:00:00.000Z',
      end: T0,
      endsAt: 'T0',
      attackerIps: ['198.51.100.23'],
      attackerUserAgents: [HOSTILE_UA],
      knownIps: [],
      notes: [],
    },
    sources: { signIns: complete, mailboxAudit: complete, authenticationMethods: complete, inboxRules: complete },
    counts: { suspicious: 3, benign: 0, unknown: 0 },
    containmentHeld: true,
    recipients: { internal: ['blake.morris@wingtip-lab.example'], external: ['ap@northwind-traders.example'] },
    summary: 'Summary.',
    ...partial,
  };
}

function finding(partial: Partial<StoredFinding> & Pick<StoredFinding, 'kind' | 'providerId'>): StoredFinding {
  return {
    id: `${partial.kind}-${partial.providerId}`,
    title: partial.providerId,
    verdict: 'suspicious',
    reasons: ['a reason'],
    source: 'signIns',
    details: {},
    raw: {},
    observedAt: T0,
    ...partial,
  };
}

const FINDINGS: StoredFinding[] = [
  finding({
    kind: 'sign_in',
    providerId: 's1',
    title: 'Sign-in to MailPort Sync',
    createdAt: '2026-03-14T09:00:00.000Z',
    details: { ip: '198.51.100.23', asn: 64500, userAgent: HOSTILE_UA, app: 'MailPort Sync', clientApp: 'Browser', succeeded: true },
    raw: { AppId: 'A7C3E1F0-4B2D-4E8A-9F61-3D5C7B9E2A14' },
  }),
  finding({
    kind: 'inbox_rule',
    providerId: 'r1',
    title: 'Inbox rule "a|b`c\n# not a heading <img src=x onerror=alert(1)>"',
    source: 'inboxRules',
    details: { externalRecipients: ['leak0314@protonmail.example'] },
    target: { type: 'messageRule', id: 'r1' },
  }),
  finding({
    kind: 'sent_message',
    providerId: 'm1',
    source: 'mailboxAudit',
    details: { subject: 'Invoice\n| x | y |', internalRecipients: [], externalRecipients: ['ap@northwind-traders.example'] },
  }),
  finding({
    kind: 'mail_items_accessed',
    providerId: 'a1',
    source: 'mailboxAudit',
    details: { items: 435, records: 2, folders: ['Inbox'] },
  }),
  finding({
    kind: 'oauth_grant',
    providerId: 'g1',
    title: 'Consent to MailPort Sync',
    source: 'oauthGrants',
    details: { app: 'MailPort Sync', clientId: 'E2B4D6F8-1A3C-4E5F-8A7B-9C0D1E2F3A45', consentType: 'AllPrincipals' },
    target: { type: 'oAuth2PermissionGrant', id: 'g1' },
  }),
  finding({
    kind: 'authentication_method',
    providerId: 'p1',
    title: 'Phone +1 5555550100',
    source: 'authenticationMethods',
    details: { type: 'phoneAuthenticationMethod' },
    target: { type: 'phoneAuthenticationMethod', id: 'p1' },
  }),
];

const HUMAN = 'sam.analyst@wingtip-lab.example (oid 7e1a3c5d)';
const EVENTS: TimelineEvent[] = [
  {
    id: 'e1',
    at: '2026-03-14T11:59:59.800Z',
    kind: 'alert_received',
    actor: 'aitm-contain (invocation i1, caller function-key)',
    summary: 'received',
  },
  { id: 'e2', at: T0, kind: 'contained', mark: 'T0', actor: 'aitm-contain (invocation i1, caller function-key)', summary: 'contained' },
  {
    id: 'e3',
    at: '2026-03-14T12:10:00.000Z',
    kind: 'eradication_requested',
    actor: HUMAN,
    summary: 'Eradication approved; comment: ok | `x`',
  },
];

function input(partial: Partial<ReportInput> = {}): ReportInput {
  return { incident: incident({ diagnosis: diagnosis() }), timeline: EVENTS, findings: FINDINGS, hostingAsns: [14061, 16509], ...partial };
}

describe('durations', () => {
  it.each([
    [0, '0 ms'],
    [190, '190 ms'],
    [999, '999 ms'],
    [1_000, '1.0 s'],
    [4_290, '4.2 s'],
    [59_999, '59.9 s'],
    [60_000, '1 min 0 s'],
    [725_000, '12 min 5 s'],
    [3 * 3_600_000, '3 h 0 min'],
    [(2 * 24 + 4) * 3_600_000 + 59_000, '2 d 4 h'],
  ])('%d ms reads "%s"', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('a span with an end missing is "not known", never zero', () => {
    expect(span('T0_to_T1', 'x', T0, undefined)).toEqual({ name: 'T0_to_T1', label: 'x', from: T0, to: undefined, text: 'not known' });
    expect(span('T0_to_T1', 'x', 'garbage', T0).ms).toBeUndefined();
  });

  it('a span that runs backwards says the clocks disagree', () => {
    const s = span('alert_to_receipt', 'x', '2026-03-14T12:00:05Z', '2026-03-14T12:00:00Z');
    expect(s.ms).toBe(-5_000);
    expect(s.text).toMatch(/^-5\.0 s \(the end is recorded before the start/);
  });

  it('the report quotes time to contain from the alert and from receipt, and T0 -> T1 -> T2 -> T3', () => {
    const report = buildReport(
      input({
        incident: incident({
          alertRaisedAt: '2026-03-14T11:58:00.000Z',
          t1: '2026-03-14T12:30:00.000Z',
          t2: '2026-03-14T13:30:00.000Z',
          t3: '2026-03-14T13:40:00.000Z',
        }),
      }),
    );
    const text = Object.fromEntries(report.timeline.durations.map((d) => [d.name, d.text]));
    expect(report.timeline.alertRaisedAt).toBe('2026-03-14T11:58:00.000Z');
    expect(text).toEqual({
      alert_to_receipt: '1 min 59 s',
      time_to_contain_from_alert: '2 min 0 s',
      time_to_contain_from_receipt: '200 ms',
      attacker_dwell: 'not known',
      T0_to_T1: '30 min 0 s',
      T1_to_T2: '1 h 0 min',
      T2_to_T3: '10 min 0 s',
      T0_to_T3: '1 h 40 min',
    });
  });
});

describe('alert times', () => {
  const sample = (name: string) => readFileSync(path.join(__dirname, '../../samples/alerts', name), 'utf8');
  const parsed = (raw: string) => alertOf(parseAlert({ json: JSON.parse(raw), text: raw }));

  it.each([
    ['sentinel-incident.json', '2026-11-27T17:40:03.000Z', 'Sentinel incident createdTimeUtc'],
    ['sentinel-incident-rest.json', '2026-11-27T18:20:11.000Z', 'Sentinel incident createdTimeUtc'],
    ['sentinel-alert-securityalert.json', '2026-11-27T18:03:44.512Z', 'SecurityAlert TimeGenerated'],
    ['defender-alert-v2.json', '2026-11-27T17:36:10.420Z', 'Defender alert createdDateTime'],
    ['defender-incident.json', '2026-11-27T17:36:12.040Z', 'Defender incident createdDateTime'],
    ['azure-monitor-log-alert.json', '2026-11-27T18:20:41.667Z', 'Azure Monitor firedDateTime'],
  ])('%s: raised at its own creation time, the same for the metric and the report', (name, at, from) => {
    const raw = sample(name);
    expect(parsed(raw)).toMatchObject({ alertRaisedAt: at, alertRaisedFrom: from });
    expect(alertTimes({ alertRaw: raw })).toMatchObject({ raisedAt: at, raisedFrom: from });
  });

  it.each([
    ['sentinel-incident.json', (b: Json) => delete b.object.properties.createdTimeUtc, '2026-11-27T17:04:11.000Z'],
    ['sentinel-alert-securityalert.json', (b: Json) => delete b.TimeGenerated, '2026-11-27T17:58:03.000Z'],
    ['defender-alert-v2.json', (b: Json) => delete b.createdDateTime, '2026-11-27T17:04:11.000Z'],
    ['defender-incident.json', (b: Json) => delete b.createdDateTime, '2026-11-27T17:04:11.000Z'],
    ['azure-monitor-log-alert.json', (b: Json) => delete b.data.essentials.firedDateTime, '2026-11-27T18:05:00.000Z'],
  ])('%s without its creation time: raised at its first activity, for the metric and the report alike', (name, cut, at) => {
    const body = JSON.parse(sample(name)) as Json;
    cut(body);
    const raw = JSON.stringify(body);
    expect(parsed(raw)).toMatchObject({ alertRaisedAt: at, alertRaisedFrom: 'first activity', firstActivityAt: at });
    expect(alertTimes({ alertRaw: raw })).toEqual({ raisedAt: at, raisedFrom: 'first activity', firstActivityAt: at });
  });

  it('the Sentinel incident also gives its first activity', () => {
    expect(alertTimes({ alertRaw: sample('sentinel-incident.json') })).toMatchObject({
      raisedAt: '2026-11-27T17:40:03.000Z',
      firstActivityAt: '2026-11-27T17:04:11.000Z',
    });
  });

  it('the time recorded at receipt stands when the payload kept for the record was cut short', () => {
    const alertRaw = sample('defender-incident.json').slice(0, 200);
    expect(alertTimes({ alertRaw, alertRaisedAt: '2026-11-27T17:36:12.040Z' })).toEqual({ raisedAt: '2026-11-27T17:36:12.040Z' });
  });

  it('a manual alert or a payload cut short for the record has no time: not known', () => {
    expect(alertTimes({ alertRaw: sample('manual.json') })).toEqual({});
    expect(alertTimes({ alertRaw: sample('sentinel-incident.json').slice(0, 200) })).toEqual({});
    const report = renderMarkdown(buildReport(input()));
    expect(report).toMatch(/\| Alert raised \| not known \|/);
    expect(report).toMatch(/\| Time to contain, from the alert \(alert raised -> T0\) \| not known \|/);
  });
});

describe('Markdown a ticket can take', () => {
  it('inline text loses line breaks, Markdown and HTML', () => {
    expect(inline('a|b')).toBe('a\\|b');
    expect(inline('`code`')).toBe('\\`code\\`');
    expect(inline('line1\nline2\r\n# h')).toBe('line1 line2 \\# h');
    expect(inline('<script>alert(1)</script>')).toBe('\\<script\\>alert(1)\\</script\\>');
    expect(inline('**bold** _it_ ~~s~~ [x](javascript:alert(1)) ![i](x)')).toBe(
      '\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\[x\\](javascript:alert(1)) \\!\\[i\\](x)',
    );
    expect(inline('see https://evil.example and www.evil.example')).toBe('see https\\://evil.example and www\\.evil.example');
    expect(inline('&lt;img&gt;')).toBe('\\&lt;img\\&gt;');
    expect(inline(undefined)).toBe('not known');
    expect(inline('')).toBe('not known');
  });

  it('anything shaped like a bearer token is blanked', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhdmVyeSJ9.c2lnbmF0dXJlLXZhbHVl';
    expect(inline(`Bearer ${jwt} trailing`)).toBe('Bearer \\[redacted token\\] trailing');
    expect(fenced('text', [jwt])).not.toContain(jwt);
  });

  it('a code block fence is longer than any backtick run inside it', () => {
    const block = fenced('kusto', ['let ua = "````x";']);
    expect(block.split('\n')[0]).toBe('`````kusto');
    expect(block.split('\n').at(-1)).toBe('`````');
  });

  it('hostile rule names, subjects and user agents stay inside their table cells', () => {
    const md = renderMarkdown(buildReport(input()));
    // Every table row keeps its column count: escaped pipes are not separators.
    const tables = md.split('\n\n').filter((block) => block.startsWith('| '));
    for (const t of tables) {
      const rows = t.split('\n');
      const columns = (line: string) => line.replace(/\\\|/g, '').split('|').length;
      for (const r of rows) expect(columns(r)).toBe(columns(rows[0]));
    }
    // No heading but ours, no raw HTML, and the fences are balanced.
    const headings = md.split('\n').filter((l) => l.startsWith('#'));
    expect(headings.every((h) => /^#{1,3} [A-Z]/.test(h))).toBe(true);
    expect(md).toContain('Inbox rule "a\\|b\\`c \\# not a heading \\<img src=x onerror=alert(1)\\>"');
    // Outside code blocks (where text is inert) no unescaped < is left, and no stray fence.
    const outsideCode = md.replace(/^(`{3,})[a-z]*\n[\s\S]*?\n\1$/gm, '');
    expect(outsideCode).not.toMatch(/(^|[^\\])</);
    expect(outsideCode).not.toMatch(/^`{3,}/m);
  });
});

describe('missing facts are said missing', () => {
  it('before diagnosis: the pending phase is named, and no section invents facts', () => {
    const report = buildReport(input({ incident: incident(), findings: [] }));
    expect(report.pending.map((p) => p.phase)).toEqual(['diagnosis', 'eradication', 'notification', 'recovery']);
    expect(report.attacker).toBeUndefined();
    expect(report.detections).toBeUndefined();
    expect(report.regulatedData).toEqual({});
    const md = renderMarkdown(report);
    expect(md).toContain('Phase 2 diagnosis: no evidence pack yet');
    expect(md).toContain('## What the attacker did\n\nPending: Phase 2 diagnosis');
    expect(md).toContain('Not known: the mailbox audit (MailItemsAccessed) was not read.');
    // The Exchange steps Graph cannot do are listed even before eradication.
    expect(report.actions.leftForHuman.map((s) => s.why)).toEqual([
      expect.stringMatching(/^Hidden inbox rules/),
      expect.stringMatching(/^Mailbox-level forwarding/),
      expect.stringMatching(/^Transport rules/),
    ]);
  });

  it('a held incident says containment is pending and why', () => {
    const report = buildReport(
      input({ incident: incident({ t0: undefined, state: 'awaiting_approval', reason: 'campaign victim', actions: [] }) }),
    );
    expect(report.pending[0]).toEqual({
      phase: 'containment',
      detail: 'Phase 1 containment: not achieved (state awaiting_approval: campaign victim)',
    });
  });

  it('an evidence pack still in progress names the sources it waits for', () => {
    const pack = diagnosis({ status: 'in_progress', sources: { mailboxAudit: { status: 'pending', via: 'purview', items: 0 } } });
    const report = buildReport(input({ incident: incident({ diagnosis: pack }) }));
    expect(report.pending[0].detail).toBe(
      'Phase 2 diagnosis: the evidence pack is in progress (mailboxAudit pending); the sections below hold what has landed',
    );
    expect(report.attacker?.gaps).toEqual(['mailboxAudit pending']);
  });
});

describe('the sections', () => {
  it('human decisions are the events a person made, with who and when', () => {
    expect(buildReport(input()).timeline.decisions).toEqual([
      { at: '2026-03-14T12:10:00.000Z', kind: 'eradication_requested', who: HUMAN, summary: 'Eradication approved; comment: ok | `x`' },
    ]);
  });

  it('tenant-wide grants and hybrid users are left for a human with the exact commands', () => {
    const report = buildReport(input({ incident: incident({ diagnosis: diagnosis(), requiresOnPremDisable: true }) }));
    const steps = report.actions.leftForHuman;
    expect(steps.find((s) => s.why.includes('tenant-wide'))?.commands).toEqual([
      "Remove-MgOauth2PermissionGrant -OAuth2PermissionGrantId 'g1'",
    ]);
    expect(steps.find((s) => s.why.startsWith('Hybrid user'))?.commands).toEqual([
      "$upn = 'avery.chen@wingtip-lab.example'",
      `Get-ADUser -Filter "UserPrincipalName -eq '$upn'" | Disable-ADAccount`,
      `Get-ADUser -Filter "UserPrincipalName -eq '$upn'" | Set-ADAccountPassword -Reset -NewPassword (Read-Host -AsSecureString 'New password')`,
      'Start-ADSyncSyncCycle -PolicyType Delta   # on the Entra Connect server',
    ]);
  });

  it('indicators: IPs, ASNs (and those HOSTING_ASNS lacks), user agents, addresses and the consented app', () => {
    const d = buildReport(input()).detections!;
    expect(d.iocs).toEqual({
      ips: ['198.51.100.23'],
      asns: [64500],
      userAgents: [HOSTILE_UA],
      forwardingAddresses: ['leak0314@protonmail.example'],
      apps: [
        {
          name: 'MailPort Sync',
          appId: 'a7c3e1f0-4b2d-4e8a-9f61-3d5c7b9e2a14',
          servicePrincipalId: 'e2b4d6f8-1a3c-4e5f-8a7b-9c0d1e2f3a45',
        },
      ],
    });
    expect(d.asnsNotInHostingList).toEqual([64500]);
  });

  it("a campaign's shared egress IP is no indicator, and the victims carry their incident's current state", () => {
    const campaign: Campaign = {
      id: 'C1',
      status: 'open',
      createdAt: T0,
      updatedAt: T0,
      pivots: [
        {
          pivot: { kind: 'ip', value: '192.0.2.200', origin: 'alert' },
          status: 'shared',
          via: 'x',
          matches: 0,
          huntedAt: T0,
          incidentId: 'x',
        },
        {
          pivot: { kind: 'ip', value: '203.0.113.77', origin: 'alert' },
          status: 'hunted',
          via: 'x',
          matches: 1,
          huntedAt: T0,
          incidentId: 'x',
        },
      ],
      hits: [
        {
          userKey: 'jordan.wu@wingtip-lab.example',
          upn: 'jordan.wu@wingtip-lab.example',
          ips: [],
          apps: [],
          userAgents: [],
          asns: ['16509'],
          pivots: [],
          verdict: 'suspicious',
          reasons: ['rule'],
        },
      ],
      incidents: [
        {
          incidentId: 'I2',
          userKey: 'oid-jordan',
          upn: 'jordan.wu@wingtip-lab.example',
          role: 'victim',
          state: 'awaiting_approval',
          linkedAt: T0,
        },
      ],
      notes: [],
    };
    const report = buildReport(input({ campaign, incidentStates: new Map([['I2', 'contained']]) }));
    expect(report.detections!.iocs.ips).toEqual(['198.51.100.23', '203.0.113.77']);
    expect(report.detections!.iocs.asns).toEqual([16509, 64500]);
    expect(report.others.campaign).toEqual({
      id: 'C1',
      victims: [{ user: 'jordan.wu@wingtip-lab.example', incidentId: 'I2', state: 'contained', reasons: ['rule'] }],
      notEvidence: [],
      sharedIps: ['192.0.2.200'],
    });
  });

  it('the KQL parses against the Sentinel and Defender schemas, hostile user agent included', () => {
    const queries = detectionQueries(buildReport(input()).detections!.iocs, [64500]);
    expect(queries.map((q) => `${q.platform}: ${q.name}`)).toEqual([
      'sentinel: Successful sign-ins from the attacker (IPs, user agents, apps)',
      'defender: Successful sign-ins from the attacker (IPs, user agents, apps)',
      'sentinel: Sign-ins from the ASNs this attack used that HOSTING_ASNS does not list',
      "sentinel: Inbox rules and mailbox forwarding to the attacker's addresses",
      "defender: Inbox rules and mailbox forwarding to the attacker's addresses",
      "sentinel: Consents to the attacker's app",
    ]);
    for (const q of queries) {
      const { errors } = analyzeKusto(q.query, q.platform === 'sentinel' ? LOG_ANALYTICS_TABLES : DEFENDER_TABLES);
      expect({ query: q.name, errors }).toEqual({ query: q.name, errors: [] });
    }
    // The user agent is one literal: its quote and backslash are escaped, not query text.
    expect(queries[0].query).toContain(String.raw`'Evil\'"` + '`|<script>alert(1)</script>\\\\ ```' + "'");
  });

  it('a kind of indicator the incident has none of gets no query', () => {
    expect(detectionQueries({ ips: [], asns: [], userAgents: [], forwardingAddresses: [], apps: [] }, [])).toEqual([]);
  });

  it("prevention: no phishing-resistant method held (the attacker's removed one does not count); a browser replay is not what Token Protection binds", () => {
    const fido = finding({
      kind: 'authentication_method',
      providerId: 'f1',
      title: 'Passkey',
      source: 'authenticationMethods',
      details: { type: 'fido2AuthenticationMethod' },
    });
    const removedFido = buildReport(
      input({
        findings: [...FINDINGS, fido],
        incident: incident({
          diagnosis: diagnosis(),
          eradication: {
            requestId: 'r',
            requestedBy: HUMAN,
            requestedAt: T0,
            selection: 'named',
            items: [
              {
                findingId: fido.id,
                kind: 'authentication_method',
                title: 'Passkey',
                verdict: 'suspicious',
                target: { type: 'fido2AuthenticationMethod', id: 'f1' },
                status: 'removed',
              },
            ],
            manualSteps: [],
            runs: 1,
          },
        }),
      }),
    ).prevention!;
    expect(removedFido.hasPhishingResistant).toBe(false);
    expect(removedFido.methods).toContainEqual({
      title: 'Passkey',
      type: 'fido2AuthenticationMethod',
      phishingResistant: true,
      removed: true,
    });
    expect(removedFido.tokenProtection.bindable).toBe(false);
    expect(removedFido.recommendations[0]).toMatch(/^Enroll avery\.chen@wingtip-lab\.example in a phishing-resistant method/);
    const kept = buildReport(input({ findings: [...FINDINGS, fido] })).prevention!;
    expect(kept.hasPhishingResistant).toBe(true);
    expect(kept.training).toMatch(/is not to blame/);
  });

  it('regulated data: the items read and the 72-hour reminder from receipt; none read says so', () => {
    const read = buildReport(input()).regulatedData;
    expect(read).toMatchObject({ mailRead: true, items: 435 });
    expect(read.reminder).toContain('The attacker read 435 mail item(s)');
    expect(read.reminder).toContain('by 2026-03-17T11:59:59.800Z');
    const none = buildReport(input({ findings: FINDINGS.filter((f) => f.kind !== 'mail_items_accessed') })).regulatedData;
    expect(none).toEqual({ mailRead: false, items: 0 });
  });

  it('the report carries no raw evidence', () => {
    const secret = 'raw-only-value-7f3a';
    const report = buildReport(input({ findings: FINDINGS.map((f) => ({ ...f, raw: { secret } })) }));
    expect(JSON.stringify(report)).not.toContain(secret);
    expect(renderMarkdown(report)).not.toContain(secret);
  });
});
