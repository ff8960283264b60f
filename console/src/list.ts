// The incidents list: newest first, a page at a time (the API's continuationToken), filtered by state
// and user; each row says who, what state, how bad, how fast containment was, and which campaign.
import { getJson } from './api';
import { h, replace } from './dom';
import { duration, label, utc } from './format';
import { INCIDENT_STATES } from '../../shared/runbook/incident-states';
import type { IncidentSummary } from './types';

interface Page {
  incidents: IncidentSummary[];
  continuationToken?: string;
}

export function stateBadge(state: string): HTMLElement {
  return h('span', { class: `badge state-${state}` }, label(state));
}

export function listView(query: URLSearchParams, onError: (error: unknown) => void): HTMLElement {
  const state = query.get('state') ?? '';
  const user = query.get('user') ?? '';
  const stateSelect = h(
    'select',
    { id: 'filter-state', name: 'state' },
    h('option', { value: '' }, 'any state'),
    ...INCIDENT_STATES.map((s) => h('option', { value: s }, label(s))),
  );
  stateSelect.value = state;
  const userInput = h('input', { id: 'filter-user', name: 'user', type: 'search', value: user });
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Filter incidents',
      onsubmit: (event) => {
        event.preventDefault();
        const next = new URLSearchParams();
        if (stateSelect.value) next.set('state', stateSelect.value);
        if (userInput.value.trim()) next.set('user', userInput.value.trim());
        location.hash = `#/incidents${next.size > 0 ? `?${next.toString()}` : ''}`;
      },
    },
    h('label', { for: 'filter-state' }, 'State'),
    stateSelect,
    h('label', { for: 'filter-user' }, 'User'),
    userInput,
    h('button', { type: 'submit' }, 'Filter'),
  );
  const body = h('tbody');
  const status = h('p', { role: 'status', class: 'muted' }, 'Loading incidents…');
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const table = h(
    'table',
    { class: 'incidents' },
    h('caption', { class: 'visually-hidden' }, 'Incidents, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['User', 'State', 'Severity', 'Time to contain', 'Campaign', 'Received'].map((title) => h('th', { scope: 'col' }, title)),
      ),
    ),
    body,
  );
  let token: string | undefined;
  const load = async () => {
    const params = new URLSearchParams({ top: '25' });
    if (state) params.set('state', state);
    if (user) params.set('user', user);
    if (token) params.set('continuationToken', token);
    more.disabled = true;
    try {
      const page = await getJson<Page>(`incidents?${params.toString()}`);
      for (const incident of page.incidents) body.appendChild(row(incident));
      token = page.continuationToken;
      more.hidden = token === undefined;
      replace(status, body.childElementCount === 0 ? 'No incidents match.' : `${body.childElementCount} incidents shown.`);
    } catch (error) {
      replace(status, 'The incidents did not load.');
      onError(error);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => void load());
  void load();
  return h(
    'section',
    { 'aria-labelledby': 'list-title' },
    h('h2', { id: 'list-title' }, 'Incidents'),
    form,
    status,
    h('div', { class: 'table-scroll' }, table),
    more,
  );
}

function row(incident: IncidentSummary): HTMLElement {
  const who = incident.user.upn ?? incident.user.objectId ?? incident.id;
  return h(
    'tr',
    {},
    h('td', {}, h('a', { href: `#/incidents/${incident.id}` }, who)),
    h('td', {}, stateBadge(incident.state)),
    h('td', {}, incident.severity),
    h('td', {}, incident.t0 ? duration(incident.createdAt, incident.t0) : 'not contained'),
    h('td', {}, incident.campaignId ? h('code', {}, incident.campaignId) : '—'),
    h('td', {}, utc(incident.createdAt)),
  );
}
