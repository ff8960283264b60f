// What a verified Entra ID access token says about its holder: a person (a delegated user token) or an
// app (an app-only token), its app roles and its groups. Pure: the claims in, a decision out.
import { AuthError } from '../errors';

export type TokenClaims = Readonly<Record<string, unknown>>;

export type TokenHolder = { kind: 'user'; objectId: string; name?: string } | { kind: 'app'; appId: string; objectId?: string };

function text(claims: TokenClaims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A name from the token, fit for the record: no control characters, bounded. */
function printable(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const cleaned = [...value]
    .filter((char) => !isControl(char.codePointAt(0) ?? 0))
    .join('')
    .slice(0, 256);
  return cleaned === '' ? undefined : cleaned;
}

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

/**
 * User or app. `idtyp` says so when present ("user" or "app"). Without it (v1 tokens, and v2 tokens
 * whose app registration does not ask for the optional claim), a delegated token carries the
 * delegated scopes `scp` and, for a person, `upn`; an app-only token carries neither, only `roles`.
 * Anything else is refused rather than guessed.
 */
export function tokenHolder(claims: TokenClaims): TokenHolder {
  const idtyp = claims.idtyp;
  let kind: 'user' | 'app';
  if (idtyp === undefined) kind = text(claims, 'scp') !== undefined || text(claims, 'upn') !== undefined ? 'user' : 'app';
  else if (idtyp === 'user' || idtyp === 'app') kind = idtyp;
  else throw new AuthError('token claim "idtyp" is not acceptable', 401);
  const objectId = text(claims, 'oid')?.toLowerCase();
  if (kind === 'user') {
    if (objectId === undefined) throw new AuthError('token claim "oid" is missing: the person cannot be named', 401);
    return { kind, objectId, name: printable(text(claims, 'upn') ?? text(claims, 'preferred_username') ?? text(claims, 'unique_name')) };
  }
  const appId = (text(claims, 'appid') ?? text(claims, 'azp'))?.toLowerCase();
  if (appId === undefined) throw new AuthError('token claim "appid" is missing', 401);
  return { kind, appId, objectId };
}

/** The app roles the token carries (the `roles` claim), exactly as Entra emits their values. */
export function appRoles(claims: TokenClaims): readonly string[] {
  const roles = claims.roles;
  return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : [];
}

/**
 * Whether the token shows the holder in one of `groupIds` (lower-cased). When a person is in more
 * groups than fit in a token, Entra leaves `groups` out and points to Graph instead (`_claim_names`,
 * or `hasgroups` in the implicit flow): then the token cannot say, and we do not guess.
 */
export function groupMembership(claims: TokenClaims, groupIds: readonly string[]): 'member' | 'not-member' | 'overage' {
  const names = claims._claim_names;
  const overage = claims.hasgroups === true || (typeof names === 'object' && names !== null && Object.hasOwn(names, 'groups'));
  if (overage) return 'overage';
  const groups = Array.isArray(claims.groups)
    ? claims.groups.filter((group): group is string => typeof group === 'string').map((group) => group.toLowerCase())
    : [];
  return groupIds.some((id) => groups.includes(id)) ? 'member' : 'not-member';
}
