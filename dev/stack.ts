// The local stack: Azurite and the tenant simulator when the settings do not point elsewhere, and the
// local function host serving the app's function definitions. Used by `npm start`, the demo, the
// benchmark and the integration tests, so all of them run the same wiring. With its own simulator, the
// stack trusts the simulator's token issuer for analysts' user tokens, so approvals take the real path.
import { randomBytes } from 'node:crypto';
import { parseConfig, SETTING_NAMES } from '../shared/config';
import { lendOrStartAzurite, type LentAzurite } from './azurite';
import { warmUpKusto } from './kusto/parser';
import type { FunctionDefinition } from '../functions/registry';
import { readHostJson, startFunctionHost, type FunctionHost, type HostJson } from './host';
import { loadLocalSettings } from './settings';
import { startTenantSimulator, type SimulatorOptions, type TenantSimulator } from './simulator';

export interface LocalStackOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** The `contain` function's key (what a playbook and curl send). Default: generated. */
  functionKey?: string;
  /** The host key, which opens every function-level route. Default: generated. */
  hostKey?: string;
  /** Settings on top of the defaults (and of local.settings.json when `useLocalSettings`). */
  settings?: Record<string, string>;
  /** Read local.settings.json and environment overrides, as `npm start` does. Default false. */
  useLocalSettings?: boolean;
  simulator?: SimulatorOptions;
  /** Host log lines; default: discarded. */
  log?: (line: string) => void;
  /** Which function definitions the host serves; default: all (the bench serves the HTTP group only). */
  serve?: (definition: FunctionDefinition) => boolean;
  /**
   * Queue trigger settings over host.json's (e.g. a shorter visibilityTimeout, so a test that makes a
   * message fail once sees its retry in a second, not ten); default: host.json's as they are.
   */
  queues?: NonNullable<HostJson['extensions']>['queues'];
}

export interface LocalStack {
  baseUrl: string;
  /** The `contain` function's key: opens `contain` only, as the key a playbook holds in Azure does. */
  functionKey: string;
  /** The host key: opens every function-level route. */
  hostKey: string;
  /** Each HTTP function's own key, by function name. */
  functionKeys: Readonly<Record<string, string>>;
  /** The WEBHOOK_AUDIENCE in force (analysts' user tokens are issued for it), if any. */
  audience?: string;
  /** Present when the stack started its own simulator (GRAPH_BASE_URL was not set). */
  simulator?: TenantSimulator;
  /** Present when the stack started its own Azurite (or was lent an account of one, see AZURITE_LENDER). */
  azurite?: LentAzurite;
  storageConnectionString: string;
  host: FunctionHost;
  stop(): Promise<void>;
}

/** What a fresh clone runs with: the break-glass admin of the seeded tenant is protected, by name and by group. */
export const DEFAULT_LOCAL_SETTINGS: Readonly<Record<string, string>> = {
  PROTECTED_ACCOUNTS: 'bg-admin-01@wingtip-lab.example,5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99',
  /** The seeded "Emergency access accounts" group. */
  PROTECTED_GROUP_IDS: '3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10',
  CONTAINMENT_MODE: 'enforce',
  HUNT_BACKEND: 'none',
  /**
   * The simulator does not throttle the reports API, and a test run diagnoses many incidents at once:
   * pacing at a real tenant's 5 per 10 s would only slow the suite. A real tenant keeps the default.
   */
  REPORTS_REQUESTS_PER_10_SECONDS: '1000',
};

/** The audience of the local stand-in for the webhook's app registration (analysts' tokens are for it). */
export const LOCAL_WEBHOOK_AUDIENCE = 'api://aitm-contain-local';

/**
 * Token settings that trust a simulator's issuer: analysts' user tokens (and, with
 * WEBHOOK_ALLOWED_CALLERS, app tokens) that it signs are verified for real against its JWKS.
 */
export function simulatorTokenSettings(
  simulator: Pick<TenantSimulator, 'baseUrl' | 'identity'>,
  audience = LOCAL_WEBHOOK_AUDIENCE,
): Record<string, string> {
  return { WEBHOOK_AUDIENCE: audience, WEBHOOK_TENANT_ID: simulator.identity.tenantId, WEBHOOK_AUTHORITY: simulator.baseUrl };
}

/** The workspace id the simulator's Log Analytics stand-in is addressed by (any id is answered). */
export const SIMULATED_WORKSPACE_ID = '7d3e1b2a-5c4f-4e6d-8a9b-0c1d2e3f4a5b';

function withQueueSettings(hostJson: HostJson, queues: LocalStackOptions['queues']): HostJson {
  if (queues === undefined) return hostJson;
  return { ...hostJson, extensions: { ...hostJson.extensions, queues: { ...hostJson.extensions?.queues, ...queues } } };
}

function wantsAzurite(connection: string | undefined, settings: Record<string, string>): boolean {
  if (settings.AzureWebJobsStorage__accountName || settings.AzureWebJobsStorage__queueServiceUri) return false;
  return connection === undefined || connection.trim() === '' || /^UseDevelopmentStorage=true$/i.test(connection.trim());
}

/**
 * Without the Functions runtime, @azure/functions runs in test mode and warns once per registration.
 * Here that is the intended mode (this host serves the definitions itself), so those lines are noise.
 * The app's own configuration warnings (loadConfig's, logged as the functions register) go where Azure
 * puts a worker's console output: the host log.
 */
async function quietlyImportFunctions(hostLog: (line: string) => void): Promise<typeof import('../functions')> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const first = typeof args[0] === 'string' ? args[0] : '';
    if (/^WARNING: (Failed to detect the Azure Functions runtime|Skipping call to (register|dispose) )/.test(first)) return;
    if (args.length === 1 && first.startsWith('{"event":"config_warning"')) return hostLog(first);
    warn(...args);
  };
  try {
    return await import('../functions');
  } finally {
    console.warn = warn;
  }
}

/**
 * Points the settings at the Azurite and simulator this stack started (either may be absent). The
 * simulator is the Log Analytics workspace too (SigninLogs stand-in) when the hunt backend asks for one.
 */
type SimulatorEndpoints = Pick<TenantSimulator, 'baseUrl' | 'logAnalyticsUrl' | 'logAnalyticsCaFile'>;

function fillInLocalServices(
  settings: Record<string, string>,
  storage: string | undefined,
  simulator: SimulatorEndpoints | undefined,
): Record<string, string> {
  if (storage !== undefined && wantsAzurite(settings.AzureWebJobsStorage, settings)) settings.AzureWebJobsStorage = storage;
  if (simulator !== undefined && !settings.GRAPH_BASE_URL) {
    settings.GRAPH_BASE_URL = simulator.baseUrl;
    settings.GRAPH_AUTH = 'none';
    // The simulator is the Sentinel REST (ARM) endpoint write-back comments through, too.
    settings.SENTINEL_BASE_URL ||= simulator.baseUrl;
    // The simulator is the Log Analytics workspace too (HTTPS, its own certificate) when the hunt backend asks for one.
    if (settings.HUNT_BACKEND === 'log-analytics' && !settings.LOG_ANALYTICS_ENDPOINT) {
      settings.LOG_ANALYTICS_ENDPOINT = simulator.logAnalyticsUrl;
      settings.LOG_ANALYTICS_CA_FILE = simulator.logAnalyticsCaFile;
      settings.LOG_ANALYTICS_WORKSPACE_ID ||= SIMULATED_WORKSPACE_ID;
    }
  }
  return settings;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const settings: Record<string, string> = {
    ...DEFAULT_LOCAL_SETTINGS,
    ...(options.useLocalSettings ? loadLocalSettings({ keys: [...SETTING_NAMES, 'PORT', 'LOCAL_FUNCTION_KEY', 'LOCAL_HOST_KEY'] }) : {}),
    ...options.settings,
  };
  // Fail fast, before Azurite or the simulator start, with stand-ins for what they will fill in (the
  // simulator's token issuer too, so WEBHOOK_ALLOWED_CALLERS alone is a valid local setting).
  const standIns = fillInLocalServices({ ...settings }, 'UseDevelopmentStorage=true', {
    baseUrl: 'http://127.0.0.1',
    logAnalyticsUrl: 'https://127.0.0.1/v1',
    logAnalyticsCaFile: 'simulator-ca.pem',
  });
  if (!settings.GRAPH_BASE_URL && !settings.WEBHOOK_AUDIENCE && !settings.WEBHOOK_TENANT_ID)
    Object.assign(standIns, {
      WEBHOOK_AUDIENCE: LOCAL_WEBHOOK_AUDIENCE,
      WEBHOOK_TENANT_ID: '00000000-0000-4000-8000-000000000000',
      WEBHOOK_AUTHORITY: 'http://127.0.0.1',
    });
  const { hunt } = parseConfig(standIns);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    let azurite: LentAzurite | undefined;
    if (wantsAzurite(settings.AzureWebJobsStorage, settings)) {
      azurite = await lendOrStartAzurite();
      stops.push(() => azurite!.stop());
    }
    let simulator: TenantSimulator | undefined;
    if (!settings.GRAPH_BASE_URL) {
      // The hunting stand-ins parse with the Kusto analyzer: load it before the host serves anything, when the
      // app will query them (seconds of CPU that a stack hunting through Graph sign-ins would pay for nothing).
      if (hunt.backend !== 'none') warmUpKusto();
      simulator = await startTenantSimulator({ campaign: true, ...options.simulator });
      stops.push(() => simulator!.stop());
    }
    fillInLocalServices(settings, azurite?.connectionString, simulator);
    // Analysts sign in to the simulator's issuer; contain keeps taking the function key.
    if (simulator && !settings.WEBHOOK_AUDIENCE && !settings.WEBHOOK_TENANT_ID) Object.assign(settings, simulatorTokenSettings(simulator));
    if (!settings.AzureWebJobsStorage) {
      throw new Error(
        'the local host polls queues with a connection string: set AzureWebJobsStorage (identity-based storage works in Azure only)',
      );
    }
    // The app reads its configuration from the environment, as it does in Azure.
    for (const [key, value] of Object.entries(settings)) process.env[key] = value;
    const { functionDefinitions, startBackgroundChecks } = await quietlyImportFunctions(options.log ?? (() => undefined));
    const definitions = functionDefinitions().filter((definition) => options.serve?.(definition) ?? true);
    const newKey = () => randomBytes(24).toString('base64url');
    const functionKey = options.functionKey ?? settings.LOCAL_FUNCTION_KEY ?? newKey();
    const hostKey = options.hostKey ?? settings.LOCAL_HOST_KEY ?? newKey();
    const functionKeys = Object.fromEntries(
      definitions.filter((d) => d.kind === 'http').map((d) => [d.name, d.name === 'contain' ? functionKey : newKey()]),
    );
    const host = await startFunctionHost({
      definitions,
      port: options.port ?? 0,
      keys: { host: [hostKey], functions: Object.fromEntries(Object.entries(functionKeys).map(([name, key]) => [name, [key]])) },
      storageConnectionString: settings.AzureWebJobsStorage,
      hostJson: withQueueSettings(readHostJson(), options.queues),
      log: options.log ?? (() => undefined),
    });
    stops.push(() => host.stop());
    // What Azure starts with the worker (app.hook.appStart), logged into the host log.
    const hostLog = options.log ?? (() => undefined);
    const checks = startBackgroundChecks((level, fields) => hostLog(JSON.stringify({ time: new Date().toISOString(), level, ...fields })));
    stops.push(() => {
      checks.stop();
      return Promise.resolve();
    });
    // The startup reads are over before anyone gets the stack: they never land in a test's request log window.
    await checks.first;
    return {
      baseUrl: host.baseUrl,
      functionKey,
      hostKey,
      functionKeys,
      audience: settings.WEBHOOK_AUDIENCE || undefined,
      simulator,
      azurite,
      storageConnectionString: settings.AzureWebJobsStorage,
      host,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
