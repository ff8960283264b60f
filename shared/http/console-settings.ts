// What GET /api/console/config.json answers: how the page signs in, and the role names it shows. Types
// alone, free of imports: shared/http/console.ts builds the value and the browser console (console/src,
// compiled without Node types) reads it, both from this one definition.
export type ConsoleSignIn =
  | { mode: 'simulator'; signInUrl: string; audience: string; analysts: Array<{ analyst: 'approver' | 'reader'; label: string }> }
  | { mode: 'entra'; clientId: string; authority: string; scopes: string[] }
  | { mode: 'unavailable'; reason: string };

export interface ConsoleSettings {
  signIn: ConsoleSignIn;
  approverRole: string;
  readerRole: string;
}
