// What GET /api/health reports: whether the app can work right now (storage and Graph answer, with
// how long they took), whether its protected entries name real people, and how old the safety snapshot is. The settings summary comes
// from shared/config (describeSettings); nothing here reads a secret.
import { UpstreamError } from '../errors';
import type { ProtectedAccountsReport, ProtectedAccountsWatch } from './protected-accounts';
import type { SafetySnapshotReport, SafetySnapshotWatch } from './safety-snapshot-watch';

export interface Probe {
  (): Promise<void>;
}

export interface DependencyHealth {
  reachable: boolean;
  latencyMs: number;
  /** Why not, in a few words (a status and code, never SDK text with hosts in it). */
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  storage: DependencyHealth;
  graph: DependencyHealth;
  protectedAccounts: ProtectedAccountsReport & { resolved: number; unresolved: number; unknown: number };
  /** The safety snapshot: its age and size, or why containment does the live reads. */
  safetySnapshot?: SafetySnapshotReport;
}

export interface HealthDeps {
  protectedAccounts: ProtectedAccountsWatch;
  snapshot?: SafetySnapshotWatch;
  probes: { storage: Probe; graph: Probe };
}

async function measure(probe: Probe, describe: (error: unknown) => string): Promise<DependencyHealth> {
  const started = performance.now();
  try {
    await probe();
    return { reachable: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { reachable: false, latencyMs: Math.round(performance.now() - started), error: describe(error) };
  }
}

export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const [storage, graph, protectedAccounts] = await Promise.all([
    measure(deps.probes.storage, () => 'incident store unavailable'),
    measure(deps.probes.graph, (error) =>
      error instanceof UpstreamError ? `${error.serviceName} ${error.status || 'no response'} ${error.code}` : 'Graph unavailable',
    ),
    deps.protectedAccounts.latest(),
  ]);
  const count = (status: string) => protectedAccounts.entries.filter((entry) => entry.status === status).length;
  const summary = { ...protectedAccounts, resolved: count('resolved'), unresolved: count('unresolved'), unknown: count('unknown') };
  const ok = storage.reachable && graph.reachable && summary.unresolved === 0 && summary.unknown === 0;
  // A missing or stale snapshot is not degraded service: containment does the live reads, as safe and slower.
  return { status: ok ? 'ok' : 'degraded', storage, graph, protectedAccounts: summary, safetySnapshot: deps.snapshot?.report() };
}
