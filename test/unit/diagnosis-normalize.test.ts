// Evidence normalization over hostile and odd Graph answers: nothing throws, wrong types read as absent,
// and the shapes Graph really varies between (redirectTo as one recipient or many, null timestamps,
// Exchange's IP:port) come out the same.
import fc from 'fast-check';
import {
  appRoleAssignmentFromGraph,
  authenticationMethodFromGraph,
  deviceFromGraph,
  directoryAuditFromGraph,
  grantFromGraph,
  inboxRuleFromGraph,
  isoTime,
  mailboxAuditFromGraph,
  normalizeIp,
  recipients,
  sentMessageFromGraph,
  signInFromGraph,
} from '../../shared/diagnosis/normalize';

describe('recipients', () => {
  const one = { emailAddress: { name: 'X', address: 'Leak@ProtonMail.example' } };

  it('reads a collection, a single recipient (redirectTo in the older schema), or nothing', () => {
    expect(recipients([one, { emailAddress: { address: 'b@x.example' } }])).toEqual(['leak@protonmail.example', 'b@x.example']);
    expect(recipients(one)).toEqual(['leak@protonmail.example']);
    expect(recipients(null)).toEqual([]);
    expect(recipients(undefined)).toEqual([]);
  });

  it('skips entries without an address and keeps each address once', () => {
    expect(recipients([{ emailAddress: { name: 'no address' } }, { emailAddress: null }, 42, one, one])).toEqual([
      'leak@protonmail.example',
    ]);
  });
});

describe('times and IPs', () => {
  it('treats a unified audit log time without a zone as UTC, and refuses nonsense', () => {
    expect(isoTime('2022-02-16T07:22:14')).toBe('2022-02-16T07:22:14.000Z');
    expect(isoTime('2018-01-09T21:20:02.7215374Z')).toBe('2018-01-09T21:20:02.721Z');
    expect(isoTime('2026-03-14T12:00:00+02:00')).toBe('2026-03-14T10:00:00.000Z');
    for (const bad of [null, undefined, '', 'yesterday', 1710000000, {}, 'x'.repeat(100)]) expect(isoTime(bad)).toBeUndefined();
  });

  it('strips the port Exchange appends', () => {
    expect(normalizeIp('198.51.100.23:54321')).toBe('198.51.100.23');
    expect(normalizeIp('[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
    expect(normalizeIp(undefined)).toBeUndefined();
  });
});

describe('signInFromGraph', () => {
  it('only an explicit errorCode 0 is a success', () => {
    const base = { id: 'a', createdDateTime: '2026-03-14T09:00:00Z' };
    expect(signInFromGraph({ ...base, status: { errorCode: 0 } })?.succeeded).toBe(true);
    expect(signInFromGraph({ ...base, status: { errorCode: 50057 } })?.succeeded).toBe(false);
    expect(signInFromGraph({ ...base, status: null })?.succeeded).toBe(false);
    expect(signInFromGraph(base)?.succeeded).toBe(false);
  });

  it('drops a sign-in without an id or a readable time', () => {
    expect(signInFromGraph({ createdDateTime: '2026-03-14T09:00:00Z' })).toBeUndefined();
    expect(signInFromGraph({ id: 'a', createdDateTime: null })).toBeUndefined();
    expect(signInFromGraph('not an object')).toBeUndefined();
  });
});

describe('inboxRuleFromGraph', () => {
  it('reads forwarding from every recipient property, whatever its shape', () => {
    const rule = inboxRuleFromGraph({
      id: 'r1',
      displayName: '.',
      isEnabled: true,
      conditions: {},
      actions: {
        forwardTo: [{ emailAddress: { address: 'a@x.example' } }],
        redirectTo: { emailAddress: { address: 'b@x.example' } },
        forwardAsAttachmentTo: null,
        delete: 'yes',
        moveToFolder: 'AAMk=',
      },
    });
    expect(rule).toMatchObject({
      forwardTo: ['a@x.example'],
      redirectTo: ['b@x.example'],
      forwardAsAttachmentTo: [],
      delete: false,
      moveToFolder: 'AAMk=',
      matchesEverything: true,
    });
  });

  it('a rule with conditions does not match everything; a missing displayName reads as empty', () => {
    const rule = inboxRuleFromGraph({ id: 'r2', conditions: { subjectContains: ['Invoice', 42, null] }, actions: { delete: true } });
    expect(rule).toMatchObject({ displayName: '', keywords: ['Invoice'], matchesEverything: false, delete: true, isEnabled: true });
  });

  it('ignores empty or false condition values when deciding whether the rule matches everything', () => {
    expect(
      inboxRuleFromGraph({ id: 'r3', conditions: { subjectContains: [], isAutomaticReply: false, '@odata.type': 'x' }, actions: {} })
        ?.matchesEverything,
    ).toBe(true);
  });
});

describe('the other sources', () => {
  it('a method without createdDateTime (phone) keeps its type and label, createdDateTime absent', () => {
    expect(
      authenticationMethodFromGraph({
        '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
        id: 'm1',
        phoneNumber: '+1 555',
        createdDateTime: null,
      }),
    ).toEqual({
      id: 'm1',
      type: 'phoneAuthenticationMethod',
      createdDateTime: undefined,
      label: '+1 555',
      raw: expect.anything(),
    });
    expect(authenticationMethodFromGraph({ id: 'm2' })?.type).toBe('authenticationMethod');
  });

  it('a grant splits its scope and lower-cases its ids; one without a client is dropped', () => {
    expect(grantFromGraph({ id: 'g', clientId: 'ABC', scope: '  Mail.Read   offline_access Mail.Read ' })).toMatchObject({
      clientId: 'abc',
      scopes: ['Mail.Read', 'offline_access'],
    });
    expect(grantFromGraph({ id: 'g', clientId: 'abc', scope: 42 })?.scopes).toEqual([]);
    expect(grantFromGraph({ id: 'g' })).toBeUndefined();
  });

  it('reads directory audit details and targets, spelling "Type" either way', () => {
    const audit = directoryAuditFromGraph({
      id: 'd1',
      activityDateTime: '2026-03-14T09:00:00Z',
      activityDisplayName: 'Register device',
      initiatedBy: { user: { id: 'U1', ipAddress: '198.51.100.23' } },
      targetResources: [
        { id: 'DEV', Type: 'Device', modifiedProperties: [{ displayName: 'x', newValue: 'y' }, { oldValue: 'no name' }] },
        { displayName: 'no id' },
      ],
      additionalDetails: [{ key: 'AppId', value: 'app' }, { key: 'AppId', value: 'second' }, { value: 'no key' }],
    });
    expect(audit).toMatchObject({ initiatorUserId: 'u1', initiatorIp: '198.51.100.23', details: { AppId: 'app' } });
    expect(audit?.targets).toEqual([
      {
        id: 'dev',
        type: 'Device',
        displayName: undefined,
        userPrincipalName: undefined,
        modifiedProperties: [{ name: 'x', oldValue: undefined, newValue: 'y' }],
      },
    ]);
  });

  it('reads a mailbox audit record from Graph, falling back to its auditData', () => {
    const record = mailboxAuditFromGraph({
      id: 'u1',
      auditData: {
        CreationTime: '2026-03-14T09:10:00',
        Operation: 'New-InboxRule',
        ClientIP: '198.51.100.23:50123',
        Parameters: [
          { Name: 'Name', Value: '.' },
          { Name: 'ForwardTo', Value: 'leak@x.example' },
        ],
      },
    });
    expect(record).toMatchObject({
      createdDateTime: '2026-03-14T09:10:00.000Z',
      operation: 'New-InboxRule',
      clientIp: '198.51.100.23',
      ruleName: '.',
      ruleParameters: { ForwardTo: 'leak@x.example' },
    });
    expect(
      mailboxAuditFromGraph({
        id: 'u2',
        operation: 'Set-InboxRule',
        createdDateTime: '2026-03-14T09:10:00Z',
        auditData: { Parameters: [{ Name: 'Identity', Value: 'Avery Chen\\Move it' }] },
      })?.ruleName,
    ).toBe('Move it');
    expect(
      mailboxAuditFromGraph({ id: 'u3', operation: 'Send', createdDateTime: '2026-03-14T09:10:00Z', auditData: 'not an object' }),
    ).toMatchObject({ operation: 'Send', internetMessageId: undefined });
  });

  it('a device or a sent message that is not an object is missing, not an error', () => {
    expect(deviceFromGraph(null)).toBeUndefined();
    expect(sentMessageFromGraph('<id>', undefined)).toEqual({ internetMessageId: '<id>', found: false, recipients: [] });
    expect(appRoleAssignmentFromGraph({ id: 'a', createdDateTime: null })).toMatchObject({ id: 'a', createdDateTime: undefined });
  });
});

describe('any JSON at all', () => {
  const normalizers = [
    signInFromGraph,
    directoryAuditFromGraph,
    mailboxAuditFromGraph,
    inboxRuleFromGraph,
    grantFromGraph,
    appRoleAssignmentFromGraph,
    authenticationMethodFromGraph,
    deviceFromGraph,
  ];

  it('never throws, and what it keeps has a string id', () => {
    const hostile = fc.oneof(
      fc.anything(),
      fc.record({
        id: fc.anything(),
        createdDateTime: fc.anything(),
        activityDateTime: fc.anything(),
        activityDisplayName: fc.anything(),
        operation: fc.anything(),
        clientId: fc.anything(),
        actions: fc.anything(),
        conditions: fc.anything(),
        auditData: fc.anything(),
        targetResources: fc.anything(),
        status: fc.anything(),
      }),
    );
    fc.assert(
      fc.property(hostile, (value) => {
        for (const normalize of normalizers) {
          const out = normalize(value) as { id?: unknown } | undefined;
          if (out !== undefined && typeof out.id !== 'string') return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('treats __proto__ and constructor keys as plain data', () => {
    const evil = JSON.parse(
      '{"id":"x","clientId":"c","scope":"Mail.Read","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
    ) as unknown;
    expect(grantFromGraph(evil)?.scopes).toEqual(['Mail.Read']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
