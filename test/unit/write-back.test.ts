// Write-back's pure parts: where each payload shape says its source record is (and refusing ids that do
// not fit the service's shape, since they become URL paths), the comment ids and texts, the queue message
// and the settings.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAlert } from '../../shared/alerts/parse-alert';
import { parseConfig } from '../../shared/config';
import { parseWriteBackMessage } from '../../shared/queues/follow-up-message';
import type { Incident } from '../../shared/runbook/incident';
import { commentIdFor, commentTag, commentText } from '../../shared/runbook/write-back';
import { alertOf } from '../support/alerts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deep edits of sample JSON
type Json = Record<string, any>;
const sample = (name: string): Json => JSON.parse(readFileSync(path.join(__dirname, '../../samples/alerts', name), 'utf8')) as Json;
const parse = (body: unknown) => alertOf(parseAlert({ json: body, text: JSON.stringify(body) }));
const STORAGE = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
const SENTINEL_ID =
  '/subscriptions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/rg-soc-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-soc-wingtip/providers/Microsoft.SecurityInsights/Incidents/3c9a7e51-2d4b-4f8e-b1a6-5e7c9d0f2a13';

describe('the source record each payload names', () => {
  test('a Sentinel incident: its ARM id, and its creation time as raised', () => {
    const alert = parse(sample('sentinel-incident.json'));
    expect(alert.origin).toEqual({ sentinelIncident: SENTINEL_ID });
    expect(alert.alertRaisedAt).toBe('2026-11-27T17:40:03.000Z');
  });

  test('a Sentinel incident without its own id: built from workspaceInfo and the name', () => {
    const body = sample('sentinel-incident.json');
    delete body.object.id;
    expect(parse(body).origin?.sentinelIncident).toBe(SENTINEL_ID);
  });

  test.each([
    ['a path climbing out', '/subscriptions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/rg/../../x'],
    ['another resource type', SENTINEL_ID.replace('SecurityInsights/Incidents', 'SecurityInsights/alertRules')],
    ['a query string', `${SENTINEL_ID}?api-version=1`],
    ['a non-GUID subscription', SENTINEL_ID.replace('0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'mine')],
  ])('a Sentinel incident id that is %s is not written to', (_why, id) => {
    const body = sample('sentinel-incident.json');
    body.object.id = id;
    delete body.workspaceInfo;
    expect(parse(body).origin?.sentinelIncident).toBeUndefined();
  });

  test('a Sentinel incident mirroring a Defender XDR incident names both', () => {
    const origin = parse(sample('sentinel-incident-rest.json')).origin;
    expect(origin?.defenderIncident).toBe('7710');
    expect(origin?.sentinelIncident).toMatch(/\/incidents\/9e4b2d71-6c3a-4f5e-8b1d-2a7c9e0f4b36$/);
  });

  test('a Defender alert: its Graph id and its incident', () => {
    const alert = parse(sample('defender-alert-v2.json'));
    expect(alert.origin).toEqual({ defenderAlert: 'ca7f2e9b1d4c6a8e0f3b5d7c9e1a2b4c6d', defenderIncident: '7702' });
    expect(alert.alertRaisedAt).toBe('2026-11-27T17:36:10.420Z');
  });

  test('a Defender alert id with a slash is not written to', () => {
    const body = sample('defender-alert-v2.json');
    body.id = 'ca7f/../../users';
    body.incidentId = '77 02';
    expect(parse(body).origin).toEqual({});
  });

  test('a Defender incident: its id', () => {
    expect(parse(sample('defender-incident.json')).origin).toEqual({ defenderIncident: '7731' });
  });

  test('manual and Azure Monitor alerts name no source record', () => {
    expect(parse(sample('manual.json')).origin).toBeUndefined();
    expect(parse(sample('azure-monitor-log-alert.json')).origin).toBeUndefined();
  });
});

describe('comment ids and texts', () => {
  test('one GUID per incident and mark, the same on every attempt', () => {
    const id = commentIdFor('01JDZ0000000000000000WB001', 'T0');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(commentIdFor('01JDZ0000000000000000WB001', 'T0')).toBe(id);
    const others = [
      commentIdFor('01JDZ0000000000000000WB001', 'diagnosed'),
      commentIdFor('01JDZ0000000000000000WB001', 'T1'),
      commentIdFor('01JDZ0000000000000000WB002', 'T0'),
    ];
    expect(new Set([id, ...others]).size).toBe(4);
  });

  const incident: Incident = {
    id: '01JDZ0000000000000000WB001',
    state: 'recovered',
    user: { upn: 'avery.chen@wingtip-lab.example' },
    userKey: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01',
    alertKey: 'sentinel-incident:x',
    alertId: 'Sentinel incident #4187',
    source: 'sentinel-incident',
    severity: 'high',
    title: 'AiTM',
    ips: ['198.51.100.23'],
    userAgents: [],
    mode: 'enforce',
    createdAt: '2026-11-27T17:40:05.000Z',
    updatedAt: '2026-11-27T18:40:05.000Z',
    t0: '2026-11-27T17:40:06.000Z',
    t1: '2026-11-27T18:10:00.000Z',
    t3: '2026-11-27T18:40:00.000Z',
    actions: [
      {
        action: 'revokeSessions',
        result: 'succeeded',
        request: { method: 'POST', path: '/v1.0/users/x/revokeSignInSessions' },
        httpStatus: 200,
        attempts: 1,
        startedAt: '',
        endedAt: '',
        durationMs: 80,
      },
      {
        action: 'disableAccount',
        result: 'succeeded',
        request: { method: 'PATCH', path: '/v1.0/users/x', body: { accountEnabled: false } },
        httpStatus: 204,
        attempts: 1,
        startedAt: '',
        endedAt: '',
        durationMs: 90,
      },
    ],
    alertRaw: '{"Authorization":"Bearer eyJhbGciOi.secret"}',
    recovery: { at: '2026-11-27T18:40:00.000Z', by: 'approver@wingtip-lab.example', credential: 'tap', lifetimeMinutes: 60 },
  };

  test('T0 says who was contained with which Graph writes, links the console and ends in its tag', () => {
    const text = commentText(incident, 'T0', 'https://aitm.example/api/console');
    expect(text).toContain('aitm-contain contained avery.chen@wingtip-lab.example at 2026-11-27T17:40:06.000Z (T0)');
    expect(text).toContain('revokeSessions (Graph 200), disableAccount (Graph 204)');
    expect(text).toContain('https://aitm.example/api/console#/incidents/01JDZ0000000000000000WB001');
    expect(text.split('\n').pop()).toBe(commentTag(incident.id, 'T0'));
  });

  test('no mark carries the raw alert (where a caller header could hide) or a credential', () => {
    for (const mark of ['T0', 'diagnosed', 'T1', 'T3'] as const) {
      const text = commentText(incident, mark);
      expect(text).not.toMatch(/Bearer|eyJ|secret/);
      expect(text).not.toContain('#/incidents/');
    }
    expect(commentText(incident, 'T3')).toContain('a Temporary Access Pass was issued out of band');
  });
});

describe('the write-back queue message', () => {
  test('is read with its version and mark', () => {
    expect(parseWriteBackMessage(JSON.stringify({ version: 1, incidentId: '01JDZ0000000000000000WB001', mark: 'T1' }))).toEqual({
      version: 1,
      incidentId: '01JDZ0000000000000000WB001',
      mark: 'T1',
    });
  });

  test.each([
    [{ version: 2, incidentId: '01JDZ0000000000000000WB001', mark: 'T0' }, /version/],
    [{ version: 1, incidentId: '01JDZ0000000000000000WB001', mark: 'T2' }, /mark/],
    [{ version: 1, incidentId: '../x', mark: 'T0' }, /incidentId must be a ULID/],
  ])('refuses %j', (message, problem) => {
    expect(() => parseWriteBackMessage(message)).toThrow(problem);
  });
});

describe('write-back settings', () => {
  test('default: none, Azure Resource Manager, no console link', () => {
    const config = parseConfig(STORAGE);
    expect(config.writeBack).toEqual({ target: 'none', sentinelBaseUrl: 'https://management.azure.com' });
    expect(config.consoleUrl).toBeUndefined();
  });

  test('the console link comes from PUBLIC_BASE_URL, else from the host name Azure sets', () => {
    expect(parseConfig({ ...STORAGE, WEBSITE_HOSTNAME: 'func-aitm.azurewebsites.net' }).consoleUrl).toBe(
      'https://func-aitm.azurewebsites.net/api/console',
    );
    expect(
      parseConfig({ ...STORAGE, WEBSITE_HOSTNAME: 'func-aitm.azurewebsites.net', PUBLIC_BASE_URL: 'https://soc.example/' }).consoleUrl,
    ).toBe('https://soc.example/api/console');
  });

  test.each([
    [{ WRITE_BACK: 'jira' }, /WRITE_BACK/],
    [{ SENTINEL_BASE_URL: 'http://management.example' }, /SENTINEL_BASE_URL: must be https/],
    [{ PUBLIC_BASE_URL: 'http://soc.example' }, /PUBLIC_BASE_URL: must be https/],
    [{ WRITE_BACK: 'sentinel', GRAPH_AUTH: 'none', GRAPH_BASE_URL: 'http://127.0.0.1:1' }, /SENTINEL_BASE_URL: with GRAPH_AUTH "none"/],
    [{ APPLICATIONINSIGHTS_CONNECTION_STRING: 'IngestionEndpoint=https://x' }, /APPLICATIONINSIGHTS_CONNECTION_STRING/],
  ])('refuses %j, naming the setting', (settings, problem) => {
    expect(() => parseConfig({ ...STORAGE, ...settings })).toThrow(problem);
  });
});
