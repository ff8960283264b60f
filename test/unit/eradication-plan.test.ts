// Phase 3's pure decisions: what "flagged" selects, what needs a human, the runbook's order with
// alternateMobile before mobile, the snapshot comparison, AUTO_ERADICATE's patterns, and the
// Exchange Online steps; and recovery's generated password.
import type { StoredFinding } from '../../shared/runbook/ports';
import type { RemovalItem } from '../../shared/runbook/incident';
import {
  autoEradicable,
  changedSince,
  exchangeManualSteps,
  flaggedFindings,
  needsHuman,
  notRemovable,
  orderRemovals,
  removalPermission,
} from '../../shared/runbook/eradication-plan';
import { generatePassword } from '../../shared/runbook/recover';

function finding(partial: Partial<StoredFinding> & Pick<StoredFinding, 'kind' | 'providerId'>): StoredFinding {
  return {
    id: `${partial.kind}-${partial.providerId}`,
    title: partial.providerId,
    verdict: 'suspicious',
    reasons: [],
    source: 'inboxRules',
    details: {},
    raw: {},
    observedAt: '2026-03-14T12:00:00Z',
    target: partial.target ?? { type: 'messageRule', id: partial.providerId },
    ...partial,
  };
}

function item(f: StoredFinding): RemovalItem {
  return { findingId: f.id, kind: f.kind, title: f.title, verdict: f.verdict, target: f.target!, status: 'pending' };
}

describe('selection', () => {
  const rule = finding({ kind: 'inbox_rule', providerId: 'r1' });
  const unknownRule = finding({ kind: 'inbox_rule', providerId: 'r2', verdict: 'unknown' });
  const signIn = finding({ kind: 'sign_in', providerId: 's1', target: undefined });
  const password = finding({ kind: 'authentication_method', providerId: 'p1', target: { type: 'passwordAuthenticationMethod', id: 'p1' } });

  it('"flagged" is suspicious findings with a removable target only', () => {
    expect(flaggedFindings([rule, unknownRule, signIn, password]).map((f) => f.id)).toEqual([rule.id]);
    expect(notRemovable(signIn)).toMatch(/evidence/);
    expect(notRemovable(password)).toMatch(/reset, not removed/);
  });

  it('a tenant-wide grant is for a human', () => {
    const tenantWide = finding({
      kind: 'oauth_grant',
      providerId: 'g1',
      details: { consentType: 'AllPrincipals' },
      target: { type: 'oAuth2PermissionGrant', id: 'g1' },
    });
    expect(needsHuman(tenantWide)).toMatch(/AllPrincipals/);
    expect(needsHuman(finding({ kind: 'oauth_grant', providerId: 'g2', details: { consentType: 'Principal' } }))).toBeUndefined();
  });

  it('names the least-privileged permission per target', () => {
    expect(removalPermission({ type: 'phoneAuthenticationMethod', id: 'x' })).toBe('UserAuthMethod-Phone.ReadWrite.All');
    expect(removalPermission({ type: 'device', id: 'x' })).toBe('Device.ReadWrite.All');
    expect(removalPermission({ type: 'messageRule', id: 'x' })).toBe('MailboxSettings.ReadWrite');
  });
});

describe('order', () => {
  it('rules, grants, app roles, methods (alternateMobile before mobile), devices', () => {
    const device = finding({ kind: 'device', providerId: 'd', target: { type: 'device', id: 'd' } });
    const mobile = finding({
      kind: 'authentication_method',
      providerId: 'm',
      raw: { phoneType: 'mobile' },
      target: { type: 'phoneAuthenticationMethod', id: 'm' },
    });
    const alternate = finding({
      kind: 'authentication_method',
      providerId: 'a',
      raw: { phoneType: 'alternateMobile' },
      target: { type: 'phoneAuthenticationMethod', id: 'a' },
    });
    const grant = finding({ kind: 'oauth_grant', providerId: 'g', target: { type: 'oAuth2PermissionGrant', id: 'g' } });
    const role = finding({ kind: 'app_role_assignment', providerId: 'ar', target: { type: 'appRoleAssignment', id: 'ar' } });
    const rule = finding({ kind: 'inbox_rule', providerId: 'r' });
    const all = [device, mobile, alternate, grant, role, rule];
    const ordered = orderRemovals(all.map(item), new Map(all.map((f) => [f.id, f.raw])));
    expect(ordered.map((i) => i.target.id)).toEqual(['r', 'g', 'ar', 'a', 'm', 'd']);
  });
});

describe('snapshot comparison', () => {
  const snapshot = {
    '@odata.type': '#x',
    id: 'r',
    displayName: '.',
    actions: { forwardTo: [{ emailAddress: { address: 'a@x' } }] },
    hasError: false,
  };

  it('same object, keys in another order: unchanged; volatile properties are ignored', () => {
    expect(
      changedSince(snapshot, { hasError: true, actions: { forwardTo: [{ emailAddress: { address: 'a@x' } }] }, displayName: '.', id: 'r' }),
    ).toEqual([]);
  });

  it('an edited property is named', () => {
    expect(changedSince(snapshot, { ...snapshot, displayName: 'Newsletters' })).toEqual(['displayName']);
  });

  it('no usable snapshot: undefined, never "unchanged"', () => {
    expect(changedSince(null, snapshot)).toBeUndefined();
    expect(changedSince({ truncated: true, chars: 99_999, head: '...' }, snapshot)).toBeUndefined();
  });
});

describe('AUTO_ERADICATE', () => {
  const forwarding = finding({ kind: 'inbox_rule', providerId: 'r1', reasons: ['forwards to an external address (x@y.example)'] });
  const moving = finding({ kind: 'inbox_rule', providerId: 'r2', reasons: ['moves messages to RSS Feeds'] });
  const attackerPhone = finding({
    kind: 'authentication_method',
    providerId: 'p',
    actor: { ip: '198.51.100.23' },
    target: { type: 'phoneAuthenticationMethod', id: 'p' },
  });
  const otherPhone = finding({
    kind: 'authentication_method',
    providerId: 'q',
    actor: { ip: '192.0.2.10' },
    target: { type: 'phoneAuthenticationMethod', id: 'q' },
  });
  const device = finding({ kind: 'device', providerId: 'd', target: { type: 'device', id: 'd' } });
  const all = [forwarding, moving, attackerPhone, otherPhone, device];

  it('takes only the known patterns of the listed kinds', () => {
    const ctx = { kinds: new Set(['inbox_rule', 'authentication_method'] as const), attackerIps: new Set(['198.51.100.23']) };
    expect(autoEradicable(all, ctx).map((f) => f.providerId)).toEqual(['r1', 'p']);
  });

  it('nothing listed, nothing taken', () => {
    expect(autoEradicable(all, { kinds: new Set(), attackerIps: new Set(['198.51.100.23']) })).toEqual([]);
  });
});

describe('what Graph cannot reach', () => {
  it('gives exact Exchange Online PowerShell for the mailbox, quoting the UPN', () => {
    const lines = exchangeManualSteps("o'brien@contoso.example").flatMap((step) => step.powershell);
    expect(lines).toContain(
      "Set-Mailbox -Identity 'o''brien@contoso.example' -ForwardingSmtpAddress $null -ForwardingAddress $null -DeliverToMailboxAndForward $false",
    );
    expect(lines.some((line) => line.includes('-IncludeHidden'))).toBe(true);
  });
});

describe('generated password', () => {
  it('meets Entra complexity: 20 characters, all four classes, no repeats across draws', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(password).toHaveLength(20);
      for (const re of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) expect(password).toMatch(re);
      seen.add(password);
    }
    expect(seen.size).toBe(200);
  });
});
