// The incident store the app builds (tables in Azurite), for tests that read or write incidents beside it
// or without it: the same adapter over the same tables as shared/services.ts wires.
import { parseConfig } from '../../shared/config';
import { tableClient } from '../../shared/store/table-clients';
import { INCIDENT_INDEX_TABLE } from '../../shared/store/incident-index';
import { ALERT_GATE_TABLE, INCIDENTS_TABLE, TableIncidentStore } from '../../shared/store/table-incident-store';

export function incidentStore(storageConnectionString: string): TableIncidentStore {
  const { storage } = parseConfig({ AzureWebJobsStorage: storageConnectionString });
  return new TableIncidentStore(
    tableClient(storage, INCIDENTS_TABLE),
    tableClient(storage, ALERT_GATE_TABLE),
    tableClient(storage, INCIDENT_INDEX_TABLE),
  );
}
