// Hostile input, one attack at a time, through the bytes -> alert path the webhook uses: prototype keys,
// duplicate keys, wrong types, deep nesting, huge arrays, JSON embedded in strings, and text that must
// not reach storage or logs as-is. Each test names the attack and what must (not) happen.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeAlertBody, parseAlert } from '../../shared/alerts/parse-alert';
import { alertOf } from '../support/alerts';
import type { NormalizedAlert } from '../../shared/alerts/types';
import { ValidationError } from '../../shared/errors';

const sampleText = (name: string): string => readFileSync(path.join(__dirname, '../../samples/alerts', name), 'utf8');
const fromText = (body: string): NormalizedAlert => alertOf(parseAlert(decodeAlertBody(new TextEncoder().encode(body), 1024 * 1024)));
/**
 * CPU time this process spent on `action`, in ms. Budgets are in CPU time, not wall time: the other
 * processes on a shared machine slow the wall clock, not the work (a quadratic walk would cost minutes).
 */
function cpuMs(action: () => unknown): number {
  const before = process.cpuUsage();
  action();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function refusedText(body: string): ValidationError {
  try {
    fromText(body);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected the alert to be refused');
}

/** The Sentinel alert trigger sample with its Entities array replaced by raw JSON text. */
const triggerWithEntities = (entitiesJson: string): string =>
  sampleText('sentinel-alert-trigger.json').replace(/"Entities": \[[\s\S]*?\n {2}\],/, `"Entities": ${entitiesJson},`);

describe('prototype keys are data', () => {
  it('an account hidden under __proto__ is not an account', () => {
    const body = triggerWithEntities('[{"__proto__":{"Type":"account","Name":"casey.nguyen","UPNSuffix":"wingtip-lab.example"}}]');
    expect(refusedText(body).message).toBe('Sentinel alert: no Account entity with a UPN or object id');
  });

  it('a UPN hidden under constructor or __proto__ of an account is not its UPN', () => {
    const body = triggerWithEntities(
      '[{"Type":"account","__proto__":{"UserPrincipalName":"casey.nguyen@wingtip-lab.example"},"constructor":{"AadUserId":"5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b03"}}]',
    );
    expect(refusedText(body).status).toBe(422);
  });

  it('a severity or type under __proto__ does not make a shape', () => {
    expect(
      refusedText('{"__proto__":{"schemaId":"azureMonitorCommonAlertSchema","SystemAlertId":"x","user":"a@b.example","alertId":"1"}}')
        .details,
    ).toMatchObject({ shape: 'unknown' });
    const noSeverity = sampleText('defender-alert-v2.json').replace('"severity": "high",', '"__proto__": {"severity": "high"},');
    expect(refusedText(noSeverity).message).toBe('Defender alert: missing severity (severity)');
  });

  it('Entities embedded as a string get the same treatment', () => {
    const row = JSON.parse(sampleText('sentinel-alert-securityalert.json')) as Record<string, unknown>;
    row.Entities =
      '[{"__proto__":{"Type":"account","Name":"blake.morris","UPNSuffix":"wingtip-lab.example"}},{"constructor":{"prototype":{"Type":"account"}}}]';
    expect(refusedText(JSON.stringify(row)).message).toBe('Sentinel alert: no Account entity with a UPN or object id');
    expect(({} as Record<string, unknown>).Type).toBeUndefined();
  });

  it('leaves Object.prototype alone', () => {
    refusedText('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"object":{"__proto__":{"polluted":true}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('duplicate keys', () => {
  it('the last value wins, as JSON.parse decides, and is validated like any other', () => {
    const body = sampleText('defender-alert-v2.json').replace('"severity": "high",', '"severity": "high", "severity": "apocalyptic",');
    expect(refusedText(body).message).toMatch(/^Defender alert: unknown severity "apocalyptic"/);
    const accepted = sampleText('defender-alert-v2.json').replace('"severity": "high",', '"severity": "apocalyptic", "severity": "high",');
    expect(fromText(accepted).severity).toBe('high');
  });

  it('two spellings of one field: the exact spelling is read first', () => {
    const body = sampleText('sentinel-alert-securityalert.json').replace(
      '"AlertSeverity": "High",',
      '"AlertSeverity": "High", "alertseverity": "Low",',
    );
    expect(fromText(body).severity).toBe('high');
  });
});

describe('wrong types', () => {
  it.each([
    ['a string where the entity list belongs', triggerWithEntities('"[not json"')],
    ['a number where the entity list belongs', triggerWithEntities('42')],
    [
      'an object where the entity list belongs',
      triggerWithEntities('{"Type":"account","Name":"drew.patel","UPNSuffix":"wingtip-lab.example"}'),
    ],
    ['strings where entities belong', triggerWithEntities('["drew.patel@wingtip-lab.example", null, 7, true]')],
    [
      'an account whose fields are objects',
      triggerWithEntities('[{"Type":"account","Name":{"x":1},"UPNSuffix":["wingtip-lab.example"],"AadUserId":5}]'),
    ],
    ['a kind that is not a string', triggerWithEntities('[{"Type":["account"],"Name":"drew.patel","UPNSuffix":"wingtip-lab.example"}]')],
  ])('%s: 422, not a crash', (_, body) => {
    expect(refusedText(body).status).toBe(422);
  });

  it('evidence, alerts and dimensions of the wrong type', () => {
    const graph = JSON.parse(sampleText('defender-alert-v2.json')) as Record<string, unknown>;
    for (const evidence of ['x', 1, { userAccount: {} }, [[[]]], [null, 'userEvidence', { '@odata.type': 5 }]]) {
      graph.evidence = evidence;
      expect(refusedText(JSON.stringify(graph)).status).toBe(422);
    }
    const incident = JSON.parse(sampleText('defender-incident.json')) as Record<string, unknown>;
    incident.alerts = [1, 'two', null, { evidence: 'none' }];
    expect(refusedText(JSON.stringify(incident)).status).toBe(422);
    const monitor = JSON.parse(sampleText('azure-monitor-log-alert.json')) as { data: { alertContext: unknown } };
    monitor.data.alertContext = { condition: { allOf: 'UserPrincipalName' }, SearchResults: { tables: [{ columns: 'x', rows: [[1]] }] } };
    expect(refusedText(JSON.stringify(monitor)).status).toBe(422);
  });

  it('a huge string where an id belongs is refused, not stored', () => {
    const body = sampleText('defender-alert-v2.json').replace('"id": "ca7f2e9b1d4c6a8e0f3b5d7c9e1a2b4c6d"', `"id": "${'a'.repeat(300)}"`);
    expect(refusedText(body).details).toMatchObject({ invalid: 'id' });
  });
});

describe('size and depth', () => {
  it('deeply nested junk inside an entity is not walked to the bottom', () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const body = triggerWithEntities(
      `[{"Type":"host","Junk":${deep}},{"Type":"account","Name":"drew.patel","UPNSuffix":"wingtip-lab.example"}]`,
    );
    expect(fromText(body).users).toEqual([{ upn: 'drew.patel@wingtip-lab.example' }]);
  });

  it('an account nested deeper than six levels is not read', () => {
    const account = '{"Type":"account","Name":"drew.patel","UPNSuffix":"wingtip-lab.example"}';
    const shallow = `[{"Type":"process","A":{"B":{"C":${account}}}}]`;
    expect(fromText(triggerWithEntities(shallow)).users).toEqual([{ upn: 'drew.patel@wingtip-lab.example' }]);
    const tooDeep = `[${'{"Type":"x","A":'.repeat(8)}${account}${'}'.repeat(8)}]`;
    expect(refusedText(triggerWithEntities(tooDeep)).status).toBe(422);
  });

  it('a 100 000-item entity list costs milliseconds, not seconds', () => {
    const body = triggerWithEntities(`[${Array.from({ length: 100_000 }, () => '{}').join(',')}]`);
    expect(cpuMs(() => expect(refusedText(body).status).toBe(422))).toBeLessThan(1000);
  });

  it('a wide entity (thousands of keys, each an object) is visited within its budget', () => {
    const wide = `{"Type":"host",${Array.from({ length: 20_000 }, (_, index) => `"k${index}":{"Type":"ip","Address":"203.0.113.${index % 250}"}`).join(',')}}`;
    const body = triggerWithEntities(`[${wide},{"Type":"account","Name":"drew.patel","UPNSuffix":"wingtip-lab.example"}]`);
    let alert: NormalizedAlert | undefined;
    expect(cpuMs(() => (alert = fromText(body)))).toBeLessThan(1000);
    expect(alert?.users).toEqual([{ upn: 'drew.patel@wingtip-lab.example' }]);
    expect(alert?.ips.length).toBeLessThanOrEqual(50);
  });

  it('Entities embedded as a deeply nested JSON string is parsed safely', () => {
    const row = JSON.parse(sampleText('sentinel-alert-securityalert.json')) as Record<string, unknown>;
    row.Entities = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(refusedText(JSON.stringify(row)).status).toBe(422);
  });

  it('too many IPs, user agents and ASNs are capped, not refused', () => {
    const entities = Array.from({ length: 300 }, (_, index) => ({
      Type: 'ip',
      Address: `203.0.113.${index % 256}`,
      Location: { Asn: 64_500 + index },
      UserAgent: `agent ${index}`,
    }));
    const body = triggerWithEntities(
      JSON.stringify([...entities, { Type: 'account', Name: 'drew.patel', UPNSuffix: 'wingtip-lab.example' }]),
    );
    const alert = fromText(body);
    expect(alert.ips).toHaveLength(50);
    expect(alert.asns).toHaveLength(20);
    expect(alert.userAgents).toHaveLength(10);
  });
});

describe('text that must not reach storage or logs as-is', () => {
  it('control characters and lone surrogates are cleaned from titles and user agents; titles are capped', () => {
    const monitor = JSON.parse(sampleText('azure-monitor-log-alert.json')) as {
      data: { essentials: Record<string, unknown>; alertContext: { condition: { allOf: Array<{ dimensions: unknown[] }> } } };
    };
    monitor.data.essentials.alertRule = `AiTM\u0000\r\nFAKE LOG LINE \ud800${'x'.repeat(2000)}`;
    monitor.data.alertContext.condition.allOf[0].dimensions.push({ name: 'UserAgent', value: 'Mozilla\u0007/5.0\ud83d' });
    const alert = fromText(JSON.stringify(monitor));
    expect(alert.title).toMatch(/^AiTM FAKE LOG LINE x+$/);
    expect(alert.title.length).toBeLessThanOrEqual(512);
    expect(alert.userAgents).toEqual(['Mozilla /5.0']);
  });

  it('identifiers that could address another Graph path are not users', () => {
    for (const upn of [
      'avery.chen@wingtip-lab.example/revokeSignInSessions',
      '../avery.chen@wingtip-lab.example',
      'avery.chen@wingtip-lab.example?$select=id',
      'avery chen@wingtip-lab.example',
    ]) {
      const body = JSON.stringify({ user: upn, alertId: 'x' });
      expect(refusedText(body).status).toBe(422);
      const entity = triggerWithEntities(JSON.stringify([{ Type: 'account', UserPrincipalName: upn }]));
      expect(refusedText(entity).status).toBe(422);
    }
  });

  it('the raw payload kept for the record is capped and ends on a whole character', () => {
    const row = JSON.parse(sampleText('sentinel-alert-securityalert.json')) as Record<string, unknown>;
    const before = JSON.stringify(row).length;
    row.Description = `${'d'.repeat(16 * 1024 - before + 13)}\ud83d\ude00 tail`;
    const alert = fromText(JSON.stringify(row));
    expect(alert.raw.length).toBeLessThanOrEqual(16 * 1024);
    expect(alert.raw).not.toMatch(/[\ud800-\udbff]$/);
  });
});
