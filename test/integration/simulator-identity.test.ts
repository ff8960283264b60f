// The simulator's token issuer over real HTTP: its JWKS and tokens must satisfy jose, the verifier the
// function app uses, and each kind of bad token must fail the way a real verifier reports it.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import {
  AZURE_CLI_APP_ID,
  SCENARIO_ANALYSTS,
  SCENARIO_CALLER,
  SCENARIO_TENANT,
  startTenantSimulator,
  TenantSimulator,
} from '../../dev/simulator';

const AUDIENCE = 'api://aitm-contain';
const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';

let sim: TenantSimulator;

beforeEach(async () => {
  sim = await startTenantSimulator({ now: () => new Date('2026-03-14T12:00:00Z') });
});

afterEach(() => sim.stop());

const keysUrl = (tenant: string = SCENARIO_TENANT.id): string => `${sim.baseUrl}/${tenant}/discovery/v2.0/keys`;
const v1Issuer = (): string => `${sim.baseUrl}/${SCENARIO_TENANT.id}/`;
const v2Issuer = (): string => `${sim.baseUrl}/${SCENARIO_TENANT.id}/v2.0`;

interface Check {
  token: string;
  issuer: string;
  audience: string;
}

type Outcome =
  { ok: true; payload: Record<string, unknown>; protectedHeader: Record<string, unknown> } | { ok: false; code: string; message: string };

/** One verifier (one jose key-set cache) checks every token in turn, as a function instance would. */
async function verifyWithJose(checks: Check[], jwksUri = keysUrl()): Promise<Outcome[]> {
  const keys = createRemoteJWKSet(new URL(jwksUri));
  const outcomes: Outcome[] = [];
  for (const { token, issuer, audience } of checks) {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, keys, { issuer, audience, algorithms: ['RS256'] });
      outcomes.push({ ok: true, payload, protectedHeader });
    } catch (error) {
      const failure = error as { code?: string; name: string; message: string };
      outcomes.push({ ok: false, code: failure.code ?? failure.name, message: failure.message });
    }
  }
  return outcomes;
}

async function verifyOne(token: string, issuer = v1Issuer()): Promise<Outcome> {
  const [outcome] = await verifyWithJose([{ token, issuer, audience: AUDIENCE }]);
  return outcome;
}

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8')) as Record<string, unknown>;
}

interface JwkSet {
  keys: { kid: string; kty: string; use: string; alg: string; n: string; e: string }[];
}

async function fetchJson<T>(url: string, init?: RequestInit): Promise<{ res: Response; body: T }> {
  const res = await fetch(url, init);
  return { res, body: (await res.json()) as T };
}

describe('JWKS and OpenID configuration', () => {
  it('publishes one RS256 signing key, and a configuration pointing at it', async () => {
    const { res, body } = await fetchJson<JwkSet>(keysUrl());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toEqual({
      kty: 'RSA',
      use: 'sig',
      alg: 'RS256',
      kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      n: expect.any(String),
      e: 'AQAB',
    });
    expect(Buffer.from(body.keys[0].n, 'base64url')).toHaveLength(256);

    const config = await fetchJson<Record<string, unknown>>(`${sim.baseUrl}/${SCENARIO_TENANT.id}/v2.0/.well-known/openid-configuration`);
    expect(config.res.status).toBe(200);
    expect(config.body).toMatchObject({
      issuer: v2Issuer(),
      jwks_uri: keysUrl(),
      token_endpoint: `${sim.baseUrl}/${SCENARIO_TENANT.id}/oauth2/v2.0/token`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(sim.identity.authority).toBe(sim.baseUrl);
    expect(sim.identity.tenantId).toBe('9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d');
  });

  it('answers an unknown tenant with 400 and an AADSTS90002 error, on both endpoints', async () => {
    for (const url of [keysUrl(OTHER_TENANT), `${sim.baseUrl}/${OTHER_TENANT}/v2.0/.well-known/openid-configuration`]) {
      const { res, body } = await fetchJson<{ error: string; error_description: string; error_codes: number[] }>(url);
      expect(res.status).toBe(400);
      expect(body.error).toBe('invalid_tenant');
      expect(body.error_description).toMatch(new RegExp(`^AADSTS90002: Tenant '${OTHER_TENANT}' not found\\.`));
      expect(body.error_codes).toEqual([90002]);
    }
    expect(sim.identity.jwksRequests).toBe(0);
  });

  it('counts JWKS requests, and only those', async () => {
    expect(sim.identity.jwksRequests).toBe(0);
    await fetch(keysUrl());
    await fetch(keysUrl(SCENARIO_TENANT.id.toUpperCase()));
    await fetch(`${sim.baseUrl}/${SCENARIO_TENANT.id}/v2.0/.well-known/openid-configuration`);
    await fetch(keysUrl(OTHER_TENANT));
    expect(sim.identity.jwksRequests).toBe(2);
  });

  it('is not Graph: no latency, no faults, no request log', async () => {
    // An hour: a delayed answer would outlive the test, so an answer at all proves there was no delay.
    sim.setLatency(3_600_000);
    sim.addFault({ method: 'GET', path: /keys$/, status: 503 });
    const { res } = await fetchJson<JwkSet>(keysUrl());
    expect(res.status).toBe(200);
    expect(sim.requestLog).toHaveLength(0);
  });

  it('refuses methods other than GET', async () => {
    const res = await fetch(keysUrl(), { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});

describe('issued tokens', () => {
  it('v1 (the default): verifies with jose, with the claims a managed identity token carries', async () => {
    const token = await sim.identity.issueToken({ audience: AUDIENCE });
    const outcome = await verifyOne(token);
    if (!outcome.ok) throw new Error(`verification failed: ${outcome.code} ${outcome.message}`);
    const { keys } = (await fetchJson<JwkSet>(keysUrl())).body;
    expect(outcome.protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: keys[0].kid });
    expect(outcome.payload).toMatchObject({
      aud: AUDIENCE,
      iss: v1Issuer(),
      tid: SCENARIO_TENANT.id,
      appid: SCENARIO_CALLER.appId,
      oid: SCENARIO_CALLER.objectId,
      sub: SCENARIO_CALLER.objectId,
      idtyp: 'app',
      ver: '1.0',
    });
    expect(outcome.payload.azp).toBeUndefined();
    const { iat, nbf, exp } = outcome.payload as { iat: number; nbf: number; exp: number };
    expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(60);
    expect([nbf, exp - iat]).toEqual([iat, 3600]);
  });

  it('v2: azp instead of appid, the v2.0 issuer, and the caller given', async () => {
    const appId = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const token = await sim.identity.issueToken({
      audience: AUDIENCE,
      version: 2,
      appId,
      objectId: '12345678-1234-4234-8234-123456789abc',
      claims: { roles: ['Incident.Contain'] },
    });
    const outcome = await verifyOne(token, v2Issuer());
    expect(outcome).toMatchObject({
      ok: true,
      payload: { azp: appId, oid: '12345678-1234-4234-8234-123456789abc', ver: '2.0', iss: v2Issuer(), roles: ['Incident.Contain'] },
    });
    expect(outcome.ok && outcome.payload.appid).toBeUndefined();
  });

  it('fails verification when expired, not yet valid, for another audience or from another tenant', async () => {
    const [expired, early, wrongAudience, otherTenant] = await Promise.all([
      sim.identity.issueToken({ audience: AUDIENCE, expiresInSeconds: -120 }),
      sim.identity.issueToken({ audience: AUDIENCE, notBeforeSeconds: 600 }),
      sim.identity.issueToken({ audience: 'api://someone-else' }),
      // Entra signs every tenant's tokens with the same keys: only iss and tid tell them apart.
      sim.identity.issueToken({ audience: AUDIENCE, tenantId: OTHER_TENANT }),
    ]);
    const outcomes = await verifyWithJose(
      [expired, early, wrongAudience, otherTenant].map((token) => ({ token, issuer: v1Issuer(), audience: AUDIENCE })),
    );
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual([
      'ERR_JWT_EXPIRED',
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ]);
    expect(outcomes.map((o) => !o.ok && o.message)).toEqual([
      expect.stringMatching(/exp/),
      expect.stringMatching(/nbf/),
      expect.stringMatching(/aud/),
      expect.stringMatching(/iss/),
    ]);
    expect(decodePart(otherTenant, 1)).toMatchObject({ tid: OTHER_TENANT, iss: `${sim.baseUrl}/${OTHER_TENANT}/` });
    expect(decodePart(expired, 1).exp).toBeLessThan(Date.now() / 1000);
  });

  it("'unknown-key' is signed by a key the JWKS does not publish", async () => {
    const token = await sim.identity.issueToken({ audience: AUDIENCE, signWith: 'unknown-key' });
    const header = decodePart(token, 0);
    const { keys } = (await fetchJson<JwkSet>(keysUrl())).body;
    expect(header).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    expect(keys.map((k) => k.kid)).not.toContain(header.kid);
    expect(await verifyOne(token)).toMatchObject({ ok: false, code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it("'none' is an unsigned token that jwtVerify refuses when only RS256 is allowed", async () => {
    const token = await sim.identity.issueToken({ audience: AUDIENCE, signWith: 'none' });
    expect(token.endsWith('.')).toBe(true);
    expect(token.split('.')).toHaveLength(3);
    expect(decodePart(token, 0)).toEqual({ alg: 'none', typ: 'JWT' });
    expect(decodePart(token, 1)).toMatchObject({ aud: AUDIENCE, iss: v1Issuer() });
    const outcome = await verifyOne(token);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.code).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
  });

  it('a tampered payload fails the signature check', async () => {
    const token = await sim.identity.issueToken({ audience: AUDIENCE });
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodePart(token, 1), appid: 'ffffffff-ffff-4fff-8fff-ffffffffffff' })).toString(
      'base64url',
    );
    expect(await verifyOne(`${header}.${forged}.${signature}`)).toMatchObject({ ok: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
});

describe('delegated user tokens', () => {
  const { approver, reader } = SCENARIO_ANALYSTS;

  it('v1: an analyst signed in through the Azure CLI, with scp, upn, roles and groups and no idtyp', async () => {
    const outcome = await verifyOne(await sim.identity.issueToken({ audience: AUDIENCE, analyst: 'approver' }));
    if (!outcome.ok) throw new Error(`verification failed: ${outcome.code} ${outcome.message}`);
    expect(outcome.payload).toMatchObject({
      iss: v1Issuer(),
      appid: AZURE_CLI_APP_ID,
      appidacr: '0',
      scp: 'user_impersonation',
      upn: approver.userPrincipalName,
      unique_name: approver.userPrincipalName,
      name: approver.displayName,
      oid: approver.objectId,
      roles: [...approver.roles],
      groups: [...approver.groups],
      ver: '1.0',
    });
    expect(outcome.payload.idtyp).toBeUndefined();
    expect(outcome.payload.preferred_username).toBeUndefined();
    // Entra's sub for a person is pairwise, never the oid.
    expect(outcome.payload.sub).not.toBe(approver.objectId);
  });

  it('v2: azp, preferred_username and idtyp user; the reader has no groups claim', async () => {
    const outcome = await verifyOne(await sim.identity.issueToken({ audience: AUDIENCE, analyst: 'reader', version: 2 }), v2Issuer());
    expect(outcome).toMatchObject({
      ok: true,
      payload: {
        azp: AZURE_CLI_APP_ID,
        idtyp: 'user',
        scp: 'user_impersonation',
        preferred_username: reader.userPrincipalName,
        oid: reader.objectId,
        roles: [...reader.roles],
        ver: '2.0',
      },
    });
    expect(outcome.ok && [outcome.payload.upn, outcome.payload.groups, outcome.payload.appid]).toEqual([undefined, undefined, undefined]);
  });

  it('takes explicit fields over the analyst, leaves out empty roles, marks a groups overage, and omits claims last', async () => {
    const outcome = await verifyOne(
      await sim.identity.issueToken({
        audience: AUDIENCE,
        kind: 'user',
        upn: 'pat@wingtip-lab.example',
        objectId: '12345678-1234-4234-8234-123456789abc',
        roles: [],
        groupsOverage: true,
        omitClaims: ['scp'],
      }),
    );
    expect(outcome).toMatchObject({
      ok: true,
      payload: { upn: 'pat@wingtip-lab.example', oid: '12345678-1234-4234-8234-123456789abc', _claim_names: { groups: 'src1' } },
    });
    expect(outcome.ok && [outcome.payload.roles, outcome.payload.groups, outcome.payload.scp]).toEqual([undefined, undefined, undefined]);
  });

  it('app tokens carry roles when asked, and no scp or upn', async () => {
    const outcome = await verifyOne(await sim.identity.issueToken({ audience: AUDIENCE, kind: 'app', roles: ['Incidents.Approve'] }));
    expect(outcome).toMatchObject({ ok: true, payload: { idtyp: 'app', roles: ['Incidents.Approve'], appid: SCENARIO_CALLER.appId } });
    expect(outcome.ok && [outcome.payload.scp, outcome.payload.upn]).toEqual([undefined, undefined]);
  });

  it('POST /_sim/tokens issues an analyst token', async () => {
    const { res, body } = await fetchJson<{ access_token: string }>(`${sim.baseUrl}/_sim/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ audience: AUDIENCE, analyst: 'approver' }),
    });
    expect(res.status).toBe(200);
    expect(await verifyOne(body.access_token)).toMatchObject({ ok: true, payload: { upn: approver.userPrincipalName } });
  });
});

describe('key rotation', () => {
  it('publishes the new kid beside the old one; tokens signed before and after both verify, from one key-set fetch', async () => {
    const before = await sim.identity.issueToken({ audience: AUDIENCE });
    const oldKid = decodePart(before, 0).kid;
    const newKid = await sim.identity.rotateKey();
    const after = await sim.identity.issueToken({ audience: AUDIENCE });

    expect(newKid).not.toBe(oldKid);
    expect(decodePart(after, 0).kid).toBe(newKid);
    expect((await fetchJson<JwkSet>(keysUrl())).body.keys.map((k) => k.kid)).toEqual([oldKid, newKid]);
    expect(sim.identity.jwksRequests).toBe(1);

    const outcomes = await verifyWithJose([after, before, after].map((token) => ({ token, issuer: v1Issuer(), audience: AUDIENCE })));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    // jose fetched the key set once and served the other two checks from its cache.
    expect(sim.identity.jwksRequests).toBe(2);
  });
});

describe('POST /_sim/tokens', () => {
  it('issues a token for curl users, in a token endpoint shape', async () => {
    const { res, body } = await fetchJson<{ token_type: string; expires_in: number; access_token: string }>(`${sim.baseUrl}/_sim/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ audience: AUDIENCE, version: 2 }),
    });
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(await verifyOne(body.access_token, v2Issuer())).toMatchObject({
      ok: true,
      payload: { aud: AUDIENCE, azp: SCENARIO_CALLER.appId },
    });
    expect(sim.requestLog).toHaveLength(0);
  });

  it.each([
    [{}],
    [{ audience: '' }],
    [{ audience: AUDIENCE, version: 3 }],
    [{ audience: AUDIENCE, signWith: 'hs256' }],
    [{ audience: AUDIENCE, expiresInSeconds: '60' }],
    [{ audience: AUDIENCE, claims: { roles: [1] } }],
    [{ audience: AUDIENCE, scope: 'x' }],
    [{ audience: AUDIENCE, analyst: 'intern' }],
    [{ audience: AUDIENCE, analyst: 'approver', kind: 'app' }],
    [{ audience: AUDIENCE, kind: 'robot' }],
    [{ audience: AUDIENCE, roles: 'Incidents.Approve' }],
    [{ audience: AUDIENCE, omitClaims: [1] }],
    [{ audience: AUDIENCE, groupsOverage: 'yes' }],
  ])('refuses %j with 400', async (request) => {
    const res = await fetch(`${sim.baseUrl}/_sim/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    expect(res.status).toBe(400);
  });

  it('issueToken refuses the same bad requests when called directly', async () => {
    await expect(sim.identity.issueToken({ audience: '' })).rejects.toThrow(TypeError);
  });
});
