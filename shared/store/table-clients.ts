// Table and queue service clients from the storage settings: a connection string (Azurite locally) or
// the Function App's managed identity (Azure, shared-key access off).
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { StorageSettings } from '../config';

function identityCredential(clientId: string | undefined): TokenCredential {
  return clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential();
}

function isLoopback(connectionString: string): boolean {
  return /Endpoint=http:\/\/(127\.|localhost)/i.test(connectionString) || /UseDevelopmentStorage=true/i.test(connectionString);
}

export function tableClient(settings: StorageSettings, tableName: string): TableClient {
  if (settings.kind === 'connection-string') {
    return TableClient.fromConnectionString(settings.connectionString, tableName, {
      allowInsecureConnection: isLoopback(settings.connectionString),
    });
  }
  return new TableClient(settings.tableServiceUri, tableName, identityCredential(settings.clientId));
}

export function queueClient(settings: StorageSettings, queueName: string): QueueClient {
  if (settings.kind === 'connection-string') return new QueueClient(settings.connectionString, queueName);
  return new QueueClient(`${settings.queueServiceUri.replace(/\/+$/, '')}/${queueName}`, identityCredential(settings.clientId));
}
