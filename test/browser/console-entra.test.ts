// The console in Entra ID mode, in headless Chromium: the page loads MSAL (its own chunk) under the
// strict CSP and, on "Sign in with Microsoft", sends the browser to the tenant's authorize endpoint for
// the authorization code flow with PKCE, as the webhook's app registration, for WEBHOOK_AUDIENCE. No
// request leaves the machine: the browser's requests to the authority are answered here.
import type { Route } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { launchBrowser, type Browser } from '../support/browser';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildConsole } = require('../../scripts/build-console.js') as { buildConsole: () => Promise<string> };

const TENANT = '9a8b7c6d-5e4f-4a3b-8c1d-0e9f8a7b6c5d';
const APP = 'c0ffee00-1234-4abc-9def-0123456789ab';
const AUTHORITY = 'https://login.microsoftonline.com';

let stack: LocalStack;
let browser: Browser;
const authorityRequests: string[] = [];

beforeAll(async () => {
  await buildConsole();
  stack = await startLocalStack({
    settings: { WEBHOOK_AUDIENCE: `api://${APP}`, WEBHOOK_TENANT_ID: TENANT, WEBHOOK_AUTHORITY: AUTHORITY },
  });
  browser = await launchBrowser();
  // Everything not on loopback is answered here or refused: the test never reaches a network.
  await browser.context.route(
    (url) => !['127.0.0.1', 'localhost'].includes(url.hostname),
    (route: Route) => {
      const url = new URL(route.request().url());
      authorityRequests.push(url.toString());
      if (url.pathname.endsWith('/openid-configuration')) {
        const base = `${AUTHORITY}/${TENANT}`;
        return route.fulfill({
          contentType: 'application/json',
          headers: { 'access-control-allow-origin': '*' },
          body: JSON.stringify({
            issuer: `${base}/v2.0`,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            token_endpoint: `${base}/oauth2/v2.0/token`,
            end_session_endpoint: `${base}/oauth2/v2.0/logout`,
            jwks_uri: `${AUTHORITY}/${TENANT}/discovery/v2.0/keys`,
            response_modes_supported: ['query', 'fragment', 'form_post'],
          }),
        });
      }
      if (url.pathname.endsWith('/discovery/instance')) {
        return route.fulfill({
          contentType: 'application/json',
          headers: { 'access-control-allow-origin': '*' },
          body: JSON.stringify({
            tenant_discovery_endpoint: `${AUTHORITY}/${TENANT}/v2.0/.well-known/openid-configuration`,
            metadata: [
              {
                preferred_network: 'login.microsoftonline.com',
                preferred_cache: 'login.windows.net',
                aliases: ['login.microsoftonline.com'],
              },
            ],
          }),
        });
      }
      if (url.pathname.endsWith('/oauth2/v2.0/authorize')) {
        return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Entra ID sign-in (stand-in)</title>' });
      }
      return route.abort();
    },
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test('the page offers Entra ID sign-in, with the authority in its CSP and MSAL loaded under it', async () => {
  const page = await browser.newPage();
  const response = await page.goto(`${stack.baseUrl}/api/console`);
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain(`connect-src 'self' ${AUTHORITY}`);
  expect(csp).toContain(`frame-src ${AUTHORITY}`);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).waitFor();
  // No token yet: nothing is in MSAL's cache, and the page has not called the API.
  expect(await page.locator('#signed-in-as').count()).toBe(0);
});

test('signing in sends the browser to the authorize endpoint: code flow with PKCE, the app and its audience', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.baseUrl}/api/console`);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
  const authorize = new URL(page.url());
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${AUTHORITY}/${TENANT}/oauth2/v2.0/authorize`);
  const query = authorize.searchParams;
  expect(query.get('client_id')).toBe(APP);
  expect(query.get('response_type')).toBe('code');
  expect(query.get('code_challenge_method')).toBe('S256');
  expect(query.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(query.get('redirect_uri')).toBe(`${stack.baseUrl}/api/console`);
  expect(query.get('scope')?.split(' ')).toEqual(expect.arrayContaining([`api://${APP}/.default`, 'openid']));
  // The page never holds a secret: no client secret or function key in the request.
  expect(query.get('client_secret')).toBeNull();
  for (const key of [stack.functionKey, stack.hostKey]) expect(page.url()).not.toContain(key);
});

test('no page logged an error', () => {
  expect(browser.errors).toEqual([]);
  expect(authorityRequests.every((url) => url.startsWith(`${AUTHORITY}/`))).toBe(true);
});
