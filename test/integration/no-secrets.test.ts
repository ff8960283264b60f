// A Logic App forwarding triggerOutputs() sends the alert inside {headers, body}; those headers carry
// the caller's credentials. None of them may reach a table row or a log line.
import { TableServiceClient, TableClient } from '@azure/data-tables';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { request } from '../support/http';

const FUNCTION_KEY = 'no-secrets-test-key-0123456789';
const SECRETS = {
  Authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.secret-bearer-7f3a.sig',
  Cookie: 'ARRAffinity=secret-cookie-91c2; session=secret-session-44d1',
  'x-functions-key': 'secret-function-key-5e8b',
  code: 'secret-code-query-0a6d',
  'x-ms-workflow-run-id': '08585',
};
const SECRET_MARKERS = [
  /secret-bearer-7f3a/,
  /secret-cookie-91c2/,
  /secret-session-44d1/,
  /secret-function-key-5e8b/,
  /secret-code-query-0a6d/,
  /eyJhbGciOiJSUzI1NiJ9/,
];
let stack: LocalStack;
const logLines: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ functionKey: FUNCTION_KEY, log: (line) => logLines.push(line) });
});

afterAll(async () => {
  await stack?.stop();
});

async function everyRow(): Promise<string[]> {
  const service = TableServiceClient.fromConnectionString(stack.storageConnectionString, { allowInsecureConnection: true });
  const rows: string[] = [];
  for await (const table of service.listTables()) {
    const client = TableClient.fromConnectionString(stack.storageConnectionString, table.name!, { allowInsecureConnection: true });
    for await (const row of client.listEntities()) rows.push(JSON.stringify(row));
  }
  return rows;
}

it('drops the envelope headers before storing the raw alert; no credential in any row or log line', async () => {
  const alert = JSON.parse(readFileSync(path.join(__dirname, '../../samples/alerts/sentinel-incident.json'), 'utf8')) as unknown;
  const response = await request<{ incidents: Array<{ id: string }> }>(`${stack.baseUrl}/api/contain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY, cookie: SECRETS.Cookie },
    body: JSON.stringify({ statusCode: 200, headers: SECRETS, body: alert }),
  });
  expect(response.status).toBe(200);
  expect(response.json.incidents).toHaveLength(1);
  const rows = await everyRow();
  const incidentRow = rows.find((row) => row.includes('"rowKey":"incident"') && row.includes(response.json.incidents[0].id));
  expect(incidentRow).toBeDefined();
  // The alert itself is kept for the record.
  expect(incidentRow).toContain('3c9a7e51-2d4b-4f8e-b1a6-5e7c9d0f2a13');
  const everything = [...rows, ...logLines, response.text].join('\n');
  for (const marker of SECRET_MARKERS) expect(everything).not.toMatch(marker);
  expect(rows.join('\n')).not.toMatch(/Authorization|x-functions-key/i);
});

it('a malformed body is refused with 400 saying where it broke, never echoing what it held', async () => {
  for (const body of ['{"user": "echo-me-8c1f@wingtip-lab.example", "alertId": echo-me-8c1f', 'echo-me-8c1f', '{"a":1}}echo-me-8c1f']) {
    const response = await request<{ error: { code: string; message: string } }>(`${stack.baseUrl}/api/contain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY },
      body,
    });
    expect({ status: response.status, code: response.json.error.code }).toEqual({ status: 400, code: 'malformed_request' });
    expect(response.json.error.message).toMatch(/^malformed JSON( at position \d+)?: expected a JSON alert$/);
    expect(response.text).not.toContain('echo-me');
  }
});
