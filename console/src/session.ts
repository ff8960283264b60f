// Who is signed in. The token lives in memory only (in Entra ID mode, in MSAL's sessionStorage cache,
// which ends with the tab); the roles shown are read from it for the page's buttons, but the API
// decides: a reader who forces an approver's call gets the API's 403.
import type { TokenSource } from './api';

export interface Session {
  name: string;
  roles: string[];
  approver: boolean;
  token: TokenSource;
  signOut(): Promise<void>;
}

/** The claims of a JWT, for display only (the API verifies the signature). */
export function tokenClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function sessionFromToken(token: string, approverRole: string, refresh: TokenSource, signOut: () => Promise<void>): Session {
  const claims = tokenClaims(token);
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  return {
    name: text(claims.upn) ?? text(claims.preferred_username) ?? text(claims.name) ?? 'signed in',
    roles,
    approver: roles.includes(approverRole),
    token: refresh,
    signOut,
  };
}

/** The simulator's one-click sign-in (local stack only): a seeded analyst's token, kept in memory. */
export async function simulatorSession(
  signInUrl: string,
  audience: string,
  analyst: 'approver' | 'reader',
  approverRole: string,
): Promise<Session> {
  const response = await fetch(signInUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ analyst, audience }),
  });
  if (!response.ok) throw new Error(`the simulator refused the sign-in (HTTP ${response.status})`);
  const { access_token: token } = (await response.json()) as { access_token: string };
  return sessionFromToken(
    token,
    approverRole,
    () => Promise.resolve(token),
    () => Promise.resolve(),
  );
}
