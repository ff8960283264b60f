// Entra ID sign-in with MSAL for the browser: authorization code with PKCE, redirect flow, as the
// webhook's own app registration (a single-page-app redirect URI of this page), for WEBHOOK_AUDIENCE.
// Loaded only in Entra ID mode (a separate chunk), so the local console does not download MSAL.
import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo } from '@azure/msal-browser';
import { sessionFromToken, type Session } from './session';

export interface EntraSignIn {
  /** The analyst already signed in (back from the redirect, or earlier in this tab). */
  session?: Session;
  signIn: () => Promise<void>;
}

export async function entraSignIn(clientId: string, authority: string, scopes: string[], approverRole: string): Promise<EntraSignIn> {
  const redirectUri = `${location.origin}${location.pathname}`;
  const msal = new PublicClientApplication({
    auth: { clientId, authority, redirectUri, postLogoutRedirectUri: redirectUri },
    cache: { cacheLocation: 'sessionStorage' },
  });
  await msal.initialize();
  const result = await msal.handleRedirectPromise();
  const account: AccountInfo | undefined = result?.account ?? msal.getAllAccounts()[0];
  const signIn = () => msal.loginRedirect({ scopes, redirectStartPage: location.href });
  if (!account) return { signIn };
  const token = async (): Promise<string> => {
    try {
      return (await msal.acquireTokenSilent({ scopes, account })).accessToken;
    } catch (error) {
      if (error instanceof InteractionRequiredAuthError) await msal.acquireTokenRedirect({ scopes, account });
      throw error;
    }
  };
  const first = result?.accessToken || (await token());
  return { signIn, session: sessionFromToken(first, approverRole, token, () => msal.logoutRedirect({ account })) };
}
