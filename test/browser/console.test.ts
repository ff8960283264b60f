// The incident console as an analyst uses it, in real headless Chromium against the real local stack
// (Azurite, the tenant simulator, the local host serving the function app): sign in with the
// simulator's one-click sign-in, open the demo incident, approve a held campaign victim and watch the
// simulator disable the account, eradicate, recover and see the one-time credential exactly once; a
// reader sees no decision buttons and the API refuses them; the CSP holds and the page logs no error.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { INCIDENT_STATES } from '../../shared/runbook/incident';
import { ARTIFACTS, launchBrowser, type Browser } from '../support/browser';
import { request, type ContainBody } from '../support/http';
import { bearer, readerToken } from '../support/tokens';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildConsole } = require('../../scripts/build-console.js') as { buildConsole: () => Promise<string> };

const ROOT = path.resolve(__dirname, '../..');
const VICTIM = 'avery.chen@wingtip-lab.example';
const DRAIN_MS = 180_000;

let stack: LocalStack;
let browser: Browser;
let page: Page;
let demoId: string;

beforeAll(async () => {
  await buildConsole();
  stack = await startLocalStack({ settings: { HUNT_BACKEND: 'log-analytics', CAMPAIGN_CONTAINMENT: 'approve' } });
  const contained = await request<ContainBody>(`${stack.baseUrl}/api/contain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': stack.functionKey },
    body: readFileSync(path.join(ROOT, 'samples/alerts/sentinel-incident.json'), 'utf8'),
  });
  expect(contained.status).toBe(200);
  demoId = contained.json.incidents[0].id;
  await stack.host.drainQueues(DRAIN_MS);
  browser = await launchBrowser();
  page = await browser.newPage();
}, DRAIN_MS + 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function signIn(as: 'approver' | 'reader'): Promise<void> {
  await page.goto(`${stack.baseUrl}/api/console`);
  await page.locator(`button[data-analyst="${as}"]`).click();
  await page.locator('#signed-in-as').waitFor();
}

async function openIncident(id: string): Promise<void> {
  await page.evaluate(`location.hash = '#/incidents/${id}'`);
  await page.locator('#incident-title').waitFor();
}

/** Confirms the open dialog and waits for the decision's outcome (done or failed) to be shown. */
async function confirmDialog(): Promise<string> {
  const dialog = page.locator('dialog');
  await dialog.waitFor();
  const title = await dialog.locator('h2').innerText();
  await dialog.locator('button[type="submit"]').click();
  await dialog.waitFor({ state: 'detached' });
  const result = page.locator('.incident .result', { hasText: new RegExp(`^${title}(: done| failed)`) });
  await result.waitFor();
  return result.innerText();
}

async function stateBecomes(state: string): Promise<void> {
  // A locator, not waitForFunction: the page's CSP forbids the eval that a predicate string needs.
  await page.locator('#incident-title .badge', { hasText: new RegExp(`^${state}$`) }).waitFor();
}

test('the page, its bundle and its settings are served with a strict CSP', async () => {
  const response = await page.goto(`${stack.baseUrl}/api/console`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).toContain(`connect-src 'self' ${new URL(stack.simulator!.baseUrl).origin}`);
  expect(csp).not.toContain('unsafe');
  const bundle = await fetch(`${stack.baseUrl}/api/console/app.js`);
  expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect((await fetch(`${stack.baseUrl}/api/console/app.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
  expect((await fetch(`${stack.baseUrl}/api/console/..%2Fpackage.json`)).status).toBe(404);
  const settings = (await (await fetch(`${stack.baseUrl}/api/console/config.json`)).json()) as { signIn: { mode: string } };
  expect(settings.signIn.mode).toBe('simulator');
  // No key of any kind in what a browser is sent.
  const served = [await (await fetch(`${stack.baseUrl}/api/console`)).text(), await bundle.text(), JSON.stringify(settings)].join('\n');
  for (const key of [stack.functionKey, stack.hostKey, ...Object.values(stack.functionKeys)]) expect(served).not.toContain(key);
});

test('the seeded analyst signs in and sees the demo incident in the list, newest first', async () => {
  await signIn('approver');
  await expect(page.locator('#signed-in-as').innerText()).resolves.toContain('sam.analyst@wingtip-lab.example · approver');
  const rows = page.locator('table.incidents tbody tr');
  await rows.first().waitFor();
  const users = await page.locator('table.incidents tbody tr td:first-child').allInnerTexts();
  expect(users).toContain(VICTIM);
  // Newest first: the campaign victims' incidents were created after the demo incident.
  expect(users.indexOf(VICTIM)).toBe(users.length - 1);
  const demoRow = rows.filter({ hasText: VICTIM });
  await expect(demoRow.locator('td').nth(4).innerText()).resolves.toMatch(/^[0-9A-Z]{26}$/);
  await browser.screenshot(page, '01-incidents');

  // The filter offers exactly the states the API accepts (the bundle reads the runbook's own list).
  const offered = await page
    .locator('#filter-state option')
    .evaluateAll((options) => options.map((option) => option.getAttribute('value')));
  expect(offered).toEqual(['', ...INCIDENT_STATES]);
  await page.locator('#filter-state').selectOption('awaiting_approval');
  await page.locator('.filters button[type="submit"]').click();
  await page.waitForURL(/state=awaiting_approval/);
  await page.locator('table.incidents tbody tr').first().waitFor();
  const held = await page.locator('table.incidents tbody tr td:nth-child(2)').allInnerTexts();
  expect(held.length).toBeGreaterThan(0);
  expect(new Set(held)).toEqual(new Set(['awaiting approval']));
});

test('the demo incident shows the timeline on a time axis, the findings by kind and the Graph writes', async () => {
  await openIncident(demoId);
  await page.locator('.timeline-axis').waitFor();
  await expect(page.locator('.timeline-axis [data-mark="T0"]').count()).resolves.toBe(1);
  await expect(page.locator('.timeline-list').innerText()).resolves.toContain('Containment achieved');
  await page.locator('.finding-kind').first().waitFor();
  const kinds = await page.locator('.finding-kind h3').allInnerTexts();
  expect(kinds).toEqual(expect.arrayContaining(['sign in', 'inbox rule']));
  const suspicious = page.locator('.finding.verdict-suspicious');
  expect(await suspicious.count()).toBeGreaterThan(0);
  await expect(suspicious.first().locator('.reasons li').count()).resolves.toBeGreaterThan(0);
  const graph = await page.locator('table.graph-actions tbody').innerText();
  expect(graph).toMatch(/revokeSessions\s+succeeded\s+200/);
  expect(graph).toMatch(/disableAccount\s+succeeded\s+204/);
  await page.locator('.victims li').first().waitFor();
  await page.locator('.report', { hasNotText: 'Loading the report' }).waitFor();
  const report = await page.locator('.report').innerText();
  // The report's Markdown rendered as elements (its ## headings under the page's h2), its facts as text.
  const headings = await page.locator('.report h4').allInnerTexts();
  expect(headings).toEqual(expect.arrayContaining(['Timeline', 'What the attacker did', 'What was done', 'Who else']));
  expect(await page.locator('.report table').count()).toBeGreaterThan(0);
  expect(report).toContain('198.51.100.23');
  expect(await page.locator('.report script, .report img, .report a').count()).toBe(0);
  await browser.screenshot(page, '02-incident');
  await page.locator('.report').screenshot({ path: path.join(ARTIFACTS, '02-report.png') });
});

test('approving a held campaign victim disables the account in the simulator', async () => {
  const victim = page.locator('.victims li').filter({ hasText: 'awaiting approval' }).first();
  const upn = (await victim.locator('a').innerText()).trim();
  expect(stack.simulator!.tenant.findUser(upn)?.accountEnabled).toBe(true);
  await victim.locator('a').click();
  await page.locator('#incident-title', { hasText: upn }).waitFor();
  await page.getByRole('button', { name: 'Approve containment' }).click();
  await expect(page.locator('dialog h2').innerText()).resolves.toBe('Approve containment');
  await page.locator('dialog textarea').fill('campaign victim: same AiTM proxy');
  await browser.screenshot(page, '03-approve-dialog');
  await expect(confirmDialog()).resolves.toContain('Approve containment: done');
  expect(stack.simulator!.tenant.findUser(upn)?.accountEnabled).toBe(false);
  await stateBecomes('contained');
  await browser.screenshot(page, '04-approved');
});

test('eradicate what the pack flagged, then recover: the credential is shown once, never stored', async () => {
  await openIncident(demoId);
  await page.getByRole('button', { name: 'Eradicate flagged' }).click();
  await expect(confirmDialog()).resolves.toContain('Eradicate flagged: done (HTTP 202)');
  await stack.host.drainQueues(DRAIN_MS);
  await page.locator('#refresh').click();
  await stateBecomes('eradicated');
  await expect(page.locator('table.graph-actions tbody').innerText()).resolves.toContain('remove:');
  await browser.screenshot(page, '05-eradicated');

  await page.getByRole('button', { name: 'Mark notified' }).click();
  await expect(confirmDialog()).resolves.toContain('Mark notified: done');

  const passesBefore = stack.simulator!.tenant.findUser(VICTIM)!.temporaryAccessPassCount;
  await page.getByRole('button', { name: 'Recover account' }).click();
  await expect(page.locator('dialog select').inputValue()).resolves.toBe('tap');
  await expect(confirmDialog()).resolves.toContain('Recover account: done');
  const credential = (await page.locator('.credential-value').innerText()).trim();
  expect(credential.length).toBeGreaterThanOrEqual(8);
  expect(stack.simulator!.tenant.findUser(VICTIM)!.temporaryAccessPassCount).toBe(passesBefore + 1);
  expect(stack.simulator!.tenant.findUser(VICTIM)!.accountEnabled).toBe(true);
  await expect(page.locator('.credential .warning').innerText()).resolves.toContain('it will not be shown again');
  await stateBecomes('recovered');
  await browser.screenshot(page, '06-credential-once');
  const stored = await page.evaluate<string>(
    'JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie',
  );
  expect(stored).not.toContain(credential);

  // Reload: signed out (the token was in memory); sign in again: the incident is recovered, no credential.
  await page.reload();
  await expect(page.locator('#signed-in-as').count()).resolves.toBe(0);
  await page.locator('button[data-analyst="approver"]').click();
  await page.locator('#signed-in-as').waitFor();
  await openIncident(demoId);
  await page.locator('.timeline-axis [data-mark="T3"]').waitFor();
  expect(await page.locator('.credential').count()).toBe(0);
  expect(await page.content()).not.toContain(credential);
  await browser.screenshot(page, '07-after-reload');
});

test('a reader sees no decision buttons, and the API refuses the decision', async () => {
  await signIn('reader');
  await expect(page.locator('#signed-in-as').innerText()).resolves.toContain('riley.reader@wingtip-lab.example · reader');
  await page.locator('#filter-state').selectOption('awaiting_approval');
  await page.locator('.filters button[type="submit"]').click();
  const first = page.locator('table.incidents tbody tr a').first();
  await first.waitFor();
  const held = (await first.getAttribute('href'))!.split('/').pop()!;
  await first.click();
  await page.locator('.actions').waitFor();
  const buttons = await page.locator('.actions button').allInnerTexts();
  expect(buttons).toEqual(['Re-run the hunt']);
  await expect(page.locator('.actions').innerText()).resolves.toContain('need the approver role');
  await browser.screenshot(page, '08-reader');
  const forced = await fetch(`${stack.baseUrl}/api/incidents/${held}/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(await readerToken(stack)) },
    body: '{}',
  });
  expect(forced.status).toBe(403);
});

test('no page logged an error', () => {
  expect(browser.errors).toEqual([]);
});
