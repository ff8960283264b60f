// Graph's documented identity and access write throttling, so containing many people at once meets the
// limits a real tenant has. Modelled, from learn.microsoft.com/graph/throttling-limits ("Identity and
// access service limits", and /work/shared/research/eradication.md §6.1):
//   - "Throttling is based on a token bucket algorithm": each limit is a bucket of `requests` tokens
//     refilled continuously over `perMs`; a write takes one token from every bucket or is refused.
//   - Write quota: 3,000 requests per 2 minutes 30 seconds per application+tenant pair, and 18,000
//     requests per 5 minutes per tenant (all apps).
//   - A write is POST, PATCH, PUT or DELETE on the identity and access resources (users, groups,
//     devices, directory objects, grants, applications, ...), except the read actions the cost table
//     gives a write cost of 0 (checkMemberGroups, getMemberObjects, getByIds, ...). Outlook's resources
//     under a user (mail folders, messages) have their own limits and do not count.
//   - Over the limit: 429 with Retry-After (seconds), `x-ms-throttle-scope`
//     (`<Scope>/Write/<appId>/<tenantId>`) and `x-ms-throttle-information: WriteLimitExceeded`. A
//     refused request takes no token. Each item of a JSON batch counts as its own request.
// Not modelled: the resource-unit (read) quota, the application-wide quota across tenants (one tenant
// here) and load-based throttling. The limits are settable (scaled down, so tests reach them in
// seconds) and the clock is injectable, so whether a write is refused never depends on timing luck.

export interface WriteLimit {
  /** Bucket size, and how many tokens come back over `perMs`. */
  requests: number;
  perMs: number;
}

export interface WriteLimits {
  /** Per application per tenant; null turns it off. */
  appTenant: WriteLimit | null;
  /** Per tenant, all applications; null turns it off. */
  tenant: WriteLimit | null;
}

export const GRAPH_WRITE_LIMITS: Readonly<WriteLimits> = {
  appTenant: { requests: 3_000, perMs: 150_000 },
  tenant: { requests: 18_000, perMs: 300_000 },
};

/** The app id the scope names when a request carried no token (the simulator's GRAPH_AUTH=none). */
export const ANONYMOUS_APP_ID = '00000000-0000-0000-0000-000000000000';

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const IDENTITY_ROOTS = new Set([
  'users',
  'groups',
  'devices',
  'directoryobjects',
  'directoryroles',
  'oauth2permissiongrants',
  'applications',
  'serviceprincipals',
  'contracts',
  'domains',
  'organization',
  'policies',
]);
/** Actions the cost table lists with a write cost of 0: they read, though sent as POST. */
const READ_ACTIONS = /\/(checkMemberGroups|checkMemberObjects|getMemberGroups|getMemberObjects|getByIds|getObjectsById|isMemberOf)$/i;
/** Outlook's resources below a user: throttled per mailbox by Outlook, not by the directory. */
const OUTLOOK_SEGMENTS = new Set(['mailfolders', 'messages', 'mailboxsettings', 'events', 'calendar', 'contacts']);

/** Whether the directory's write quota counts this request; `pathname` starts with /v1.0. */
export function isIdentityWrite(method: string, pathname: string): boolean {
  if (!WRITE_METHODS.has(method.toUpperCase())) return false;
  const segments = pathname.split('/').filter((s) => s !== '');
  if (!IDENTITY_ROOTS.has(segments[1]?.toLowerCase() ?? '')) return false;
  if (READ_ACTIONS.test(pathname)) return false;
  return !(segments[1].toLowerCase() === 'users' && OUTLOOK_SEGMENTS.has(segments[3]?.toLowerCase() ?? ''));
}

export function validateWriteLimit(limit: WriteLimit | null, name: string): void {
  if (limit === null) return;
  if (!Number.isInteger(limit.requests) || limit.requests < 1) throw new RangeError(`${name}.requests must be a positive integer`);
  if (!Number.isFinite(limit.perMs) || limit.perMs <= 0) throw new RangeError(`${name}.perMs must be a positive number of milliseconds`);
}

class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly limit: WriteLimit,
    now: number,
  ) {
    this.tokens = limit.requests;
    this.at = now;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.at);
    this.tokens = Math.min(this.limit.requests, this.tokens + (elapsed * this.limit.requests) / this.limit.perMs);
    this.at = Math.max(this.at, now);
  }

  /** 0 when a token is there to take; else how long until one is. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * this.limit.perMs) / this.limit.requests;
  }

  take(): void {
    this.tokens -= 1;
  }

  available(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }
}

export type ThrottleDecision = { admitted: true } | { admitted: false; retryAfterSeconds: number; scope: string };

export class WriteThrottle {
  private limits: WriteLimits;
  private readonly appBuckets = new Map<string, TokenBucket>();
  private tenantBucket?: TokenBucket;

  constructor(
    private readonly tenantId: string,
    limits: WriteLimits,
    private readonly clock: () => number,
  ) {
    this.limits = this.checked(limits);
  }

  private checked(limits: WriteLimits): WriteLimits {
    validateWriteLimit(limits.appTenant, 'appTenant');
    validateWriteLimit(limits.tenant, 'tenant');
    return { appTenant: limits.appTenant && { ...limits.appTenant }, tenant: limits.tenant && { ...limits.tenant } };
  }

  /** New limits, with full buckets. */
  configure(limits: WriteLimits): void {
    this.limits = this.checked(limits);
    this.appBuckets.clear();
    this.tenantBucket = undefined;
  }

  /** Takes a token from every bucket for one write by `appId`, or says how long to wait. */
  admit(appId: string): ThrottleDecision {
    const now = this.clock();
    const buckets: Array<[TokenBucket, string]> = [];
    if (this.limits.appTenant) {
      let bucket = this.appBuckets.get(appId);
      if (!bucket) this.appBuckets.set(appId, (bucket = new TokenBucket(this.limits.appTenant, now)));
      buckets.push([bucket, 'Tenant_Application']);
    }
    if (this.limits.tenant) {
      this.tenantBucket ??= new TokenBucket(this.limits.tenant, now);
      buckets.push([this.tenantBucket, 'Tenant']);
    }
    const waits = buckets.map(([bucket, scope]) => ({ scope, waitMs: bucket.waitMs(now) }));
    const longest = waits.reduce((a, b) => (b.waitMs > a.waitMs ? b : a), { scope: '', waitMs: 0 });
    if (longest.waitMs > 0) {
      return {
        admitted: false,
        retryAfterSeconds: Math.max(1, Math.ceil(longest.waitMs / 1000)),
        scope: `${longest.scope}/Write/${appId}/${this.tenantId}`,
      };
    }
    for (const [bucket] of buckets) bucket.take();
    return { admitted: true };
  }

  /** For the control API: the limits and the tokens left now. */
  describe(): object {
    const now = this.clock();
    return {
      ...this.limits,
      available: {
        appTenant: Object.fromEntries([...this.appBuckets].map(([app, bucket]) => [app, bucket.available(now)])),
        tenant: this.tenantBucket?.available(now) ?? this.limits.tenant?.requests ?? null,
      },
    };
  }
}

/** The calling app of a bearer token (`appid` in v1, `azp` in v2), read without verification: only to key the quota. */
export function appIdOf(authorization: string | undefined): string {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return ANONYMOUS_APP_ID;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const app = claims.appid ?? claims.azp;
    return typeof app === 'string' && app !== '' ? app : ANONYMOUS_APP_ID;
  } catch {
    return ANONYMOUS_APP_ID;
  }
}
