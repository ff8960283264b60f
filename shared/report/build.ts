// Builds the post-incident report model from what the phases already stored: the incident row (T0-T3,
// actions, diagnosis, eradication, verification, recovery), its timeline, the evidence pack's findings and
// the campaign. Nothing is re-judged here: verdicts and reasons are the pack's, removals the eradication's,
// victims the hunt's. What is missing is said missing, with the phase it waits for. Pure: no I/O, no clock.
import type { Campaign } from '../campaign/types';
import { exchangeManualSteps, grantManualStep, needsHuman } from '../runbook/eradication-plan';
import type { Incident, IncidentState, ManualStep, RemovalItem, TimelineEvent } from '../runbook/incident';
import type { StoredFinding } from '../runbook/ports';
import { alertTimes } from './alert-times';
import { detectionQueries } from './detections';
import { span } from './durations';
import {
  REPORT_VERSION,
  type IncidentReport,
  type PendingPhase,
  type ReportActions,
  type ReportAttacker,
  type ReportDecision,
  type ReportDetections,
  type ReportFinding,
  type ReportGraphWrite,
  type ReportManualStep,
  type ReportOthers,
  type ReportPersistence,
  type ReportPrevention,
  type ReportRegulatedData,
  type ReportTimeline,
  type ReportVerification,
  type ReportVictim,
} from './types';

export interface ReportInput {
  incident: Incident;
  timeline: readonly TimelineEvent[];
  findings: readonly StoredFinding[];
  campaign?: Campaign;
  /** The campaign's linked incidents as they are now, by id (a link keeps the state it was linked in). */
  incidentStates?: ReadonlyMap<string, IncidentState>;
  /** HOSTING_ASNS in force: ASNs seen outside it are new to the detections. */
  hostingAsns: readonly number[];
}

/** Method types a proxied (AiTM) sign-in page cannot complete. */
export const PHISHING_RESISTANT_METHODS: ReadonlySet<string> = new Set([
  'fido2AuthenticationMethod',
  'windowsHelloForBusinessAuthenticationMethod',
  'platformCredentialAuthenticationMethod',
  'x509CertificateAuthenticationMethod',
]);

const PERSISTENCE_KINDS = new Set(['inbox_rule', 'oauth_grant', 'app_role_assignment', 'authentication_method', 'device']);
const VERIFICATION_KINDS = new Set([
  'containment_verified',
  'containment_broken',
  'verification_failed',
  'eradicated',
  'eradication_reverified',
  'eradication_held',
  'post_containment_activity',
]);
const VERDICT_ORDER: Readonly<Record<string, number>> = { suspicious: 0, unknown: 1, benign: 2 };

/** The automation records itself as "aitm-contain (...)": every other actor is a person's (or a lab key's) decision. */
function isAutomation(actor: string): boolean {
  return actor.startsWith('aitm-contain');
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

function byVerdictThenTime<T extends { verdict: string; at?: string }>(a: T, b: T): number {
  return (VERDICT_ORDER[a.verdict] ?? 3) - (VERDICT_ORDER[b.verdict] ?? 3) || (a.at ?? '~').localeCompare(b.at ?? '~');
}

function base(finding: StoredFinding): ReportFinding {
  return {
    id: finding.id,
    kind: finding.kind,
    title: finding.title,
    at: finding.createdAt,
    verdict: finding.verdict,
    reasons: finding.reasons,
  };
}

function pendingPhases(incident: Incident): PendingPhase[] {
  const pending: PendingPhase[] = [];
  if (incident.t0 === undefined) {
    pending.push({
      phase: 'containment',
      detail: `Phase 1 containment: not achieved (state ${incident.state}${incident.reason ? `: ${incident.reason}` : ''})`,
    });
  }
  const diagnosis = incident.diagnosis;
  if (diagnosis === undefined) {
    pending.push({ phase: 'diagnosis', detail: 'Phase 2 diagnosis: no evidence pack yet (queued after containment)' });
  } else if (diagnosis.status !== 'complete') {
    const waiting = Object.entries(diagnosis.sources)
      .filter(([, outcome]) => outcome?.status === 'pending' || outcome?.status === 'failed')
      .map(([name, outcome]) => `${name} ${outcome?.status}`);
    pending.push({
      phase: 'diagnosis',
      detail: `Phase 2 diagnosis: the evidence pack is in progress${waiting.length > 0 ? ` (${waiting.join(', ')})` : ''}; the sections below hold what has landed`,
    });
  }
  if (incident.t1 === undefined) {
    const detail =
      incident.eradication === undefined
        ? 'Phase 3 eradication: not asked for yet (an approver: POST /api/incidents/{id}/eradicate)'
        : `Phase 3 eradication: not verified (state ${incident.state}${incident.reason ? `: ${incident.reason}` : ''})`;
    pending.push({ phase: 'eradication', detail });
  }
  if (incident.t2 === undefined)
    pending.push({ phase: 'notification', detail: 'T2: the user has not been recorded as notified (POST /api/incidents/{id}/notified)' });
  if (incident.t3 === undefined)
    pending.push({ phase: 'recovery', detail: 'Phase 5 recovery: not done (T3; POST /api/incidents/{id}/recover)' });
  return pending;
}

function buildTimeline(incident: Incident, events: readonly TimelineEvent[]): ReportTimeline {
  const times = alertTimes(incident);
  const receivedAt = incident.createdAt;
  const decisions: ReportDecision[] = events
    .filter((e) => !isAutomation(e.actor))
    .map((e) => ({ at: e.at, kind: e.kind, who: e.actor, summary: e.summary }));
  const windowStart = incident.diagnosis?.window.start;
  return {
    alertRaisedAt: times.raisedAt,
    alertRaisedFrom: times.raisedFrom,
    alertFirstActivityAt: times.firstActivityAt,
    receivedAt,
    t0: incident.t0,
    t1: incident.t1,
    t2: incident.t2,
    t3: incident.t3,
    durations: [
      span('alert_to_receipt', 'Alert raised -> received', times.raisedAt, receivedAt),
      span('time_to_contain_from_alert', 'Time to contain, from the alert (alert raised -> T0)', times.raisedAt, incident.t0),
      span('time_to_contain_from_receipt', 'Time to contain, from receipt (received -> T0)', receivedAt, incident.t0),
      span('attacker_dwell', "Attacker's first sign-in -> T0", windowStart, incident.t0),
      span('T0_to_T1', 'T0 contained -> T1 eradication verified', incident.t0, incident.t1),
      span('T1_to_T2', 'T1 -> T2 user notified', incident.t1, incident.t2),
      span('T2_to_T3', 'T2 -> T3 recovery complete', incident.t2, incident.t3),
      span('T0_to_T3', 'T0 -> T3, containment to recovery', incident.t0, incident.t3),
    ],
    decisions,
    events: events.map((e) => ({ at: e.at, kind: e.kind, mark: e.mark, actor: e.actor, summary: e.summary })),
  };
}

function removalOf(items: readonly RemovalItem[], findingId: string): RemovalItem | undefined {
  return items.find((item) => item.findingId === findingId);
}

function buildAttacker(
  incident: Incident,
  findings: readonly StoredFinding[],
  events: readonly TimelineEvent[],
): ReportAttacker | undefined {
  const diagnosis = incident.diagnosis;
  if (diagnosis === undefined) return undefined;
  const items = incident.eradication?.items ?? [];
  const signIns = findings
    .filter((f) => f.kind === 'sign_in')
    .map((f) => ({
      ...base(f),
      ip: str(f.details.ip) ?? f.actor?.ip,
      asn: num(f.details.asn),
      userAgent: str(f.details.userAgent) ?? f.actor?.userAgent,
      app: str(f.details.app),
      clientApp: str(f.details.clientApp),
      succeeded: typeof f.details.succeeded === 'boolean' ? f.details.succeeded : undefined,
    }))
    .sort((a, b) => (a.at ?? '~').localeCompare(b.at ?? '~'));
  const reads = findings.filter((f) => f.kind === 'mail_items_accessed' && f.verdict === 'suspicious');
  const mailSent = findings
    .filter((f) => f.kind === 'sent_message')
    .map((f) => ({
      ...base(f),
      subject: str(f.details.subject),
      internal: strings(f.details.internalRecipients),
      external: strings(f.details.externalRecipients),
    }))
    .sort(byVerdictThenTime);
  const persistence: ReportPersistence[] = findings
    .filter((f) => PERSISTENCE_KINDS.has(f.kind))
    .map((f) => {
      const removal = removalOf(items, f.id);
      return { ...base(f), ...(removal ? { removal: { status: removal.status, at: removal.at, detail: removal.detail } } : {}) };
    })
    .sort(byVerdictThenTime);
  const verifications: ReportVerification[] = events
    .filter((e) => VERIFICATION_KINDS.has(e.kind))
    .map((e) => ({
      at: e.at,
      kind: e.kind,
      clean:
        e.kind === 'containment_verified' || e.kind === 'eradicated' || e.kind === 'eradication_reverified'
          ? true
          : e.kind === 'verification_failed'
            ? undefined
            : false,
      summary: e.summary,
    }));
  const gaps = Object.entries(diagnosis.sources)
    .filter(([, outcome]) => outcome !== undefined && outcome.status !== 'complete')
    .map(([name, outcome]) => `${name} ${outcome?.status}${outcome?.detail ? `: ${outcome.detail}` : ''}`);
  return {
    window: {
      start: diagnosis.window.start,
      end: diagnosis.window.end,
      endsAt: diagnosis.window.endsAt,
      firstSignIn: diagnosis.window.anchor?.description,
      notes: diagnosis.window.notes,
    },
    signIns,
    mailRead: {
      items: reads.reduce((sum, f) => sum + (num(f.details.items) ?? 0), 0),
      records: reads.reduce((sum, f) => sum + (num(f.details.records) ?? 0), 0),
      folders: unique(reads.flatMap((f) => strings(f.details.folders))),
      findings: reads.map(base),
    },
    mailSent,
    persistence,
    postContainment: findings.filter((f) => f.kind === 'post_containment_activity').map(base),
    containmentHeld: diagnosis.containmentHeld,
    verifications,
    gaps,
  };
}

function request(r: { method: string; path: string } | undefined): string | undefined {
  return r ? `${r.method} ${r.path}` : undefined;
}

/** Runbook 3.5's hybrid caveat: the cloud account follows on-premises AD, so AD is where it is disabled. */
function hybridStep(upn: string | undefined): ManualStep {
  const literal = `'${(upn ?? '<user principal name>').replace(/'/g, "''")}'`;
  return {
    why: 'Hybrid user (synced from on-premises AD): the next directory sync can re-enable the cloud account or restore its password, so disable the account and reset the password in AD too; recovery here refuses hybrid users',
    powershell: [
      `$upn = ${literal}`,
      `Get-ADUser -Filter "UserPrincipalName -eq '$upn'" | Disable-ADAccount`,
      `Get-ADUser -Filter "UserPrincipalName -eq '$upn'" | Set-ADAccountPassword -Reset -NewPassword (Read-Host -AsSecureString 'New password')`,
      'Start-ADSyncSyncCycle -PolicyType Delta   # on the Entra Connect server',
    ],
  };
}

function buildActions(incident: Incident, findings: readonly StoredFinding[], events: readonly TimelineEvent[]): ReportActions {
  const graphWrites: ReportGraphWrite[] = incident.actions.map((a) => ({
    at: a.endedAt,
    phase: 'containment',
    what: a.action,
    request: request(a.request),
    result: a.result === 'not_sent' ? `not sent (${incident.mode})` : a.result,
    httpStatus: a.httpStatus,
    graphCode: a.graphCode,
    requestId: a.requestId,
  }));
  const items = incident.eradication?.items ?? [];
  for (const item of items) {
    if (item.httpStatus === undefined && item.status === 'pending') continue;
    graphWrites.push({
      at: item.at,
      phase: 'eradication',
      what: item.title,
      request: request(item.request),
      result: item.status,
      httpStatus: item.httpStatus,
      graphCode: item.graphCode,
      requestId: item.requestId,
    });
  }
  for (const e of events) {
    if (e.kind !== 'credential_issued' && e.kind !== 'account_enabled') continue;
    const credential = str(field(e.detail, 'credential'));
    graphWrites.push({
      at: e.at,
      phase: 'recovery',
      what:
        e.kind === 'account_enabled'
          ? 'enable the account (PATCH accountEnabled: true)'
          : credential === 'password'
            ? 'reset the password (the password itself is never stored)'
            : 'issue a one-time Temporary Access Pass (the pass itself is never stored)',
      result: 'succeeded',
      httpStatus: num(field(e.detail, 'httpStatus')),
      requestId: str(field(e.detail, 'requestId')),
    });
  }
  const done = new Set(['removed', 'already_gone']);
  const steps: ManualStep[] = incident.eradication?.manualSteps ?? exchangeManualSteps(incident.user.upn);
  const leftForHuman: ReportManualStep[] = steps.map((s) => ({ why: s.why, commands: s.powershell }));
  // Tenant-wide grants the pack flagged are an administrator's call whether or not eradication ran.
  for (const f of findings) {
    if (f.verdict !== 'suspicious' || needsHuman(f) === undefined) continue;
    const step = grantManualStep(f.target?.id ?? f.providerId, f.title);
    if (!leftForHuman.some((s) => s.why === step.why)) leftForHuman.push({ why: step.why, commands: step.powershell });
  }
  if (incident.requiresOnPremDisable) {
    const step = hybridStep(incident.user.upn);
    leftForHuman.push({ why: step.why, commands: step.powershell });
  }
  return {
    graphWrites,
    removed: items
      .filter((i) => done.has(i.status))
      .map((i) => ({ title: i.title, kind: i.kind, at: i.at, status: i.status, httpStatus: i.httpStatus, requestId: i.requestId })),
    notRemoved: items
      .filter((i) => !done.has(i.status))
      .map((i) => ({ title: i.title, kind: i.kind, status: i.status, detail: i.detail ?? i.missingPermission })),
    leftForHuman,
  };
}

function buildOthers(incident: Incident, campaign: Campaign | undefined, states: ReadonlyMap<string, IncidentState>): ReportOthers {
  const others: ReportOthers = {};
  if (incident.diagnosis) others.recipients = incident.diagnosis.recipients;
  if (campaign) {
    const self = incident.userKey.toLowerCase();
    // A hit found by an audit pivot may be keyed by UPN while its incident's link is keyed by object id.
    const linkOf = (h: Campaign['hits'][number]) => {
      const keys = new Set([h.userKey, h.userId, h.upn].flatMap((k) => (k ? [k.toLowerCase()] : [])));
      return campaign.incidents.find(
        (l) =>
          l.incidentId !== incident.id && (keys.has(l.userKey.toLowerCase()) || (l.upn !== undefined && keys.has(l.upn.toLowerCase()))),
      );
    };
    const victim = (h: Campaign['hits'][number]): ReportVictim => {
      const link = linkOf(h);
      return {
        user: h.upn ?? h.userKey,
        incidentId: link?.incidentId,
        state: link ? (states.get(link.incidentId) ?? link.state) : undefined,
        reasons: h.reasons,
      };
    };
    const hits = campaign.hits.filter((h) => h.userKey.toLowerCase() !== self && h.userId?.toLowerCase() !== self);
    others.campaign = {
      id: campaign.id,
      victims: hits.filter((h) => h.verdict === 'suspicious').map(victim),
      notEvidence: hits.filter((h) => h.verdict !== 'suspicious').map(victim),
      sharedIps: campaign.pivots.filter((p) => p.status === 'shared').map((p) => p.pivot.value),
    };
  }
  return others;
}

function buildDetections(input: ReportInput): ReportDetections | undefined {
  const { incident, findings, campaign } = input;
  if (incident.diagnosis === undefined) return undefined;
  const window = incident.diagnosis.window;
  const pivots = (campaign?.pivots ?? []).filter((p) => p.status !== 'shared');
  const pivotValues = (kind: string) => pivots.filter((p) => p.pivot.kind === kind).map((p) => p.pivot.value);
  const shared = new Set((campaign?.pivots ?? []).filter((p) => p.status === 'shared').map((p) => p.pivot.value));
  const suspicious = findings.filter((f) => f.verdict === 'suspicious');
  const signIns = suspicious.filter((f) => f.kind === 'sign_in' || f.kind === 'post_containment_activity');
  const ips = unique([...incident.ips, ...window.attackerIps, ...pivotValues('ip')].map((ip) => ip.toLowerCase())).filter(
    (ip) => !shared.has(ip),
  );
  const asns = unique([
    ...signIns.flatMap((f) => {
      const asn = num(f.details.asn);
      return asn === undefined ? [] : [asn];
    }),
    ...(campaign?.hits ?? [])
      .filter((h) => h.verdict === 'suspicious')
      .flatMap((h) => h.asns.flatMap((a) => (num(a) === undefined ? [] : [num(a)!]))),
  ]).sort((a, b) => a - b);
  const userAgents = unique([...incident.userAgents, ...window.attackerUserAgents, ...pivotValues('userAgent')]);
  const forwardingAddresses = unique(
    [
      ...suspicious.filter((f) => f.kind === 'inbox_rule').flatMap((f) => strings(f.details.externalRecipients)),
      ...pivotValues('address'),
    ].map((a) => a.toLowerCase()),
  );
  const apps = suspicious
    .filter((f) => f.kind === 'oauth_grant')
    .map((f) => {
      const name = str(f.details.app);
      const signIn = signIns.find((s) => name !== undefined && str(s.details.app) === name);
      const appId = str(field(signIn?.raw, 'AppId')) ?? str(field(signIn?.raw, 'appId')) ?? str(field(signIn?.raw, 'ApplicationId'));
      return { name, appId: appId?.toLowerCase(), servicePrincipalId: str(f.details.clientId)?.toLowerCase() };
    });
  const hosting = new Set(input.hostingAsns);
  const asnsNotInHostingList = asns.filter((asn) => !hosting.has(asn));
  const iocs = { ips, asns, userAgents, forwardingAddresses, apps };
  return { iocs, asnsNotInHostingList, kql: detectionQueries(iocs, asnsNotInHostingList) };
}

function buildPrevention(incident: Incident, findings: readonly StoredFinding[]): ReportPrevention | undefined {
  const diagnosis = incident.diagnosis;
  if (diagnosis === undefined) return undefined;
  const removedIds = new Set(
    (incident.eradication?.items ?? []).filter((i) => i.status === 'removed' || i.status === 'already_gone').map((i) => i.findingId),
  );
  const methodsRead = ['complete', 'truncated'].includes(diagnosis.sources.authenticationMethods?.status ?? '');
  const methods = methodsRead
    ? findings
        .filter((f) => f.kind === 'authentication_method')
        .map((f) => {
          const type = str(f.details.type) ?? f.target?.type ?? 'unknown';
          return { title: f.title, type, phishingResistant: PHISHING_RESISTANT_METHODS.has(type), removed: removedIds.has(f.id) };
        })
    : undefined;
  const hasPhishingResistant = methods?.some((m) => m.phishingResistant && !m.removed);
  const who = incident.user.upn ?? incident.user.objectId ?? 'the user';
  const attackerSignIns = findings.filter(
    (f) => (f.kind === 'sign_in' || f.kind === 'post_containment_activity') && f.verdict === 'suspicious',
  );
  const clientApps = unique(attackerSignIns.flatMap((f) => (str(f.details.clientApp) ? [str(f.details.clientApp)!] : [])));
  let tokenProtection: ReportPrevention['tokenProtection'];
  if (clientApps.length === 0) {
    tokenProtection = { detail: "not known: the sign-in logs read do not say which client the attacker's sign-ins used" };
  } else if (clientApps.every((c) => c === 'Browser')) {
    tokenProtection = {
      bindable: false,
      detail:
        "the attacker's sign-ins were browser sessions (ClientAppUsed Browser): Token Protection binds the sign-in tokens of native apps on registered devices, not browser sessions, so it would not have bound this one; a Conditional Access policy requiring a compliant or hybrid-joined device, or the phishing-resistant authentication strength, would have refused the replay",
    };
  } else {
    tokenProtection = {
      bindable: true,
      detail: `some of the attacker's sign-ins came through native clients (${clientApps.join(', ')}): with Token Protection enforced in Conditional Access, tokens issued to the user's registered device are bound to it and fail when replayed from another`,
    };
  }
  const recommendations: string[] = [];
  if (methods === undefined)
    recommendations.push(
      `The user's authentication methods could not be read: check by hand whether ${who} holds a phishing-resistant method.`,
    );
  else if (!hasPhishingResistant)
    recommendations.push(
      `Enroll ${who} in a phishing-resistant method (FIDO2 security key or passkey, Windows Hello for Business, or a platform credential) and require the phishing-resistant authentication strength for them in Conditional Access: a proxied sign-in page cannot complete those, so the session could not have been stolen.`,
    );
  else
    recommendations.push(
      `${who} holds a phishing-resistant method, yet a weaker one was accepted: require the phishing-resistant authentication strength in Conditional Access so the weaker methods cannot be used to sign in.`,
    );
  if (tokenProtection.bindable === true)
    recommendations.push('Enforce Token Protection (Conditional Access, sign-in session tokens) for the native apps this user relies on.');
  if (tokenProtection.bindable === false)
    recommendations.push(
      "Require a compliant or hybrid-joined device for browser access to Microsoft 365, and push the Token Protection rollout forward for native apps: a stolen session then fails on the attacker's machine.",
    );
  if (findings.some((f) => f.kind === 'authentication_method' && f.verdict === 'suspicious'))
    recommendations.push(
      "The attacker registered an authentication method: restrict the 'Register security information' user action in Conditional Access (trusted locations or compliant devices, or a Temporary Access Pass).",
    );
  if (findings.some((f) => f.kind === 'oauth_grant' && f.verdict === 'suspicious'))
    recommendations.push(
      'The attacker consented to an app: limit user consent to verified publishers and low-impact permissions, with the admin consent workflow for the rest.',
    );
  if (findings.some((f) => f.kind === 'inbox_rule' && f.verdict === 'suspicious' && strings(f.details.externalRecipients).length > 0))
    recommendations.push('A rule forwarded mail outside: block automatic external forwarding in the outbound spam filter policy.');
  return {
    methods,
    hasPhishingResistant,
    tokenProtection,
    recommendations,
    training: `${who} is not to blame: the system let a sign-in completed on a look-alike page become the attacker's working session. Have a non-blaming conversation: walk through what they saw (the link, the sign-in page, the prompt), what was different from the real one, and how to recognize it next time. Once phishing-resistant sign-in is rolled out, the failure mode should be "the page just doesn't work", not "I typed my password into the wrong site".`,
  };
}

function buildRegulatedData(incident: Incident, findings: readonly StoredFinding[]): ReportRegulatedData {
  const source = incident.diagnosis?.sources.mailboxAudit;
  const reads = findings.filter((f) => f.kind === 'mail_items_accessed' && f.verdict === 'suspicious');
  const items = reads.reduce((sum, f) => sum + (num(f.details.items) ?? 0), 0);
  if (reads.length === 0 && !['complete', 'truncated'].includes(source?.status ?? '')) return {};
  if (reads.length === 0) return { mailRead: false, items: 0 };
  const aware = incident.createdAt;
  const deadline = new Date(Date.parse(aware) + 72 * 3_600_000).toISOString();
  return {
    mailRead: true,
    items,
    reminder: `The attacker read ${items} mail item(s) (MailItemsAccessed). If any held regulated data (PHI, PII, financial records), your jurisdiction may require notifying the regulator and the people affected within 72 hours of becoming aware (GDPR Art. 33): aware at ${aware} (the alert's receipt) means by ${deadline}. Decide with your privacy officer or DPO now.`,
  };
}

export function buildReport(input: ReportInput): IncidentReport {
  const { incident, timeline, findings } = input;
  return {
    version: REPORT_VERSION,
    incident: {
      id: incident.id,
      user: { upn: incident.user.upn, objectId: incident.user.objectId },
      state: incident.state,
      severity: incident.severity,
      title: incident.title,
      alertId: incident.alertId,
      source: incident.source,
      mode: incident.mode,
      hybrid: incident.requiresOnPremDisable === true,
      asOf: incident.updatedAt,
    },
    pending: pendingPhases(incident),
    summary: incident.diagnosis?.summary,
    timeline: buildTimeline(incident, timeline),
    attacker: buildAttacker(incident, findings, timeline),
    actions: buildActions(incident, findings, timeline),
    others: buildOthers(incident, input.campaign, input.incidentStates ?? new Map()),
    detections: buildDetections(input),
    prevention: buildPrevention(incident, findings),
    regulatedData: buildRegulatedData(incident, findings),
  };
}
