// Table and queue service clients from the storage settings: a connection string (Azurite locally) or
// the Function App's managed identity (Azure, shared-key access off). Every table call has a deadline
// (STORAGE_TIMEOUT_MS) set here, once, as a pipeline policy: a storage hang must fail the call fast
// (503, retry later) rather than hold the containment path for as long as the socket stays open.
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { defaultAzureCredential, managedIdentityCredential, type TokenCredential } from '../azure-credential';
import { DEFAULT_STORAGE_TIMEOUT_MS, type StorageSettings } from '../config';

type PipelinePolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

export interface StorageClientOptions {
  /** The whole call, the SDK's own retries included, is aborted after this long. Default 5000. */
  timeoutMs?: number;
}

function identityCredential(clientId: string | undefined): TokenCredential {
  return clientId ? managedIdentityCredential(clientId) : defaultAzureCredential(undefined);
}

function isLoopback(connectionString: string): boolean {
  return /Endpoint=http:\/\/(127\.|localhost)/i.test(connectionString) || /UseDevelopmentStorage=true/i.test(connectionString);
}

/**
 * Runs per call, outside the SDK's retry policy, so the deadline bounds the call with its retries. The
 * caller's own abort signal (if any) still works.
 */
export function deadlinePolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: 'storageDeadline',
    sendRequest: (request, next) => {
      const deadline = AbortSignal.timeout(timeoutMs);
      const own = request.abortSignal;
      if (own === undefined) {
        request.abortSignal = deadline;
        return next(request);
      }
      const either = new AbortController();
      const abort = () => either.abort();
      if (own.aborted) abort();
      own.addEventListener('abort', abort);
      deadline.addEventListener('abort', abort);
      request.abortSignal = either.signal;
      return next(request).finally(() => {
        own.removeEventListener('abort', abort);
        deadline.removeEventListener('abort', abort);
      });
    },
  };
}

export function tableClient(settings: StorageSettings, tableName: string, options: StorageClientOptions = {}): TableClient {
  const policy = deadlinePolicy(options.timeoutMs ?? DEFAULT_STORAGE_TIMEOUT_MS);
  const clientOptions: TableServiceClientOptions = { additionalPolicies: [{ policy, position: 'perCall' }] };
  if (settings.kind === 'connection-string') {
    return TableClient.fromConnectionString(settings.connectionString, tableName, {
      ...clientOptions,
      allowInsecureConnection: isLoopback(settings.connectionString),
    });
  }
  return new TableClient(settings.tableServiceUri, tableName, identityCredential(settings.clientId), clientOptions);
}

/** The queue SDK takes no extra policy; its one adapter (StorageFollowUpQueues) gives each call the deadline. */
export function queueClient(settings: StorageSettings, queueName: string): QueueClient {
  if (settings.kind === 'connection-string') return new QueueClient(settings.connectionString, queueName);
  return new QueueClient(`${settings.queueServiceUri.replace(/\/+$/, '')}/${queueName}`, identityCredential(settings.clientId));
}
