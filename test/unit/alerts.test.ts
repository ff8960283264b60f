import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeAlertBody, parseAlert } from '../../shared/alerts/parse-alert';
import { ValidationError } from '../../shared/errors';
import { alertOf } from '../support/alerts';

const sample = (name: string): unknown => JSON.parse(readFileSync(path.join(__dirname, '../../samples/alerts', name), 'utf8'));
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const decoded = (json: unknown) => ({ json, text: JSON.stringify(json) ?? '' });

function refusal(body: unknown): ValidationError {
  try {
    parseAlert(decoded(body));
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected the alert to be refused');
}

describe('Sentinel incident (Logic Apps trigger body)', () => {
  it('normalizes the sample: user from accountName@upnSuffix and aadUserId, IP, severity, stable key', () => {
    const alert = alertOf(parseAlert(decoded(sample('sentinel-incident.json'))));
    expect(alert.source).toBe('sentinel-incident');
    expect(alert.alertKey).toBe('sentinel-incident:3c9a7e51-2d4b-4f8e-b1a6-5e7c9d0f2a13');
    expect(alert.alertId).toBe('Sentinel incident #4187');
    expect(alert.severity).toBe('high');
    expect(alert.users).toEqual([{ upn: 'avery.chen@wingtip-lab.example', objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01' }]);
    expect(alert.ips).toEqual(['198.51.100.23']);
    expect(alert.firstActivityAt).toBe('2026-11-27T17:04:11.000Z');
  });

  it('accepts an account with only aadUserId, and never builds a UPN from NTDomain', () => {
    const body = clone(sample('sentinel-incident.json')) as {
      object: { properties: { relatedEntities: Array<{ kind: string; properties: Record<string, unknown> }> } };
    };
    const account = body.object.properties.relatedEntities[0];
    account.properties = { accountName: 'avery.chen', ntDomain: 'WINGTIP', aadUserId: '5B1F7C2E-8D3A-4F6B-9C1E-2A7D4E6F8B01' };
    expect(alertOf(parseAlert(decoded(body))).users).toEqual([{ upn: undefined, objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01' }]);
  });

  it('gives one user per distinct account, merging duplicates case-insensitively', () => {
    const body = clone(sample('sentinel-incident.json')) as { object: { properties: { relatedEntities: unknown[] } } };
    body.object.properties.relatedEntities.push(
      { kind: 'Account', properties: { accountName: 'AVERY.CHEN', upnSuffix: 'Wingtip-Lab.example' } },
      { kind: 'Account', properties: { accountName: 'casey.nguyen', upnSuffix: 'wingtip-lab.example' } },
      { kind: 'Host', properties: { hostName: 'desktop-1' } },
    );
    expect(alertOf(parseAlert(decoded(body))).users.map((user) => user.upn)).toEqual([
      'avery.chen@wingtip-lab.example',
      'casey.nguyen@wingtip-lab.example',
    ]);
  });

  it('refuses an incident without an Account entity, naming what is missing', () => {
    const body = clone(sample('sentinel-incident.json')) as { object: { properties: { relatedEntities: Array<{ kind: string }> } } };
    body.object.properties.relatedEntities = body.object.properties.relatedEntities.filter((entity) => entity.kind !== 'Account');
    const error = refusal(body);
    expect(error.status).toBe(422);
    expect(error.message).toBe('Sentinel incident: no Account entity with a UPN or object id');
  });

  it('refuses an unknown severity and a missing incident name', () => {
    const noSeverity = clone(sample('sentinel-incident.json')) as { object: { name?: string; properties: { severity: string } } };
    noSeverity.object.properties.severity = 'Apocalyptic';
    expect(refusal(noSeverity).message).toMatch(/severity/);
    const noName = clone(sample('sentinel-incident.json')) as { object: { name?: string } };
    delete noName.object.name;
    expect(refusal(noName).message).toMatch(/object\.name/);
  });

  it('ignores account values that could not be a UPN (path characters)', () => {
    const body = clone(sample('sentinel-incident.json')) as {
      object: { properties: { relatedEntities: Array<{ kind: string; properties: Record<string, unknown> }> } };
    };
    body.object.properties.relatedEntities[0].properties = { accountName: '../../me', upnSuffix: 'x.example' };
    expect(refusal(body).status).toBe(422);
  });
});

describe('manual alert', () => {
  it('normalizes the sample', () => {
    const alert = alertOf(parseAlert(decoded(sample('manual.json'))));
    expect(alert).toMatchObject({
      source: 'manual',
      alertKey: 'manual:soc-manual-2026-11-27-001',
      severity: 'high',
      users: [{ upn: 'avery.chen@wingtip-lab.example' }],
      ips: ['198.51.100.23'],
    });
    expect(alert.userAgents[0]).toMatch(/HeadlessChrome/);
  });

  it.each([
    [{ alertId: 'a1' }, 'missing "user"'],
    [{ user: 'not a user', alertId: 'a1' }, 'neither a UPN nor an Entra object id'],
    [{ user: 'a@b.example' }, 'missing "alertId"'],
    [{ user: 'a@b.example', alertId: 'a1', severity: 'extreme' }, 'unknown "severity"'],
    [{ user: 'a@b.example', alertId: 'a1', sourceIp: '999.1.1.1' }, '"sourceIp" is not an IP address'],
    [{ user: { upn: 'a@b.example' }, alertId: 'a1' }, 'missing "user"'],
  ])('refuses %j with 422 (%s)', (body, message) => {
    const error = refusal(body);
    expect(error.status).toBe(422);
    expect(error.message).toContain(message);
  });

  it('accepts an object id and lower-cases identifiers', () => {
    const alert = alertOf(parseAlert(decoded({ user: '5B1F7C2E-8D3A-4F6B-9C1E-2A7D4E6F8B01', alertId: 'X' })));
    expect(alert.users).toEqual([{ objectId: '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b01' }]);
    expect(alert.alertKey).toBe('manual:x');
  });
});

describe('body decoding and shape detection', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('400 for malformed JSON, empty body and invalid UTF-8', () => {
    for (const body of [bytes('{"user":'), bytes(''), new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])]) {
      expect(() => decodeAlertBody(body, 1000)).toThrow(expect.objectContaining({ status: 400 }));
    }
  });

  it('413 over the size limit', () => {
    expect(() => decodeAlertBody(bytes(JSON.stringify({ pad: 'x'.repeat(2000) })), 1000)).toThrow(expect.objectContaining({ status: 413 }));
  });

  it('422 for JSON that is not an alert we know', () => {
    for (const body of [[1, 2], 'text', 42, null, { hello: 'world' }]) {
      expect(refusal(body).status).toBe(422);
    }
  });

  it('treats __proto__ and constructor keys as data', () => {
    const body = decodeAlertBody(bytes('{"__proto__":{"user":"evil@x.example"},"constructor":{"alertId":"z"}}'), 1000);
    expect(refusal(body.json).status).toBe(422);
    expect(({} as Record<string, unknown>).user).toBeUndefined();
  });

  it('survives deep nesting without a crash', () => {
    const deepArray = decodeAlertBody(bytes('['.repeat(100_000) + ']'.repeat(100_000)), 1_000_000);
    expect(() => parseAlert(deepArray)).toThrow(expect.objectContaining({ status: 422 }));
    const deepObject = `{"user":"a@b.example","alertId":"deep","pad":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    const alert = alertOf(parseAlert(decodeAlertBody(bytes(deepObject), 1_000_000)));
    expect(alert.users).toEqual([{ upn: 'a@b.example' }]);
    expect(alert.raw.length).toBeLessThanOrEqual(16 * 1024);
  });
});

describe('UPN characters', () => {
  it.each([
    'avery.chen%40wingtip-lab.example@wingtip-lab.example',
    'a+b@x.example',
    'a&b@x.example',
    'a?b@x.example',
    'a=b@x.example',
    'a*b@x.example',
    'a/b@x.example',
  ])('refuses %s, which Entra never issues', (user) => {
    expect(refusal({ user, alertId: 'chars' }).status).toBe(422);
  });

  it.each(["o'brien@x.example", 'a_b-c.d@x.example', 'a!b#c^d~e@x.example'])('accepts %s', (user) => {
    expect(alertOf(parseAlert(decoded({ user, alertId: 'chars' }))).users).toEqual([{ upn: user }]);
  });
});
