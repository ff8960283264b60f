// Builds the Microsoft Graph client: an Azure credential (or none, for the loopback tenant
// simulator), our bounded retry, and real HTTP. The base URL is configurable so sovereign clouds and
// the simulator go through the same code.
import { Client, HTTPMessageHandler, AuthenticationHandler, type Middleware } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { defaultAzureCredential, managedIdentityCredential, type TokenCredential } from '../azure-credential';
import type { Config } from '../config';
import { BoundedRetryHandler } from './retry';

export const GRAPH_VERSION = 'v1.0';

/** The credential the app reads Graph (and Log Analytics) with; none for the loopback simulator. */
export function credentialFor(settings: Config['graph']): TokenCredential | undefined {
  switch (settings.auth) {
    case 'none':
      return undefined;
    case 'managed-identity':
      return managedIdentityCredential(settings.clientId);
    case 'default':
      return defaultAzureCredential(settings.clientId);
  }
}

function chain(...middleware: Middleware[]): Middleware {
  for (let i = 0; i < middleware.length - 1; i++) middleware[i].setNext?.(middleware[i + 1]);
  return middleware[0];
}

export function createGraphClient(settings: Config['graph'], credential = credentialFor(settings)): Client {
  const host = new URL(settings.baseUrl).host;
  const retry = new BoundedRetryHandler({ budgetMs: settings.retryBudgetMs, attemptTimeoutMs: settings.timeoutMs });
  const middleware = credential
    ? chain(
        new AuthenticationHandler(
          new TokenCredentialAuthenticationProvider(credential, { scopes: [`${new URL(settings.baseUrl).origin}/.default`] }),
        ),
        retry,
        new HTTPMessageHandler(),
      )
    : chain(retry, new HTTPMessageHandler());
  return Client.initWithMiddleware({
    baseUrl: settings.baseUrl,
    defaultVersion: GRAPH_VERSION,
    middleware,
    customHosts: new Set([host]),
  });
}
