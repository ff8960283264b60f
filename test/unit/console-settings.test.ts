// What the console page is told about sign-in, and the CSP it is served with, for each way the app can
// be configured: Entra ID (MSAL), the local simulator's issuer, and the setups where it cannot sign in.
import { consoleSecurityHeaders, consoleSignIn } from '../../shared/http/console';

const TENANT = '9a8b7c6d-5e4f-4a3b-8c1d-0e9f8a7b6c5d';
const APP = 'c0ffee00-1234-4abc-9def-0123456789ab';
const approvals = { auth: 'token' as const, approverRole: 'Incidents.Approve', readerRole: 'Incidents.Read', approverGroupIds: [] };
const tokens = (audience: string, authority = 'https://login.microsoftonline.com') => ({
  callerTokens: { audience, tenantId: TENANT, authority, allowedCallers: new Set<string>() },
  approvals,
});

test('Entra ID: MSAL signs in as the webhook app registration, for its audience', () => {
  expect(consoleSignIn(tokens(`api://${APP}`))).toEqual({
    mode: 'entra',
    clientId: APP,
    authority: `https://login.microsoftonline.com/${TENANT}`,
    scopes: [`api://${APP}/.default`],
  });
  expect(consoleSignIn(tokens(APP))).toMatchObject({ mode: 'entra', clientId: APP, scopes: [`${APP}/.default`] });
});

test('an audience that names no app id cannot be signed in to from the page, and says why', () => {
  const signIn = consoleSignIn(tokens('api://aitm-contain'));
  expect(signIn).toMatchObject({ mode: 'unavailable' });
  expect(JSON.stringify(signIn)).toContain('WEBHOOK_AUDIENCE');
});

test("a loopback authority is the simulator's issuer: its one-click sign-in for the seeded analysts", () => {
  expect(consoleSignIn(tokens('api://aitm-contain-local', 'http://127.0.0.1:4010'))).toMatchObject({
    mode: 'simulator',
    signInUrl: 'http://127.0.0.1:4010/_sim/analyst-sign-in',
    audience: 'api://aitm-contain-local',
  });
});

test('no token settings, or function keys for people: no sign-in (no key ever reaches a browser)', () => {
  expect(consoleSignIn({ approvals })).toMatchObject({ mode: 'unavailable' });
  expect(consoleSignIn({ ...tokens(APP), approvals: { ...approvals, auth: 'function-key' } })).toMatchObject({ mode: 'unavailable' });
});

function directives(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    headers['content-security-policy'].split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')];
    }),
  );
}

test('the CSP: own scripts and styles only; connections to the API and the sign-in authority only', () => {
  const entra = directives(consoleSecurityHeaders(tokens(APP)));
  expect(entra).toEqual({
    'default-src': "'none'",
    'script-src': "'self'",
    'style-src': "'self'",
    'img-src': "'self'",
    'connect-src': "'self' https://login.microsoftonline.com",
    'frame-src': 'https://login.microsoftonline.com',
    'base-uri': "'none'",
    'form-action': "'none'",
    'frame-ancestors': "'none'",
  });
  const local = directives(consoleSecurityHeaders(tokens('api://aitm-contain-local', 'http://127.0.0.1:4010')));
  expect(local['connect-src']).toBe("'self' http://127.0.0.1:4010");
  expect(local['frame-src']).toBeUndefined();
  expect(directives(consoleSecurityHeaders({ approvals }))['connect-src']).toBe("'self'");
});

test('the other headers: no sniffing, no framing, no referrer', () => {
  expect(consoleSecurityHeaders(tokens(APP))).toMatchObject({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
});
