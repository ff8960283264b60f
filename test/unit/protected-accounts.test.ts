import { UpstreamError } from '../../shared/errors';
import type { DirectoryLookup } from '../../shared/runbook/ports';
import { ProtectedAccountsWatch, type Every, type HealthLog } from '../../shared/runbook/protected-accounts';

/** A directory as a map: the tiny fake the port allows in unit tests. */
class Directory implements DirectoryLookup {
  readonly users = new Map<string, { objectId: string; upn: string }>();
  failing = false;
  calls = 0;
  async findUser(id: string) {
    this.calls++;
    if (this.failing) throw new UpstreamError('graph', 'Service unavailable', 503, 'serviceNotAvailable');
    return this.users.get(id);
  }
}

const clock = { now: () => new Date('2026-12-01T10:00:00Z') };
const BG = { objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99', upn: 'bg-admin@contoso.example' };

function setup(entries: string[]) {
  const directory = new Directory();
  const lines: Array<{ level: string; fields: Record<string, unknown> }> = [];
  const log: HealthLog = (level, fields) => void lines.push({ level, fields });
  let tick: (() => void) | undefined;
  const every: Every = (_ms, task) => {
    tick = task;
    return () => (tick = undefined);
  };
  const watch = new ProtectedAccountsWatch(entries, directory, clock, () => undefined);
  return { directory, lines, watch, start: () => watch.start(15 * 60_000, { log, every }), tick: () => tick?.() };
}

describe('ProtectedAccountsWatch', () => {
  it('resolves each entry at start, logs the ones naming nobody as errors, and re-checks on every tick', async () => {
    const { directory, lines, watch, start, tick } = setup([BG.upn, 'gone@contoso.example']);
    directory.users.set(BG.upn, BG);
    await start().first;
    const first = await watch.latest();
    expect(first.entries).toEqual([
      { entry: BG.upn, status: 'resolved', ...BG },
      { entry: 'gone@contoso.example', status: 'unresolved' },
    ]);
    expect(lines).toEqual([
      { level: 'error', fields: expect.objectContaining({ event: 'protected_account_unresolved', entry: 'gone@contoso.example' }) },
    ]);

    directory.users.set('gone@contoso.example', { objectId: '0f0e0d0c-0b0a-4909-8807-060504030201', upn: 'gone@contoso.example' });
    tick();
    const second = await watch.check();
    expect(second.entries.map((entry) => entry.status)).toEqual(['resolved', 'resolved']);
    expect((await watch.latest()).entries.map((entry) => entry.status)).toEqual(['resolved', 'resolved']);
  });

  it('says "unknown" (a warning, not a verdict) when the directory cannot be asked', async () => {
    const { directory, lines, watch, start } = setup([BG.upn]);
    directory.failing = true;
    start();
    expect((await watch.latest()).entries).toEqual([{ entry: BG.upn, status: 'unknown', error: '503 serviceNotAvailable' }]);
    expect(lines).toEqual([{ level: 'warning', fields: expect.objectContaining({ event: 'protected_account_unchecked' }) }]);
  });

  it('joins a check already running instead of asking the directory twice', async () => {
    const { directory, watch } = setup([BG.upn]);
    await Promise.all([watch.check(), watch.check(), watch.latest()]);
    expect(directory.calls).toBe(1);
  });
});
