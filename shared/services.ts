// The composition root: builds the adapters from configuration once per process and hands the
// function handlers what they need. Nothing else constructs SDK clients.
import { callerAuthenticator, type CallerAuthenticator } from './auth/callers';
import { loadConfig, type Config } from './config';
import { createGraphClient } from './graph/client';
import { GraphContainmentActions } from './graph/containment-actions';
import { GraphUserDirectory } from './graph/user-directory';
import { StorageFollowUpQueues } from './queues/follow-up-queues';
import type { ContainDeps } from './runbook/contain';
import type { IncidentStore } from './runbook/ports';
import { queueClient, tableClient } from './store/table-clients';
import { LIMITS_TABLE, TableBlastRadiusLimiter } from './store/table-blast-radius';
import { ALERT_GATE_TABLE, INCIDENTS_TABLE, TableIncidentStore } from './store/table-incident-store';

export interface Services {
  config: Config;
  callers: CallerAuthenticator;
  store: IncidentStore;
  contain: ContainDeps;
}

export function buildServices(config: Config): Services {
  const store = new TableIncidentStore(tableClient(config.storage, INCIDENTS_TABLE), tableClient(config.storage, ALERT_GATE_TABLE));
  const graph = createGraphClient(config.graph);
  return {
    config,
    callers: callerAuthenticator(config),
    store,
    contain: {
      actions: new GraphContainmentActions(graph),
      directory: new GraphUserDirectory(graph, config.graph.baseUrl),
      limiter: new TableBlastRadiusLimiter(tableClient(config.storage, LIMITS_TABLE), config.blastRadius.max, config.blastRadius.windowMinutes),
      store,
      queues: new StorageFollowUpQueues((queue) => queueClient(config.storage, queue)),
      policy: {
        protectedAccounts: config.protectedAccounts,
        protectedGroupIds: config.protectedGroupIds,
        privilegedUsers: config.privilegedUsers,
        mode: config.containmentMode,
        minAutoContainSeverity: config.minAutoContainSeverity,
      },
      clock: { now: () => new Date() },
    },
  };
}

let services: Services | undefined;

export function getServices(): Services {
  services ??= buildServices(loadConfig());
  return services;
}
