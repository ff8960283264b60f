// The incident console's entry point: read the sign-in settings, sign the analyst in (the simulator's
// one-click sign-in locally, MSAL with Entra ID in Azure), then route `#/incidents` (the list) and
// `#/incidents/{id}` (one incident). Everything is built with DOM calls and text nodes (dom.ts).
import { ApiError, useToken } from './api';
import { h, replace } from './dom';
import { incidentView } from './incident';
import { listView } from './list';
import { simulatorSession, type Session } from './session';
import { loadSettings, type ConsoleSettings } from './settings';

const ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const main = document.getElementById('main')!;
const who = document.getElementById('who')!;
let session: Session | undefined;

function errorText(error: unknown): string {
  if (error instanceof ApiError) return `HTTP ${error.status} ${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function showError(error: unknown): void {
  const alert = document.getElementById('page-error')!;
  replace(alert, errorText(error));
  alert.hidden = false;
}

function setSession(next: Session | undefined): void {
  session = next;
  useToken(next?.token);
  if (!next) {
    replace(who);
    return;
  }
  replace(
    who,
    h('span', { id: 'signed-in-as' }, `${next.name} · ${next.approver ? 'approver' : 'reader'}`),
    ' ',
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          void next.signOut().then(() => {
            setSession(undefined);
            route();
          });
        },
      },
      'Sign out',
    ),
  );
}

function route(): void {
  document.getElementById('page-error')!.hidden = true;
  if (!session) return;
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'incidents' && parts[1] !== undefined && ID.test(parts[1])) {
    replace(main, incidentView(parts[1], session));
  } else {
    replace(main, listView(new URLSearchParams(query), showError));
  }
  main.focus();
}

function signInPanel(settings: ConsoleSettings, entraSignIn?: () => Promise<void>): HTMLElement {
  const { signIn } = settings;
  const panel = h('section', { class: 'sign-in', 'aria-labelledby': 'sign-in-title' }, h('h2', { id: 'sign-in-title' }, 'Sign in'));
  if (signIn.mode === 'unavailable') {
    panel.appendChild(h('p', {}, `Sign-in is not available: ${signIn.reason}.`));
  } else if (signIn.mode === 'simulator') {
    panel.appendChild(h('p', {}, 'Local stack: the tenant simulator issues the seeded analysts’ tokens.'));
    for (const analyst of signIn.analysts) {
      panel.appendChild(
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            'data-analyst': analyst.analyst,
            onclick: () => {
              simulatorSession(signIn.signInUrl, signIn.audience, analyst.analyst, settings.approverRole).then((next) => {
                setSession(next);
                route();
              }, showError);
            },
          },
          analyst.label,
        ),
      );
    }
  } else if (entraSignIn) {
    panel.appendChild(h('p', {}, 'Sign in with your organisation’s Microsoft Entra ID account.'));
    panel.appendChild(
      h('button', { type: 'button', class: 'primary', onclick: () => void entraSignIn().catch(showError) }, 'Sign in with Microsoft'),
    );
  }
  return panel;
}

async function start(): Promise<void> {
  const settings = await loadSettings();
  // Only `#/...` is a route: `#main` is the skip link's target.
  addEventListener('hashchange', () => (session && location.hash.startsWith('#/') ? route() : undefined));
  if (settings.signIn.mode === 'entra') {
    const { entraSignIn } = await import('./entra');
    const entra = await entraSignIn(settings.signIn.clientId, settings.signIn.authority, settings.signIn.scopes, settings.approverRole);
    if (entra.session) {
      setSession(entra.session);
      route();
      return;
    }
    replace(main, signInPanel(settings, entra.signIn));
    return;
  }
  replace(main, signInPanel(settings));
}

start().catch(showError);
