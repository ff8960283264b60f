// The local host's log: one JSON object per line, with every key and any bearer token (a JWT) scrubbed
// from every line as a last line of defence (a handler might log headers or a URL it was given).
import type { LogHandler } from '@azure/functions';
import { format } from 'node:util';

export type LogSink = (line: string) => void;
export type HostLog = (fields: Record<string, unknown>) => void;

const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

export function createHostLog(sink: LogSink, secrets: readonly string[]): HostLog {
  // JSON.stringify escapes quotes and backslashes, so a key containing them appears escaped in the line.
  // Longest first, so a key that contains another is scrubbed whole.
  const forms = [
    ...new Set(secrets.filter((secret) => secret.length > 0).flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)])),
  ].sort((a, b) => b.length - a.length);
  return (fields) => {
    let line = JSON.stringify({ time: new Date().toISOString(), ...fields });
    for (const form of forms) line = line.split(form).join('[redacted]');
    sink(line.replace(JWT, '[redacted token]'));
  };
}

/** Where `context.log(...)` and friends go: the host log, tagged with the invocation. */
export function invocationLogHandler(log: HostLog, functionName: string, invocationId: string): LogHandler {
  return (level, ...args) => log({ level, functionName, invocationId, message: format(...args) });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
