// PROTECTED_ACCOUNTS resolved against the directory, at start and periodically: an entry that names
// nobody (a typo, a deleted or renamed break-glass account) protects nobody, and nothing else would say
// so until the account it was meant for is disabled. Each such entry is logged as an error and shown
// on GET /api/health.
import { UpstreamError } from '../errors';
import type { Clock, DirectoryLookup } from './ports';

export interface ProtectedEntryStatus {
  entry: string;
  /** resolved: names a directory user; unresolved: names nobody (404); unknown: the lookup failed. */
  status: 'resolved' | 'unresolved' | 'unknown';
  objectId?: string;
  upn?: string;
  /** Why the status is unknown (the Graph error code). */
  error?: string;
}

export interface ProtectedAccountsReport {
  checkedAt: string;
  entries: ProtectedEntryStatus[];
}

export type HealthLog = (level: 'error' | 'warning' | 'information', fields: Record<string, unknown>) => void;

/** Runs `task` every `ms` until the returned function is called; must not keep the process alive. */
export type Every = (ms: number, task: () => void) => () => void;

const defaultEvery: Every = (ms, task) => {
  const timer = setInterval(task, ms);
  timer.unref();
  return () => clearInterval(timer);
};

export class ProtectedAccountsWatch {
  private last?: ProtectedAccountsReport;
  private running?: Promise<ProtectedAccountsReport>;

  constructor(
    private readonly entries: readonly string[],
    private readonly lookup: DirectoryLookup,
    private readonly clock: Clock,
    private log: HealthLog,
  ) {}

  /** Resolves every entry (one check at a time: a check already running is joined). */
  check(): Promise<ProtectedAccountsReport> {
    this.running ??= this.resolveAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The latest report; the first call waits for a check when none has finished yet. */
  latest(): Promise<ProtectedAccountsReport> {
    return this.last !== undefined ? Promise.resolve(this.last) : this.check();
  }

  /**
   * Checks now and every `intervalMs`, logging to `log` from now on. `first` settles when the first
   * check has (it never rejects: a failed lookup is an "unknown" entry); `stop` ends the schedule.
   */
  start(intervalMs: number, options: { log?: HealthLog; every?: Every } = {}): { first: Promise<void>; stop: () => void } {
    if (options.log) this.log = options.log;
    const every = options.every ?? defaultEvery;
    const run = () =>
      this.check().then(
        () => undefined,
        () => undefined,
      );
    const first = run();
    return { first, stop: every(intervalMs, () => void run()) };
  }

  private async resolveAll(): Promise<ProtectedAccountsReport> {
    const entries = await Promise.all(this.entries.map((entry) => this.resolve(entry)));
    const report = { checkedAt: this.clock.now().toISOString(), entries };
    for (const status of entries) {
      if (status.status === 'unresolved') {
        this.log('error', {
          event: 'protected_account_unresolved',
          entry: status.entry,
          message: `PROTECTED_ACCOUNTS entry "${status.entry}" names no directory user: it protects nobody. Fix the setting.`,
        });
      } else if (status.status === 'unknown') {
        this.log('warning', { event: 'protected_account_unchecked', entry: status.entry, error: status.error });
      }
    }
    this.last = report;
    return report;
  }

  private async resolve(entry: string): Promise<ProtectedEntryStatus> {
    try {
      const user = await this.lookup.findUser(entry);
      return user === undefined ? { entry, status: 'unresolved' } : { entry, status: 'resolved', objectId: user.objectId, upn: user.upn };
    } catch (error) {
      return { entry, status: 'unknown', error: error instanceof UpstreamError ? `${error.status} ${error.code}` : 'lookup failed' };
    }
  }
}
