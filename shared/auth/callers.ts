// Who is calling. With function keys (the default) the Functions host has already checked the key, so
// the caller is "function-key". With caller tokens configured, every request must carry an Entra ID
// access token for our audience, from our tenant, signed by a key in the tenant's JWKS, issued to an
// allowed app or managed identity.
import type { HttpRequest } from '@azure/functions';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config';
import { AuthError } from '../errors';

export interface Caller {
  /** For the record: "function-key", or "app:<appid>"/"oid:<object id>" of the token's holder. */
  id: string;
  kind: 'function-key' | 'token';
}

export interface CallerAuthenticator {
  authenticate(request: HttpRequest): Promise<Caller>;
}

export const FUNCTION_KEY_CALLER: Caller = { id: 'function-key', kind: 'function-key' };

export class FunctionKeyAuthenticator implements CallerAuthenticator {
  async authenticate(): Promise<Caller> {
    return FUNCTION_KEY_CALLER;
  }
}

type TokenSettings = NonNullable<Config['callerTokens']>;

/** Issuers Entra ID uses for this tenant: v1 tokens (what managed identities get by default) and v2. */
export function acceptedIssuers(settings: TokenSettings): string[] {
  const v1 = settings.authority === 'https://login.microsoftonline.com' ? `https://sts.windows.net/${settings.tenantId}/` : `${settings.authority}/${settings.tenantId}/`;
  return [v1, `${settings.authority}/${settings.tenantId}/v2.0`];
}

/**
 * The least time between two fetches of the key set: a token naming an unknown key cannot make us
 * hammer Entra, yet a real key rotation is picked up within seconds.
 */
export const JWKS_REFETCH_COOLDOWN_MS = 5_000;

export function jwksFor(settings: TokenSettings): JWTVerifyGetKey {
  // jose caches the key set and fetches it again when a token names a kid it does not hold.
  return createRemoteJWKSet(new URL(`${settings.authority}/${settings.tenantId}/discovery/v2.0/keys`), {
    cacheMaxAge: 60 * 60_000,
    cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
    timeoutDuration: 5_000,
  });
}

function claim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined;
}

/** Why a token was refused, in words that help the caller's owner and reveal nothing of the token. */
function refusal(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim "${error.claim}" is not acceptable`;
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'token signed by an unknown key';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature invalid';
  return 'token invalid';
}

export class EntraTokenAuthenticator implements CallerAuthenticator {
  private readonly issuers: string[];

  constructor(
    private readonly settings: TokenSettings,
    private readonly keys: JWTVerifyGetKey = jwksFor(settings),
  ) {
    this.issuers = acceptedIssuers(settings);
  }

  async authenticate(request: HttpRequest): Promise<Caller> {
    const header = request.headers.get('authorization') ?? '';
    const match = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)\s*$/i.exec(header);
    if (!match) throw new AuthError('a bearer token is required (Authorization: Bearer <Entra ID access token>)', 401);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], this.keys, {
        issuer: this.issuers,
        audience: this.settings.audience,
        algorithms: ['RS256'],
        clockTolerance: 60,
        requiredClaims: ['exp', 'iat', 'tid'],
      }));
    } catch (error) {
      throw new AuthError(refusal(error), 401);
    }
    if (claim(payload, 'tid') !== this.settings.tenantId.toLowerCase()) throw new AuthError('token claim "tid" is not acceptable', 401);
    const appId = claim(payload, 'appid') ?? claim(payload, 'azp');
    const objectId = claim(payload, 'oid');
    const allowed = [appId, objectId].some((id) => id !== undefined && this.settings.allowedCallers.has(id));
    if (!allowed) throw new AuthError('this caller is not in WEBHOOK_ALLOWED_CALLERS', 403);
    return { id: appId ? `app:${appId}` : `oid:${objectId}`, kind: 'token' };
  }
}

export function callerAuthenticator(config: Config): CallerAuthenticator {
  return config.callerTokens ? new EntraTokenAuthenticator(config.callerTokens) : new FunctionKeyAuthenticator();
}
