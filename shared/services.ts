// The composition root: builds the adapters from configuration once per process and hands the
// function handlers what they need. Nothing else constructs SDK clients. What containment needs is built
// with the first invocation; the follow-up phases' adapters (follow-up-services.ts) with the first one
// that needs them, so loading the package requires only the containment path (issue 13 item 5).
import { callerAuthenticator, type CallerAuthenticator } from './auth/callers';
import { loadConfig, type Config } from './config';
import { createGraphClient } from './graph/client';
import { GraphContainmentActions } from './graph/containment-actions';
import { GraphUserDirectory } from './graph/user-directory';
import type { FollowUpServices } from './follow-up-services';
import { GraphSafetySnapshotReader } from './graph/safety-snapshot-reader';
import { SafetySnapshotWatch } from './runbook/safety-snapshot-watch';
import { StorageFollowUpQueues } from './queues/follow-up-queues';
import type { ContainDeps } from './runbook/contain';
import type { HealthDeps } from './runbook/health';
import { QueuedWriteBack } from './runbook/write-back';
import { ApplicationInsightsMetrics, NO_METRICS } from './telemetry/metrics';
import { ProtectedAccountsWatch, type HealthLog } from './runbook/protected-accounts';
import { GraphDirectoryLookup } from './graph/directory-lookup';
import type { CampaignStore, FindingStore, IncidentMetrics, IncidentStore } from './runbook/ports';
import { CAMPAIGN_INDEX_TABLE, CAMPAIGNS_TABLE, TableCampaignStore } from './store/table-campaign-store';
import { queueClient, tableClient } from './store/table-clients';
import { LIMITS_TABLE, TableBlastRadiusLimiter } from './store/table-blast-radius';
import { incidentStoreFor } from './store/table-incident-store';

export type { FollowUpServices } from './follow-up-services';

export interface Services {
  config: Config;
  callers: CallerAuthenticator;
  store: IncidentStore;
  findings: FindingStore;
  contain: ContainDeps;
  health: HealthDeps;
  campaigns: CampaignStore;
  /** Diagnosis, hunt, eradication, verification and recovery: loaded and built on the first call. */
  followUps: () => Promise<FollowUpServices>;
  /** Application Insights custom metrics when APPLICATIONINSIGHTS_CONNECTION_STRING is set; else records nothing (and loads nothing). */
  metrics: IncidentMetrics;
  /** Creates the tables and queues containment writes to and reads the blast-radius slots, so the first alert after start finds them. */
  prepareStorage: () => Promise<void>;
}

/** The queues a containment sends to: the follow-ups and the verifications. */
const CONTAINMENT_QUEUES = ['diagnose', 'hunt', 'verify'] as const;

/** Where checks outside any invocation log (the protected-accounts watch): one JSON line each. */
const consoleLog: HealthLog = (level, fields) => {
  const line = JSON.stringify({ level, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
};

export function buildServices(config: Config): Services {
  const storage = { timeoutMs: config.storageTimeoutMs };
  const store = incidentStoreFor(config.storage, storage);
  const graph = createGraphClient(config.graph);
  const queues = new StorageFollowUpQueues((queue) => queueClient(config.storage, queue), config.storageTimeoutMs);
  const clock = { now: () => new Date() };
  const lookup = new GraphDirectoryLookup(graph);
  const campaigns = new TableCampaignStore(
    tableClient(config.storage, CAMPAIGNS_TABLE, storage),
    tableClient(config.storage, CAMPAIGN_INDEX_TABLE, storage),
  );
  const directory = new GraphUserDirectory(graph, config.graph.baseUrl);
  // One snapshot per process, refreshed outside invocations (startBackgroundChecks).
  const snapshot = new SafetySnapshotWatch(
    new GraphSafetySnapshotReader(graph, config.graph.baseUrl),
    config.protectedGroupIds,
    clock,
    config.safetySnapshotMaxAgeSeconds,
    consoleLog,
  );
  const limiter = new TableBlastRadiusLimiter(
    tableClient(config.storage, LIMITS_TABLE, storage),
    config.blastRadius.max,
    config.blastRadius.windowMinutes,
  );
  const contain: ContainDeps = {
    actions: new GraphContainmentActions(graph, { budgetMs: config.graph.retryBudgetMs }),
    directory,
    limiter,
    store,
    queues,
    policy: {
      protectedAccounts: config.protectedAccounts,
      protectedGroupIds: config.protectedGroupIds,
      privilegedUsers: config.privilegedUsers,
      mode: config.containmentMode,
      minAutoContainSeverity: config.minAutoContainSeverity,
    },
    clock,
    verifyAfterMinutes: config.eradication.verifyAfterMinutes,
    snapshot,
    // WRITE_BACK: each phase queues its comment on `write-back`; the writers are built with the follow-ups.
    writeBack: config.writeBack.target === 'none' ? undefined : new QueuedWriteBack(queues),
  };
  let followUps: Promise<FollowUpServices> | undefined;
  return {
    config,
    callers: callerAuthenticator(config),
    health: {
      protectedAccounts: new ProtectedAccountsWatch([...config.protectedAccounts], lookup, clock, consoleLog),
      snapshot,
      probes: { storage: () => store.probe(), graph: () => lookup.probe() },
    },
    store,
    findings: store,
    campaigns,
    contain,
    metrics: config.telemetryConnectionString
      ? new ApplicationInsightsMetrics({ connectionString: config.telemetryConnectionString, caFile: config.telemetryCaFile })
      : NO_METRICS,
    prepareStorage: async () => {
      await Promise.all([store.prepare(), queues.prepare(CONTAINMENT_QUEUES), limiter.prepare()]);
    },
    followUps: () =>
      (followUps ??= import('./follow-up-services').then(({ buildFollowUpServices }) =>
        buildFollowUpServices(config, { graph, store, campaigns, queues, directory, contain, clock }),
      )),
  };
}

let services: Services | undefined;

export function getServices(): Services {
  services ??= buildServices(loadConfig());
  return services;
}

/**
 * Starts what runs outside invocations: the protected-accounts check, now and every
 * PROTECTED_ACCOUNTS_CHECK_MINUTES, and the safety snapshot, now and every quarter of
 * SAFETY_SNAPSHOT_MAX_AGE_SECONDS. `log` receives their lines (the local host passes its own log).
 */
export function startBackgroundChecks(log?: HealthLog): { first: Promise<void>; stop: () => void } {
  const { config, health, prepareStorage } = getServices();
  const accounts = health.protectedAccounts.start(config.protectedAccountsCheckMinutes * 60_000, { log });
  const snapshot = health.snapshot?.start({ log });
  // Not required: each table and queue is also created on first use, so a failure here is only said.
  const storage = prepareStorage().catch((error: unknown) =>
    (log ?? consoleLog)('warning', { event: 'storage_prepare_failed', error: error instanceof Error ? error.message : 'unknown' }),
  );
  return {
    first: Promise.all([accounts.first, snapshot?.first, storage]).then(() => undefined),
    stop: () => {
      accounts.stop();
      snapshot?.stop();
    },
  };
}
