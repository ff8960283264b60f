import { containmentOutcome } from '../../shared/runbook/contain-outcome';
import type { UserFacts } from '../../shared/policy/containment-policy';
import type { ActionOutcome, ContainmentAction, Incident } from '../../shared/runbook/incident';

const facts = (overrides: Partial<UserFacts> = {}): UserFacts => ({
  objectId: 'o1',
  upn: 'avery.chen@wingtip-lab.example',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  protectedGroupIds: [],
  directoryRoles: [],
  ...overrides,
});
const incident = { id: 'i1', state: 'containing', actions: [] as ActionOutcome[] } as Incident;
const at = '2026-01-01T00:00:10.000Z';

function outcome(action: ContainmentAction, endedAt: string, failure?: { status: number; transient: boolean }): ActionOutcome {
  const base = {
    action,
    request: { method: 'POST' as const, path: `/x/${action}` },
    attempts: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt,
  };
  return failure
    ? { ...base, durationMs: 5, result: 'failed', httpStatus: failure.status, graphCode: 'Err', transient: failure.transient }
    : { ...base, durationMs: 5, result: 'succeeded', httpStatus: 204 };
}

describe('containmentOutcome', () => {
  it('both writes succeeded: contained, T0 at the later one, marked T0 on the timeline', () => {
    const result = containmentOutcome(
      incident,
      [outcome('revokeSessions', '2026-01-01T00:00:02.000Z'), outcome('disableAccount', '2026-01-01T00:00:01.000Z')],
      facts(),
      at,
    );
    expect(result.incident).toMatchObject({ state: 'contained', t0: '2026-01-01T00:00:02.000Z', updatedAt: at });
    expect(result.incident.actions.map((a) => a.action)).toEqual(['revokeSessions', 'disableAccount']);
    expect(result.events.map((e) => e.kind)).toEqual(['revokeSessions_succeeded', 'disableAccount_succeeded', 'contained']);
    expect(result.events.at(-1)).toMatchObject({ mark: 'T0', at: '2026-01-01T00:00:02.000Z' });
    expect(result.incident.retryable).toBeUndefined();
  });

  it('contained again keeps the first T0 and says so', () => {
    const again = { ...incident, t0: '2025-12-31T00:00:00.000Z' };
    const result = containmentOutcome(again, [outcome('revokeSessions', at), outcome('disableAccount', at)], facts(), at);
    expect(result.incident.t0).toBe('2025-12-31T00:00:00.000Z');
    expect(result.events.at(-1)).toMatchObject({ kind: 'recontained' });
    expect(result.events.at(-1)?.mark).toBeUndefined();
  });

  it('one transient failure: partially contained, retryable, no T0', () => {
    const result = containmentOutcome(
      incident,
      [outcome('revokeSessions', at), outcome('disableAccount', at, { status: 503, transient: true })],
      facts(),
      at,
    );
    expect(result.incident).toMatchObject({ state: 'partially_contained', retryable: true });
    expect(result.incident.t0).toBeUndefined();
    expect(result.events.at(-1)?.kind).toBe('partially_contained');
  });

  it('a retry merges with what succeeded earlier', () => {
    const earlier = { ...incident, actions: [outcome('revokeSessions', '2026-01-01T00:00:01.000Z')] };
    const result = containmentOutcome(earlier, [outcome('disableAccount', '2026-01-01T00:00:05.000Z')], facts(), at);
    expect(result.incident).toMatchObject({ state: 'contained', t0: '2026-01-01T00:00:05.000Z' });
  });

  it('Graph refusing to disable a role holder (403) is held for a human, not retried', () => {
    const result = containmentOutcome(
      incident,
      [outcome('revokeSessions', at), outcome('disableAccount', at, { status: 403, transient: false })],
      facts({ directoryRoles: ['Global Administrator'] }),
      at,
    );
    expect(result.incident).toMatchObject({ state: 'awaiting_approval', hold: 'privileged_refused' });
    expect(result.incident.retryable).toBeUndefined();
    expect(result.events.at(-1)?.kind).toBe('held_privileged');
  });

  it('both failed: failed; a hybrid user disabled gets the on-premises warning', () => {
    const failed = containmentOutcome(
      incident,
      [outcome('revokeSessions', at, { status: 400, transient: false }), outcome('disableAccount', at, { status: 400, transient: false })],
      facts(),
      at,
    );
    expect(failed.incident.state).toBe('failed');
    expect(failed.incident.retryable).toBeUndefined();
    const hybrid = containmentOutcome(
      incident,
      [outcome('revokeSessions', at), outcome('disableAccount', at)],
      facts({ onPremisesSyncEnabled: true }),
      at,
    );
    expect(hybrid.events.at(-1)?.kind).toBe('on_premises_disable_required');
  });
});
