// Every supported payload shape and its documented variants, from the samples in samples/alerts: what is
// read (users, IPs, user agents, ASNs, times), what the alert key is, and how each shape refuses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isAcknowledgement, type ParsedAlert } from '../../shared/alerts/acknowledged';
import { decodeAlertBody, parseAlert } from '../../shared/alerts/parse-alert';
import { alertOf } from '../support/alerts';
import type { NormalizedAlert } from '../../shared/alerts/types';
import { ValidationError } from '../../shared/errors';

// Fixtures are edited freely in tests; `any` stays out of production code.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: deep edits of sample JSON
type Json = Record<string, any>;

const sampleText = (name: string): string => readFileSync(path.join(__dirname, '../../samples/alerts', name), 'utf8');
const sample = (name: string): Json => JSON.parse(sampleText(name)) as Json;
const parsed = (body: unknown): ParsedAlert => parseAlert({ json: body, text: JSON.stringify(body) ?? '' });
const parse = (body: unknown): NormalizedAlert => alertOf(parsed(body));

function refusal(body: unknown): ValidationError {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected the alert to be refused');
}

const AVERY = { upn: 'avery.chen@wingtip-lab.example', objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01' };
const BLAKE = { upn: 'blake.morris@wingtip-lab.example', objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b02' };
const CASEY = { upn: 'casey.nguyen@wingtip-lab.example', objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b03' };
const DREW = { upn: 'drew.patel@wingtip-lab.example', objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b04' };
const ATTACKER_IP = '198.51.100.23';
const HEADLESS = /HeadlessChrome\/120/;

describe('every sample parses (from bytes, as the webhook reads it)', () => {
  it.each([
    ['sentinel-incident.json', 'sentinel-incident', [AVERY]],
    ['sentinel-incident-rest.json', 'sentinel-incident', [CASEY]],
    ['sentinel-alert-securityalert.json', 'sentinel-alert', [BLAKE]],
    ['sentinel-alert-trigger.json', 'sentinel-alert', [DREW]],
    ['defender-alert-v2.json', 'defender-alert', [AVERY]],
    ['defender-incident.json', 'defender-incident', [AVERY, BLAKE]],
    ['azure-monitor-log-alert.json', 'azure-monitor', [{ upn: CASEY.upn }]],
    ['azure-monitor-log-alert-search-results.json', 'azure-monitor', [DREW]],
    ['manual.json', 'manual', [{ upn: AVERY.upn }]],
  ])('%s -> %s', (name, source, users) => {
    const alert = alertOf(
      parseAlert(decodeAlertBody(new Uint8Array(readFileSync(path.join(__dirname, '../../samples/alerts', name))), 1 << 20)),
    );
    expect(alert.source).toBe(source);
    expect(alert.users).toEqual(users);
    expect(alert.severity).toBe('high');
    expect(alert.ips).toEqual([ATTACKER_IP]);
    expect(alert.raw).toBe(sampleText(name).slice(0, 16 * 1024));
  });

  it('gives every sample its own alert key (the integration test relies on it)', () => {
    const names = [
      'sentinel-incident.json',
      'sentinel-incident-rest.json',
      'sentinel-alert-securityalert.json',
      'sentinel-alert-trigger.json',
      'defender-alert-v2.json',
      'defender-incident.json',
      'azure-monitor-log-alert.json',
      'azure-monitor-log-alert-search-results.json',
      'manual.json',
    ];
    const keys = names.map((name) => parse(sample(name)).alertKey);
    expect(new Set(keys).size).toBe(names.length);
  });
});

describe('Sentinel incident, REST resource', () => {
  it('reads the merged entities: user with both identifiers, IP with its ASN; key from the Defender incident it mirrors', () => {
    const alert = parse(sample('sentinel-incident-rest.json'));
    expect(alert).toMatchObject({
      source: 'sentinel-incident',
      alertKey: 'defender-incident:7710',
      alertId: 'Sentinel incident #4191',
      title: 'Sign-in from the AiTM infrastructure by a second user',
      users: [CASEY],
      ips: [ATTACKER_IP],
      asns: [14061],
      firstActivityAt: '2026-11-27T18:12:40.000Z',
    });
  });

  it('accepts the entities response nested under `entities`, and entities under properties.relatedEntities', () => {
    const body = sample('sentinel-incident-rest.json');
    const { entities, metaData } = body;
    delete body.metaData;
    body.entities = { entities, metaData };
    expect(parse(body).users).toEqual([CASEY]);
    delete body.entities;
    body.properties.relatedEntities = entities;
    expect(parse(body).users).toEqual([CASEY]);
  });

  it('keys by the Sentinel name when nothing links it to Defender XDR, and by providerIncidentId for a Defender provider', () => {
    const body = sample('sentinel-incident-rest.json');
    delete body.properties.additionalData.providerIncidentUrl;
    expect(parse(body).alertKey).toBe('defender-incident:7710');
    body.properties.providerName = 'Azure Sentinel';
    expect(parse(body).alertKey).toBe('sentinel-incident:9e4b2d71-6c3a-4f5e-8b1d-2a7c9e0f4b36');
  });

  it('meets the Graph copy of the same Defender incident', () => {
    const graph = sample('defender-incident.json');
    graph.id = '7710';
    expect(parse(graph).alertKey).toBe(parse(sample('sentinel-incident-rest.json')).alertKey);
  });

  it('refuses an incident with no entities, naming the shape and what is missing', () => {
    const body = sample('sentinel-incident-rest.json');
    delete body.entities;
    const error = refusal(body);
    expect(error.status).toBe(422);
    expect(error.message).toBe('Sentinel incident: no Account entity with a UPN or object id');
    expect(error.details).toMatchObject({ shape: 'Sentinel incident', missing: expect.stringContaining('relatedEntities') });
  });

  it('refuses a resource without properties, and names the bare path (no object. prefix)', () => {
    const body = sample('sentinel-incident-rest.json');
    delete body.properties;
    expect(refusal(body).message).toBe('Sentinel incident: missing incident properties (properties)');
    const noName = sample('sentinel-incident-rest.json');
    delete noName.name;
    expect(refusal(noName).message).toBe('Sentinel incident: missing incident name (name)');
  });
});

describe('Sentinel incident, Logic Apps trigger body', () => {
  it('is recognised by objectSchemaType alone', () => {
    const body = sample('sentinel-incident.json');
    delete body.object.type;
    expect(parse(body).source).toBe('sentinel-incident');
  });
});

describe('Sentinel Account entity variants (REST and SecurityAlert forms)', () => {
  const withAccount = (properties: Json): Json => {
    const body = sample('sentinel-incident.json');
    body.object.properties.relatedEntities = [{ kind: 'Account', properties }];
    return body;
  };
  const securityAlertWith = (entities: unknown[]): Json => {
    const body = sample('sentinel-alert-trigger.json');
    body.Entities = entities;
    return body;
  };

  it.each([
    ['accountName + upnSuffix', { accountName: 'Casey.Nguyen', upnSuffix: 'Wingtip-Lab.example' }, { upn: CASEY.upn }],
    ['userPrincipalName', { userPrincipalName: 'CASEY.NGUYEN@wingtip-lab.example' }, { upn: CASEY.upn }],
    ['upn', { upn: 'casey.nguyen@wingtip-lab.example' }, { upn: CASEY.upn }],
    ['a UPN in accountName', { accountName: 'casey.nguyen@wingtip-lab.example' }, { upn: CASEY.upn }],
    [
      'aadUserId only',
      { accountName: 'casey', ntDomain: 'WINGTIP', aadUserId: CASEY.objectId.toUpperCase() },
      { objectId: CASEY.objectId },
    ],
  ])('REST form: %s', (_, properties, user) => {
    expect(parse(withAccount(properties)).users).toEqual([user]);
  });

  it.each([
    ['name + NTDomain', { accountName: 'casey.nguyen', ntDomain: 'WINGTIP' }],
    ['name + DnsDomain', { accountName: 'casey.nguyen', dnsDomain: 'corp.wingtip-lab.example' }],
    ['on-premises objectGuid', { accountName: 'casey.nguyen', objectGuid: CASEY.objectId }],
    ['a SID', { sid: 'S-1-5-21-3623811015-3361044348-30300820-1013' }],
  ])('REST form: never a user from %s', (_, properties) => {
    expect(refusal(withAccount(properties)).message).toBe('Sentinel incident: no Account entity with a UPN or object id');
  });

  it('SecurityAlert form: PascalCase fields, lower-case Type', () => {
    const alert = parse(
      securityAlertWith([{ $id: '1', Name: 'casey.nguyen', UPNSuffix: 'wingtip-lab.example', AadUserId: CASEY.objectId, Type: 'account' }]),
    );
    expect(alert.users).toEqual([CASEY]);
  });

  it('resolves $ref to an account defined inside another entity, whichever comes first', () => {
    const session = {
      $id: '2',
      Type: 'cloud-logon-session',
      Account: { $id: '3', Name: 'casey.nguyen', UPNSuffix: 'wingtip-lab.example', Type: 'account' },
      UserAgent: 'UA/1.0',
    };
    for (const entities of [[session, { $ref: '3' }], [{ $ref: '3' }, session], [session]]) {
      const alert = parse(securityAlertWith(entities));
      expect(alert.users).toEqual([{ upn: CASEY.upn }]);
      expect(alert.userAgents).toContain('UA/1.0');
    }
  });

  it('survives $ref cycles and references to nothing', () => {
    const entities = [
      { $id: '1', Type: 'account', Name: 'casey.nguyen', UPNSuffix: 'wingtip-lab.example', Self: { $ref: '1' }, Other: { $ref: '2' } },
      { $id: '2', Type: 'host', Owner: { $ref: '1' } },
      { $ref: '99' },
      { $ref: '2' },
    ];
    expect(parse(securityAlertWith(entities)).users).toEqual([{ upn: CASEY.upn }]);
  });

  it('merges the same person named by UPN in one entity and by both identifiers in another', () => {
    const entities = [
      { Type: 'account', AadUserId: CASEY.objectId },
      { Type: 'account', Name: 'casey.nguyen', UPNSuffix: 'wingtip-lab.example' },
      { Type: 'account', Name: 'Casey.Nguyen', UPNSuffix: 'wingtip-lab.example', AadUserId: CASEY.objectId },
      { Type: 'account', Name: 'drew.patel', UPNSuffix: 'wingtip-lab.example' },
    ];
    expect(parse(securityAlertWith(entities)).users).toEqual([CASEY, { upn: DREW.upn }]);
  });

  it('never takes an entity marked with the attacker role as a victim', () => {
    const entities = [
      { Type: 'account', Name: 'casey.nguyen', UPNSuffix: 'wingtip-lab.example', Roles: ['Attacker'] },
      { Type: 'account', Name: 'drew.patel', UPNSuffix: 'wingtip-lab.example' },
    ];
    expect(parse(securityAlertWith(entities)).users).toEqual([{ upn: DREW.upn }]);
  });

  it('ignores non-account entities even when they carry UPN-like fields', () => {
    const entities = [
      { Type: 'mailbox', MailboxPrimaryAddress: CASEY.upn, Upn: CASEY.upn, ExternalDirectoryObjectId: CASEY.objectId },
      { Type: 'host', HostName: 'casey.nguyen', DnsDomain: 'wingtip-lab.example' },
    ];
    expect(refusal(securityAlertWith(entities)).message).toBe('Sentinel alert: no Account entity with a UPN or object id');
  });
});

describe('Sentinel alert, SecurityAlert table row', () => {
  it('parses Entities and ExtendedProperties from their JSON strings', () => {
    const alert = parse(sample('sentinel-alert-securityalert.json'));
    expect(alert).toMatchObject({
      source: 'sentinel-alert',
      alertId: 'f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f',
      title: 'Attacker in the Middle',
      users: [BLAKE],
      ips: [ATTACKER_IP],
      asns: [14061],
      firstActivityAt: '2026-11-27T17:58:03.000Z',
    });
    expect(alert.userAgents).toEqual([expect.stringMatching(HEADLESS)]);
  });

  it('keys an alert from a Microsoft security product by VendorOriginalId, meeting the Graph copy', () => {
    const sentinel = parse(sample('sentinel-alert-securityalert.json'));
    expect(sentinel.alertKey).toBe('defender-alert:8c6f0e2b9d4a7c1e5f3b8a6d0c2e4f7a9b1d3c5e7f90a2b4c6d8e0f1a3b5c7d9');
    const graph = sample('defender-alert-v2.json');
    graph.providerAlertId = '8C6F0E2B9D4A7C1E5F3B8A6D0C2E4F7A9B1D3C5E7F90A2B4C6D8E0F1A3B5C7D9';
    expect(parse(graph).alertKey).toBe(sentinel.alertKey);
  });

  it('keys by SystemAlertId for a third-party vendor, and when no vendor id is given', () => {
    const thirdParty = sample('sentinel-alert-securityalert.json');
    thirdParty.VendorName = 'Fabrikam Networks';
    expect(parse(thirdParty).alertKey).toBe('sentinel-alert:f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f');
    const noVendorId = sample('sentinel-alert-securityalert.json');
    delete noVendorId.VendorOriginalId;
    expect(parse(noVendorId).alertKey).toBe('sentinel-alert:f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f');
  });

  it('refuses Entities that are not JSON, or too long to parse', () => {
    const malformed = sample('sentinel-alert-securityalert.json');
    malformed.Entities = '[{"Type":"account",';
    expect(refusal(malformed)).toMatchObject({
      status: 422,
      message: 'Sentinel alert: Entities is a string but not valid JSON (Entities)',
      details: { invalid: 'Entities' },
    });
    const huge = sample('sentinel-alert-securityalert.json');
    huge.Entities = JSON.stringify([
      { Type: 'account', Name: 'blake.morris', UPNSuffix: 'wingtip-lab.example', Pad: 'x'.repeat(600 * 1024) },
    ]);
    expect(refusal(huge).message).toMatch(/^Sentinel alert: Entities is longer than 524288 characters/);
  });

  it('treats an empty Entities string as no entities', () => {
    const body = sample('sentinel-alert-securityalert.json');
    body.Entities = '';
    expect(refusal(body).message).toBe('Sentinel alert: no Account entity with a UPN or object id');
  });

  it('refuses a missing or unknown severity, and a row without SystemAlertId', () => {
    const noSeverity = sample('sentinel-alert-securityalert.json');
    delete noSeverity.AlertSeverity;
    expect(refusal(noSeverity).message).toBe('Sentinel alert: missing severity (Severity (or AlertSeverity))');
    const badSeverity = sample('sentinel-alert-securityalert.json');
    badSeverity.AlertSeverity = 'Sev1';
    expect(refusal(badSeverity).details).toMatchObject({ invalid: 'Severity (or AlertSeverity)' });
    const noId = sample('sentinel-alert-securityalert.json');
    delete noId.SystemAlertId;
    expect(refusal(noId).message).toBe('Sentinel alert: missing alert id (SystemAlertId)');
  });

  it('accepts the REST SecurityAlert entity form (kind + camelCase properties)', () => {
    const row = sample('sentinel-alert-securityalert.json');
    const body = {
      kind: 'SecurityAlert',
      name: row.SystemAlertId,
      properties: {
        systemAlertId: row.SystemAlertId,
        alertDisplayName: row.AlertName,
        severity: 'High',
        entities: JSON.parse(row.Entities) as unknown,
      },
    };
    expect(parse(body).users).toEqual([BLAKE]);
  });
});

describe('Sentinel alert, Logic Apps alert trigger body', () => {
  it('reads the Entities array, Severity and StartTimeUtc, and Custom Details for the user agent', () => {
    const alert = parse(sample('sentinel-alert-trigger.json'));
    expect(alert).toMatchObject({
      source: 'sentinel-alert',
      alertKey: 'sentinel-alert:3b5d7f91-2c4e-4a6b-8d0f-1e3a5c7e9b24',
      users: [DREW],
      asns: [14061],
      firstActivityAt: '2026-11-27T19:41:27.000Z',
      detection: 'Azure Sentinel / Scheduled Alerts',
    });
    expect(alert.userAgents).toEqual([expect.stringMatching(HEADLESS)]);
  });

  it('keys a Sentinel analytics-rule alert by SystemAlertId even though it carries a ProviderAlertId', () => {
    expect(parse(sample('sentinel-alert-trigger.json')).alertKey).toBe('sentinel-alert:3b5d7f91-2c4e-4a6b-8d0f-1e3a5c7e9b24');
  });
});

describe('Defender XDR alert (Graph security alert v2)', () => {
  it('takes the compromised user, the attacker IP and the session user agent; never the attacker-role guest', () => {
    const alert = parse(sample('defender-alert-v2.json'));
    expect(alert).toMatchObject({
      source: 'defender-alert',
      alertKey: 'defender-alert:6565f2a1c3e5b7d9f1a3c5e7',
      alertId: 'ca7f2e9b1d4c6a8e0f3b5d7c9e1a2b4c6d',
      title: 'Possible AiTM phishing attempt',
      users: [AVERY],
      ips: [ATTACKER_IP],
      firstActivityAt: '2026-11-27T17:04:11.000Z',
      lastActivityAt: '2026-11-27T17:31:52.000Z',
    });
    expect(alert.userAgents).toEqual([expect.stringMatching(HEADLESS)]);
    expect(JSON.stringify(alert.users)).not.toMatch(/mallory/);
  });

  it('refuses when the only user evidence is the attacker', () => {
    const body = sample('defender-alert-v2.json');
    body.evidence = body.evidence.filter((item: Json) => item['@odata.type'] !== '#microsoft.graph.security.cloudLogonSessionEvidence');
    for (const item of body.evidence) item.roles = ['attacker'];
    const error = refusal(body);
    expect(error.message).toMatch(
      /^Defender alert: no user evidence with a UPN or Entra object id .*attacker-role evidence is never the victim/,
    );
    expect(error.details).toMatchObject({ shape: 'Defender alert', missing: expect.stringContaining('userEvidence') });
  });

  it.each([
    ['UPN only', { userPrincipalName: 'Avery.Chen@wingtip-lab.example' }, { upn: AVERY.upn }],
    ['object id only', { azureAdUserId: AVERY.objectId }, { objectId: AVERY.objectId }],
    ['`upn` spelling', { upn: AVERY.upn }, { upn: AVERY.upn }],
  ])('user evidence with %s', (_, userAccount, user) => {
    const body = sample('defender-alert-v2.json');
    body.evidence = [{ '@odata.type': '#microsoft.graph.security.userEvidence', roles: [], userAccount }];
    expect(parse(body).users).toEqual([user]);
  });

  it('reads cloudLogonSessionEvidence in the PascalCase its reference also shows, and evidence without @odata.type', () => {
    const body = sample('defender-alert-v2.json');
    body.evidence = [
      {
        '@odata.type': '#microsoft.graph.security.cloudLogonSessionEvidence',
        Account: { userAccount: { userPrincipalName: CASEY.upn } },
        UserAgent: 'UA/2.0',
      },
      { roles: ['compromised'], userAccount: { azureAdUserId: DREW.objectId } },
      { ipAddress: '2001:db8::23' },
    ];
    const alert = parse(body);
    expect(alert.users).toEqual([{ upn: CASEY.upn }, { objectId: DREW.objectId }]);
    expect(alert.userAgents).toEqual(['UA/2.0']);
    expect(alert.ips).toEqual(['2001:db8::23']);
  });

  it('ignores mailbox, device and other non-user evidence', () => {
    const body = sample('defender-alert-v2.json');
    body.evidence = [
      {
        '@odata.type': '#microsoft.graph.security.mailboxEvidence',
        roles: ['compromised'],
        upn: AVERY.upn,
        primaryAddress: AVERY.upn,
        userAccount: { userPrincipalName: AVERY.upn },
      },
      { '@odata.type': '#microsoft.graph.security.deviceEvidence', loggedOnUsers: [{ accountName: 'avery.chen', domainName: 'WINGTIP' }] },
    ];
    expect(refusal(body).status).toBe(422);
  });

  it('falls back to id when providerAlertId is absent, and refuses an unknown severity', () => {
    const body = sample('defender-alert-v2.json');
    delete body.providerAlertId;
    expect(parse(body).alertKey).toBe('defender-alert:ca7f2e9b1d4c6a8e0f3b5d7c9e1a2b4c6d');
    body.severity = 'unknown';
    expect(refusal(body).message).toMatch(/^Defender alert: unknown severity "unknown"/);
  });

  it('is recognised without @odata.type, and inside a one-item Graph collection', () => {
    const body = sample('defender-alert-v2.json');
    delete body['@odata.type'];
    delete body['@odata.context'];
    expect(parse(body).source).toBe('defender-alert');
    expect(parse({ '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2', value: [body] }).users).toEqual([
      AVERY,
    ]);
  });

  it('refuses a collection of several alerts: one alert per request', () => {
    const body = sample('defender-alert-v2.json');
    const error = refusal({ value: [body, body] });
    expect(error.message).toBe('a collection of 2 items: send one alert or incident per request');
  });
});

describe('Defender XDR incident (Graph, alerts expanded)', () => {
  it('takes users from every alert, the earliest and latest activity, and keys by the incident id', () => {
    const alert = parse(sample('defender-incident.json'));
    expect(alert).toMatchObject({
      source: 'defender-incident',
      alertKey: 'defender-incident:7731',
      users: [AVERY, BLAKE],
      firstActivityAt: '2026-11-27T17:04:11.000Z',
      lastActivityAt: '2026-11-27T18:14:09.000Z',
    });
  });

  it('accepts the #microsoft.graph.incident type its Get example shows, and capitalised enum values', () => {
    const body = sample('defender-incident.json');
    body['@odata.type'] = '#microsoft.graph.incident';
    body.severity = 'High';
    expect(parse(body).severity).toBe('high');
  });

  it('refuses an incident without expanded alerts, saying how to get them', () => {
    const body = sample('defender-incident.json');
    delete body.alerts;
    expect(refusal(body).message).toBe(
      "Defender incident: missing the incident's alerts (request the incident with $expand=alerts) (alerts)",
    );
  });
});

describe('Azure Monitor common alert schema', () => {
  it('log search alert: user and IP from the split dimensions, Sev1 is high, key from the alert instance id', () => {
    const alert = parse(sample('azure-monitor-log-alert.json'));
    expect(alert).toMatchObject({
      source: 'azure-monitor',
      alertKey: 'azure-monitor:5d8c2f1a-7e3b-4a9d-b6c0-2e4f6a8c0d19',
      title: 'AiTM - successful sign-in from hosting ASN',
      severity: 'high',
      users: [{ upn: CASEY.upn }],
      ips: [ATTACKER_IP],
      asns: [14061],
      firstActivityAt: '2026-11-27T18:05:00.000Z',
    });
  });

  it('embedded search results: one user per row, both identifiers from the UserPrincipalName and UserId columns', () => {
    const alert = parse(sample('azure-monitor-log-alert-search-results.json'));
    expect(alert.users).toEqual([DREW]);
    expect(alert.userAgents).toEqual([expect.stringMatching(HEADLESS)]);
    expect(alert.severity).toBe('high');
  });

  it('reads zone-less times as UTC whatever the zone of the host (older log alerts, Log Analytics rows)', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      expect(parse(sample('azure-monitor-log-alert-search-results.json'))).toMatchObject({
        firstActivityAt: '2026-11-27T19:30:00.000Z',
        lastActivityAt: '2026-11-27T19:45:00.000Z',
      });
      const row = sample('sentinel-alert-securityalert.json');
      row.StartTime = '2026-11-27 17:58:03.5';
      expect(parse(row).firstActivityAt).toBe('2026-11-27T17:58:03.500Z');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('several dimension combinations or rows give several users', () => {
    const body = sample('azure-monitor-log-alert-search-results.json');
    body.data.alertContext.SearchResults.tables[0].rows.push([
      '2026-11-27T19:42:00Z',
      CASEY.upn,
      CASEY.objectId,
      ATTACKER_IP,
      14061,
      'x',
      'OfficeHome',
    ]);
    expect(parse(body).users).toEqual([DREW, CASEY]);
  });

  it('simple log alert events, an object id dimension, and custom-log column suffixes', () => {
    const body = sample('azure-monitor-log-alert.json');
    const criterion = body.data.alertContext.condition.allOf[0];
    criterion.dimensions = [{ name: 'UserId', value: DREW.objectId }];
    criterion.event = [
      [
        { name: 'AccountUpn_s', value: CASEY.upn },
        { name: 'ClientIP_s', value: '203.0.113.7' },
      ],
    ];
    const alert = parse(body);
    expect(alert.users).toEqual([{ objectId: DREW.objectId }, { upn: CASEY.upn }]);
    expect(alert.ips).toEqual(['203.0.113.7']);
  });

  it('acknowledges a resolved notification instead of containing anyone', () => {
    expect(parsed(sample('azure-monitor-resolved.json'))).toEqual({
      acknowledged: true,
      shape: 'Azure Monitor alert',
      reason: expect.stringContaining('Resolved'),
    });
    const firedFalse = sample('azure-monitor-log-alert.json');
    firedFalse.data.essentials.fired = false;
    expect(isAcknowledgement(parsed(firedFalse))).toBe(true);
    const lowerCase = sample('azure-monitor-log-alert.json');
    lowerCase.data.essentials.monitorCondition = 'resolved';
    expect(isAcknowledgement(parsed(lowerCase))).toBe(true);
  });

  it.each([
    ['Sev0', 'high'],
    ['Sev1', 'high'],
    ['sev2', 'medium'],
    ['Sev3', 'low'],
    ['Sev4', 'informational'],
    ['1', 'high'],
  ])('severity %s is %s', (severity, expected) => {
    const body = sample('azure-monitor-log-alert.json');
    body.data.essentials.severity = severity;
    expect(parse(body).severity).toBe(expected);
  });

  it('refuses an unknown severity, another schema, a missing alert id and an alert with no user dimension', () => {
    const severity = sample('azure-monitor-log-alert.json');
    severity.data.essentials.severity = 'Critical';
    expect(refusal(severity).message).toBe(
      'Azure Monitor alert: unknown severity "Critical" (expected Sev0 to Sev4) (data.essentials.severity)',
    );
    const schema = sample('azure-monitor-log-alert.json');
    schema.schemaId = 'Microsoft.Insights/LogAlert';
    expect(refusal(schema).message).toMatch(/enable the common alert schema/);
    const noId = sample('azure-monitor-log-alert.json');
    delete noId.data.essentials.alertId;
    expect(refusal(noId).details).toMatchObject({ missing: 'data.essentials.alertId' });
    const metric = sample('azure-monitor-log-alert.json');
    metric.data.alertContext.condition.allOf[0].dimensions = [{ name: 'ResourceId', value: '/subscriptions/x' }];
    const error = refusal(metric);
    expect(error.message).toMatch(/^Azure Monitor alert: no user in the dimensions or search results/);
    expect(error.details).toMatchObject({ shape: 'Azure Monitor alert', missing: expect.stringContaining('dimensions') });
  });
});

describe('envelopes', () => {
  it('unwraps a Logic App forwarding triggerOutputs() ({headers, body})', () => {
    const body = { headers: { 'Content-Type': 'application/json' }, body: sample('sentinel-incident.json') };
    expect(parse(body).alertKey).toBe('sentinel-incident:3c9a7e51-2d4b-4f8e-b1a6-5e7c9d0f2a13');
  });

  it("never keeps the envelope's headers in the raw alert: they carry the caller's credentials", () => {
    const body = {
      headers: { Authorization: 'Bearer eyJ.secret-token', Cookie: 'session=secret-cookie', 'x-functions-key': 'secret-key' },
      body: sample('sentinel-incident.json'),
    };
    const alert = parse(body);
    expect(alert.raw).not.toMatch(/secret-|Authorization|x-functions-key/i);
    expect(JSON.parse(alert.raw)).toEqual(sample('sentinel-incident.json'));
  });
});

describe('closed and resolved notifications are acknowledged, whatever the classification', () => {
  it.each([
    [
      'Sentinel incident (trigger body) status Closed',
      'sentinel-incident.json',
      (body: Json) => Object.assign(body.object.properties, { status: 'Closed', classification: 'TruePositive' }),
    ],
    [
      'Sentinel incident (REST) status closed',
      'sentinel-incident-rest.json',
      (body: Json) => Object.assign(body.properties, { status: 'closed', classification: 'BenignPositive' }),
    ],
    [
      'Sentinel alert (SecurityAlert) Status Resolved',
      'sentinel-alert-securityalert.json',
      (body: Json) => Object.assign(body, { Status: 'Resolved' }),
    ],
    [
      'Sentinel alert (trigger body) Status Dismissed',
      'sentinel-alert-trigger.json',
      (body: Json) => Object.assign(body, { Status: 'Dismissed' }),
    ],
    [
      'Graph alert status resolved',
      'defender-alert-v2.json',
      (body: Json) => Object.assign(body, { status: 'resolved', classification: 'truePositive' }),
    ],
    [
      'Defender incident status resolved',
      'defender-incident.json',
      (body: Json) => Object.assign(body, { status: 'Resolved', classification: 'falsePositive' }),
    ],
  ])('%s', (_label, name, close) => {
    const body = sample(name);
    close(body);
    expect(parsed(body)).toEqual({
      acknowledged: true,
      shape: expect.any(String),
      reason: expect.stringMatching(/status is (closed|resolved|dismissed); nothing to contain/i),
    });
  });

  it('an open or in-progress status is an alert to act on', () => {
    for (const status of ['New', 'Active', 'InProgress']) {
      const body = sample('sentinel-incident.json');
      body.object.properties.status = status;
      expect(isAcknowledgement(parsed(body))).toBe(false);
    }
    const graph = sample('defender-alert-v2.json');
    graph.status = 'inProgress';
    expect(isAcknowledgement(parsed(graph))).toBe(false);
  });
});

describe('many users', () => {
  const accounts = (count: number) =>
    Array.from({ length: count }, (_, index) => ({ Type: 'account', Name: `user${index}`, UPNSuffix: 'wingtip-lab.example' }));

  it('contains up to 50 users from one alert', () => {
    const body = sample('sentinel-alert-trigger.json');
    body.Entities = accounts(50);
    expect(parse(body).users).toHaveLength(50);
  });

  it('refuses 51 distinct users rather than fan out', () => {
    const body = sample('sentinel-alert-trigger.json');
    body.Entities = accounts(51);
    const error = refusal(body);
    expect(error.status).toBe(422);
    expect(error.message).toContain('too many users: 51');
    expect(error.details).toMatchObject({ invalid: 'users', count: 51, limit: 50 });
  });

  it('counts a person named many times once', () => {
    const body = sample('sentinel-alert-trigger.json');
    body.Entities = Array.from({ length: 400 }, () => ({ Type: 'account', Name: 'drew.patel', UPNSuffix: 'wingtip-lab.example' }));
    expect(parse(body).users).toEqual([{ upn: DREW.upn }]);
  });

  it('reads only the first 500 entities or evidence items', () => {
    const body = sample('sentinel-alert-trigger.json');
    body.Entities = [
      ...Array.from({ length: 500 }, () => ({ Type: 'host', HostName: 'h' })),
      { Type: 'account', Name: 'drew.patel', UPNSuffix: 'wingtip-lab.example' },
    ];
    expect(refusal(body).message).toBe('Sentinel alert: no Account entity with a UPN or object id');
    const incident = sample('defender-incident.json');
    incident.alerts[0].evidence = Array.from({ length: 500 }, () => ({
      '@odata.type': '#microsoft.graph.security.ipEvidence',
      ipAddress: '203.0.113.1',
    }));
    expect(refusal(incident).message).toMatch(/^Defender incident: no user evidence/);
    const graph = sample('defender-alert-v2.json');
    graph.evidence = [
      ...Array.from({ length: 500 }, () => ({ '@odata.type': '#microsoft.graph.security.ipEvidence', ipAddress: '203.0.113.1' })),
      graph.evidence[0],
    ];
    expect(refusal(graph).status).toBe(422);
  });
});
