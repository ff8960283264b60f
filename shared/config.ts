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

/** An app role's value as Entra emits it in the `roles` claim: no spaces, no separators we split on. */
const appRole = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const role = value === undefined || value.trim() === '' ? fallback : value.trim();
      if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}$/.test(role)) {
        ctx.addIssue({ code: 'custom', message: `"${role.slice(0, 64)}" is not an app role value (letters, digits, ".", "_", ":", "-")` });
        return z.NEVER;
      }
      return role;
    });

const APPROVAL_AUTH_MODES = ['token', 'function-key'] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
    SAFETY_SNAPSHOT_MAX_AGE_SECONDS: positiveInt(300),
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
    APPROVER_ROLE: appRole('Incidents.Approve'),
    READER_ROLE: appRole('Incidents.Read'),
    APPROVER_GROUP_IDS: csv,
    APPROVAL_AUTH: z.enum(APPROVAL_AUTH_MODES).default('token'),
    WRITE_BACK: z.enum(['sentinel', 'defender', 'none']).default('none'),
    SENTINEL_BASE_URL: z
      .url({ protocol: /^https?$/ })
      .default('https://management.azure.com')
      .transform((value) => value.replace(/\/+$/, '')),
    PUBLIC_BASE_URL: z
      .url({ protocol: /^https?$/ })
      .optional()
      .transform((value) => value?.replace(/\/+$/, '')),
    WEBSITE_HOSTNAME: z.string().optional(),
    APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().optional(),
    TELEMETRY_CA_FILE: z.string().optional(),
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
      (settings.AzureWebJobsStorage__queueServiceUri !== undefined && settings.AzureWebJobsStorage__tableServiceUri !== undefined);
    if (!hasConnectionString && !hasIdentityStorage) {
      ctx.addIssue({
        code: 'custom',
        path: ['AzureWebJobsStorage'],
        message:
          'set a connection string, or AzureWebJobsStorage__accountName (or __queueServiceUri and __tableServiceUri) for identity-based access',
      });
    }
    if (
      settings.HUNT_BACKEND === 'log-analytics' &&
      settings.GRAPH_AUTH === 'none' &&
      !isLoopbackUrl(settings.LOG_ANALYTICS_ENDPOINT ?? 'https://api.loganalytics.io')
    ) {
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
      ctx.addIssue({
        code: 'custom',
        path: ['LOG_ANALYTICS_CA_FILE'],
        message: "a CA of our own is trusted only for a loopback Log Analytics endpoint (the simulator's stand-in)",
      });
    }
    for (const ip of settings.TRUSTED_IPS) {
      if (isIP(ip) === 0) ctx.addIssue({ code: 'custom', path: ['TRUSTED_IPS'], message: `"${ip.slice(0, 64)}" is not an IP address` });
    }
    for (const name of ['PROTECTED_GROUP_IDS', 'APPROVER_GROUP_IDS'] as const) {
      for (const group of settings[name]) {
        if (!GUID.test(group)) ctx.addIssue({ code: 'custom', path: [name], message: `"${group.slice(0, 64)}" is not a group object id` });
      }
    }
    // Analysts' user tokens need the app registration (audience and tenant); the alert source's app
    // tokens need it too, plus the allowlist. Either half alone cannot verify anything.
    const tokenSettings = [settings.WEBHOOK_AUDIENCE, settings.WEBHOOK_TENANT_ID].filter(
      (value) => value !== undefined && value.trim() !== '',
    );
    if (tokenSettings.length === 1) {
      ctx.addIssue({
        code: 'custom',
        path: [settings.WEBHOOK_AUDIENCE?.trim() ? 'WEBHOOK_TENANT_ID' : 'WEBHOOK_AUDIENCE'],
        message: "Entra ID tokens need WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID together (the webhook's app registration and its tenant)",
      });
    }
    if (tokenSettings.length === 0 && settings.WEBHOOK_ALLOWED_CALLERS.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_ALLOWED_CALLERS'],
        message: 'app tokens of allowed callers are checked against WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID: set both',
      });
    }
    if (settings.WEBHOOK_TENANT_ID?.trim() && !GUID.test(settings.WEBHOOK_TENANT_ID.trim())) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_TENANT_ID'], message: 'must be the tenant id (a GUID)' });
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
        ctx.addIssue({
          code: 'custom',
          path: ['AUTO_ERADICATE'],
          message: `"${kind.slice(0, 64)}" is not a removable finding kind; one of ${ERADICABLE_KINDS.join(', ')}`,
        });
      }
    }
    for (const minutes of (settings.VERIFY_AFTER_MINUTES ?? '5,15,60').split(/[,;\s]+/).filter((m) => m !== '')) {
      if (!/^\d+$/.test(minutes) || Number(minutes) > MAX_QUEUE_DELAY_MINUTES) {
        ctx.addIssue({
          code: 'custom',
          path: ['VERIFY_AFTER_MINUTES'],
          message: `"${minutes.slice(0, 32)}" is not a whole number of minutes from 0 to ${MAX_QUEUE_DELAY_MINUTES} (a queue message waits at most 7 days)`,
        });
      }
    }
    if (settings.RECOVERY_TAP_MINUTES < 10 || settings.RECOVERY_TAP_MINUTES > 43_200) {
      ctx.addIssue({ code: 'custom', path: ['RECOVERY_TAP_MINUTES'], message: 'a Temporary Access Pass lives 10 to 43200 minutes' });
    }
    if (settings.WRITE_BACK === 'sentinel' && settings.GRAPH_AUTH === 'none' && !isLoopbackUrl(settings.SENTINEL_BASE_URL)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SENTINEL_BASE_URL'],
        message:
          'with GRAPH_AUTH "none" the Sentinel (Azure Resource Manager) endpoint must be a loopback address too (the simulator\'s stand-in)',
      });
    }
    for (const name of ['SENTINEL_BASE_URL', 'PUBLIC_BASE_URL'] as const) {
      const value = settings[name];
      if (value !== undefined && !value.startsWith('https://') && !isLoopbackUrl(value)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'must be https (http only for a loopback address)' });
      }
    }
    const telemetry = settings.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
    if (telemetry && !/(^|;)\s*InstrumentationKey\s*=\s*[0-9a-f-]{36}\s*(;|$)/i.test(telemetry)) {
      ctx.addIssue({
        code: 'custom',
        path: ['APPLICATIONINSIGHTS_CONNECTION_STRING'],
        message: 'is not an Application Insights connection string (InstrumentationKey=<guid>;IngestionEndpoint=...)',
      });
    }
    const ingestion = /(?:^|;)\s*IngestionEndpoint\s*=\s*([^;]+)/i.exec(telemetry ?? '')?.[1]?.trim();
    if (settings.TELEMETRY_CA_FILE && (ingestion === undefined || !isLoopbackUrl(ingestion))) {
      ctx.addIssue({
        code: 'custom',
        path: ['TELEMETRY_CA_FILE'],
        message: "a CA of our own is trusted only for a loopback IngestionEndpoint (the simulator's stand-in)",
      });
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
  /** Older than this, the safety snapshot proves nothing and containment does the live reads. */
  safetySnapshotMaxAgeSeconds: number;
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
  /**
   * The webhook's app registration, against which Entra ID tokens are checked: analysts' user tokens
   * always, the alert source's app tokens when `allowedCallers` is not empty. Absent: no token can be checked.
   */
  callerTokens?: TokenSettings;
  /** Who may decide and read (shared/auth/callers.ts). */
  approvals: {
    /** 'token': an analyst's user token with the role. 'function-key': any key that opens the route (a lab only). */
    auth: ApprovalAuth;
    approverRole: string;
    readerRole: string;
    /** When not empty, an approver must also be in one of these groups (lower-cased object ids). */
    approverGroupIds: readonly string[];
  };
  /** WRITE_BACK: where comments about each incident go (none: nowhere), and the ARM endpoint for Sentinel. */
  writeBack: { target: 'sentinel' | 'defender' | 'none'; sentinelBaseUrl: string };
  /** The console page, for links in comments: PUBLIC_BASE_URL, else the host name Azure gives the app. Absent locally unless set. */
  consoleUrl?: string;
  /** Custom metrics go to Application Insights only when its connection string is set. */
  telemetryConnectionString?: string;
  /** A CA trusted for a loopback ingestion endpoint only (the simulator's HTTPS stand-in). */
  telemetryCaFile?: string;
}

export interface TokenSettings {
  audience: string;
  tenantId: string;
  /** App ids or object ids (lower-cased) whose app tokens may call `contain`; empty: `contain` takes function keys. */
  allowedCallers: ReadonlySet<string>;
  authority: string;
}

export type ApprovalAuth = (typeof APPROVAL_AUTH_MODES)[number];

/** Who a route is for (DESIGN.md "Who may call what"); each HTTP function authenticates with one. */
export type CallerRole = 'alert-source' | 'reader' | 'approver';

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
    safetySnapshotMaxAgeSeconds: s.SAFETY_SNAPSHOT_MAX_AGE_SECONDS,
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
      verifyAfterMinutes: [
        ...new Set(
          (s.VERIFY_AFTER_MINUTES ?? '5,15,60')
            .split(/[,;\s]+/)
            .filter((m) => m !== '')
            .map(Number),
        ),
      ].sort((a, b) => a - b),
      recoveryTapMinutes: s.RECOVERY_TAP_MINUTES,
    },
    callerTokens:
      s.WEBHOOK_AUDIENCE?.trim() && s.WEBHOOK_TENANT_ID?.trim()
        ? {
            audience: s.WEBHOOK_AUDIENCE.trim(),
            tenantId: s.WEBHOOK_TENANT_ID.trim(),
            allowedCallers: new Set(s.WEBHOOK_ALLOWED_CALLERS.map((caller) => caller.toLowerCase())),
            authority: s.WEBHOOK_AUTHORITY,
          }
        : undefined,
    approvals: {
      auth: s.APPROVAL_AUTH,
      approverRole: s.APPROVER_ROLE,
      readerRole: s.READER_ROLE,
      approverGroupIds: s.APPROVER_GROUP_IDS.map((group) => group.toLowerCase()),
    },
    writeBack: { target: s.WRITE_BACK, sentinelBaseUrl: s.SENTINEL_BASE_URL },
    consoleUrl: consoleUrl(s.PUBLIC_BASE_URL, s.WEBSITE_HOSTNAME),
    telemetryConnectionString: s.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim() || undefined,
    telemetryCaFile: s.TELEMETRY_CA_FILE,
  };
}

/** Azure sets WEBSITE_HOSTNAME to the app's default host name; PUBLIC_BASE_URL wins (a custom domain, a local host). */
function consoleUrl(publicBaseUrl: string | undefined, hostName: string | undefined): string | undefined {
  if (publicBaseUrl) return `${publicBaseUrl}/api/console`;
  const host = hostName?.trim().toLowerCase();
  return host && /^[a-z0-9.-]{1,253}(:\d{1,5})?$/.test(host) ? `https://${host}/api/console` : undefined;
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
      writeBack: config.writeBack.target,
      metrics: config.telemetryConnectionString ? 'application-insights' : 'off',
    },
    protected: {
      accounts: config.protectedAccounts.size,
      groups: config.protectedGroupIds.length,
      checkEveryMinutes: config.protectedAccountsCheckMinutes,
      snapshotMaxAgeSeconds: config.safetySnapshotMaxAgeSeconds,
    },
    // How the alert source calls contain, and how people read and decide (no role names or group ids).
    callerAuth: takesAppTokens(config) ? 'entra-token' : 'function-key',
    approvalAuth: config.approvals.auth === 'function-key' ? 'function-key' : config.callerTokens ? 'user-token' : 'unconfigured',
    timeouts: { storageMs: config.storageTimeoutMs, graphMs: config.graph.timeoutMs, graphRetryBudgetMs: config.graph.retryBudgetMs },
  };
}

/**
 * Settings that start fine but leave a door shut or open, said at start: containment works either way,
 * so these warn rather than stop the host.
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.approvals.auth === 'function-key') {
    warnings.push(
      'APPROVAL_AUTH is "function-key": any key that opens the approve, reject and read routes decides and reads, with no person named on the record. For a lab only; use "token" (analysts\' Entra ID user tokens) anywhere else',
    );
  } else if (!config.callerTokens) {
    warnings.push(
      "no approvals are possible: approving, rejecting and reading incidents need an analyst's Entra ID user token, and WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID (the webhook's app registration) are not set. Containment still works",
    );
  }
  return warnings;
}

/** The auth level the host guards a route with, for a role, given how callers authenticate. */
export function authLevelFor(
  role: CallerRole,
  settings: { appTokenCallers: boolean; approvalAuth: ApprovalAuth },
): 'function' | 'anonymous' {
  if (role === 'alert-source') return settings.appTokenCallers ? 'anonymous' : 'function';
  return settings.approvalAuth === 'function-key' ? 'function' : 'anonymous';
}

/** Whether `contain` takes allowed callers' app tokens (and so no function key). */
export function takesAppTokens(config: Pick<Config, 'callerTokens'>): boolean {
  return config.callerTokens !== undefined && config.callerTokens.allowedCallers.size > 0;
}

/**
 * The auth level an HTTP function is registered with, read at registration time, before the rest of
 * the configuration is validated; it agrees with `authLevelFor` over the parsed configuration, which
 * is what shared/auth/callers.ts trusts the host to have checked. `contain` takes a function key unless
 * allowed callers' app tokens replace it (a managed identity has no key, so the host lets the request
 * through and the code requires the token). People's routes are anonymous at the host and the code
 * requires a user token, except with APPROVAL_AUTH=function-key.
 */
export function httpAuthLevel(role: CallerRole, env: Readonly<Record<string, string | undefined>> = process.env): 'function' | 'anonymous' {
  const present = (value: string | undefined) => (value ?? '').trim() !== '';
  const allowedCallers = (env.WEBHOOK_ALLOWED_CALLERS ?? '').split(/[,;\s]+/).some((item) => item.trim() !== '');
  return authLevelFor(role, {
    appTokenCallers: present(env.WEBHOOK_AUDIENCE) && present(env.WEBHOOK_TENANT_ID) && allowedCallers,
    approvalAuth: env.APPROVAL_AUTH === 'function-key' ? 'function-key' : 'token',
  });
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use; its warnings are logged once, then. */
export function loadConfig(): Config {
  if (!cached) {
    cached = parseConfig(process.env);
    for (const warning of configWarnings(cached)) console.warn(JSON.stringify({ event: 'config_warning', message: warning }));
  }
  return cached;
}
