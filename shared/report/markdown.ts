// The report model as Markdown, written to survive being pasted into a ticket: every string that came
// from outside (rule names, subjects, user agents, app names, comments) goes through `inline`, which keeps
// it on one line, escapes what Markdown or HTML would act on (| ` * _ [ ] < > & ~, autolinks) and blanks
// anything shaped like a bearer token; code blocks get a fence longer than any backtick run inside.
import type { IncidentReport, ReportFinding } from './types';

const NOT_KNOWN = 'not known';
const TOKEN = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

/** One line of inert text: no Markdown, no HTML, no line breaks, no tokens. */
export function inline(value: string | number | undefined | null): string {
  if (value === undefined || value === null || value === '') return NOT_KNOWN;
  return String(value)
    .replace(TOKEN, '[redacted token]')
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/[\\`*_[\]<>|&~#!]/g, (ch) => `\\${ch}`)
    .replace(/:\/\//g, '\\://')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`)
    .trim();
}

/** A fenced block whose fence no content line can close. */
export function fenced(language: string, lines: readonly string[]): string {
  const body = lines.map((line) => line.replace(TOKEN, '[redacted token]').replace(/[\r\u2028\u2029]/g, ' ')).join('\n');
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${body}\n${fence}`;
}

function row(cells: ReadonlyArray<string | number | undefined>): string {
  return `| ${cells.map((c) => (typeof c === 'number' ? String(c) : (c ?? NOT_KNOWN))).join(' | ')} |`;
}

function table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | undefined>>): string[] {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)];
}

function list(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.map(inline).join(', ');
}

function reasons(finding: ReportFinding): string {
  return finding.reasons.map(inline).join('; ') || 'none recorded';
}

function when(at: string | undefined): string {
  return at === undefined ? NOT_KNOWN : inline(at.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'));
}

function timelineSection(report: IncidentReport): string[] {
  const t = report.timeline;
  const out = ['## Timeline', ''];
  out.push(
    ...table(
      ['Mark', 'Time (UTC)'],
      [
        [`Alert raised${t.alertRaisedFrom ? ` (${inline(t.alertRaisedFrom)})` : ''}`, when(t.alertRaisedAt)],
        ['Alert received', when(t.receivedAt)],
        ['**T0** contained', t.t0 ? when(t.t0) : 'pending'],
        ['**T1** eradication verified', t.t1 ? when(t.t1) : 'pending'],
        ['**T2** user notified', t.t2 ? when(t.t2) : 'pending'],
        ['**T3** recovery complete', t.t3 ? when(t.t3) : 'pending'],
      ],
    ),
  );
  out.push(
    '',
    ...table(
      ['Span', 'Duration'],
      t.durations.map((d) => [d.label, d.text]),
    ),
  );
  out.push('', '### Human decisions', '');
  if (t.decisions.length === 0) out.push('None recorded: everything so far was automatic.');
  else
    out.push(
      ...table(
        ['Time (UTC)', 'Who', 'Decision', 'What'],
        t.decisions.map((d) => [when(d.at), inline(d.who), inline(d.kind), inline(d.summary)]),
      ),
    );
  out.push('', '### Every event', '');
  out.push(
    ...table(
      ['Time (UTC)', 'Mark', 'Event', 'By', 'What'],
      t.events.map((e) => [when(e.at), e.mark ?? '', inline(e.kind), inline(e.actor), inline(e.summary)]),
    ),
  );
  return out;
}

function attackerSection(report: IncidentReport): string[] {
  const a = report.attacker;
  const out = ['## What the attacker did', ''];
  if (!a) return [...out, 'Pending: Phase 2 diagnosis has not produced an evidence pack yet.'];
  const w = a.window;
  out.push(
    w?.start
      ? `**Window:** ${when(w.start)} to ${when(w.end)} (${w.endsAt === 'T0' ? 'containment, T0' : 'the diagnosis'}), from the first suspicious sign-in: ${inline(w.firstSignIn)}.`
      : '**Window:** not known: no suspicious sign-in was found to anchor it.',
  );
  for (const note of w?.notes ?? []) out.push(`- ${inline(note)}`);
  if (a.gaps.length > 0) out.push('', `**Not read in full:** ${a.gaps.map(inline).join('; ')}.`);
  out.push('', '### Sign-ins', '');
  if (a.signIns.length === 0) out.push('None judged suspicious.');
  else
    out.push(
      ...table(
        ['Time (UTC)', 'IP', 'ASN', 'User agent', 'App', 'Verdict', 'Reasons'],
        a.signIns.map((s) => [
          when(s.at),
          inline(s.ip),
          s.asn === undefined ? NOT_KNOWN : `AS${s.asn}`,
          inline(s.userAgent),
          inline(s.app),
          s.verdict,
          reasons(s),
        ]),
      ),
    );
  out.push('', '### Mail read', '');
  out.push(
    a.mailRead.items > 0
      ? `${a.mailRead.items} mail item(s) in ${a.mailRead.records} MailItemsAccessed record(s)${a.mailRead.folders.length > 0 ? `, folders ${list(a.mailRead.folders)}` : ''}: ${a.mailRead.findings.map(reasons).join('; ')}.`
      : 'No MailItemsAccessed record attributed to the attacker.',
  );
  out.push('', '### Mail sent', '');
  if (a.mailSent.length === 0) out.push('No message sent by the attacker was found.');
  else
    out.push(
      ...table(
        ['Time (UTC)', 'Subject', 'Internal recipients', 'External recipients', 'Verdict', 'Reasons'],
        a.mailSent.map((m) => [when(m.at), inline(m.subject), list(m.internal), list(m.external), m.verdict, reasons(m)]),
      ),
    );
  out.push('', '### Persistence found', '');
  if (a.persistence.length === 0) out.push('None found.');
  else
    out.push(
      ...table(
        ['Found', 'Created (UTC)', 'Verdict', 'Eradication', 'Reasons'],
        a.persistence.map((p) => [
          inline(p.title),
          when(p.at),
          p.verdict,
          p.removal ? `${p.removal.status}${p.removal.at ? ` at ${when(p.removal.at)}` : ''}` : 'not selected',
          reasons(p),
        ]),
      ),
    );
  out.push('', '### Did containment hold?', '');
  out.push(
    a.containmentHeld === undefined
      ? 'Not known: the evidence pack cannot say.'
      : a.containmentHeld
        ? 'Yes, as of the evidence pack: no successful sign-in and no attacker mailbox activity after T0.'
        : '**No: there was activity after T0.**',
  );
  for (const f of a.postContainment) out.push(`- ${when(f.at)} ${inline(f.title)}: ${reasons(f)}`);
  if (a.verifications.length > 0) {
    out.push('', 'Verification runs:', '');
    for (const v of a.verifications) out.push(`- ${when(v.at)} ${inline(v.kind)}: ${inline(v.summary)}`);
  } else out.push('', 'No containment verification has run yet (queued at T0 + VERIFY_AFTER_MINUTES).');
  return out;
}

function actionsSection(report: IncidentReport): string[] {
  const x = report.actions;
  const out = ['## What was done', '', '### Every Graph write', ''];
  if (x.graphWrites.length === 0) out.push('None.');
  else
    out.push(
      ...table(
        ['Time (UTC)', 'Phase', 'What', 'Request', 'Result', 'HTTP', 'request-id'],
        x.graphWrites.map((g) => [
          when(g.at),
          g.phase,
          inline(g.what),
          inline(g.request),
          inline(`${g.result}${g.graphCode ? ` (${g.graphCode})` : ''}`),
          g.httpStatus,
          inline(g.requestId),
        ]),
      ),
    );
  out.push('', '### Removed', '');
  out.push(x.removed.length === 0 ? 'Nothing removed yet.' : '');
  for (const r of x.removed)
    out.push(`- ${inline(r.title)}: ${r.status} at ${when(r.at)} (Graph ${r.httpStatus ?? NOT_KNOWN}, request-id ${inline(r.requestId)})`);
  if (x.notRemoved.length > 0) {
    out.push('', '### Selected and not removed', '');
    for (const r of x.notRemoved) out.push(`- ${inline(r.title)}: ${r.status}${r.detail ? `: ${inline(r.detail)}` : ''}`);
  }
  out.push('', '### Left for a human', '');
  for (const step of x.leftForHuman) out.push(`**${inline(step.why)}**`, '', fenced('powershell', step.commands), '');
  return out;
}

function othersSection(report: IncidentReport): string[] {
  const o = report.others;
  const out = ['## Who else', '', '### The campaign', ''];
  if (!o.campaign) out.push('No campaign recorded: the pivot hunt has not linked this incident to one (yet).');
  else {
    out.push(`Campaign ${inline(o.campaign.id)}.`, '');
    if (o.campaign.victims.length === 0) out.push('No other victim found.');
    else
      out.push(
        ...table(
          ['User', 'Incident', 'State', 'Why'],
          o.campaign.victims.map((v) => [inline(v.user), inline(v.incidentId), inline(v.state), v.reasons.map(inline).join('; ')]),
        ),
      );
    if (o.campaign.notEvidence.length > 0)
      out.push('', `Not evidence (kept for the record): ${o.campaign.notEvidence.map((v) => inline(v.user)).join(', ')}.`);
    if (o.campaign.sharedIps.length > 0) out.push('', `Shared egress, not hunted: ${list(o.campaign.sharedIps)}.`);
  }
  out.push('', '### People the attacker mailed (runbook 5.3): contact them out of band', '');
  if (!o.recipients) out.push('Not known yet: the evidence pack is pending.');
  else {
    out.push(`- External: ${list(o.recipients.external)}`, `- Internal: ${list(o.recipients.internal)}`);
    if (o.recipients.external.length + o.recipients.internal.length > 0)
      out.push('', 'Call them on a known number (not by replying): BEC follow-ups change bank details, invoices and payroll.');
  }
  return out;
}

function detectionsSection(report: IncidentReport): string[] {
  const d = report.detections;
  const out = ['## Update detections (runbook 5.4)', ''];
  if (!d) return [...out, 'Pending: the indicators come from the evidence pack (Phase 2).'];
  out.push(
    `- IPs: ${list(d.iocs.ips)}`,
    `- ASNs: ${d.iocs.asns.length === 0 ? 'none' : d.iocs.asns.map((a) => `AS${a}`).join(', ')}`,
    `- User agents: ${list(d.iocs.userAgents)}`,
    `- Forwarding addresses: ${list(d.iocs.forwardingAddresses)}`,
    `- Apps: ${d.iocs.apps.length === 0 ? 'none' : d.iocs.apps.map((a) => `${inline(a.name)} (app id ${inline(a.appId)}, service principal ${inline(a.servicePrincipalId)})`).join(', ')}`,
    '',
    d.asnsNotInHostingList.length === 0
      ? 'Every ASN seen is already in HOSTING_ASNS.'
      : `**ASNs seen that HOSTING_ASNS does not list:** ${d.asnsNotInHostingList.map((a) => `AS${a}`).join(', ')}. If they are hosting networks, add them to HOSTING_ASNS and to your hosting-ASN analytics rules.`,
  );
  for (const q of d.kql) {
    out.push(
      '',
      `### ${q.platform === 'sentinel' ? 'Sentinel' : 'Defender XDR'}: ${inline(q.name)}`,
      '',
      inline(q.description),
      '',
      fenced('kusto', q.query.split('\n')),
    );
  }
  return out;
}

function preventionSection(report: IncidentReport): string[] {
  const p = report.prevention;
  const out = ['## Prevention (runbook 6.2)', ''];
  if (!p)
    return [
      ...out,
      'Pending: the evidence pack (Phase 2) reads the methods and sign-ins this section judges.',
      '',
      '## Training (runbook 6.3)',
      '',
    ];
  if (p.methods === undefined) out.push("The user's authentication methods: not known (not read).");
  else
    out.push(
      ...table(
        ['Method', 'Type', 'Phishing-resistant', 'Now'],
        p.methods.map((m) => [
          inline(m.title),
          inline(m.type),
          m.phishingResistant ? 'yes' : 'no',
          m.removed ? 'removed (attacker)' : 'held',
        ]),
      ),
      '',
      `Phishing-resistant method held: ${p.hasPhishingResistant === undefined ? NOT_KNOWN : p.hasPhishingResistant ? 'yes' : '**no**'}.`,
    );
  out.push('', `Token Protection: ${inline(p.tokenProtection.detail)}.`, '', 'Recommendations:', '');
  for (const r of p.recommendations) out.push(`- ${inline(r)}`);
  out.push('', '## Training (runbook 6.3)', '', inline(p.training));
  return out;
}

function regulatedSection(report: IncidentReport): string[] {
  const r = report.regulatedData;
  const out = ['## Regulated data', ''];
  if (r.mailRead === undefined) out.push('Not known: the mailbox audit (MailItemsAccessed) was not read.');
  else if (!r.mailRead) out.push('The mailbox audit shows no mail read by the attacker.');
  else out.push(`**${inline(r.reminder)}**`);
  return out;
}

export function renderMarkdown(report: IncidentReport): string {
  const i = report.incident;
  const out = [
    `# Post-incident report: ${inline(i.user.upn ?? i.user.objectId)}`,
    '',
    `${inline(i.title)}`,
    '',
    ...table(
      ['Incident', 'Alert', 'Severity', 'State', 'Mode', 'As of'],
      [[inline(i.id), `${inline(i.alertId)} (${inline(i.source)})`, inline(i.severity), inline(i.state), inline(i.mode), when(i.asOf)]],
    ),
  ];
  if (i.hybrid) out.push('', '**Hybrid user:** synced from on-premises AD; see "Left for a human".');
  if (report.pending.length > 0) {
    out.push('', '**Pending:**', '');
    for (const p of report.pending) out.push(`- ${inline(p.detail)}`);
  }
  if (report.summary) out.push('', inline(report.summary));
  for (const section of [
    timelineSection,
    attackerSection,
    actionsSection,
    othersSection,
    detectionsSection,
    preventionSection,
    regulatedSection,
  ]) {
    out.push('', ...section(report));
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
