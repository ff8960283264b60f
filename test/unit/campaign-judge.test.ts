// The campaign's judgment of other users: failed sign-ins are not hits, shared or trusted IPs are not
// evidence on their own, the incident's own person is not another victim, and one person found by
// several pivots (object id from sign-ins, UPN from OfficeActivity) is one hit.
import { pivotsFromAlert, pivotsFromAnalyst, pivotsFromEvidence } from '../../shared/campaign/evidence-pivots';
import { judgeHits, mergeHit } from '../../shared/campaign/judge';
import { distinctPivots, type Pivot } from '../../shared/campaign/pivots';
import type { PivotMatch } from '../../shared/campaign/types';
import type { Finding } from '../../shared/diagnosis/types';
import type { Incident } from '../../shared/runbook/incident';

const ip: Pivot = { kind: 'ip', value: '198.51.100.23', origin: 'alert' };
const egress: Pivot = { kind: 'ip', value: '192.0.2.200', origin: 'evidence' };
const ua: Pivot = { kind: 'userAgent', value: 'HeadlessChrome/120', origin: 'alert' };
const address: Pivot = { kind: 'address', value: 'leak0314@protonmail.example', origin: 'evidence' };

function signIns(pivot: Pivot, who: string, successes: number, extra: Partial<PivotMatch> = {}): PivotMatch {
  return {
    pivot,
    userId: `id-${who}`,
    upn: `${who}@x.example`,
    firstSeen: '2026-03-14T09:00:00Z',
    lastSeen: '2026-03-14T10:00:00Z',
    signIns: Math.max(successes, 1),
    successes,
    ips: [pivot.kind === 'ip' ? pivot.value : '203.0.113.77'],
    apps: ['OfficeHome'],
    userAgents: [],
    asns: ['14061'],
    ...extra,
  };
}

const none = { sharedIps: new Map<string, string>(), exclude: new Set<string>() };

describe('judgeHits', () => {
  it('a successful sign-in from an attacker IP makes a suspicious hit with its evidence', () => {
    const [hit] = judgeHits([signIns(ip, 'casey', 2)], none);
    expect(hit).toMatchObject({
      userKey: 'id-casey',
      upn: 'casey@x.example',
      verdict: 'suspicious',
      pivots: ['ip:198.51.100.23'],
      ips: ['198.51.100.23'],
      apps: ['OfficeHome'],
      asns: ['14061'],
    });
    expect(hit.reasons[0]).toMatch(/^2 successful sign-ins from 198\.51\.100\.23, an attacker IP first at 2026-03-14T09:00:00Z/);
  });

  it('failed sign-ins only: kept as not evidence, never a victim', () => {
    const [hit] = judgeHits([signIns(ip, 'harper', 0, { signIns: 3 })], none);
    expect(hit.verdict).toBe('not_evidence');
    expect(hit.reasons[0]).toContain('only failed sign-ins (3)');
  });

  it('a shared IP is not evidence on its own, but another pivot still counts', () => {
    const sharedIps = new Map([[egress.value, 'used by 30 distinct users']]);
    const [alone] = judgeHits([signIns(egress, 'pat', 1)], { ...none, sharedIps });
    expect(alone.verdict).toBe('not_evidence');
    expect(alone.reasons[0]).toContain('shared, not evidence');
    const [both] = judgeHits([signIns(egress, 'pat', 1), signIns(ip, 'pat', 1)], { ...none, sharedIps });
    expect(both.verdict).toBe('suspicious');
    expect(both.pivots).toEqual(['ip:192.0.2.200', 'ip:198.51.100.23']);
  });

  it('a user agent match only from shared IPs is not evidence', () => {
    const sharedIps = new Map([['203.0.113.77', 'in TRUSTED_IPS']]);
    expect(judgeHits([signIns(ua, 'kai', 1)], { ...none, sharedIps })[0].verdict).toBe('not_evidence');
    expect(judgeHits([signIns(ua, 'kai', 1)], none)[0].verdict).toBe('suspicious');
  });

  it("the incident's own person is excluded by object id or UPN", () => {
    expect(judgeHits([signIns(ip, 'avery', 5)], { ...none, exclude: new Set(['id-avery']) })).toEqual([]);
    expect(
      judgeHits([{ pivot: address, upn: 'Avery@x.example', ips: [], apps: [], userAgents: [], asns: [], activity: 'New-InboxRule' }], {
        ...none,
        exclude: new Set(['avery@x.example']),
      }),
    ).toEqual([]);
  });

  it('a UPN-only rule match joins the same person found by object id', () => {
    const rule: PivotMatch = {
      pivot: address,
      upn: 'CASEY@x.example',
      firstSeen: '2026-03-14T08:00:00Z',
      ips: ['198.51.100.23'],
      apps: [],
      userAgents: [],
      asns: [],
      activity: 'New-InboxRule',
    };
    const hits = judgeHits([rule, signIns(ip, 'casey', 1)], none);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      userKey: 'id-casey',
      firstSeen: '2026-03-14T08:00:00Z',
      pivots: ['address:leak0314@protonmail.example', 'ip:198.51.100.23'],
    });
  });

  it('mergeHit keeps a suspicious verdict and unions the evidence', () => {
    const [a] = judgeHits([signIns(ip, 'casey', 1)], none);
    const [b] = judgeHits([signIns(egress, 'casey', 1)], { ...none, sharedIps: new Map([[egress.value, 'shared']]) });
    const merged = mergeHit(a, b);
    expect(merged.verdict).toBe('suspicious');
    expect(merged.pivots).toEqual(['ip:192.0.2.200', 'ip:198.51.100.23']);
  });
});

describe('pivots', () => {
  it('from the alert: valid IPs and user agents only', () => {
    expect(pivotsFromAlert({ ips: ['198.51.100.23', 'not an ip', '198.51.100.23'], userAgents: ['UA/1', 'bad\nua'] })).toEqual([
      { kind: 'ip', value: '198.51.100.23', origin: 'alert' },
      { kind: 'userAgent', value: 'UA/1', origin: 'alert' },
    ]);
  });

  it('from the evidence pack: window IPs and user agents, suspicious rules, grants and phone methods', () => {
    const finding = (kind: Finding['kind'], verdict: Finding['verdict'], details: Record<string, unknown>): Finding => ({
      kind,
      providerId: kind,
      title: kind,
      verdict,
      reasons: [],
      source: 'inboxRules',
      details,
      raw: {},
    });
    const incident = { diagnosis: { window: { attackerIps: ['198.51.100.23'], attackerUserAgents: ['UA/1'] } } } as unknown as Pick<
      Incident,
      'diagnosis'
    >;
    const pivots = pivotsFromEvidence(incident, [
      finding('inbox_rule', 'suspicious', { forwardTo: ['Leak0314@protonmail.example'], redirectTo: [] }),
      finding('inbox_rule', 'benign', { forwardTo: ['boss@x.example'] }),
      finding('oauth_grant', 'suspicious', { clientId: 'E2B4D6F8-1A3C-4E5F-8A7B-9C0D1E2F3A45' }),
      finding('authentication_method', 'suspicious', { type: 'phoneAuthenticationMethod', label: '+1 5555550100' }),
      finding('authentication_method', 'suspicious', { type: 'emailAuthenticationMethod', label: 'x@y.example' }),
    ]);
    expect(pivots.map((p) => `${p.kind}:${p.value}`)).toEqual([
      'address:leak0314@protonmail.example',
      'clientId:e2b4d6f8-1a3c-4e5f-8a7b-9c0d1e2f3a45',
      'ip:198.51.100.23',
      'phone:+15555550100',
      'userAgent:UA/1',
    ]);
  });

  it('from an analyst, and distinct across origins (first origin kept)', () => {
    const merged = distinctPivots([
      ...pivotsFromAlert({ ips: ['198.51.100.23'], userAgents: [] }),
      ...pivotsFromAnalyst({ ips: ['198.51.100.23', '203.0.113.9'], addresses: ['a@b.example'] }),
    ]);
    expect(merged).toEqual([
      { kind: 'address', value: 'a@b.example', origin: 'analyst' },
      { kind: 'ip', value: '198.51.100.23', origin: 'alert' },
      { kind: 'ip', value: '203.0.113.9', origin: 'analyst' },
    ]);
  });
});
