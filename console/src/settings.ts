// Loads what GET /api/console/config.json says: how to sign in (its type is the server's own,
// shared/http/console-settings.ts).
import type { ConsoleSettings } from '../../shared/http/console-settings';

export type { ConsoleSettings };

export async function loadSettings(): Promise<ConsoleSettings> {
  const response = await fetch('/api/console/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`the console settings did not load (HTTP ${response.status})`);
  return (await response.json()) as ConsoleSettings;
}
