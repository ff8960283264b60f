// Verifies an Entra ID access token from the Authorization header: signature against the tenant's JWKS,
// RS256 only, issuer (v1 or v2) of our tenant, our audience, expiry. Who the token names and what it may
// do is decided elsewhere (token-claims.ts, callers.ts); this only says whether Entra issued it for us.
// jose is required with the first token checked, not when the package loads: an alert source with a
// function key never needs it, and the cold start is shorter without it (issue 13 item 5).
import type { HttpRequest } from '@azure/functions';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { TokenSettings } from '../config';
import { AuthError } from '../errors';

/** Issuers Entra ID uses for this tenant: v1 tokens (what managed identities and the Azure CLI get by default) and v2. */
export function acceptedIssuers(settings: TokenSettings): string[] {
  const v1 =
    settings.authority === 'https://login.microsoftonline.com'
      ? `https://sts.windows.net/${settings.tenantId}/`
      : `${settings.authority}/${settings.tenantId}/`;
  return [v1, `${settings.authority}/${settings.tenantId}/v2.0`];
}

/**
 * The least time between two fetches of the key set: a token naming an unknown key cannot make us
 * hammer Entra, yet a real key rotation is picked up within seconds.
 */
export const JWKS_REFETCH_COOLDOWN_MS = 5_000;

type Jose = typeof import('jose');

let joseLoading: Promise<Jose> | undefined;
const loadJose = (): Promise<Jose> => (joseLoading ??= import('jose'));

export function jwksFor({ createRemoteJWKSet }: Jose, settings: TokenSettings): JWTVerifyGetKey {
  // jose caches the key set and fetches it again when a token names a kid it does not hold.
  return createRemoteJWKSet(new URL(`${settings.authority}/${settings.tenantId}/discovery/v2.0/keys`), {
    cacheMaxAge: 60 * 60_000,
    cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
    timeoutDuration: 5_000,
  });
}

/** Why a token was refused, in words that help the caller's owner and reveal nothing of the token. */
function refusal(error: unknown, joseErrors: Jose['errors']): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim "${error.claim}" is not acceptable`;
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'token signed by an unknown key';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature invalid';
  return 'token invalid';
}

const BEARER = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)\s*$/i;

export class EntraTokenVerifier {
  private readonly issuers: string[];
  private keys?: JWTVerifyGetKey;

  constructor(private readonly settings: TokenSettings) {
    this.issuers = acceptedIssuers(settings);
  }

  /** The verified claims; AuthError 401 when the header is missing or the token is not ours. */
  async verify(request: HttpRequest, hint: string): Promise<JWTPayload> {
    const match = BEARER.exec(request.headers.get('authorization') ?? '');
    if (!match) throw new AuthError(`a bearer token is required (Authorization: Bearer <${hint}>)`, 401);
    const jose = await loadJose();
    this.keys ??= jwksFor(jose, this.settings);
    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(match[1], this.keys, {
        issuer: this.issuers,
        audience: this.settings.audience,
        algorithms: ['RS256'],
        clockTolerance: 60,
        requiredClaims: ['exp', 'iat', 'tid'],
      }));
    } catch (error) {
      throw new AuthError(refusal(error, jose.errors), 401);
    }
    const tid = payload.tid;
    if (typeof tid !== 'string' || tid.toLowerCase() !== this.settings.tenantId.toLowerCase())
      throw new AuthError('token claim "tid" is not acceptable', 401);
    return payload;
  }
}
