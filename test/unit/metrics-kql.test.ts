// The metrics a workbook charts: what one containment contributes (time to contain from the alert and from
// receipt, the outcome), and the README's KQL, parsed by Microsoft's Kusto analyzer against Application
// Insights' customMetrics schema and held to the metric and dimension names the app records.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeKusto } from '../../dev/kusto/parser';
import type { TableSchema } from '../../dev/kusto/schemas';
import { containmentSample, METRIC_NAMES } from '../../shared/runbook/containment-metrics';
import type { Incident } from '../../shared/runbook/incident';

/** Application Insights `customMetrics`, the columns a workbook reads. */
const CUSTOM_METRICS: Readonly<Record<string, TableSchema>> = {
  customMetrics: [
    ['timestamp', 'datetime'],
    ['name', 'string'],
    ['value', 'real'],
    ['valueCount', 'int'],
    ['valueSum', 'real'],
    ['valueMin', 'real'],
    ['valueMax', 'real'],
    ['valueStdDev', 'real'],
    ['customDimensions', 'dynamic'],
    ['cloud_RoleName', 'string'],
    ['cloud_RoleInstance', 'string'],
    ['operation_Id', 'string'],
  ],
};

const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### Metrics: time to contain and outcome'), readme.indexOf('### Settings in Azure'));
const queries = [...section.matchAll(/```kusto\n([\s\S]*?)```/g)].map((m) => m[1]);

describe("the README's workbook queries", () => {
  test('there are some', () => {
    expect(queries.length).toBeGreaterThanOrEqual(2);
  });

  test.each(queries.map((q) => [q.split('\n')[0], q]))('%s parses against customMetrics', (_title, query) => {
    expect(analyzeKusto(query, CUSTOM_METRICS).errors).toEqual([]);
  });

  test('they read the metric and dimension names the app records', () => {
    const names = new Set(queries.flatMap((q) => [...q.matchAll(/name == "([^"]+)"/g)].map((m) => m[1])));
    expect([...names].sort()).toEqual(Object.values(METRIC_NAMES).sort());
    const dimensions = new Set(queries.flatMap((q) => [...q.matchAll(/customDimensions\.(\w+)/g)].map((m) => m[1])));
    for (const dimension of dimensions) expect(['measured_from', 'source', 'outcome', 'severity', 'mode', 'hold']).toContain(dimension);
  });
});

describe('what one containment records', () => {
  const incident = {
    id: '01JDZ0000000000000000WB001',
    state: 'contained',
    source: 'sentinel-incident',
    severity: 'high',
    mode: 'enforce',
    alertRaisedAt: '2026-11-27T17:40:03.000Z',
    createdAt: '2026-11-27T17:42:00.000Z',
    t0: '2026-11-27T17:42:01.250Z',
  } as Incident;

  test('time to contain from the alert and from receipt, in seconds', () => {
    expect(containmentSample(incident)).toEqual({
      outcome: 'contained',
      source: 'sentinel-incident',
      severity: 'high',
      mode: 'enforce',
      hold: undefined,
      fromAlertSeconds: 118.25,
      fromReceiptSeconds: 1.25,
    });
  });

  test('a held incident has an outcome and no time to contain', () => {
    const held = { ...incident, state: 'awaiting_approval', hold: 'blast_radius', t0: undefined } as Incident;
    expect(containmentSample(held)).toMatchObject({ outcome: 'awaiting_approval', hold: 'blast_radius' });
    expect(containmentSample(held).fromAlertSeconds).toBeUndefined();
    expect(containmentSample(held).fromReceiptSeconds).toBeUndefined();
  });

  test('a raised time after T0 (a source clock ahead of ours) is not a negative time to contain', () => {
    expect(containmentSample({ ...incident, alertRaisedAt: '2026-11-27T17:50:00.000Z' }).fromAlertSeconds).toBeUndefined();
  });
});
