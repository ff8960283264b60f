// The attacker window: where it starts, what counts as the user's own footprint, and where it ends.
import { attackerWindow, type WindowInput } from '../../shared/diagnosis/window';
import { ago, ATTACKER_IP, CORPORATE_IP, HOSTING_ASNS, NOW, signIn, storySignIns, T0 } from '../support/diagnosis-evidence';

function input(overrides: Partial<WindowInput>): WindowInput {
  return {
    signIns: storySignIns(),
    alertIps: [ATTACKER_IP],
    alertUserAgents: [],
    hostingAsns: HOSTING_ASNS,
    t0: T0,
    now: NOW,
    ...overrides,
  };
}

describe('attackerWindow', () => {
  it('starts at the first sign-in from an IP the alert names and ends at T0', () => {
    const window = attackerWindow(input({}));
    expect(window).toMatchObject({ start: ago(180), end: T0, endsAt: 'T0', attackerIps: [ATTACKER_IP], knownIps: [CORPORATE_IP] });
    expect(window.anchor).toMatchObject({ ip: ATTACKER_IP, description: `suspicious sign-in (${ATTACKER_IP})` });
    expect([...window.suspiciousSignIns.values()][0]).toEqual([`${ATTACKER_IP} is named in the alert`, 'sign-in risk high']);
  });

  it('starts at a hosting-ASN sign-in when the source knows ASNs, even without the alert naming the IP', () => {
    const window = attackerWindow(input({ signIns: storySignIns(true), alertIps: [] }));
    expect(window.start).toBe(ago(180));
    expect(window.anchor?.description).toBe(`sign-in from AS14061 (${ATTACKER_IP})`);
    expect(window.suspiciousSignIns.get(window.anchor!.signInId)).toContain('AS14061 is a hosting ASN');
  });

  it('starts at a sign-in whose user agent the alert names', () => {
    const agent = 'Mozilla/5.0 HeadlessChrome/120.0';
    const signIns = [signIn(600, CORPORATE_IP, { userAgent: 'Edge' }), signIn(90, '203.0.113.9', { userAgent: agent })];
    expect(attackerWindow(input({ signIns, alertIps: [], alertUserAgents: [agent] })).start).toBe(ago(90));
  });

  it('medium risk alone does not start a window', () => {
    const signIns = [signIn(600, CORPORATE_IP), signIn(90, '203.0.113.9', { riskLevelDuringSignIn: 'medium' })];
    const window = attackerWindow(input({ signIns, alertIps: [] }));
    expect(window.start).toBeUndefined();
    expect(window.notes.join(' ')).toMatch(/no suspicious sign-in/);
  });

  it('inside the window, an IP the user had not used before becomes an attacker IP; their own IP does not', () => {
    const signIns = [...storySignIns(), signIn(150, '203.0.113.77'), signIn(140, CORPORATE_IP)];
    const window = attackerWindow(input({ signIns }));
    expect(window.attackerIps.sort()).toEqual([ATTACKER_IP, '203.0.113.77'].sort());
    const novel = signIns.find((s) => s.ipAddress === '203.0.113.77')!;
    expect(window.suspiciousSignIns.get(novel.id)).toEqual(['203.0.113.77 was not used by this user before the window']);
    const own = signIns.filter((s) => s.ipAddress === CORPORATE_IP);
    expect(own.every((s) => !window.suspiciousSignIns.has(s.id))).toBe(true);
  });

  it('names an app the user never used, on a sign-in that is suspicious anyway', () => {
    const mailPort = signIn(159, ATTACKER_IP, { appId: 'mailport', appDisplayName: 'MailPort Sync' });
    const ownNewApp = signIn(150, CORPORATE_IP, { appId: 'new-app', appDisplayName: 'Viva' });
    const window = attackerWindow(input({ signIns: [...storySignIns(), mailPort, ownNewApp] }));
    expect(window.suspiciousSignIns.get(mailPort.id)).toContain('an app this user had not used before the window (MailPort Sync)');
    expect(window.suspiciousSignIns.has(ownNewApp.id)).toBe(false);
  });

  it('does not judge new IPs when there is nothing before the window to compare with', () => {
    const signIns = [signIn(180, ATTACKER_IP), signIn(150, '203.0.113.77')];
    const window = attackerWindow(input({ signIns }));
    expect(window.attackerIps).toEqual([ATTACKER_IP]);
    expect(window.notes.join(' ')).toMatch(/no sign-in before the window/);
  });

  it("sign-ins after T0 neither open the window nor count as the user's footprint", () => {
    const signIns = [signIn(600, CORPORATE_IP), signIn(0.5, ATTACKER_IP, { status: { errorCode: 50057 } }), signIn(0.4, '203.0.113.5')];
    const window = attackerWindow(input({ signIns }));
    expect(window.start).toBeUndefined();
    expect(window.knownIps).not.toContain('203.0.113.5');
  });

  it('without T0 (held incident) the window runs to the diagnosis', () => {
    const window = attackerWindow(input({ t0: undefined }));
    expect(window).toMatchObject({ start: ago(180), end: NOW, endsAt: 'diagnosis' });
  });

  it('without sign-ins, the alert IPs are still attacker IPs and the record says why there is no window', () => {
    const window = attackerWindow(input({ signIns: undefined }));
    expect(window.start).toBeUndefined();
    expect(window.attackerIps).toEqual([ATTACKER_IP]);
    expect(window.notes[0]).toMatch(/sign-ins could not be read/);
  });
});
