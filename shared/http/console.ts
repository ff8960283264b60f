// What the console function serves besides the data: the bundle `npm run build` wrote (read once, kept in
// memory: it is small and never changes while the app runs), the sign-in settings the page needs (public
// values only), and the headers that keep the page to its own code: a strict Content-Security-Policy.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config';
import type { ConsoleSettings, ConsoleSignIn } from './console-settings';

export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;

/**
 * Where the bundle is: compiled, this file is dist/shared/http/console.js and the bundle dist/console;
 * run from source (tests, `npm start`), it is shared/http/console.ts and the bundle still dist/console.
 */
export function consoleBundleDir(from: string = __dirname): string {
  const root = path.resolve(from, '..', '..');
  return path.basename(root) === 'dist' ? path.join(root, 'console') : path.join(root, 'dist', 'console');
}

let loaded: Promise<ReadonlyMap<string, ConsoleAsset>> | undefined;

/** The bundle's files by name; empty when the bundle was not built. */
export function consoleAssets(dir: string = consoleBundleDir()): Promise<ReadonlyMap<string, ConsoleAsset>> {
  const reading = (loaded ??= readAssets(dir).then(
    (assets) => {
      // Not built yet: look again next time rather than remember the absence.
      if (assets.size === 0) loaded = undefined;
      return assets;
    },
    (error: unknown) => {
      loaded = undefined;
      throw error;
    },
  ));
  return reading;
}

async function readAssets(dir: string): Promise<ReadonlyMap<string, ConsoleAsset>> {
  const assets = new Map<string, ConsoleAsset>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return assets;
  }
  for (const name of names) {
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (!contentType || !SAFE_NAME.test(name)) continue;
    // The page and its entry points keep their names across builds, so browsers revalidate them; the
    // chunks the entry loads have content hashes in their names.
    const hashed = /-[A-Z0-9]{8}\.js$/.test(name);
    assets.set(name, {
      body: await readFile(path.join(dir, name)),
      contentType,
      cacheControl: hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return assets;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * How the page signs the analyst in. A loopback authority is the tenant simulator's token issuer (the
 * local stack), which has a one-click sign-in for its seeded analysts; any other authority is Entra ID,
 * where the page signs in with MSAL (authorization code + PKCE) as the webhook's own app registration,
 * whose client id WEBHOOK_AUDIENCE names (the app id, or api://<app id>).
 */
export function consoleSignIn(config: Pick<Config, 'callerTokens' | 'approvals'>): ConsoleSignIn {
  if (config.approvals.auth === 'function-key') {
    return {
      mode: 'unavailable',
      reason:
        'APPROVAL_AUTH=function-key: the console signs analysts in with their own tokens and never holds a function key; use curl in this lab setup',
    };
  }
  const tokens = config.callerTokens;
  if (!tokens) {
    return {
      mode: 'unavailable',
      reason: 'no sign-in is configured: set WEBHOOK_AUDIENCE and WEBHOOK_TENANT_ID (the webhook app registration)',
    };
  }
  if (isLoopback(tokens.authority)) {
    return {
      mode: 'simulator',
      signInUrl: `${tokens.authority}/_sim/analyst-sign-in`,
      audience: tokens.audience,
      analysts: [
        { analyst: 'approver', label: 'Sign in as the seeded analyst (sam.analyst, approver)' },
        { analyst: 'reader', label: 'Sign in as the seeded reader (riley.reader)' },
      ],
    };
  }
  const clientId = tokens.audience.replace(/^api:\/\//i, '');
  if (!GUID.test(clientId)) {
    return {
      mode: 'unavailable',
      reason: `the console signs in as the webhook app registration: set WEBHOOK_AUDIENCE to its application id or api://<application id> (it is "${tokens.audience}")`,
    };
  }
  return {
    mode: 'entra',
    clientId,
    authority: `${tokens.authority}/${tokens.tenantId}`,
    scopes: [`${tokens.audience.replace(/\/+$/, '')}/.default`],
  };
}

export function consoleSettings(config: Pick<Config, 'callerTokens' | 'approvals'>): ConsoleSettings {
  return { signIn: consoleSignIn(config), approverRole: config.approvals.approverRole, readerRole: config.approvals.readerRole };
}

/**
 * The page runs only its own bundle and talks only to this app and the sign-in authority (Entra ID or
 * the local simulator's issuer); MSAL renews tokens in a hidden frame of the authority. No inline script
 * or style, no plugins, no framing by other sites, no form posts, no referrer carrying incident ids.
 */
export function consoleSecurityHeaders(config: Pick<Config, 'callerTokens' | 'approvals'>): Record<string, string> {
  const signIn = consoleSignIn(config);
  const authority =
    signIn.mode === 'simulator' ? new URL(signIn.signInUrl).origin : signIn.mode === 'entra' ? new URL(signIn.authority).origin : undefined;
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${authority ? ` ${authority}` : ''}`,
    ...(signIn.mode === 'entra' && authority ? [`frame-src ${authority}`] : []),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
  };
}
