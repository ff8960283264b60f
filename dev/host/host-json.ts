// The parts of host.json the local host honours (HTTP route prefix, queue trigger tuning), read and
// validated once, with the Azure defaults for anything left out.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../settings';

export interface HostJson {
  version?: string;
  extensions?: {
    http?: { routePrefix?: string };
    queues?: {
      batchSize?: number;
      maxDequeueCount?: number;
      /** "hh:mm:ss": how long a failed message stays invisible before it is retried. */
      visibilityTimeout?: string;
      /** "hh:mm:ss": the longest wait between polls of an empty queue. */
      maxPollingInterval?: string;
      messageEncoding?: 'base64' | 'none';
    };
  };
  [setting: string]: unknown;
}

export interface QueueSettings {
  batchSize: number;
  maxDequeueCount: number;
  visibilityTimeoutMs: number;
  maxPollingIntervalMs: number;
  messageEncoding: 'base64' | 'none';
}

/** Reads host.json; default path: the repo root's. */
export function readHostJson(file: string = path.join(repoRoot(), 'host.json')): HostJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file} must hold a JSON object`);
  }
  return parsed as HostJson;
}

/** The route prefix without surrounding slashes; "" serves functions at the root as Azure does. */
export function routePrefix(hostJson: HostJson): string {
  const prefix = hostJson.extensions?.http?.routePrefix ?? 'api';
  if (typeof prefix !== 'string') throw new Error('host.json extensions.http.routePrefix must be a string');
  return prefix.replace(/^\/+|\/+$/g, '');
}

export function queueSettings(hostJson: HostJson): QueueSettings {
  const queues = hostJson.extensions?.queues ?? {};
  const batchSize = queues.batchSize ?? 16;
  // 32 is the most a single Get Messages call returns, and Azure's limit for this setting.
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 32) {
    throw new Error('host.json extensions.queues.batchSize must be an integer from 1 to 32');
  }
  const maxDequeueCount = queues.maxDequeueCount ?? 5;
  if (!Number.isInteger(maxDequeueCount) || maxDequeueCount < 1) {
    throw new Error('host.json extensions.queues.maxDequeueCount must be a positive integer');
  }
  const messageEncoding = queues.messageEncoding ?? 'base64';
  if (messageEncoding !== 'base64' && messageEncoding !== 'none') {
    throw new Error('host.json extensions.queues.messageEncoding must be "base64" or "none"');
  }
  return {
    batchSize,
    maxDequeueCount,
    messageEncoding,
    visibilityTimeoutMs: parseTimeSpan(queues.visibilityTimeout ?? '00:00:00', 'extensions.queues.visibilityTimeout'),
    maxPollingIntervalMs: parseTimeSpan(queues.maxPollingInterval ?? '00:01:00', 'extensions.queues.maxPollingInterval'),
  };
}

const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/;

/** Milliseconds in a .NET TimeSpan string such as "00:00:10" or "1.02:00:00.5". */
export function parseTimeSpan(value: unknown, setting: string): number {
  const match = typeof value === 'string' ? TIME_SPAN.exec(value) : null;
  if (!match) throw new Error(`host.json ${setting} must be a time span like "00:00:10"`);
  const [, days = '0', hours, minutes, seconds] = match;
  return Math.round(((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000);
}
