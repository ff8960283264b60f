// Keeps the safety snapshot fresh: built when the app starts and again every refresh interval, outside
// any invocation. A refresh that fails leaves the state saying so, and containment then does the live
// reads until a refresh succeeds (a failed or stale snapshot never clears anyone).
import { toError, UpstreamError } from '../errors';
import type { SnapshotState } from '../policy/safety-snapshot';
import type { Clock, SafetySnapshotReader, SafetySnapshotSource } from './ports';
import type { Every, HealthLog } from './protected-accounts';

const defaultEvery: Every = (ms, task) => {
  const timer = setInterval(task, ms);
  timer.unref();
  return () => clearInterval(timer);
};

/** What GET /api/health says about the snapshot. */
export interface SafetySnapshotReport {
  takenAt?: string;
  ageSeconds?: number;
  maxAgeSeconds: number;
  users?: number;
  protectedMembers?: number;
  roleHolders?: number;
  eligibleRolesRead?: boolean;
  failure?: string;
}

export class SafetySnapshotWatch implements SafetySnapshotSource {
  private current: SnapshotState = {};
  private running?: Promise<void>;

  constructor(
    private readonly reader: SafetySnapshotReader,
    private readonly protectedGroupIds: readonly string[],
    private readonly clock: Clock,
    readonly maxAgeSeconds: number,
    private log: HealthLog,
  ) {}

  state(): SnapshotState {
    return this.current;
  }

  /** One refresh at a time: a refresh already running is joined. Never rejects. */
  refresh(): Promise<void> {
    this.running ??= this.build().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Refreshes now and then every quarter of the maximum age, so a snapshot is normally well inside it
   * and two refreshes can fail in a row before containment falls back to the live reads for age.
   */
  start(options: { log?: HealthLog; every?: Every } = {}): { first: Promise<void>; stop: () => void } {
    if (options.log) this.log = options.log;
    const every = options.every ?? defaultEvery;
    const first = this.refresh();
    return { first, stop: every(Math.max(1, this.maxAgeSeconds / 4) * 1000, () => void this.refresh()) };
  }

  report(): SafetySnapshotReport {
    const { snapshot, failure } = this.current;
    if (snapshot === undefined) return { maxAgeSeconds: this.maxAgeSeconds, failure };
    return {
      takenAt: snapshot.takenAt,
      ageSeconds: Math.floor((this.clock.now().getTime() - Date.parse(snapshot.takenAt)) / 1000),
      maxAgeSeconds: this.maxAgeSeconds,
      users: snapshot.upnById.size,
      protectedMembers: snapshot.protectedGroupsById.size,
      roleHolders: snapshot.rolesById.size,
      eligibleRolesRead: snapshot.eligibleRolesRead,
      failure,
    };
  }

  private async build(): Promise<void> {
    // Taken before the first read: whatever changed after this may be missing, so the age counts from here.
    const takenAt = this.clock.now().toISOString();
    const started = performance.now();
    try {
      const contents = await this.reader.read(this.protectedGroupIds);
      this.current = { snapshot: { ...contents, takenAt } };
      this.log('information', {
        event: 'safety_snapshot_refreshed',
        takenAt,
        users: contents.upnById.size,
        protectedMembers: contents.protectedGroupsById.size,
        roleHolders: contents.rolesById.size,
        eligibleRolesRead: contents.eligibleRolesRead,
        durationMs: Math.round(performance.now() - started),
      });
    } catch (error) {
      const failure =
        error instanceof UpstreamError ? `Graph ${error.status || 'no response'} ${error.code}` : toError(error).message.slice(0, 200);
      this.current = { ...this.current, failure };
      this.log('warning', {
        event: 'safety_snapshot_refresh_failed',
        error: failure,
        message: 'containment uses the live reads until a refresh succeeds',
      });
    }
  }
}
