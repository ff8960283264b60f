// The adapters of the phases after containment (diagnosis, the pivot hunt, eradication, verification,
// recovery), built on the first follow-up message or request that needs them rather than when the
// package loads: they bring the Log Analytics and Defender hunting clients, the evidence readers and the
// removal actions, none of which the containment path uses (issue 13 item 5, cold start). Built from the
// containment services (services.ts hands them over) so both share one store, queue and Graph client.
import { ulid } from 'ulid';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Config } from './config';
import { SlidingWindowLimiter } from './diagnosis/rate-limiter';
import { toError } from './errors';
import { credentialFor } from './graph/client';
import { DEFAULT_EVIDENCE_LIMITS, GraphEvidenceReader } from './graph/evidence/graph-evidence-reader';
import { GraphEradicationActions } from './graph/eradication-actions';
import type { GraphUserDirectory } from './graph/user-directory';
import { DefenderHunting } from './hunting/defender';
import { DefenderHuntBackend, GraphSignInsHuntBackend, LogAnalyticsHuntBackend } from './hunting/hunt-backends';
import { DEFAULT_LOG_ANALYTICS_ENDPOINT, LogAnalyticsClient, LOOPBACK_CREDENTIAL } from './hunting/log-analytics';
import { DefenderSignIns, LogAnalyticsSignIns, type HuntingSignIns } from './hunting/sign-in-logs';
import type { ContainDeps } from './runbook/contain';
import type { DiagnoseDeps } from './runbook/diagnose';
import { autoEradicate, type EradicateDeps } from './runbook/eradicate';
import type { HuntDeps } from './runbook/hunt';
import type { Incident } from './runbook/incident';
import type { CampaignStore, Clock, FollowUpQueues, HuntBackend } from './runbook/ports';
import type { RecoverDeps } from './runbook/recover';
import type { VerifyDeps } from './runbook/verify';
import type { WriteBackDeps } from './runbook/write-back';
import { DefenderComments } from './graph/alert-comments';
import { SentinelIncidentComments } from './sentinel/incident-comments';
import type { TableIncidentStore } from './store/table-incident-store';

export interface FollowUpServices {
  diagnose: DiagnoseDeps;
  hunt: HuntDeps;
  eradicate: EradicateDeps;
  verify: VerifyDeps;
  recover: RecoverDeps;
  /** Present when WRITE_BACK names a target. */
  writeBack?: WriteBackDeps;
}

/** What the containment services already built, shared with the follow-up phases. */
export interface ContainmentParts {
  graph: Client;
  store: TableIncidentStore;
  campaigns: CampaignStore;
  queues: FollowUpQueues;
  directory: GraphUserDirectory;
  contain: ContainDeps;
  clock: Clock;
}

export function buildFollowUpServices(config: Config, parts: ContainmentParts): FollowUpServices {
  const { graph, store, campaigns, queues, directory, contain, clock } = parts;
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
  const reader = new GraphEvidenceReader(graph, config.graph.baseUrl, reportsLimiter, DEFAULT_EVIDENCE_LIMITS, signInLogs);
  const eradication = new GraphEradicationActions(graph, config.graph.baseUrl);
  // WRITE_BACK: the hook queues each mark's comment (built with containment); these write them.
  const writeBackHook = contain.writeBack;
  const comments =
    config.writeBack.target === 'sentinel'
      ? new SentinelIncidentComments(
          { baseUrl: config.writeBack.sentinelBaseUrl, budgetMs: config.graph.retryBudgetMs, attemptTimeoutMs: config.graph.timeoutMs },
          credentialFor(config.graph),
        )
      : config.writeBack.target === 'defender'
        ? new DefenderComments(graph)
        : undefined;
  const eradicate: EradicateDeps = {
    store,
    findings: store,
    queues,
    remover: eradication,
    reader,
    accounts: eradication,
    clock,
    contain,
    writeBack: writeBackHook,
  };
  const autoKinds = new Set(config.eradication.autoKinds);
  // AUTO_ERADICATE: diagnosis finishing queues removal of the known patterns; a failure is recorded, and
  // never undoes the pack.
  const afterDiagnosed = async (incident: Incident, invocationId: string): Promise<void> => {
    await writeBackHook?.marked(incident, 'diagnosed');
    if (autoKinds.size === 0) return;
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
      afterDiagnosed: autoKinds.size > 0 || writeBackHook ? afterDiagnosed : undefined,
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
      writeBack: writeBackHook,
    },
    writeBack: comments ? { store, comments, clock, consoleUrl: config.consoleUrl } : undefined,
  };
}
