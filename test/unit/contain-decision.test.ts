import { decide, gateHold, releasesSeverityHold, stopFor, takesSlot, unresolvedStop } from '../../shared/runbook/contain-decision';
import type { SafetyPolicy, UserFacts } from '../../shared/policy/containment-policy';
import type { Incident } from '../../shared/runbook/incident';
import { UpstreamError } from '../../shared/errors';

const policy: SafetyPolicy = {
  protectedAccounts: new Set(['bg-admin-01@wingtip-lab.example']),
  protectedGroupIds: ['3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10'],
  privilegedUsers: 'approve',
  mode: 'enforce',
  minAutoContainSeverity: 'high',
};
const facts = (overrides: Partial<UserFacts> = {}): UserFacts => ({
  objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01',
  upn: 'avery.chen@wingtip-lab.example',
  accountEnabled: true,
  onPremisesSyncEnabled: false,
  protectedGroupIds: [],
  directoryRoles: [],
  ...overrides,
});
const user = { upn: 'avery.chen@wingtip-lab.example' };
const granted = { granted: true, window: '2026-01-01T00:00', count: 1, max: 10 };

describe('gateHold and decide', () => {
  it('acts for an ordinary person at a passing severity with a granted slot', () => {
    const hold = gateHold(user, facts(), 'high', policy);
    expect(hold).toBeUndefined();
    expect(takesSlot(hold, policy, { counted: false })).toBe(true);
    expect(decide(hold, policy, granted)).toEqual({ kind: 'act' });
  });

  it('skips a protected person (by group) without a slot, even when approved', () => {
    const hold = gateHold(user, facts({ protectedGroupIds: ['3f9e2d1c-0b4a-4e5f-8a7b-6c5d4e3f2a10'] }), 'high', policy, {
      approvedBy: 'a',
    });
    expect(hold?.kind).toBe('protected');
    expect(takesSlot(hold, policy, { counted: false })).toBe(false);
    const decision = decide(hold, policy, undefined);
    expect(decision).toMatchObject({ kind: 'hold', state: 'skipped_protected', event: { kind: 'skipped_protected' } });
    expect(decision.kind === 'hold' && decision.hold).toBeUndefined();
  });

  it('holds a privileged person and a low severity for approval; an approval passes both', () => {
    const privileged = facts({ directoryRoles: ['Global Administrator'] });
    expect(decide(gateHold(user, privileged, 'high', policy), policy, undefined)).toMatchObject({
      state: 'awaiting_approval',
      hold: 'privileged',
    });
    expect(decide(gateHold(user, facts(), 'medium', policy), policy, undefined)).toMatchObject({ hold: 'severity' });
    expect(gateHold(user, privileged, 'low', policy, { approvedBy: 'a' })).toBeUndefined();
  });

  it('mode off holds before anything; dry run records instead of acting, and an approved dry run closes', () => {
    expect(decide(gateHold(user, facts(), 'high', { ...policy, mode: 'off' }), policy, undefined)).toMatchObject({ hold: 'mode_off' });
    const dry = { ...policy, mode: 'dry-run' as const };
    expect(takesSlot(undefined, dry, { counted: false })).toBe(false);
    expect(decide(undefined, dry, undefined)).toMatchObject({ kind: 'dry_run', state: 'awaiting_approval', hold: 'dry_run' });
    expect(decide(undefined, dry, undefined, { approvedBy: 'a' })).toMatchObject({ kind: 'dry_run', state: 'closed' });
  });

  it('holds when the breaker trips or the limiter cannot be reached (never acts unchecked)', () => {
    expect(decide(undefined, policy, { ...granted, granted: false, count: 10 })).toMatchObject({ hold: 'blast_radius' });
    expect(decide(undefined, policy, new Error('storage down'))).toMatchObject({ hold: 'limiter_unavailable' });
  });

  it('takes no second slot for an incident already counted or approved', () => {
    expect(takesSlot(undefined, policy, { counted: true })).toBe(false);
    expect(takesSlot(undefined, policy, { counted: false, approval: { approvedBy: 'a' } })).toBe(false);
  });

  it('stopFor keeps the hold kind except for protection', () => {
    expect(stopFor({ kind: 'severity', reason: 'r' })).toMatchObject({ hold: 'severity', event: { kind: 'held_severity' } });
  });
});

describe('unresolvedStop', () => {
  const person = { objectId: 'a', upn: 'a@x', accountEnabled: true, onPremisesSyncEnabled: false };
  it('holds two people as an identity mismatch, naming both', () => {
    const stop = unresolvedStop({ kind: 'mismatch', reason: 'two people', people: [person, { ...person, objectId: 'b' }] });
    expect(stop).toMatchObject({ state: 'awaiting_approval', hold: 'identity_mismatch', event: { kind: 'held_identity_mismatch' } });
    expect(stop.event.detail).toEqual({
      people: [
        { upn: 'a@x', objectId: 'a' },
        { upn: 'a@x', objectId: 'b' },
      ],
    });
  });
  it('fails for nobody, and for an unreadable directory (retryable only when transient)', () => {
    expect(unresolvedStop({ kind: 'nobody', reason: 'none' })).toMatchObject({ state: 'failed', event: { kind: 'verification_failed' } });
    const throttled = new UpstreamError('graph', 'throttled', 429, 'TooManyRequests');
    expect(unresolvedStop({ kind: 'failed', error: throttled }).retryable).toBe(true);
    const denied = new UpstreamError('graph', 'denied', 403, 'Authorization_RequestDenied');
    expect(unresolvedStop({ kind: 'failed', error: denied }).retryable).toBeUndefined();
  });
});

describe('releasesSeverityHold', () => {
  const held = { state: 'awaiting_approval', hold: 'severity' } as Incident;
  it('lifts a severity hold for a delivery that passes the gate, and nothing else', () => {
    expect(releasesSeverityHold(held, 'high', policy)).toBe(true);
    expect(releasesSeverityHold(held, 'medium', policy)).toBe(false);
    expect(releasesSeverityHold({ ...held, hold: 'privileged' }, 'high', policy)).toBe(false);
  });
});
