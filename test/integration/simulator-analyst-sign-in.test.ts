// The simulator's one-click sign-in for the local console (POST /_sim/analyst-sign-in) over real HTTP:
// a seeded analyst's token, verifiable against the issuer's JWKS, answered cross-origin to loopback
// pages only, and never a token with claims the caller chose.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { SCENARIO_TENANT, startTenantSimulator, type TenantSimulator } from '../../dev/simulator';

const AUDIENCE = 'api://aitm-contain-local';
let sim: TenantSimulator;

beforeAll(async () => {
  sim = await startTenantSimulator();
});

afterAll(() => sim.stop());

const signIn = (body: unknown, origin = 'http://127.0.0.1:7071') =>
  fetch(`${sim.baseUrl}/_sim/analyst-sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify(body),
  });

test.each([
  ['approver', 'sam.analyst@wingtip-lab.example', ['Incidents.Approve']],
  ['reader', 'riley.reader@wingtip-lab.example', ['Incidents.Read']],
])('signs in the seeded %s with a verifiable user token', async (analyst, upn, roles) => {
  const response = await signIn({ analyst, audience: AUDIENCE });
  expect(response.status).toBe(200);
  expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:7071');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const { access_token: token } = (await response.json()) as { access_token: string };
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${sim.baseUrl}/${SCENARIO_TENANT.id}/discovery/v2.0/keys`)), {
    audience: AUDIENCE,
  });
  expect(payload.upn).toBe(upn);
  expect(payload.roles).toEqual(roles);
});

test('answers the CORS preflight of a loopback page, and no other origin', async () => {
  const preflight = (origin: string) =>
    fetch(`${sim.baseUrl}/_sim/analyst-sign-in`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
  const local = await preflight('http://localhost:7071');
  expect(local.status).toBe(204);
  expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:7071');
  expect(local.headers.get('access-control-allow-headers')).toBe('content-type');
  const foreign = await preflight('https://evil.example');
  expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  const response = await signIn({ analyst: 'approver', audience: AUDIENCE }, 'https://evil.example');
  expect(response.headers.get('access-control-allow-origin')).toBeNull();
});

test('issues nothing but a seeded analyst', async () => {
  for (const body of [
    { analyst: 'admin', audience: AUDIENCE },
    { analyst: 'approver' },
    { analyst: 'approver', audience: AUDIENCE, roles: ['x'] },
  ]) {
    const response = await signIn(body);
    if ('roles' in body) {
      // Extra fields are ignored: the token carries the analyst's own roles.
      const { access_token: token } = (await response.json()) as { access_token: string };
      expect(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).roles).toEqual(['Incidents.Approve']);
    } else {
      expect(response.status).toBe(400);
    }
  }
  expect((await fetch(`${sim.baseUrl}/_sim/analyst-sign-in`)).status).toBe(405);
});
