// The one list of function definitions: registered with the Azure Functions runtime here, and served
// by the local host (dev/host) from the same objects, so what we test locally is what Azure runs.
// The settings are validated before the first registration: a bad setting stops the worker (or the
// local host) from starting, with a message naming it, instead of failing the first alert.
import { app, HttpHandler, StorageQueueHandler } from '@azure/functions';
import { loadConfig } from '../shared/config';

export type AuthLevel = 'anonymous' | 'function' | 'admin';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpFunctionDefinition {
  kind: 'http';
  name: string;
  /** Route below the `/api` prefix, with `{param}` segments, e.g. `incidents/{id}`. */
  route: string;
  methods: HttpMethod[];
  authLevel: AuthLevel;
  handler: HttpHandler;
}

export interface QueueFunctionDefinition {
  kind: 'queue';
  name: string;
  queueName: string;
  /** App setting (prefix) naming the storage connection, as in Azure. */
  connection: string;
  handler: StorageQueueHandler;
}

export type FunctionDefinition = HttpFunctionDefinition | QueueFunctionDefinition;

const registered: FunctionDefinition[] = [];

/** Registers with Azure (a no-op in test mode, where @azure/functions-core is absent) and remembers. */
export function registerFunction<T extends FunctionDefinition>(definition: T): T {
  // Throws ConfigError ("Invalid configuration: PROTECTED_ACCOUNTS: ...") while the module loads.
  loadConfig();
  if (definition.kind === 'http') {
    app.http(definition.name, {
      route: definition.route,
      methods: definition.methods,
      authLevel: definition.authLevel,
      handler: definition.handler,
    });
  } else {
    app.storageQueue(definition.name, {
      queueName: definition.queueName,
      connection: definition.connection,
      handler: definition.handler,
    });
  }
  registered.push(definition);
  return definition;
}

export function registeredFunctions(): readonly FunctionDefinition[] {
  return registered;
}
