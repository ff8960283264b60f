// Analysts' Entra ID user tokens for integration tests, asked of the tenant simulator's issuer over HTTP
// (POST /_sim/tokens), as a person would get one from `az account get-access-token`.
import type { LocalStack } from '../../dev/stack';
import type { TokenRequest } from '../../dev/simulator';

export interface TokenSource {
  simulatorUrl: string;
  /** The WEBHOOK_AUDIENCE the app checks. */
  audience: string;
}

function sourceOf(from: LocalStack | TokenSource): TokenSource {
  if ('simulatorUrl' in from) return from;
  if (!from.simulator || !from.audience)
    throw new Error('this stack has no simulator of its own or no WEBHOOK_AUDIENCE: pass a TokenSource');
  return { simulatorUrl: from.simulator.baseUrl, audience: from.audience };
}

/** A token from the simulator's issuer for the app's audience; `request` adds to or overrides the defaults. */
export async function simulatorToken(from: LocalStack | TokenSource, request: Partial<TokenRequest> = {}): Promise<string> {
  const { simulatorUrl, audience } = sourceOf(from);
  const response = await fetch(`${simulatorUrl}/_sim/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ audience, ...request }),
  });
  if (response.status !== 200) throw new Error(`the simulator refused the token request: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The seeded approver, sam.analyst@wingtip-lab.example (Incidents.Approve). */
export function approverToken(from: LocalStack | TokenSource, request: Partial<TokenRequest> = {}): Promise<string> {
  return simulatorToken(from, { analyst: 'approver', ...request });
}

/** The seeded reader, riley.reader@wingtip-lab.example (Incidents.Read). */
export function readerToken(from: LocalStack | TokenSource, request: Partial<TokenRequest> = {}): Promise<string> {
  return simulatorToken(from, { analyst: 'reader', ...request });
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
