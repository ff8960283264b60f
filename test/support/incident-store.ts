// The incident store the app builds (tables in Azurite), for tests that read or write incidents beside it
// or without it: the same adapter over the same tables as shared/services.ts wires.
import { parseConfig } from '../../shared/config';
import { incidentStoreFor, type TableIncidentStore } from '../../shared/store/table-incident-store';

export function incidentStore(storageConnectionString: string): TableIncidentStore {
  return incidentStoreFor(parseConfig({ AzureWebJobsStorage: storageConnectionString }).storage);
}
