// The token issuer's HTTP face, laid out as on login.microsoftonline.com: the tenant's JWKS and its
// OpenID configuration. Not Graph, so never delayed, faulted or logged; errors use Entra's AADSTS shape.
import { randomUUID } from 'node:crypto';
import type { TokenIssuer } from './identity';

export type IdentityEndpoint = 'keys' | 'openid-configuration';

export interface IdentityResult {
  status: number;
  body: object;
  headers: Readonly<Record<string, string>>;
}

const PATHS: readonly { endpoint: IdentityEndpoint; segments: readonly string[] }[] = [
  { endpoint: 'keys', segments: ['discovery', 'v2.0', 'keys'] },
  { endpoint: 'openid-configuration', segments: ['v2.0', '.well-known', 'openid-configuration'] },
];

/** Which issuer endpoint `/{tenant}/...` names, whatever the tenant segment; undefined for any other path. */
export function matchIdentityEndpoint(segments: readonly string[]): IdentityEndpoint | undefined {
  const rest = segments.slice(1).map((s) => s.toLowerCase());
  return PATHS.find((p) => p.segments.length === rest.length && p.segments.every((s, i) => s === rest[i]))?.endpoint;
}

export async function handleIdentity(
  issuer: TokenIssuer,
  endpoint: IdentityEndpoint,
  method: string,
  tenantSegment: string,
): Promise<IdentityResult> {
  if (method !== 'GET') {
    return {
      status: 405,
      body: { error: 'invalid_request', error_description: `${method} is not supported here; use GET.` },
      headers: { allow: 'GET' },
    };
  }
  if (tenantSegment.toLowerCase() !== issuer.tenantId.toLowerCase()) return unknownTenant(issuer, tenantSegment);
  // Entra lets verifiers cache its metadata for a day; jose and MSAL keep their own, shorter caches.
  const headers = { 'cache-control': 'max-age=86400, private' };
  if (endpoint === 'keys') return { status: 200, body: await issuer.keySet(), headers };
  return { status: 200, body: issuer.openidConfiguration(), headers };
}

function unknownTenant(issuer: TokenIssuer, tenant: string): IdentityResult {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = `${new Date().toISOString().slice(0, 19).replace('T', ' ')}Z`;
  return {
    status: 400,
    headers: {},
    body: {
      error: 'invalid_tenant',
      error_description:
        `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. ` +
        `Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant. ` +
        `Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [90002],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${issuer.authority}/error?code=90002`,
    },
  };
}
