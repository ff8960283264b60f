// The composition root: builds the adapters from configuration once per process and hands the
// function handlers what they need. Nothing else constructs SDK clients.
import { loadConfig, type Config } from './config';
import { createGraphClient } from './graph/client';
import { GraphContainmentActions } from './graph/containment-actions';
import { StorageFollowUpQueues } from './queues/follow-up-queues';
import type { ContainDeps } from './runbook/contain';
import type { IncidentStore } from './runbook/ports';
import { queueClient, tableClient } from './store/table-clients';
import { ALERT_GATE_TABLE, INCIDENTS_TABLE, TableIncidentStore } from './store/table-incident-store';

export interface Services {
  config: Config;
  store: IncidentStore;
  contain: ContainDeps;
}

export function buildServices(config: Config): Services {
  const store = new TableIncidentStore(tableClient(config.storage, INCIDENTS_TABLE), tableClient(config.storage, ALERT_GATE_TABLE));
  return {
    config,
    store,
    contain: {
      actions: new GraphContainmentActions(createGraphClient(config.graph)),
      store,
      queues: new StorageFollowUpQueues((queue) => queueClient(config.storage, queue)),
      policy: { protectedAccounts: config.protectedAccounts, mode: config.containmentMode },
      clock: { now: () => new Date() },
    },
  };
}

let services: Services | undefined;

export function getServices(): Services {
  services ??= buildServices(loadConfig());
  return services;
}
