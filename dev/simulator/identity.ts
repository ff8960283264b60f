// A stand-in for Entra ID as a token issuer: RS256 signing keys published as a JWKS, app-only access
// tokens (v1 or v2, as a managed identity gets them) and delegated user tokens (an analyst signed in
// through the Azure CLI), so callers' tokens are verified for real, signature included. Built on
// node:crypto rather than jose, which is ESM-only and which Jest on Node 20 cannot load.
import { createHash, generateKeyPair as generateKeyPairCallback, KeyObject, randomUUID, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { isRecord } from './json';
import { AZURE_CLI_APP_ID, SCENARIO_ANALYSTS, SCENARIO_CALLER, SCENARIO_TENANT } from './scenario';

const generateKeyPair = promisify(generateKeyPairCallback);

export interface SimulatedIdentity {
  /** The seeded tenant's id (the Sentinel sample's aadTenantId). */
  readonly tenantId: string;
  /** The simulator's base URL, standing in for https://login.microsoftonline.com (WEBHOOK_AUTHORITY). */
  readonly authority: string;
  /** How many times this tenant's JWKS has been served, so tests can observe a verifier's key caching. */
  readonly jwksRequests: number;
  issueToken(request: TokenRequest): Promise<string>;
  /** Publishes a new signing key (new kid) beside the old ones and signs later tokens with it; returns its kid. */
  rotateKey(): Promise<string>;
}

export interface TokenRequest {
  audience: string;
  /**
   * 'app' (default): an app-only token, `idtyp: app`, no `scp`. 'user': a person's delegated token,
   * `scp`, `upn` (v1) or `preferred_username` (v2), `idtyp: user` in v2 only (v1 user tokens usually
   * lack it), `sub` pairwise (not the oid). A user token names the seeded approver unless `analyst` or
   * the fields below say otherwise.
   */
  kind?: 'app' | 'user';
  /** A seeded analyst (SCENARIO_ANALYSTS): a user token with their oid, upn, name, roles and groups. */
  analyst?: AnalystName;
  /** v1 claim `appid`, v2 claim `azp`; default SCENARIO_CALLER.appId (app), the Azure CLI (user). */
  appId?: string;
  /** Claim `oid` (and `sub` of app tokens); default SCENARIO_CALLER.objectId, or the analyst's. */
  objectId?: string;
  /** User tokens: the sign-in name (`upn` and `unique_name` in v1, `preferred_username` in v2). */
  upn?: string;
  /** User tokens: the display name (`name`). */
  name?: string;
  /** User tokens: the delegated scopes (`scp`); default "user_impersonation". */
  scopes?: string;
  /** App roles (`roles`); user tokens default to the analyst's; left out when empty, as Entra does. */
  roles?: string[];
  /** Group object ids (`groups`); user tokens default to the analyst's. */
  groups?: string[];
  /**
   * User tokens: the person is in more groups than fit in a token, so, as Entra does, `groups` is left
   * out and `_claim_names` / `_claim_sources` point to Graph instead.
   */
  groupsOverage?: boolean;
  /** Claims to leave out after everything else is set (e.g. `idtyp`, to test tokens without it). */
  omitClaims?: string[];
  /** Claim `tid` and the issuer's tenant; default the seeded tenant. The token is still signed with this tenant's keys. */
  tenantId?: string;
  /** Default 1, what managed identities get unless the resource asks for v2. */
  version?: 1 | 2;
  /** Default 3600; zero or negative gives a token that has already expired. */
  expiresInSeconds?: number;
  /** nbf relative to now; default 0 (or the issue time, for an already expired token). */
  notBeforeSeconds?: number;
  /** Default 'tenant-key'. 'unknown-key': RS256 with a key (own kid) absent from the JWKS. 'none': unsigned, alg "none". */
  signWith?: 'tenant-key' | 'unknown-key' | 'none';
  /** Overrides iss. */
  issuer?: string;
  /** Extra claims, merged last so they can also override the defaults. */
  claims?: Record<string, ClaimValue>;
}

export type ClaimValue = string | number | boolean | string[] | { readonly [name: string]: ClaimValue };

export type AnalystName = keyof typeof SCENARIO_ANALYSTS;

export interface PublicJwk {
  kty: 'RSA';
  use: 'sig';
  alg: 'RS256';
  kid: string;
  n: string;
  e: string;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: PublicJwk;
}

const DEFAULT_LIFETIME_SECONDS = 3600;
const SIGN_WITH = ['tenant-key', 'unknown-key', 'none'] as const;

export class TokenIssuer implements SimulatedIdentity {
  private readonly published: SigningKey[] = [];
  private active?: SigningKey;
  private initialKey?: Promise<void>;
  private strayKey?: Promise<SigningKey>;
  private served = 0;

  /**
   * `authority` is read on each use because the simulator knows its URL only once it listens. Keys are
   * made on first use: RSA key generation is slow enough to matter to the many tests that never need one.
   */
  constructor(
    readonly tenantId: string,
    private readonly authorityUrl: () => string,
    private readonly clock: () => number = Date.now,
  ) {}

  get authority(): string {
    return this.authorityUrl();
  }

  get jwksRequests(): number {
    return this.served;
  }

  /** Token times use the wall clock, not the tenant clock: verifiers check them against the wall clock. */
  async issueToken(request: TokenRequest): Promise<string> {
    checkTokenRequest(request);
    const signWith = request.signWith ?? 'tenant-key';
    const payload = this.claimsFor(request);
    if (signWith === 'none') return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
    const key = signWith === 'unknown-key' ? await (this.strayKey ??= newSigningKey()) : await this.activeKey();
    const signingInput = `${encode({ alg: 'RS256', typ: 'JWT', kid: key.kid })}.${encode(payload)}`;
    return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key.privateKey).toString('base64url')}`;
  }

  async rotateKey(): Promise<string> {
    await this.activeKey();
    const key = await newSigningKey();
    this.published.push(key);
    this.active = key;
    return key.kid;
  }

  /** The body of GET /{tenant}/discovery/v2.0/keys; each call counts as one JWKS request. */
  async keySet(): Promise<{ keys: PublicJwk[] }> {
    await this.activeKey();
    this.served++;
    return { keys: this.published.map((key) => ({ ...key.jwk })) };
  }

  /** v1 `${authority}/${tid}/`, v2 `${authority}/${tid}/v2.0`. (Entra's real v1 issuer is https://sts.windows.net/{tid}/.) */
  issuerFor(tenantId: string, version: 1 | 2): string {
    return version === 1 ? `${this.authority}/${tenantId}/` : `${this.authority}/${tenantId}/v2.0`;
  }

  /** The body of GET /{tenant}/v2.0/.well-known/openid-configuration, with Entra's endpoint layout. */
  openidConfiguration(): object {
    const base = `${this.authority}/${this.tenantId}`;
    return {
      issuer: this.issuerFor(this.tenantId, 2),
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    };
  }

  private activeKey(): Promise<SigningKey> {
    this.initialKey ??= newSigningKey().then((key) => {
      this.published.push(key);
      this.active = key;
    });
    return this.initialKey.then(() => this.active as SigningKey);
  }

  private claimsFor(request: TokenRequest): Record<string, ClaimValue> {
    const now = Math.floor(this.clock() / 1000);
    const tid = request.tenantId ?? this.tenantId;
    const version = request.version ?? 1;
    const exp = now + (request.expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS);
    // An expired token was issued a lifetime before it expired, not after.
    const iat = exp <= now ? exp - DEFAULT_LIFETIME_SECONDS : now;
    const nbf = request.notBeforeSeconds === undefined ? iat : now + request.notBeforeSeconds;
    const common = { aud: request.audience, iss: request.issuer ?? this.issuerFor(tid, version), iat, nbf, exp, tid };
    const user = request.kind === 'user' || request.analyst !== undefined;
    const claims: Record<string, ClaimValue> = {
      ...common,
      ...(user ? userClaims(request, version) : appClaims(request, version)),
      uti: randomUUID().replace(/-/g, ''),
      ver: version === 1 ? '1.0' : '2.0',
      ...request.claims,
    };
    for (const name of request.omitClaims ?? []) delete claims[name];
    return claims;
  }
}

function appClaims(request: TokenRequest, version: 1 | 2): Record<string, ClaimValue> {
  const objectId = request.objectId ?? SCENARIO_CALLER.objectId;
  const appId = request.appId ?? SCENARIO_CALLER.appId;
  return {
    ...(version === 1 ? { appid: appId, appidacr: '2' } : { azp: appId, azpacr: '2' }),
    idtyp: 'app',
    oid: objectId,
    ...(request.roles && request.roles.length > 0 ? { roles: request.roles } : {}),
    sub: objectId,
  };
}

/** A delegated token as Entra issues it to a public client (the Azure CLI) for a signed-in person. */
function userClaims(request: TokenRequest, version: 1 | 2): Record<string, ClaimValue> {
  const analyst = SCENARIO_ANALYSTS[request.analyst ?? 'approver'];
  const objectId = request.objectId ?? analyst.objectId;
  const appId = request.appId ?? AZURE_CLI_APP_ID;
  const upn = request.upn ?? analyst.userPrincipalName;
  const roles = request.roles ?? [...analyst.roles];
  const groups = request.groups ?? [...analyst.groups];
  // Entra's sub is pairwise: the same person has a different sub in each app.
  const sub = createHash('sha256').update(`${objectId}|${request.audience}`).digest('base64url').slice(0, 43);
  return {
    ...(version === 1
      ? { acr: '1', amr: ['pwd', 'mfa'], appid: appId, appidacr: '0', unique_name: upn, upn }
      : { azp: appId, azpacr: '0', idtyp: 'user', preferred_username: upn }),
    ...(request.groupsOverage
      ? {
          _claim_names: { groups: 'src1' },
          _claim_sources: {
            src1: { endpoint: `https://graph.windows.net/${request.tenantId ?? SCENARIO_TENANT.id}/users/${objectId}/getMemberObjects` },
          },
        }
      : groups.length > 0
        ? { groups }
        : {}),
    name: request.name ?? analyst.displayName,
    oid: objectId,
    ...(roles.length > 0 ? { roles } : {}),
    scp: request.scopes ?? 'user_impersonation',
    sub,
  };
}

/** A TokenRequest from a control-route body; TypeError names the first bad field. */
export function tokenRequestFromJson(json: unknown): TokenRequest {
  if (!isRecord(json)) throw new TypeError('body must be a token request with an audience');
  const known = new Set([
    'audience',
    'kind',
    'analyst',
    'appId',
    'objectId',
    'upn',
    'name',
    'scopes',
    'roles',
    'groups',
    'groupsOverage',
    'omitClaims',
    'tenantId',
    'version',
    'expiresInSeconds',
    'notBeforeSeconds',
    'signWith',
    'issuer',
    'claims',
  ]);
  const unknown = Object.keys(json).find((key) => !known.has(key));
  if (unknown !== undefined) throw new TypeError(`unsupported token request field '${unknown}'; supported: ${[...known].join(', ')}`);
  // Every field is checked below against the types of TokenRequest.
  const request = json as unknown as TokenRequest;
  checkTokenRequest(request);
  return request;
}

function checkTokenRequest(request: TokenRequest): void {
  const fields = request as unknown as Record<string, unknown>;
  if (typeof fields.audience !== 'string' || fields.audience === '') throw new TypeError('audience must be a non-empty string');
  for (const name of ['appId', 'objectId', 'tenantId', 'issuer', 'upn', 'name', 'scopes']) {
    if (fields[name] !== undefined && (typeof fields[name] !== 'string' || fields[name] === ''))
      throw new TypeError(`${name} must be a non-empty string`);
  }
  for (const name of ['roles', 'groups', 'omitClaims']) {
    const value = fields[name];
    if (value !== undefined && !(Array.isArray(value) && value.every((item) => typeof item === 'string')))
      throw new TypeError(`${name} must be an array of strings`);
  }
  if (fields.kind !== undefined && fields.kind !== 'app' && fields.kind !== 'user') throw new TypeError('kind must be "app" or "user"');
  if (fields.groupsOverage !== undefined && typeof fields.groupsOverage !== 'boolean')
    throw new TypeError('groupsOverage must be true or false');
  if (fields.analyst !== undefined && (typeof fields.analyst !== 'string' || !Object.hasOwn(SCENARIO_ANALYSTS, fields.analyst))) {
    throw new TypeError(`analyst must be one of ${Object.keys(SCENARIO_ANALYSTS).join(', ')}`);
  }
  if (fields.analyst !== undefined && fields.kind === 'app')
    throw new TypeError('an analyst signs in as a user: leave kind out or set it to "user"');
  if (fields.version !== undefined && fields.version !== 1 && fields.version !== 2) throw new TypeError('version must be 1 or 2');
  for (const name of ['expiresInSeconds', 'notBeforeSeconds']) {
    if (fields[name] !== undefined && !Number.isInteger(fields[name])) throw new TypeError(`${name} must be a whole number of seconds`);
  }
  if (fields.signWith !== undefined && !(SIGN_WITH as readonly unknown[]).includes(fields.signWith)) {
    throw new TypeError(`signWith must be one of ${SIGN_WITH.join(', ')}`);
  }
  const claims = fields.claims;
  if (claims !== undefined) {
    if (!isRecord(claims)) throw new TypeError('claims must be an object');
    for (const [name, value] of Object.entries(claims)) {
      const ok =
        ['string', 'number', 'boolean'].includes(typeof value) || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
      if (!ok) throw new TypeError(`claim '${name}' must be a string, number, boolean or array of strings`);
    }
  }
}

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('rsa', { modulusLength: 2048 });
  const { n, e } = publicKey.export({ format: 'jwk' });
  if (typeof n !== 'string' || typeof e !== 'string') throw new Error('node:crypto exported an RSA key without n and e');
  const kid = thumbprint(n, e);
  return { kid, privateKey, jwk: { kty: 'RSA', use: 'sig', alg: 'RS256', kid, n, e } };
}

/** RFC 7638 JWK thumbprint: a kid derived from the key itself, as opaque to verifiers as Entra's. */
function thumbprint(n: string, e: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
