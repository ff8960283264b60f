// One incident: what happened (timeline on a time axis), what the attacker did (findings by kind, with
// verdicts and reasons), what was done (Graph writes with status), who else was hit (the campaign),
// the report, and the decisions only a human makes, offered by role and state and each confirmed.
import { ApiError, getJson, getText, postJson } from './api';
import { confirmAction } from './dialog';
import { h, replace, type Child } from './dom';
import { duration, label, utc } from './format';
import { stateBadge } from './list';
import { renderMarkdown } from './markdown';
import type { Session } from './session';
import { timelineView } from './timeline';
import type { Campaign, Credential, Finding, IncidentDetail } from './types';

const ERADICABLE = new Set(['diagnosed', 'eradicating', 'eradicated']);
const VERDICTS = ['suspicious', 'unknown', 'benign'];

export function incidentView(id: string, session: Session): HTMLElement {
  const result = h('div', { class: 'result', role: 'status', 'aria-live': 'polite' });
  // The one-time credential: outside the part that re-renders, and gone with this view (never stored).
  const secret = h('div', { class: 'secret-slot' });
  const content = h('div', { class: 'incident-content' }, h('p', { class: 'muted' }, 'Loading the incident…'));
  const refresh = h('button', { type: 'button', id: 'refresh' }, 'Refresh');
  const view = h(
    'article',
    { class: 'incident', 'aria-labelledby': 'incident-title' },
    h('p', { class: 'button-row' }, h('a', { href: '#/incidents' }, '← All incidents'), refresh),
    result,
    secret,
    content,
  );

  const show = (kind: 'ok' | 'error' | 'pending', ...children: Child[]) => {
    result.className = `result ${kind}`;
    replace(result, ...children);
  };
  const showError = (what: string, error: unknown) => {
    if (error instanceof ApiError) show('error', h('strong', {}, `${what} failed: HTTP ${error.status} ${error.code}`), ' ', error.message);
    else show('error', h('strong', {}, `${what} failed:`), ' ', error instanceof Error ? error.message : String(error));
  };

  const load = async () => {
    try {
      const incident = await getJson<IncidentDetail>(`incidents/${id}`);
      replace(content, ...render(incident));
    } catch (error) {
      replace(content, h('p', {}, 'The incident did not load.'));
      showError('Loading the incident', error);
    }
  };

  /** Confirms, calls, shows the result (or the error body), reloads. */
  const act = async (
    title: string,
    verb: string,
    message: string,
    body: () => Record<string, unknown>,
    options: { extra?: HTMLElement; danger?: boolean } = {},
  ) => {
    const comment = await confirmAction({ title, message, confirmLabel: title, comment: verb !== 'hunt', ...options });
    if (comment === undefined) return;
    show('pending', `${title}: working…`);
    try {
      const payload = { ...body(), ...(comment ? { comment } : {}) };
      const response = await postJson<{ state?: string; credential?: Credential; campaignId?: string }>(`incidents/${id}/${verb}`, payload);
      show(
        'ok',
        h('strong', {}, `${title}: done`),
        ` (HTTP ${response.status})`,
        response.body.state ? ` — state ${label(response.body.state)}` : '',
        response.body.campaignId ? ` — campaign ${response.body.campaignId}` : '',
      );
      if (response.body.credential)
        replace(
          secret,
          credentialPanel(response.body.credential, () => replace(secret)),
        );
    } catch (error) {
      showError(title, error);
    }
    await load();
  };

  const actions = (incident: IncidentDetail): HTMLElement => {
    const buttons: HTMLElement[] = [];
    const button = (text: string, onClick: () => void, danger = false) =>
      buttons.push(h('button', { type: 'button', class: danger ? 'danger' : undefined, onclick: onClick }, text));
    if (session.approver) {
      if (incident.state === 'awaiting_approval') {
        button(
          'Approve containment',
          () =>
            void act('Approve containment', 'approve', `Revoke ${who(incident)}'s sessions and disable the account now.`, () => ({}), {
              danger: true,
            }),
        );
        button(
          'Reject',
          () => void act('Reject', 'reject', `Close the held incident for ${who(incident)} without containing.`, () => ({})),
        );
      }
      if (ERADICABLE.has(incident.state)) {
        button(
          'Eradicate flagged',
          () =>
            void act(
              'Eradicate flagged',
              'eradicate',
              'Remove everything the evidence pack flagged as suspicious, in the runbook order, and verify.',
              () => ({ findings: 'flagged' }),
              { danger: true },
            ),
        );
        button('Eradicate selected', () => {
          const chosen = [...document.querySelectorAll<HTMLInputElement>('input[name="finding"]:checked')].map((input) => input.value);
          if (chosen.length === 0) {
            show('error', 'Choose one or more findings first (the checkboxes in Findings).');
            return;
          }
          void act(
            'Eradicate selected',
            'eradicate',
            `Remove the ${chosen.length} chosen finding(s) and verify.`,
            () => ({ findings: chosen }),
            { danger: true },
          );
        });
      }
      if (incident.state === 'eradicated') {
        const kind = h(
          'select',
          { id: 'credential-kind', name: 'credential' },
          h('option', { value: 'tap' }, 'Temporary Access Pass'),
          h('option', { value: 'password' }, 'Temporary password'),
        );
        const extra = h('p', {}, h('label', { for: 'credential-kind' }, 'Credential to issue'), ' ', kind);
        button(
          'Recover account',
          () =>
            void act(
              'Recover account',
              'recover',
              `Re-enable ${who(incident)} and issue a one-time credential, shown once, to give by phone.`,
              () => ({ credential: kind.value }),
              { extra },
            ),
        );
      }
      if (incident.t0 && incident.state !== 'closed')
        button(
          'Mark notified',
          () =>
            void act('Mark notified', 'notified', `Record that ${who(incident)} was told (T2), by phone.`, () => ({ channel: 'phone' })),
        );
      if (incident.state !== 'closed')
        button('Close incident', () => void act('Close incident', 'close', 'Close this incident. Nothing is undone.', () => ({})));
    }
    button(
      'Re-run the hunt',
      () => void act('Re-run the hunt', 'hunt', 'Hunt the campaign again with this incident’s pivots.', () => ({})),
    );
    return h(
      'section',
      { class: 'actions', 'aria-labelledby': 'actions-title' },
      h('h2', { id: 'actions-title' }, 'Decisions'),
      session.approver
        ? undefined
        : h(
            'p',
            { class: 'muted' },
            'You are signed in as a reader: approving, eradicating, recovering and closing need the approver role.',
          ),
      h('div', { class: 'button-row' }, ...buttons),
    );
  };

  const render = (incident: IncidentDetail): Child[] => [
    h(
      'header',
      { class: 'incident-header' },
      h('h2', { id: 'incident-title' }, who(incident), ' ', stateBadge(incident.state)),
      h('p', {}, incident.title),
      h(
        'dl',
        { class: 'facts' },
        ...fact('Severity', incident.severity),
        ...fact('Mode', incident.mode),
        ...fact('Time to contain', incident.t0 ? duration(incident.createdAt, incident.t0) : 'not contained'),
        ...fact('Incident', h('code', {}, incident.id)),
        ...(incident.reason ? fact('Reason', incident.reason) : []),
      ),
    ),
    actions(incident),
    timelineView(incident.timeline),
    findingsView(incident.findings, session.approver && ERADICABLE.has(incident.state)),
    graphActionsView(incident),
    campaignSection(incident),
    reportSection(incident.id),
  ];

  refresh.addEventListener('click', () => void load());
  void load();
  return view;
}

function who(incident: IncidentDetail): string {
  return incident.user.upn ?? incident.user.objectId ?? incident.id;
}

function fact(term: string, value: Child): HTMLElement[] {
  return [h('dt', {}, term), h('dd', {}, value)];
}

function findingsView(findings: readonly Finding[], selectable: boolean): HTMLElement {
  const kinds = [...new Set(findings.map((f) => f.kind))];
  return h(
    'section',
    { 'aria-labelledby': 'findings-title', class: 'findings' },
    h('h2', { id: 'findings-title' }, 'Findings'),
    h('p', { class: 'muted' }, VERDICTS.map((v) => `${findings.filter((f) => f.verdict === v).length} ${v}`).join(', ')),
    ...kinds.map((kind) =>
      h(
        'section',
        { class: 'finding-kind', 'aria-label': label(kind) },
        h('h3', {}, label(kind)),
        h(
          'ul',
          {},
          ...findings
            .filter((f) => f.kind === kind)
            .map((f) =>
              h(
                'li',
                { class: `finding verdict-${VERDICTS.includes(f.verdict) ? f.verdict : 'unknown'}` },
                selectable
                  ? h('input', { type: 'checkbox', name: 'finding', value: f.id, id: `finding-${f.id}`, 'aria-label': `Choose ${f.title}` })
                  : undefined,
                h('span', { class: `verdict verdict-${VERDICTS.includes(f.verdict) ? f.verdict : 'unknown'}` }, f.verdict),
                ' ',
                h('strong', {}, f.title),
                f.createdAt ? h('span', { class: 'muted' }, ` — ${utc(f.createdAt)}`) : undefined,
                f.reasons.length > 0 ? h('ul', { class: 'reasons' }, ...f.reasons.map((r) => h('li', {}, r))) : undefined,
              ),
            ),
        ),
      ),
    ),
    findings.length === 0 ? h('p', {}, 'No findings yet (the evidence pack has not been built).') : undefined,
  );
}

function graphActionsView(incident: IncidentDetail): HTMLElement {
  const rows: HTMLElement[] = [
    ...incident.actions.map((a) =>
      h(
        'tr',
        {},
        h('td', {}, a.action),
        h('td', {}, h('span', { class: `status status-${a.result}` }, a.result)),
        h('td', {}, a.httpStatus ?? '—'),
        h('td', {}, a.graphCode ?? a.message ?? ''),
        h('td', {}, h('code', {}, a.requestId ?? '—')),
      ),
    ),
    ...(incident.eradication?.items ?? []).map((item) =>
      h(
        'tr',
        {},
        h('td', {}, `remove: ${item.title}`),
        h('td', {}, h('span', { class: `status status-${item.status}` }, item.status)),
        h('td', {}, item.httpStatus ?? '—'),
        h('td', {}, item.detail ?? item.graphCode ?? ''),
        h('td', {}, h('code', {}, item.requestId ?? '—')),
      ),
    ),
  ];
  const manual = incident.eradication?.manualSteps ?? [];
  return h(
    'section',
    { 'aria-labelledby': 'graph-title' },
    h('h2', { id: 'graph-title' }, 'Graph actions'),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'graph-actions' },
        h('thead', {}, h('tr', {}, ...['Action', 'Status', 'HTTP', 'Detail', 'Request id'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...rows),
      ),
    ),
    manual.length > 0
      ? h(
          'div',
          {},
          h('h3', {}, 'Left for a human'),
          ...manual.map((step) => h('div', {}, h('p', {}, step.why), h('pre', {}, h('code', {}, step.powershell.join('\n'))))),
        )
      : undefined,
  );
}

function campaignSection(incident: IncidentDetail): HTMLElement {
  const section = h('section', { 'aria-labelledby': 'campaign-title' }, h('h2', { id: 'campaign-title' }, 'Campaign'));
  if (!incident.campaign) {
    section.appendChild(h('p', {}, 'No campaign: the hunt found no one else (or has not run).'));
    return section;
  }
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading the campaign…'));
  section.appendChild(body);
  getJson<Campaign>(`campaigns/${incident.campaign.id}`).then(
    (campaign) => {
      const others = campaign.incidents.filter((link) => link.incidentId !== incident.id);
      replace(
        body,
        h('p', {}, 'Campaign ', h('code', {}, campaign.id), `: ${others.length} other incident(s).`),
        h(
          'ul',
          { class: 'victims' },
          ...others.map((link) => {
            const hit = campaign.hits.find((x) => (x.upn ?? x.userKey) === (link.upn ?? link.userKey));
            return h(
              'li',
              {},
              h('a', { href: `#/incidents/${link.incidentId}` }, link.upn ?? link.userKey),
              ' ',
              link.state ? stateBadge(link.state) : undefined,
              hit && hit.reasons[0] ? h('span', { class: 'muted' }, ` — ${hit.reasons[0]}`) : undefined,
            );
          }),
        ),
        ...campaign.notes.map((note) => h('p', { class: 'muted' }, note)),
      );
    },
    (error: unknown) => replace(body, h('p', {}, `The campaign did not load: ${error instanceof Error ? error.message : String(error)}`)),
  );
  return section;
}

function reportSection(id: string): HTMLElement {
  const body = h('div', { class: 'report' }, h('p', { class: 'muted' }, 'Loading the report…'));
  getText(`incidents/${id}/report`, 'text/markdown').then(
    (markdown) => replace(body, renderMarkdown(markdown)),
    (error: unknown) =>
      replace(
        body,
        h(
          'p',
          {},
          error instanceof ApiError && error.status === 404
            ? 'Report not available.'
            : `Report not available: ${error instanceof Error ? error.message : String(error)}`,
        ),
      ),
  );
  return h('section', { 'aria-labelledby': 'report-title' }, h('h2', { id: 'report-title' }, 'Report'), body);
}

/** The one-time credential: shown here once, with a copy button; it is in this page's memory only. */
function credentialPanel(credential: Credential, dismiss: () => void): HTMLElement {
  const copy = h('button', { type: 'button' }, 'Copy');
  const copied = h('span', { role: 'status', class: 'muted' });
  copy.addEventListener('click', () => {
    navigator.clipboard.writeText(credential.value).then(
      () => replace(copied, 'Copied.'),
      () => replace(copied, 'Copy failed: select the text and copy it.'),
    );
  });
  return h(
    'section',
    { class: 'credential', 'aria-labelledby': 'credential-title' },
    h('h2', { id: 'credential-title' }, credential.type === 'tap' ? 'Temporary Access Pass' : 'Temporary password'),
    h(
      'p',
      { class: 'warning' },
      h('strong', {}, 'Shown once: it will not be shown again.'),
      ' It is not stored anywhere. ',
      credential.deliver ?? 'Give it to the user by phone.',
    ),
    h('p', {}, h('code', { class: 'credential-value' }, credential.value), ' ', copy, ' ', copied),
    credential.expiresAt
      ? h(
          'p',
          { class: 'muted' },
          `Valid until ${utc(credential.expiresAt)}${credential.lifetimeMinutes ? ` (${credential.lifetimeMinutes} min)` : ''}.`,
        )
      : undefined,
    h('button', { type: 'button', onclick: dismiss }, 'I have given it to the user: hide it'),
  );
}
