// Reads app settings for local runs the way Core Tools does: `local.settings.json` Values, with
// environment variables taking precedence. Errors name files and keys, never values.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface LoadLocalSettingsOptions {
  /** Settings file. Default: `local.settings.json` at the repo root. */
  path?: string;
  /** Environment overlay. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Keys to take from `env` even when the file does not define them. Default: none. */
  keys?: readonly string[];
}

/**
 * The directory holding `host.json`, found by walking up from this module so it works both from the
 * TypeScript sources and from compiled output under `dist/`.
 */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'host.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no host.json found above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export function loadLocalSettings(options: LoadLocalSettingsOptions = {}): Record<string, string> {
  const file = options.path ?? path.join(repoRoot(), 'local.settings.json');
  const env = options.env ?? process.env;
  const settings = existsSync(file) ? readValues(file) : {};
  for (const key of [...Object.keys(settings), ...(options.keys ?? [])]) {
    const fromEnv = env[key];
    if (fromEnv !== undefined) settings[key] = fromEnv;
  }
  return settings;
}

function readValues(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    // V8's parse messages quote the surrounding text, which may be a secret; keep only the position.
    const position = error instanceof Error ? (/ at position \d+/.exec(error.message)?.[0] ?? '') : '';
    // eslint-disable-next-line preserve-caught-error -- the cause's message is what must not travel
    throw new Error(`${file} is not valid JSON${position}`);
  }
  if (!isRecord(parsed)) throw new Error(`${file} must hold a JSON object`);
  if (parsed.IsEncrypted === true) {
    throw new Error(`${file} is encrypted (IsEncrypted: true); decrypt it with "func settings decrypt" first`);
  }
  const values = parsed.Values ?? {};
  if (!isRecord(values)) throw new Error(`${file}: "Values" must be an object`);
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'string') throw new Error(`${file}: Values.${key} must be a string`);
    settings[key] = value;
  }
  return settings;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
