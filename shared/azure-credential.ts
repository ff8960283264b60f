// The app's Azure credential (managed identity, or the DefaultAzureCredential chain), created when the
// first token is wanted rather than when the package loads. @azure/identity brings MSAL and every
// credential type with it, the heaviest require of the package (about a third of the cold start, issue
// 13 item 5); the first Graph or storage call pays it once, and it overlaps the token request itself.
import type { TokenCredential } from '@azure/identity';

type Identity = typeof import('@azure/identity');

export type { TokenCredential };

/** A credential that requires @azure/identity and builds the real one on its first getToken. */
function lazily(create: (identity: Identity) => TokenCredential): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import('@azure/identity').then(create);
      return (await credential).getToken(scopes, options);
    },
  };
}

/** The Function App's user-assigned identity when `clientId` names one, else the system-assigned one. */
export function managedIdentityCredential(clientId: string | undefined): TokenCredential {
  return lazily(({ ManagedIdentityCredential }) =>
    clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential(),
  );
}

/** The DefaultAzureCredential chain (environment, workload identity, managed identity, developer sign-ins). */
export function defaultAzureCredential(managedIdentityClientId: string | undefined): TokenCredential {
  return lazily(({ DefaultAzureCredential }) => new DefaultAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {}));
}
