// A stand-in for Entra ID as a token issuer: RS256 signing keys published as a JWKS, and app-only access
// tokens (v1 or v2, as a managed identity gets them) so callers' tokens are verified for real, signature
// included. Built on node:crypto rather than jose, which is ESM-only and which Jest on Node 20 cannot load.
import { createHash, generateKeyPair as generateKeyPairCallback, KeyObject, randomUUID, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { isRecord } from './json';
import { SCENARIO_CALLER } from './scenario';

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
  /** v1 claim `appid`, v2 claim `azp`; default SCENARIO_CALLER.appId. */
  appId?: string;
  /** Claims `oid` and `sub`; default SCENARIO_CALLER.objectId. */
  objectId?: string;
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

export type ClaimValue = string | number | boolean | string[];

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
    const objectId = request.objectId ?? SCENARIO_CALLER.objectId;
    const appId = request.appId ?? SCENARIO_CALLER.appId;
    return {
      aud: request.audience,
      iss: request.issuer ?? this.issuerFor(tid, version),
      iat,
      nbf,
      exp,
      ...(version === 1 ? { appid: appId } : { azp: appId }),
      idtyp: 'app',
      oid: objectId,
      sub: objectId,
      tid,
      uti: randomUUID().replace(/-/g, ''),
      ver: version === 1 ? '1.0' : '2.0',
      ...request.claims,
    };
  }
}

/** A TokenRequest from a control-route body; TypeError names the first bad field. */
export function tokenRequestFromJson(json: unknown): TokenRequest {
  if (!isRecord(json)) throw new TypeError('body must be a token request with an audience');
  const known = new Set(['audience', 'appId', 'objectId', 'tenantId', 'version', 'expiresInSeconds', 'notBeforeSeconds', 'signWith', 'issuer', 'claims']);
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
  for (const name of ['appId', 'objectId', 'tenantId', 'issuer']) {
    if (fields[name] !== undefined && (typeof fields[name] !== 'string' || fields[name] === '')) throw new TypeError(`${name} must be a non-empty string`);
  }
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
      const ok = ['string', 'number', 'boolean'].includes(typeof value) || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
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
  return createHash('sha256').update(JSON.stringify({ e, kty: 'RSA', n })).digest('base64url');
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
