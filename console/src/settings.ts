// What GET /api/console/config.json says (shared/http/console.ts ConsoleSettings): how to sign in.
export type SignIn =
  | { mode: 'simulator'; signInUrl: string; audience: string; analysts: Array<{ analyst: 'approver' | 'reader'; label: string }> }
  | { mode: 'entra'; clientId: string; authority: string; scopes: string[] }
  | { mode: 'unavailable'; reason: string };

export interface ConsoleSettings {
  signIn: SignIn;
  approverRole: string;
  readerRole: string;
}

export async function loadSettings(): Promise<ConsoleSettings> {
  const response = await fetch('/api/console/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`the console settings did not load (HTTP ${response.status})`);
  return (await response.json()) as ConsoleSettings;
}
