// Every pivot-hunt query (runbook 4.1-4.3, consents, phone numbers, the shared-egress guard), built from
// one place: the query bodies live in hunt-query-text.json, which Bicep also deploys as the Sentinel
// workspace functions (infra/sentinel/hunt-functions.bicep), so the one-click hunt and the automation run
// the same text. Values become `let` statements in front of the body, each a KQL literal of its
// parameter's type, from validated pivots only.
import definitions from './hunt-query-text.json';
import { kqlDatetime, kqlString } from './kql';

export type HuntQueryName = keyof typeof definitions.logAnalytics;
export type DefenderQueryName = keyof typeof definitions.defender;

export interface HuntQueryDefinition {
  /** "name:type[ = default], ..." as Log Analytics functions declare them. */
  parameters: string;
  query: string;
  functionAlias?: string;
  displayName?: string;
}

export const LOG_ANALYTICS_QUERIES: Readonly<Record<HuntQueryName, HuntQueryDefinition>> = definitions.logAnalytics;
export const DEFENDER_QUERIES: Readonly<Record<DefenderQueryName, HuntQueryDefinition>> = definitions.defender;

/** A parameter value: a string, a list of strings (dynamic), a time (datetime) or whole days (timespan). */
export type KqlValue = { string: string } | { strings: readonly string[] } | { datetime: string } | { days: number };

interface Parameter {
  name: string;
  type: 'string' | 'dynamic' | 'datetime' | 'timespan';
  fallback?: string;
}

export function parseParameters(declaration: string): Parameter[] {
  // Split on commas outside brackets and quotes (a dynamic default holds commas).
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of declaration) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === '(' || ch === '[')) depth++;
    if (!quoted && (ch === ')' || ch === ']')) depth--;
    if (ch === ',' && depth === 0 && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') parts.push(current);
  return parts.map((part) => {
    const match = /^\s*(\w+):(string|dynamic|datetime|timespan)(?:\s*=\s*(.+?))?\s*$/.exec(part);
    if (!match) throw new RangeError(`bad parameter declaration: ${part}`);
    return { name: match[1], type: match[2] as Parameter['type'], fallback: match[3] };
  });
}

function literal(parameter: Parameter, value: KqlValue): string {
  if (parameter.type === 'string' && 'string' in value) return kqlString(value.string);
  if (parameter.type === 'dynamic' && 'strings' in value) return `dynamic([${value.strings.map(kqlString).join(', ')}])`;
  if (parameter.type === 'datetime' && 'datetime' in value) return kqlDatetime(value.datetime);
  if (parameter.type === 'timespan' && 'days' in value) {
    if (!Number.isInteger(value.days) || value.days <= 0 || value.days > 90)
      throw new RangeError(`lookback must be 1-90 whole days, got ${value.days}`);
    return `${value.days}d`;
  }
  throw new RangeError(`parameter ${parameter.name} is ${parameter.type}; the value given is another type`);
}

/** The query text: one `let` per parameter (given, or its declared default), then the shared body. */
export function buildQuery(definition: HuntQueryDefinition, values: Readonly<Record<string, KqlValue>>): string {
  const parameters = parseParameters(definition.parameters);
  for (const name of Object.keys(values)) {
    if (!parameters.some((p) => p.name === name)) throw new RangeError(`unknown parameter ${name}`);
  }
  const lets = parameters.map((p) => {
    const value = values[p.name];
    if (value !== undefined) return `let ${p.name} = ${literal(p, value)};`;
    if (p.fallback === undefined) throw new RangeError(`parameter ${p.name} is required`);
    return `let ${p.name} = ${p.fallback};`;
  });
  return [...lets, definition.query].join('\n');
}

export function logAnalyticsQuery(name: HuntQueryName, values: Readonly<Record<string, KqlValue>>): string {
  return buildQuery(LOG_ANALYTICS_QUERIES[name], values);
}

export function defenderQuery(name: DefenderQueryName, values: Readonly<Record<string, KqlValue>>): string {
  return buildQuery(DEFENDER_QUERIES[name], values);
}

/** ISP names of hosting providers as Defender's CloudAppEvents.Isp spells them (no ASN column there). */
export const HOSTING_ISPS: readonly string[] = [
  'amazon',
  'digitalocean',
  'microsoft',
  'ovh',
  'hetzner',
  'linode',
  'akamai',
  'vultr',
  'choopa',
  'nocix',
];
