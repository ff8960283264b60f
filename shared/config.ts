// All settings, read once from the environment and validated; the one module that touches process.env.
// A bad setting fails fast with a message naming it, before any alert is acted on.
import { isIP } from 'node:net';
import { z } from 'zod';
import { SEVERITIES, type Severity } from './alerts/severity';
import { userFromIdentifier } from './alerts/values';

/** The runbook's hosting ASNs (AWS, Amazon, DigitalOcean, Microsoft, OVH, Nocix, Linode). */
export const RUNBOOK_HOSTING_ASNS: readonly number[] = [16509, 14618, 14061, 24940, 16276, 63949, 20473];

/** STORAGE_TIMEOUT_MS when unset: a healthy Table Storage call takes tens of milliseconds. */
export const DEFAULT_STORAGE_TIMEOUT_MS = 5000;

/** The finding kinds eradication can remove (AUTO_ERADICATE lists a subset). */
export const ERADICABLE_KINDS = ['inbox_rule', 'oauth_grant', 'app_role_assignment', 'authentication_method', 'device'] as const;
export type EradicableKind = (typeof ERADICABLE_KINDS)[number];

/** Storage Queues keep a message invisible for at most 7 days. */
const MAX_QUEUE_DELAY_MINUTES = 7 * 24 * 60;

const csv = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(/[,;\s]+/)
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed <= 0) {
        ctx.addIssue({ code: 'custom', message: `must be a positive integer, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

function isLoopbackUrl(value: string): boolean {
  try {
    const host = new URL(value).hostname;
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

const schema = z
  .object({
    AzureWebJobsStorage: z.string().optional(),
    AzureWebJobsStorage__accountName: z.string().optional(),
    AzureWebJobsStorage__queueServiceUri: z.url().optional(),
    AzureWebJobsStorage__tableServiceUri: z.url().optional(),
    AzureWebJobsStorage__clientId: z.string().optional(),
    GRAPH_BASE_URL: z
      .url({ protocol: /^https?$/ })
      .default('https://graph.microsoft.com')
      .transform((value) => value.replace(/\/+$/, '')),
    GRAPH_AUTH: z.enum(['managed-identity', 'default', 'none']).default('managed-identity'),
    AZURE_CLIENT_ID: z.string().optional(),
    GRAPH_RETRY_BUDGET_MS: positiveInt(8000),
    GRAPH_TIMEOUT_MS: positiveInt(10000),
    STORAGE_TIMEOUT_MS: positiveInt(DEFAULT_STORAGE_TIMEOUT_MS),
    PROTECTED_ACCOUNTS: csv,
    PROTECTED_GROUP_IDS: csv,
    PROTECTED_ACCOUNTS_CHECK_MINUTES: positiveInt(15),
    PRIVILEGED_USERS: z.enum(['approve', 'contain']).default('approve'),
    CONTAINMENT_MODE: z.enum(['enforce', 'dry-run', 'off']).default('enforce'),
    MIN_AUTO_CONTAIN_SEVERITY: z
      .string()
      .default('high')
      .transform((value) => value.toLowerCase())
      .pipe(z.enum(SEVERITIES)),
    BLAST_RADIUS_MAX: positiveInt(10),
    BLAST_RADIUS_WINDOW_MINUTES: positiveInt(15),
    HUNT_BACKEND: z.enum(['log-analytics', 'defender', 'none']).default('none'),
    LOG_ANALYTICS_WORKSPACE_ID: z.string().optional(),
    LOG_ANALYTICS_ENDPOINT: z.url().optional(),
    LOG_ANALYTICS_CA_FILE: z.string().optional(),
    SHARED_IP_MIN_USERS: positiveInt(20),
    TRUSTED_IPS: csv,
    CAMPAIGN_CONTAINMENT: z.enum(['approve', 'contain', 'off']).default('approve'),
    HOSTING_ASNS: csv,
    INTERNAL_DOMAINS: csv,
    REPORTS_REQUESTS_PER_10_SECONDS: positiveInt(5),
    MAX_ALERT_BYTES: positiveInt(1024 * 1024),
    WEBHOOK_AUDIENCE: z.string().optional(),
    WEBHOOK_TENANT_ID: z.string().optional(),
    WEBHOOK_ALLOWED_CALLERS: csv,
    AUTO_ERADICATE: csv,
    VERIFY_AFTER_MINUTES: z.string().optional(),
    RECOVERY_TAP_MINUTES: positiveInt(60),
    WEBHOOK_AUTHORITY: z
      .url({ protocol: /^https?$/ })
      .default('https://login.microsoftonline.com')
      .transform((value) => value.replace(/\/+$/, '')),
    // Human approvers (issue 9 section 2). Declared here so infra and docs are checked against them;
    // the approver authentication that reads them lands with the h2-approvers branch.
    APPROVER_ROLE: z.string().trim().min(1).default('Incidents.Approve'),
    READER_ROLE: z.string().trim().min(1).default('Incidents.Read'),
    APPROVER_GROUP_IDS: csv,
    APPROVAL_AUTH: z.enum(['token', 'function-key']).default('token'),
  })
  .superRefine((settings, ctx) => {
    if (settings.GRAPH_AUTH === 'none' && !isLoopbackUrl(settings.GRAPH_BASE_URL)) {
      ctx.addIssue({
        code: 'custom',
        path: ['GRAPH_AUTH'],
        message: '"none" is allowed only when GRAPH_BASE_URL is a loopback address (the local tenant simulator)',
      });
    }
    const hasConnectionString = (settings.AzureWebJobsStorage ?? '').trim() !== '';
    const hasIdentityStorage =
      settings.AzureWebJobsStorage__accountName !== undefined ||
      (settings.AzureWebJobsStorage__queueServiceUri !== undefined &&
        settings.AzureWebJobsStorage__tableServiceUri !== undefined);
    if (!hasConnectionString && !hasIdentityStorage) {
      ctx.addIssue({
        code: 'custom',
        path: ['AzureWebJobsStorage'],
        message:
          'set a connection string, or AzureWebJobsStorage__accountName (or __queueServiceUri and __tableServiceUri) for identity-based access',
      });
    }
    if (settings.HUNT_BACKEND === 'log-analytics' && settings.GRAPH_AUTH === 'none' && !isLoopbackUrl(settings.LOG_ANALYTICS_ENDPOINT ?? 'https://api.loganalytics.io')) {
      ctx.addIssue({
        code: 'custom',
        path: ['LOG_ANALYTICS_ENDPOINT'],
        message: 'with GRAPH_AUTH "none" the Log Analytics endpoint must be a loopback address too (the simulator\'s stand-in)',
      });
    }
    if (settings.HUNT_BACKEND === 'log-analytics' && !settings.LOG_ANALYTICS_WORKSPACE_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['LOG_ANALYTICS_WORKSPACE_ID'],
        message: 'required when HUNT_BACKEND is "log-analytics"',
      });
    }
    // Same rules as the identifiers alerts carry: an entry no alert could ever match protects nobody.
    for (const account of settings.PROTECTED_ACCOUNTS) {
      if (userFromIdentifier(account) === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['PROTECTED_ACCOUNTS'],
          message: `"${account.slice(0, 120)}" is neither a UPN (name@domain.tld) nor an object id (a bare GUID)`,
        });
      }
    }
    if (settings.LOG_ANALYTICS_CA_FILE && !isLoopbackUrl(settings.LOG_ANALYTICS_ENDPOINT ?? 'https://api.loganalytics.io')) {
      ctx.addIssue({ code: 'custom', path: ['LOG_ANALYTICS_CA_FILE'], message: 'a CA of our own is trusted only for a loopback Log Analytics endpoint (the simulator\'s stand-in)' });
    }
    for (const ip of settings.TRUSTED_IPS) {
      if (isIP(ip) === 0) ctx.addIssue({ code: 'custom', path: ['TRUSTED_IPS'], message: `"${ip.slice(0, 64)}" is not an IP address` });
    }
    for (const group of settings.PROTECTED_GROUP_IDS) {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(group)) {
        ctx.addIssue({ code: 'custom', path: ['PROTECTED_GROUP_IDS'], message: `"${group}" is not a group object id` });
      }
    }
    const tokenSettings = [settings.WEBHOOK_AUDIENCE, settings.WEBHOOK_TENANT_ID].filter((value) => value !== undefined && value !== '');
    if (tokenSettings.length === 1 || (tokenSettings.length === 2 && settings.WEBHOOK_ALLOWED_CALLERS.length === 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_AUDIENCE'],
        message: 'caller tokens need WEBHOOK_AUDIENCE, WEBHOOK_TENANT_ID and WEBHOOK_ALLOWED_CALLERS together',
      });
    }
    if (!settings.WEBHOOK_AUTHORITY.startsWith('https://') && !isLoopbackUrl(settings.WEBHOOK_AUTHORITY)) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_AUTHORITY'], message: 'must be https (http only for a loopback test authority)' });
    }
    for (const domain of settings.INTERNAL_DOMAINS) {
      if (!/^@?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i.test(domain)) {
        ctx.addIssue({ code: 'custom', path: ['INTERNAL_DOMAINS'], message: `"${domain.slice(0, 64)}" is not a domain name` });
      }
    }
    for (const kind of settings.AUTO_ERADICATE) {
      if (!(ERADICABLE_KINDS as readonly string[]).includes(kind)) {
        ctx.addIssue({ code: 'custom', path: ['AUTO_ERADICATE'], message: `"${kind.slice(0, 64)}" is not a removable finding kind; one of ${ERADICABLE_KINDS.join(', ')}` });
      }
    }
    for (const minutes of (settings.VERIFY_AFTER_MINUTES ?? '5,15,60').split(/[,;\s]+/).filter((m) => m !== '')) {
      if (!/^\d+$/.test(minutes) || Number(minutes) > MAX_QUEUE_DELAY_MINUTES) {
        ctx.addIssue({ code: 'custom', path: ['VERIFY_AFTER_MINUTES'], message: `"${minutes.slice(0, 32)}" is not a whole number of minutes from 0 to ${MAX_QUEUE_DELAY_MINUTES} (a queue message waits at most 7 days)` });
      }
    }
    if (settings.RECOVERY_TAP_MINUTES < 10 || settings.RECOVERY_TAP_MINUTES > 43_200) {
      ctx.addIssue({ code: 'custom', path: ['RECOVERY_TAP_MINUTES'], message: 'a Temporary Access Pass lives 10 to 43200 minutes' });
    }
    for (const asn of settings.HOSTING_ASNS) {
      if (!/^\d+$/.test(asn)) {
        ctx.addIssue({ code: 'custom', path: ['HOSTING_ASNS'], message: `"${asn}" is not an AS number` });
      }
    }
  });

export type StorageSettings =
  | { kind: 'connection-string'; connectionString: string }
  | { kind: 'identity'; queueServiceUri: string; tableServiceUri: string; clientId?: string };

export interface Config {
  storage: StorageSettings;
  /** Every Table and Queue Storage call is abandoned after this long: a storage hang must not hold containment. */
  storageTimeoutMs: number;
  graph: {
    baseUrl: string;
    auth: 'managed-identity' | 'default' | 'none';
    clientId?: string;
    retryBudgetMs: number;
    timeoutMs: number;
  };
  /** UPNs (lower-cased) and object ids that are never contained: break-glass and similar. */
  protectedAccounts: ReadonlySet<string>;
  /** Groups whose (transitive) members are never contained. */
  protectedGroupIds: readonly string[];
  /** How often every protected entry is resolved against the directory (also once at start). */
  protectedAccountsCheckMinutes: number;
  /** Users holding an Entra directory role: wait for approval, or contain like anyone else. */
  privilegedUsers: 'approve' | 'contain';
  containmentMode: 'enforce' | 'dry-run' | 'off';
  minAutoContainSeverity: Severity;
  blastRadius: { max: number; windowMinutes: number };
  hunt: {
    backend: 'log-analytics' | 'defender' | 'none';
    workspaceId?: string;
    endpoint?: string;
    /** A CA trusted for a loopback Log Analytics endpoint only (the simulator's HTTPS stand-in). */
    caFile?: string;
    /** More distinct users than this on an IP before the attacker window: shared egress, not evidence. */
    sharedIpMinUsers: number;
    trustedIps: ReadonlySet<string>;
    /** What happens to other victims the hunt finds: held for approval, contained, or only reported. */
    campaignContainment: 'approve' | 'contain' | 'off';
  };
  hostingAsns: readonly number[];
  diagnosis: {
    /** Domains whose addresses are internal, besides the user's own UPN domain (lower-cased, no "@"). */
    internalDomains: readonly string[];
    /** Identity and access reports calls (signIns, directoryAudits) per 10 s from this instance. */
    reportsRequestsPer10Seconds: number;
  };
  maxAlertBytes: number;
  eradication: {
    /** Finding kinds removed without a human when diagnosis completes; empty: always a human. */
    autoKinds: readonly EradicableKind[];
    /** Containment verification runs at T0 + each of these minutes. */
    verifyAfterMinutes: readonly number[];
    /** Lifetime of the one-time Temporary Access Pass recovery issues. */
    recoveryTapMinutes: number;
  };
  /** Entra ID bearer tokens for callers with managed identities; absent: function keys only. */
  callerTokens?: { audience: string; tenantId: string; allowedCallers: ReadonlySet<string>; authority: string };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Every setting name the app reads: infra and docs are checked against this list. */
export const SETTING_NAMES: readonly string[] = Object.keys(schema.shape);

export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'settings'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const s = result.data;
  const accountName = s.AzureWebJobsStorage__accountName;
  const storage: StorageSettings =
    s.AzureWebJobsStorage && s.AzureWebJobsStorage.trim() !== ''
      ? { kind: 'connection-string', connectionString: s.AzureWebJobsStorage }
      : {
          kind: 'identity',
          queueServiceUri: s.AzureWebJobsStorage__queueServiceUri ?? `https://${accountName}.queue.core.windows.net`,
          tableServiceUri: s.AzureWebJobsStorage__tableServiceUri ?? `https://${accountName}.table.core.windows.net`,
          clientId: s.AzureWebJobsStorage__clientId,
        };
  return {
    storage,
    storageTimeoutMs: s.STORAGE_TIMEOUT_MS,
    graph: {
      baseUrl: s.GRAPH_BASE_URL,
      auth: s.GRAPH_AUTH,
      clientId: s.AZURE_CLIENT_ID,
      retryBudgetMs: s.GRAPH_RETRY_BUDGET_MS,
      timeoutMs: s.GRAPH_TIMEOUT_MS,
    },
    protectedAccounts: new Set(s.PROTECTED_ACCOUNTS.map((account) => account.toLowerCase())),
    protectedGroupIds: s.PROTECTED_GROUP_IDS.map((group) => group.toLowerCase()),
    protectedAccountsCheckMinutes: s.PROTECTED_ACCOUNTS_CHECK_MINUTES,
    privilegedUsers: s.PRIVILEGED_USERS,
    containmentMode: s.CONTAINMENT_MODE,
    minAutoContainSeverity: s.MIN_AUTO_CONTAIN_SEVERITY,
    blastRadius: { max: s.BLAST_RADIUS_MAX, windowMinutes: s.BLAST_RADIUS_WINDOW_MINUTES },
    hunt: {
      backend: s.HUNT_BACKEND,
      workspaceId: s.LOG_ANALYTICS_WORKSPACE_ID,
      endpoint: s.LOG_ANALYTICS_ENDPOINT,
      caFile: s.LOG_ANALYTICS_CA_FILE,
      sharedIpMinUsers: s.SHARED_IP_MIN_USERS,
      trustedIps: new Set(s.TRUSTED_IPS.map((ip) => ip.toLowerCase())),
      campaignContainment: s.CAMPAIGN_CONTAINMENT,
    },
    hostingAsns: s.HOSTING_ASNS.length > 0 ? s.HOSTING_ASNS.map(Number) : RUNBOOK_HOSTING_ASNS,
    diagnosis: {
      internalDomains: s.INTERNAL_DOMAINS.map((domain) => domain.toLowerCase().replace(/^@/, '')),
      reportsRequestsPer10Seconds: s.REPORTS_REQUESTS_PER_10_SECONDS,
    },
    maxAlertBytes: s.MAX_ALERT_BYTES,
    eradication: {
      autoKinds: s.AUTO_ERADICATE as EradicableKind[],
      verifyAfterMinutes: [...new Set((s.VERIFY_AFTER_MINUTES ?? '5,15,60').split(/[,;\s]+/).filter((m) => m !== '').map(Number))].sort((a, b) => a - b),
      recoveryTapMinutes: s.RECOVERY_TAP_MINUTES,
    },
    callerTokens:
      s.WEBHOOK_AUDIENCE && s.WEBHOOK_TENANT_ID
        ? {
            audience: s.WEBHOOK_AUDIENCE,
            tenantId: s.WEBHOOK_TENANT_ID,
            allowedCallers: new Set(s.WEBHOOK_ALLOWED_CALLERS.map((caller) => caller.toLowerCase())),
            authority: s.WEBHOOK_AUTHORITY,
          }
        : undefined,
  };
}

/**
 * The settings as GET /api/health shows them: what the app does and talks to, never a secret (no
 * connection string, key, client id or caller list; entry counts rather than the protected names).
 */
export function describeSettings(config: Config) {
  return {
    containmentMode: config.containmentMode,
    minAutoContainSeverity: config.minAutoContainSeverity,
    privilegedUsers: config.privilegedUsers,
    blastRadius: config.blastRadius,
    backends: {
      graph: { host: new URL(config.graph.baseUrl).host, auth: config.graph.auth },
      storage: config.storage.kind,
      hunt: config.hunt.backend,
    },
    protected: { accounts: config.protectedAccounts.size, groups: config.protectedGroupIds.length, checkEveryMinutes: config.protectedAccountsCheckMinutes },
    callerAuth: config.callerTokens ? 'entra-token' : 'function-key',
    timeouts: { storageMs: config.storageTimeoutMs, graphMs: config.graph.timeoutMs, graphRetryBudgetMs: config.graph.retryBudgetMs },
  };
}

/**
 * The auth level HTTP functions are registered with. Caller tokens replace function keys: a playbook's
 * managed identity has no key, so the host lets the request through and our code requires the token.
 * Read at registration time, before the rest of the configuration is validated.
 */
export function httpAuthLevel(env: Readonly<Record<string, string | undefined>> = process.env): 'function' | 'anonymous' {
  return (env.WEBHOOK_AUDIENCE ?? '').trim() !== '' ? 'anonymous' : 'function';
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use. */
export function loadConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
