// The composition root: builds the adapters from configuration once per process and hands the
// function handlers what they need. Nothing else constructs SDK clients.
import { ulid } from 'ulid';
import { callerAuthenticator, type CallerAuthenticator } from './auth/callers';
import { loadConfig, type Config } from './config';
import { SlidingWindowLimiter } from './diagnosis/rate-limiter';
import { createGraphClient, credentialFor } from './graph/client';
import { GraphContainmentActions } from './graph/containment-actions';
import { DEFAULT_EVIDENCE_LIMITS, GraphEvidenceReader } from './graph/evidence/graph-evidence-reader';
import { DEFAULT_LOG_ANALYTICS_ENDPOINT, LogAnalyticsClient, LOOPBACK_CREDENTIAL } from './hunting/log-analytics';
import { DefenderHunting } from './hunting/defender';
import { DefenderHuntBackend, GraphSignInsHuntBackend, LogAnalyticsHuntBackend } from './hunting/hunt-backends';
import { DefenderSignIns, LogAnalyticsSignIns, type HuntingSignIns } from './hunting/sign-in-logs';
import { GraphUserDirectory } from './graph/user-directory';
import { GraphEradicationActions } from './graph/eradication-actions';
import { toError } from './errors';
import { autoEradicate, type EradicateDeps } from './runbook/eradicate';
import type { RecoverDeps } from './runbook/recover';
import type { VerifyDeps } from './runbook/verify';
import type { Incident } from './runbook/incident';
import { StorageFollowUpQueues } from './queues/follow-up-queues';
import type { ContainDeps } from './runbook/contain';
import type { DiagnoseDeps } from './runbook/diagnose';
import type { HealthDeps } from './runbook/health';
import { ProtectedAccountsWatch, type HealthLog } from './runbook/protected-accounts';
import { GraphDirectoryLookup } from './graph/directory-lookup';
import type { HuntDeps } from './runbook/hunt';
import type { CampaignStore, FindingStore, HuntBackend, IncidentStore } from './runbook/ports';
import { CAMPAIGN_INDEX_TABLE, CAMPAIGNS_TABLE, TableCampaignStore } from './store/table-campaign-store';
import { queueClient, tableClient } from './store/table-clients';
import { INCIDENT_INDEX_TABLE } from './store/incident-index';
import { LIMITS_TABLE, TableBlastRadiusLimiter } from './store/table-blast-radius';
import { ALERT_GATE_TABLE, INCIDENTS_TABLE, TableIncidentStore } from './store/table-incident-store';

export interface Services {
  config: Config;
  callers: CallerAuthenticator;
  store: IncidentStore;
  findings: FindingStore;
  contain: ContainDeps;
  diagnose: DiagnoseDeps;
  health: HealthDeps;
  campaigns: CampaignStore;
  hunt: HuntDeps;
  eradicate: EradicateDeps;
  verify: VerifyDeps;
  recover: RecoverDeps;
}

/** Where checks outside any invocation log (the protected-accounts watch): one JSON line each. */
const consoleLog: HealthLog = (level, fields) => {
  const line = JSON.stringify({ level, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
};

export function buildServices(config: Config): Services {
  const storage = { timeoutMs: config.storageTimeoutMs };
  const store = new TableIncidentStore(
    tableClient(config.storage, INCIDENTS_TABLE, storage),
    tableClient(config.storage, ALERT_GATE_TABLE, storage),
    tableClient(config.storage, INCIDENT_INDEX_TABLE, storage),
  );
  const graph = createGraphClient(config.graph);
  const queues = new StorageFollowUpQueues((queue) => queueClient(config.storage, queue), config.storageTimeoutMs);
  const clock = { now: () => new Date() };
  const lookup = new GraphDirectoryLookup(graph);
  // One limiter per process: every diagnosis on this instance shares the reports API budget.
  const reportsLimiter = new SlidingWindowLimiter({ max: config.diagnosis.reportsRequestsPer10Seconds, windowMs: 10_000 });
  // HUNT_BACKEND=log-analytics: sign-ins come from the Sentinel workspace, with user agent and ASN.
  // HUNT_BACKEND=defender: from Defender advanced hunting (AADSignInEventsBeta) through Graph, with user agent.
  // The pivot hunt uses the same backend, and Graph v1.0 sign-ins when it refuses (or none is set).
  let signInLogs: HuntingSignIns | undefined;
  const huntBackends: HuntBackend[] = [];
  if (config.hunt.backend === 'log-analytics' && config.hunt.workspaceId) {
    // One client, so one Query API limiter, for diagnosis and the hunt.
    const workspace = new LogAnalyticsClient(
      {
        endpoint: config.hunt.endpoint ?? DEFAULT_LOG_ANALYTICS_ENDPOINT,
        workspaceId: config.hunt.workspaceId,
        timeoutMs: 30_000,
        caFile: config.hunt.caFile,
      },
      credentialFor(config.graph) ?? LOOPBACK_CREDENTIAL,
    );
    signInLogs = new LogAnalyticsSignIns(workspace);
    huntBackends.push(new LogAnalyticsHuntBackend(workspace, config.hostingAsns));
  } else if (config.hunt.backend === 'defender') {
    const hunting = new DefenderHunting(graph);
    signInLogs = new DefenderSignIns(hunting);
    huntBackends.push(new DefenderHuntBackend(hunting));
  }
  huntBackends.push(new GraphSignInsHuntBackend(graph, config.graph.baseUrl, reportsLimiter));
  const campaigns = new TableCampaignStore(
    tableClient(config.storage, CAMPAIGNS_TABLE, storage),
    tableClient(config.storage, CAMPAIGN_INDEX_TABLE, storage),
  );
  const reader = new GraphEvidenceReader(graph, config.graph.baseUrl, reportsLimiter, DEFAULT_EVIDENCE_LIMITS, signInLogs);
  const directory = new GraphUserDirectory(graph, config.graph.baseUrl);
  const eradication = new GraphEradicationActions(graph, config.graph.baseUrl);
  const contain: ContainDeps = {
    actions: new GraphContainmentActions(graph),
    directory,
    limiter: new TableBlastRadiusLimiter(
      tableClient(config.storage, LIMITS_TABLE, storage),
      config.blastRadius.max,
      config.blastRadius.windowMinutes,
    ),
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
  };
  const eradicate: EradicateDeps = { store, findings: store, queues, remover: eradication, reader, accounts: eradication, clock, contain };
  const autoKinds = new Set(config.eradication.autoKinds);
  // AUTO_ERADICATE: diagnosis finishing queues removal of the known patterns; a failure is recorded, and
  // never undoes the pack.
  const afterDiagnosed = async (incident: Incident, invocationId: string): Promise<void> => {
    try {
      await autoEradicate(eradicate, incident, autoKinds, invocationId);
    } catch (error) {
      await store.appendEvents(incident.id, [
        {
          id: ulid(),
          at: clock.now().toISOString(),
          kind: 'auto_eradication_failed',
          actor: `aitm-contain (diagnose, invocation ${invocationId})`,
          summary: `AUTO_ERADICATE could not start: ${toError(error).message.slice(0, 300)}; eradicate by hand`,
        },
      ]);
    }
  };
  return {
    config,
    callers: callerAuthenticator(config),
    health: {
      protectedAccounts: new ProtectedAccountsWatch([...config.protectedAccounts], lookup, clock, consoleLog),
      probes: { storage: () => store.probe(), graph: () => lookup.probe() },
    },
    store,
    findings: store,
    campaigns,
    hunt: {
      store,
      findings: store,
      campaigns,
      backends: huntBackends,
      contain,
      clock,
      settings: {
        containment: config.hunt.campaignContainment,
        sharedIpMinUsers: config.hunt.sharedIpMinUsers,
        trustedIps: config.hunt.trustedIps,
      },
    },
    diagnose: {
      reader,
      store,
      findings: store,
      queues,
      clock,
      settings: { hostingAsns: config.hostingAsns, internalDomains: config.diagnosis.internalDomains },
      afterDiagnosed: autoKinds.size > 0 ? afterDiagnosed : undefined,
    },
    eradicate,
    verify: { store, reader, accounts: eradication, clock, contain },
    recover: {
      store,
      directory,
      accounts: eradication,
      reader,
      recovery: eradication,
      clock,
      protectedAccounts: config.protectedAccounts,
      protectedGroupIds: config.protectedGroupIds,
      tapMinutes: config.eradication.recoveryTapMinutes,
    },
    contain,
  };
}

let services: Services | undefined;

export function getServices(): Services {
  services ??= buildServices(loadConfig());
  return services;
}

/**
 * Starts what runs outside invocations: the protected-accounts check, now and every
 * PROTECTED_ACCOUNTS_CHECK_MINUTES. `log` receives its lines (the local host passes its own log).
 */
export function startBackgroundChecks(log?: HealthLog): { first: Promise<void>; stop: () => void } {
  const { config, health } = getServices();
  return health.protectedAccounts.start(config.protectedAccountsCheckMinutes * 60_000, { log });
}
