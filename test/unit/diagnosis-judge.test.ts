// The judgment, kind by kind: what is flagged, what is kept as context, and the reasons people read.
import fc from 'fast-check';
import { judgePack } from '../../shared/diagnosis/judge';
import {
  authenticationMethodFromGraph,
  directoryAuditFromGraph,
  grantFromGraph,
  inboxRuleFromGraph,
  mailboxAuditFromGraph,
  normalizeAll,
  signInFromGraph,
} from '../../shared/diagnosis/normalize';
import { summarize } from '../../shared/diagnosis/summary';
import type { Finding, SentMessageEvidence } from '../../shared/diagnosis/types';
import {
  ago,
  appRole,
  audit,
  ATTACKER_IP,
  CORPORATE_IP,
  device,
  grant,
  mailboxRecord,
  method,
  newInboxRule,
  packInput,
  rule,
  signIn,
  storySignIns,
  to,
} from '../support/diagnosis-evidence';

function only(findings: Finding[], kind: Finding['kind']): Finding[] {
  return findings.filter((f) => f.kind === kind);
}

function byTitle(findings: Finding[], title: string): Finding {
  const found = findings.find((f) => f.title === title);
  if (!found) throw new Error(`no finding "${title}" among ${findings.map((f) => f.title).join(', ')}`);
  return found;
}

const RSS = 'folder-rss';
const NEWS = 'folder-news';
const folderNames = new Map([
  [RSS, 'RSS Feeds'],
  [NEWS, 'Newsletters'],
]);

describe('inbox rules (runbook 2.2)', () => {
  const planted = rule('.', { forwardTo: [to('leak0314@protonmail.example')], moveToFolder: RSS, markAsRead: true });
  const newsletters = rule('Newsletters', { moveToFolder: NEWS }, { senderContains: ['newsletter'] });

  it('reads as the issue asks: the risk, then when relative to the first sign-in from the hosting ASN', () => {
    const pack = judgePack(
      packInput({ signIns: storySignIns(true), inboxRules: [planted], mailboxAudit: [newInboxRule(166, '.', ATTACKER_IP)], folderNames }),
    );
    const finding = byTitle(pack.findings, 'Inbox rule "."');
    expect(finding.verdict).toBe('suspicious');
    expect(finding.reasons[0]).toBe('forwards to an external address (leak0314@protonmail.example)');
    expect(finding.reasons).toContain('moves messages to RSS Feeds, a folder people rarely open');
    expect(finding.reasons).toContain(
      `created from ${ATTACKER_IP}, an attacker IP, 14 min after the first sign-in from AS14061 (${ATTACKER_IP})`,
    );
    expect(finding).toMatchObject({
      createdAt: ago(166),
      createdAtFrom: 'mailbox audit New-InboxRule',
      target: { type: 'messageRule', id: planted.id },
    });
  });

  it('a harmless rule with no recent change is benign; a risky one that cannot be dated is unknown, not flagged', () => {
    const pack = judgePack(packInput({ signIns: storySignIns(), inboxRules: [planted, newsletters], mailboxAudit: [], folderNames }));
    expect(byTitle(pack.findings, 'Inbox rule "Newsletters"').verdict).toBe('benign');
    const undated = byTitle(pack.findings, 'Inbox rule "."');
    expect(undated.verdict).toBe('unknown');
    expect(undated.reasons).toContain(
      `no change to it in the mailbox audit since ${ago(24 * 60).slice(0, 10)} ${ago(24 * 60).slice(11, 16)} UTC`,
    );
  });

  it('says the mailbox audit was unavailable when it was, instead of claiming no change', () => {
    const pack = judgePack(
      packInput(
        { signIns: storySignIns(), inboxRules: [planted], folderNames },
        { unavailable: { mailboxAudit: 'unavailable: missing permission AuditLogsQuery-Exchange.Read.All (Graph 403 x)' } },
      ),
    );
    expect(byTitle(pack.findings, 'Inbox rule "."').reasons).toContain(
      'creation time unknown: the mailbox audit is unavailable: missing permission AuditLogsQuery-Exchange.Read.All (Graph 403 x)',
    );
  });

  it('a risky rule the user made before the window stays context: benign, with its risk still said', () => {
    const own = rule('To my phone', { forwardTo: [to('avery.private@mail.example')] });
    const pack = judgePack(
      packInput({ signIns: storySignIns(), inboxRules: [own], mailboxAudit: [newInboxRule(300, 'To my phone', CORPORATE_IP)] }),
    );
    const finding = byTitle(pack.findings, 'Inbox rule "To my phone"');
    expect(finding.verdict).toBe('benign');
    expect(finding.reasons[0]).toBe('forwards to an external address (avery.private@mail.example)');
    expect(finding.reasons.join(' ')).toMatch(/before the attacker window/);
  });

  it('redirectTo as a single recipient is read as forwarding, and internal targets are not external', () => {
    const redirect = rule('r', { redirectTo: to('ext@else.example'), forwardTo: [to('blake.morris@wingtip-lab.example')] });
    const pack = judgePack(packInput({ inboxRules: [redirect], mailboxAudit: [] }));
    const finding = pack.findings[0];
    expect(finding.reasons).toContain('redirects to an external address (ext@else.example)');
    expect(finding.reasons).toContain('forwards to an internal address (blake.morris@wingtip-lab.example)');
    expect(finding.details.externalRecipients).toEqual(['ext@else.example']);
  });

  it('INTERNAL_DOMAINS makes a partner domain internal', () => {
    const forward = rule('partner', { forwardTo: [to('a@wingtip-partner.example')] });
    const external = judgePack(packInput({ inboxRules: [forward], mailboxAudit: [] }));
    const internal = judgePack(packInput({ inboxRules: [forward], mailboxAudit: [] }, { internalDomains: ['wingtip-partner.example'] }));
    expect(external.findings[0].verdict).toBe('unknown');
    expect(internal.findings[0].verdict).toBe('benign');
  });

  it('payment words with a move or delete are a risk; folder names that could not be read are said', () => {
    const bec = rule('Invoices', { delete: true }, { subjectContains: ['Invoice', 'wire transfer'] });
    const pack = judgePack(
      packInput(
        { inboxRules: [bec, rule('hide', { moveToFolder: 'unknown-folder' })], mailboxAudit: [] },
        { unavailable: { folderNames: 'missing permission Mail.ReadBasic.All' } },
      ),
    );
    expect(byTitle(pack.findings, 'Inbox rule "Invoices"').reasons).toEqual(
      expect.arrayContaining(['deletes matching messages', 'looks for "Invoice" and "wire transfer", words of payment fraud']),
    );
    expect(byTitle(pack.findings, 'Inbox rule "hide"').reasons).toContain(
      'moves messages to another folder (name unknown: missing permission Mail.ReadBasic.All)',
    );
  });

  it('a rule change in the window whose rule is gone is still a finding', () => {
    const pack = judgePack(
      packInput({
        signIns: storySignIns(),
        inboxRules: [],
        mailboxAudit: [newInboxRule(170, 'deleted later', ATTACKER_IP, [['ForwardTo', 'x@evil.example']])],
      }),
    );
    const rules = only(pack.findings, 'inbox_rule');
    expect(rules.map((f) => [f.verdict, f.title])).toEqual([
      ['suspicious', 'Inbox rule "deleted later" (New-InboxRule; not among the current rules)'],
    ]);
    expect(rules[0].reasons).toContain('parameters name x@evil.example');
  });
});

describe('OAuth consents and app role assignments (runbook 2.3)', () => {
  const clientId = 'e2b4d6f8-1a3c-4e5f-8a7b-9c0d1e2f3a45';
  const consent = audit(160, 'Consent to application', {
    targetResources: [{ id: clientId, displayName: 'MailPort Sync', type: 'ServicePrincipal', modifiedProperties: [] }],
    additionalDetails: [{ key: 'AppId', value: 'mailport-app-id' }],
  });

  it('dates a grant from its consent audit: in the window and from the attacker IP is suspicious', () => {
    const signIns = [...storySignIns(), signIn(159, ATTACKER_IP, { appId: 'mailport-app-id', appDisplayName: 'MailPort Sync' })];
    const pack = judgePack(
      packInput({ signIns, oauthGrants: [grant(clientId, 'Mail.Read Mail.Send offline_access')], directoryAudits: [consent] }),
    );
    const finding = byTitle(pack.findings, 'Consent to MailPort Sync');
    expect(finding.verdict).toBe('suspicious');
    expect(finding.reasons[0]).toBe('high-impact scopes: Mail.Read, Mail.Send and offline_access');
    expect(finding.reasons).toContain(
      `consented from ${ATTACKER_IP}, an attacker IP, 20 min after the first suspicious sign-in (${ATTACKER_IP})`,
    );
    expect(finding.reasons.join(' ')).toMatch(/the attacker signed in to it from 198\.51\.100\.23/);
    expect(finding.createdAtFrom).toBe('directory audit "Consent to application"');
  });

  it('an undated grant: high-impact scopes are unknown, low-impact ones benign; the app is named from its role assignment', () => {
    const pack = judgePack(
      packInput({
        signIns: storySignIns(),
        oauthGrants: [grant('sp-old', 'User.Read openid profile'), grant('sp-mail', 'Mail.ReadWrite')],
        appRoleAssignments: [appRole('sp-old', 'Wingtip Expenses', 45 * 1440)],
        directoryAudits: [],
      }),
    );
    expect(byTitle(pack.findings, 'Consent to Wingtip Expenses').verdict).toBe('benign');
    const unknown = byTitle(pack.findings, 'Consent to client sp-mail');
    expect(unknown.verdict).toBe('unknown');
    expect(unknown.reasons[0]).toMatch(/^consent time unknown: no matching directory audit record since/);
    expect(byTitle(pack.findings, 'App role assignment: Wingtip Expenses')).toMatchObject({ verdict: 'benign', createdAt: ago(45 * 1440) });
  });
});

describe('authentication methods (runbook 2.4)', () => {
  it('dates a phone method (no createdDateTime) from "User registered security info", and leaves old methods alone', () => {
    const phone = method('phoneAuthenticationMethod', { phoneNumber: '+1 5555550100', createdDateTime: null });
    const authenticator = method('microsoftAuthenticatorAuthenticationMethod', {
      displayName: 'iPhone 14',
      createdDateTime: ago(180 * 1440),
    });
    const password = method('passwordAuthenticationMethod', { createdDateTime: ago(120 * 1440) });
    const registered = audit(150, 'User registered security info', { resultReason: 'User registered Mobile Phone SMS' });
    const pack = judgePack(
      packInput({ signIns: storySignIns(), authenticationMethods: [phone, authenticator, password], directoryAudits: [registered] }),
    );
    const finding = byTitle(pack.findings, 'Phone +1 5555550100');
    expect(finding).toMatchObject({
      verdict: 'suspicious',
      createdAt: ago(150),
      target: { type: 'phoneAuthenticationMethod', id: phone.id },
    });
    expect(finding.reasons.join(' ')).toMatch(
      /dated from the directory audit "User registered security info" \(User registered Mobile Phone SMS\)/,
    );
    expect(byTitle(pack.findings, 'Microsoft Authenticator iPhone 14').verdict).toBe('benign');
    expect(byTitle(pack.findings, 'Password').verdict).toBe('benign');
  });

  it('an undated method with no matching audit is unknown; an audit of another method type does not date it', () => {
    const email = method('emailAuthenticationMethod', { emailAddress: 'a@b.example' });
    const pack = judgePack(
      packInput({
        signIns: storySignIns(),
        authenticationMethods: [email],
        directoryAudits: [audit(150, 'User registered security info', { resultReason: 'User registered Mobile Phone SMS' })],
      }),
    );
    expect(only(pack.findings, 'authentication_method')).toEqual([expect.objectContaining({ verdict: 'unknown', createdAt: undefined })]);
  });

  it('a password set inside the window is flagged (the attacker reset it)', () => {
    const pack = judgePack(
      packInput({
        signIns: storySignIns(),
        authenticationMethods: [method('passwordAuthenticationMethod', { createdDateTime: ago(120) })],
      }),
    );
    expect(only(pack.findings, 'authentication_method')[0].verdict).toBe('suspicious');
  });
});

describe('devices (runbook 2.5)', () => {
  const deviceId = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b01';
  const registration = audit(140, 'Register device', {
    targetResources: [{ id: deviceId, displayName: 'DESKTOP-AITM01', type: 'Device', modifiedProperties: [] }],
  });

  it('finds the device through the audit and judges its registration time', () => {
    const pack = judgePack(packInput({ signIns: storySignIns(), directoryAudits: [registration], devices: [device(deviceId, 140)] }));
    const devices = only(pack.findings, 'device');
    expect(devices).toEqual([
      expect.objectContaining({
        kind: 'device',
        verdict: 'suspicious',
        title: 'Device DESKTOP-AITM01',
        createdAt: ago(140),
        target: { type: 'device', id: deviceId },
      }),
    ]);
    expect(devices[0].reasons).toContain('not compliant and not managed');
  });

  it('a device the directory no longer has is still recorded, dated from the audit', () => {
    const pack = judgePack(
      packInput({ signIns: storySignIns(), directoryAudits: [registration], devices: [{ id: deviceId, missing: true, raw: null }] }),
    );
    const [found] = only(pack.findings, 'device');
    expect(found).toMatchObject({ verdict: 'suspicious', createdAt: ago(140) });
    expect(found.reasons).toContain('no longer in the directory: removed since');
  });

  it("another user's device registration is not this user's", () => {
    const other = audit(140, 'Register device', {
      initiatedBy: { user: { id: 'someone-else', ipAddress: ATTACKER_IP } },
      targetResources: [{ id: deviceId, type: 'Device', modifiedProperties: [] }],
    });
    expect(only(judgePack(packInput({ signIns: storySignIns(), directoryAudits: [other], devices: [] })).findings, 'device')).toEqual([]);
  });
});

describe('what the attacker sent and read (runbook 2.2, 5.3)', () => {
  const sends = [
    mailboxRecord(166, 'Send', ATTACKER_IP, { Item: { InternetMessageId: '<a@x>', Subject: 'Updated remittance details' } }),
    mailboxRecord(158, 'Send', ATTACKER_IP, { Item: { InternetMessageId: '<b@x>', Subject: 'Invoice 4471: new bank details' } }),
    mailboxRecord(300, 'Send', CORPORATE_IP, { Item: { InternetMessageId: '<c@x>', Subject: 'Q3 expense report' } }),
  ];
  const sentMessages = new Map<string, SentMessageEvidence>([
    ['<a@x>', { internetMessageId: '<a@x>', found: true, recipients: ['blake.morris@wingtip-lab.example'] }],
    ['<b@x>', { internetMessageId: '<b@x>', found: true, recipients: ['ap@northwind-traders.example'] }],
  ]);

  it("lists the attacker's sends with recipients split internal/external; the user's own send is only counted", () => {
    const pack = judgePack(packInput({ signIns: storySignIns(), mailboxAudit: sends, sentMessages }));
    const sent = only(pack.findings, 'sent_message');
    expect(sent.map((f) => [f.title, f.verdict])).toEqual([
      ['Sent "Updated remittance details"', 'suspicious'],
      ['Sent "Invoice 4471: new bank details"', 'suspicious'],
    ]);
    expect(sent[1].reasons).toContain('to 1 external recipient (ap@northwind-traders.example)');
    expect(sent[1].reasons).toContain('notify the recipients out of band (runbook 5.3)');
    expect(pack.stats.recipients).toEqual({ internal: ['blake.morris@wingtip-lab.example'], external: ['ap@northwind-traders.example'] });
    expect(pack.stats.benignSends).toBe(1);
  });

  it('says why recipients are missing', () => {
    const pack = judgePack(
      packInput(
        { signIns: storySignIns(), mailboxAudit: sends.slice(0, 1) },
        { unavailable: { sentMessages: 'unavailable: missing permission Mail.ReadBasic.All (Graph 403 x)' } },
      ),
    );
    expect(pack.findings.find((f) => f.kind === 'sent_message')?.reasons).toContain(
      'recipients unknown: unavailable: missing permission Mail.ReadBasic.All (Graph 403 x)',
    );
  });

  it('a send in the window from an IP the user never used is unknown, not dismissed', () => {
    const pack = judgePack(
      packInput({
        signIns: storySignIns(),
        mailboxAudit: [mailboxRecord(100, 'Send', '203.0.113.50', { Item: { InternetMessageId: '<d@x>' } })],
      }),
    );
    expect(only(pack.findings, 'sent_message')).toEqual([expect.objectContaining({ kind: 'sent_message', verdict: 'unknown' })]);
  });

  it("aggregates the attacker's MailItemsAccessed per IP; mail read after T0 means the token outlived the revocation", () => {
    const reads = [
      mailboxRecord(178, 'MailItemsAccessed', ATTACKER_IP, {
        OperationCount: 412,
        OperationProperties: [{ Name: 'MailAccessType', Value: 'Sync' }],
      }),
      mailboxRecord(164, 'MailItemsAccessed', ATTACKER_IP, { OperationCount: 23 }),
      mailboxRecord(240, 'MailItemsAccessed', CORPORATE_IP, { OperationCount: 12 }),
      mailboxRecord(0.5, 'MailItemsAccessed', ATTACKER_IP, { OperationCount: 5 }),
    ];
    const pack = judgePack(packInput({ signIns: storySignIns(), mailboxAudit: reads }));
    expect(pack.findings.filter((f) => f.kind !== 'sign_in').map((f) => [f.kind, f.title])).toEqual([
      ['mail_items_accessed', '435 mail items read from 198.51.100.23'],
      ['post_containment_activity', '5 mail items read from 198.51.100.23 after containment'],
    ]);
    expect(pack.stats).toMatchObject({ attackerItemsRead: 440, containmentHeld: false, attackerMailAfterT0: 1 });
  });
});

describe('did containment hold?', () => {
  it('a successful sign-in after T0 is a loud post_containment_activity finding', () => {
    const after = signIn(0.5, CORPORATE_IP);
    const pack = judgePack(packInput({ signIns: [...storySignIns(), after] }));
    const finding = pack.findings.find((f) => f.kind === 'post_containment_activity');
    expect(finding).toMatchObject({ providerId: after.id, verdict: 'suspicious' });
    expect(finding?.reasons[0]).toMatch(/^successful sign-in under a minute after containment \(T0\): containment did not hold$/);
    expect(pack.stats.containmentHeld).toBe(false);
    expect(summarize('Avery Chen', pack, {})).toMatch(/CONTAINMENT DID NOT HOLD: 1 successful sign-in after T0/);
  });

  it('a refused attempt from the attacker after T0 is evidence, and containment held', () => {
    const knock = signIn(0.5, ATTACKER_IP, { status: { errorCode: 50057, failureReason: 'User account is disabled.' } });
    const pack = judgePack(packInput({ signIns: [...storySignIns(), knock] }));
    expect(pack.findings.find((f) => f.providerId === knock.id)?.reasons[0]).toMatch(
      /^the attacker tried again under a minute after containment; refused \(50057: User account is disabled\.\)$/,
    );
    expect(pack.stats.containmentHeld).toBe(true);
    expect(summarize('Avery Chen', pack, {})).toMatch(
      /Containment held: no successful sign-in after T0 \(the attacker tried 1 time and was refused\)/,
    );
  });

  it('cannot say without sign-ins, or without T0', () => {
    expect(judgePack(packInput({})).stats.containmentHeld).toBeUndefined();
    expect(judgePack(packInput({ signIns: storySignIns() }, { t0: undefined })).stats.containmentHeld).toBeUndefined();
  });
});

describe('without an attacker window', () => {
  it('recent things are unknown, not suspicious; old things are benign; the summary says why', () => {
    const signIns = [signIn(600, CORPORATE_IP)];
    const pack = judgePack(
      packInput(
        {
          signIns,
          authenticationMethods: [
            method('fido2AuthenticationMethod', { model: 'Key', createdDateTime: ago(100) }),
            method('fido2AuthenticationMethod', { model: 'Old key', createdDateTime: ago(40 * 1440) }),
          ],
        },
        { alertIps: [] },
      ),
    );
    expect(pack.findings.map((f) => [f.title, f.verdict])).toEqual([
      ['FIDO2 security key Key', 'unknown'],
      ['FIDO2 security key Old key', 'benign'],
    ]);
    expect(pack.findings[0].reasons[0]).toMatch(/no suspicious sign-in marks an attacker window/);
    expect(summarize('Avery Chen', pack, {})).toMatch(/^No suspicious sign-in marks an attacker window for Avery Chen/);
  });
});

describe('the pack as a whole', () => {
  it('is deterministic and orders suspicious first, oldest first', () => {
    const evidence = {
      signIns: storySignIns(),
      authenticationMethods: [
        method('passwordAuthenticationMethod', { createdDateTime: ago(120 * 1440) }),
        method('emailAuthenticationMethod', { createdDateTime: ago(100) }),
      ],
    };
    const first = judgePack(packInput(evidence));
    const second = judgePack(packInput(evidence));
    expect(JSON.stringify(first.findings)).toBe(JSON.stringify(second.findings));
    expect(first.findings.map((f) => f.verdict)).toEqual(['suspicious', 'suspicious', 'suspicious', 'benign']);
  });

  it('never throws on hostile evidence built from arbitrary JSON', () => {
    const json = fc.jsonValue();
    const hostile = fc.record({ id: fc.oneof(fc.string(), json), a: json, b: json, c: json });
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 4 }), (items) => {
        const pack = judgePack(
          packInput({
            signIns: [
              ...storySignIns(),
              ...normalizeAll(
                items.map((x) => ({ id: x.id, createdDateTime: ago(100), ipAddress: x.a, status: x.b })),
                signInFromGraph,
              ),
            ],
            inboxRules: normalizeAll(
              items.map((x) => ({
                id: x.id,
                displayName: x.a,
                actions: { forwardTo: x.a, redirectTo: x.b, moveToFolder: x.c },
                conditions: { subjectContains: x.b },
              })),
              inboxRuleFromGraph,
            ),
            oauthGrants: normalizeAll(
              items.map((x) => ({ id: x.id, clientId: x.a, scope: x.b })),
              grantFromGraph,
            ),
            directoryAudits: normalizeAll(
              items.map((x) => ({
                id: x.id,
                activityDateTime: ago(150),
                activityDisplayName: x.a,
                resultReason: x.b,
                targetResources: x.c,
                initiatedBy: x.a,
              })),
              directoryAuditFromGraph,
            ),
            authenticationMethods: normalizeAll(
              items.map((x) => ({ id: x.id, '@odata.type': x.a, createdDateTime: x.b })),
              authenticationMethodFromGraph,
            ),
            mailboxAudit: normalizeAll(
              items.map((x) => ({ id: x.id, createdDateTime: ago(160), operation: 'Send', clientIp: x.a, auditData: x.b })),
              mailboxAuditFromGraph,
            ),
            devices: [],
          }),
        );
        return Array.isArray(pack.findings) && typeof summarize('x', pack, {}) === 'string';
      }),
      { numRuns: 200 },
    );
  });

  it('the summary names the persistence, the recipients and what could not be read', () => {
    const pack = judgePack(
      packInput({
        signIns: storySignIns(true),
        inboxRules: [rule('.', { forwardTo: [to('leak@x.example')] })],
        mailboxAudit: [newInboxRule(170, '.', ATTACKER_IP)],
      }),
    );
    const summary = summarize('Avery Chen', pack, {
      oauthGrants: {
        status: 'unavailable',
        via: 'x',
        items: 0,
        detail: 'unavailable: missing permission DelegatedPermissionGrant.Read.All (Graph 403 y)',
      },
    });
    expect(summary).toContain(`Avery Chen's session was used from ${ATTACKER_IP}: the first sign-in from AS14061 (${ATTACKER_IP}) was at`);
    expect(summary).toContain('Persistence to remove (Phase 3): Inbox rule ".".');
    expect(summary).toContain('Incomplete: OAuth grants unavailable: missing permission DelegatedPermissionGrant.Read.All (Graph 403 y).');
  });
});
