// Property-based: every sample, mutated the ways hostile or broken senders mutate JSON (wrong types,
// missing and duplicate keys, __proto__/constructor keys, objects turned into JSON strings, huge arrays,
// deep nesting, near-miss identifiers, control characters), goes through the same bytes -> alert path
// the webhook uses. Whatever comes in:
//  - nothing but ValidationError (400/413/422) is ever thrown (or an acknowledgement returned);
//  - an accepted alert never names a user absent from the input (each UPN, or both halves of a UPN built
//    from name + UPNSuffix, and each object id occurs in the body text, case-insensitively);
//  - at most 50 users, valid IPs, capped user agents and titles, a well-formed key;
//  - Object.prototype is never touched.
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { isAcknowledgement } from '../../shared/alerts/acknowledged';
import { decodeAlertBody, parseAlert } from '../../shared/alerts/parse-alert';
import type { NormalizedAlert } from '../../shared/alerts/types';
import { ValidationError } from '../../shared/errors';

const SAMPLES_DIR = path.join(__dirname, '../../samples/alerts');
const SAMPLES = readdirSync(SAMPLES_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();
const MAX_BYTES = 1024 * 1024;

// ---- a JSON document we can mutate in ways JSON.stringify cannot express ----------------------------

/** `depth` levels of arrays or objects around `inner`, written without recursion. */
class Deep {
  constructor(
    readonly depth: number,
    readonly open: '[' | '{',
    readonly inner: unknown,
  ) {}
}
/** Extra entries written into an object's text: a duplicate key before or after the real one. */
const duplicates = new WeakMap<object, Array<{ key: string; value: unknown; after: boolean }>>();

function serialize(value: unknown): string {
  if (value instanceof Deep) {
    const [open, close] = value.open === '[' ? ['[', ']'] : ['{"a":', '}'];
    return open.repeat(value.depth) + serialize(value.inner) + close.repeat(value.depth);
  }
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const extra = duplicates.get(value) ?? [];
    const entries = [
      ...extra.filter((entry) => !entry.after).map((entry) => [entry.key, entry.value] as const),
      ...Object.keys(value).map((key) => [key, (value as Record<string, unknown>)[key]] as const),
      ...extra.filter((entry) => entry.after).map((entry) => [entry.key, entry.value] as const),
    ];
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${serialize(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * `serialize(value).length`, counted without building the text. A "huge" mutation repeats one object
 * hundreds of times by reference, so a later mutation inside it is multiplied in the text: the harness
 * measures before it writes, and never builds a body past HUGE_BODY_CHARS (V8 caps a string near 2^29).
 */
function serializedLength(value: unknown, seen = new Map<object, number>()): number {
  if (typeof value !== 'object' || value === null) return serialize(value).length;
  const known = seen.get(value);
  if (known !== undefined) return known;
  let length: number;
  if (value instanceof Deep) length = (value.open === '[' ? 2 : 6) * value.depth + serializedLength(value.inner, seen);
  else if (Array.isArray(value))
    length = 2 + Math.max(0, value.length - 1) + value.reduce<number>((sum, item) => sum + serializedLength(item, seen), 0);
  else {
    const entries = [...(duplicates.get(value) ?? []).map((entry) => [entry.key, entry.value] as const), ...Object.entries(value)];
    length =
      2 +
      Math.max(0, entries.length - 1) +
      entries.reduce((sum, [key, item]) => sum + JSON.stringify(key).length + 1 + serializedLength(item, seen), 0);
  }
  seen.set(value, length);
  return length;
}

type Container = Record<string, unknown> | unknown[];
interface Slot {
  container: Container;
  key: string | number;
}

/** Every (container, key) in the document, breadth-first, bounded. */
function slots(root: Container): Slot[] {
  const found: Slot[] = [];
  const queue: Container[] = [root];
  while (queue.length > 0 && found.length < 3000) {
    const container = queue.shift()!;
    const keys: Array<string | number> = Array.isArray(container) ? container.map((_, index) => index) : Object.keys(container);
    for (const key of keys) {
      found.push({ container, key });
      const value = (container as Record<string | number, unknown>)[key];
      if (typeof value === 'object' && value !== null && !(value instanceof Deep)) queue.push(value as Container);
    }
  }
  return found;
}

const get = ({ container, key }: Slot): unknown => (container as Record<string | number, unknown>)[key];
const set = ({ container, key }: Slot, value: unknown): void => {
  (container as Record<string | number, unknown>)[key] = value;
};
const defineOwn = (target: object, key: string, value: unknown) =>
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });

const IDENTIFIERS = [
  'avery.chen@wingtip-lab.example',
  'BG-ADMIN-01@wingtip-lab.example',
  '5b1f7c2e-8d3a-4f6b-9c1e-2a7d4e6f8b99',
  '5B1F7C2E-8D3A-4F6B-9C1E-2A7D4E6F8B03',
  'erin.lopez@wingtip-lab.example',
  'someone@elsewhere.example',
  '../../users/avery.chen@wingtip-lab.example',
  'avery.chen@wingtip-lab.example/revokeSignInSessions',
  'avery.chen%40wingtip-lab.example',
  'WINGTIP\\avery.chen',
  '198.51.100.23',
  '',
];
const NOISE = [' ', '\u0000', '\u0007', '\ud800', '\u202e', '@', '.', '/', '%', '"', '\\', 'é', '\n'];
const KINDS = [
  'replace',
  'delete',
  'stringify',
  'parse-string',
  'retype',
  'proto',
  'duplicate',
  'case',
  'huge',
  'deep',
  'noise',
  'identifier',
] as const;

interface Mutation {
  kind: (typeof KINDS)[number];
  pick: number;
  payload: unknown;
  size: number;
  flag: boolean;
  text: string;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom(...KINDS),
  pick: fc.nat(),
  payload: fc.jsonValue({ maxDepth: 2 }),
  size: fc.nat({ max: 10_000 }),
  flag: fc.boolean(),
  text: fc.constantFrom(...IDENTIFIERS, ...NOISE),
});

function applyMutation(root: { doc: unknown }, mutation: Mutation): void {
  const all = slots(root);
  if (all.length === 0) return;
  const slot = all[mutation.pick % all.length];
  const value = get(slot);
  const { container, key } = slot;
  switch (mutation.kind) {
    case 'replace':
      set(slot, mutation.payload);
      return;
    case 'delete':
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key as string];
      return;
    case 'stringify':
      if (!(value instanceof Deep) && serializedLength(value) <= HUGE_BODY_CHARS) set(slot, serialize(value));
      return;
    case 'parse-string':
      if (typeof value === 'string') {
        try {
          set(slot, JSON.parse(value));
        } catch {
          /* not JSON: leave it */
        }
      }
      return;
    case 'retype':
      if (typeof value === 'string') set(slot, mutation.flag ? value.length : [value]);
      else if (typeof value === 'number') set(slot, String(value));
      else if (typeof value === 'boolean') set(slot, String(value));
      else if (Array.isArray(value)) set(slot, Object.fromEntries(value.map((item, index) => [String(index), item])));
      else if (typeof value === 'object' && value !== null && !(value instanceof Deep))
        set(slot, mutation.flag ? Object.values(value) : 'object');
      else set(slot, {});
      return;
    case 'proto': {
      const target = Array.isArray(container) ? undefined : container;
      if (target === undefined) return;
      const name = ['__proto__', 'constructor', 'prototype'][mutation.size % 3];
      // Smuggle a value that would matter if it leaked through a prototype: a user, a severity, a kind.
      const smuggled = mutation.flag
        ? value
        : { kind: 'Account', Type: 'account', severity: 'High', userPrincipalName: 'proto.victim@wingtip-lab.example' };
      defineOwn(target, name, smuggled);
      return;
    }
    case 'duplicate': {
      if (Array.isArray(container)) return;
      const list = duplicates.get(container) ?? [];
      list.push({ key: key as string, value: mutation.payload, after: mutation.flag });
      duplicates.set(container, list);
      return;
    }
    case 'case': {
      if (Array.isArray(container)) return;
      const renamed = mutation.flag ? (key as string).toUpperCase() : (key as string).toLowerCase();
      if (renamed === key) return;
      defineOwn(container, renamed, value);
      delete container[key as string];
      return;
    }
    case 'huge': {
      const item = Array.isArray(value) && value.length > 0 ? value[0] : value;
      // The slot may itself sit inside repeated copies: n copies of the item grow the body at most n-fold,
      // so n is bounded by the whole body, not by the item.
      const bodyChars = Math.max(1, serializedLength(root.doc));
      const length = Math.min(480 + (mutation.size % 800), Math.max(1, Math.floor(HUGE_BODY_CHARS / bodyChars)));
      set(
        slot,
        Array.from({ length }, () => item),
      );
      return;
    }
    case 'deep':
      set(slot, new Deep(200 + (mutation.size % 5000), mutation.flag ? '[' : '{', value));
      return;
    case 'noise':
      if (typeof value === 'string') {
        const at = mutation.size % (value.length + 1);
        set(slot, mutation.flag ? value.slice(0, at) + mutation.text + value.slice(at) : value.toUpperCase());
      }
      return;
    case 'identifier':
      if (typeof value === 'string' || typeof value === 'number') set(slot, mutation.text);
      return;
  }
}

const HUGE_BODY_CHARS = 4_000_000;

/**
 * The sample with the mutations applied in order. A mutation that would take the body past
 * HUGE_BODY_CHARS (deep nesting inside repeated copies) is left out: the document is rebuilt from the
 * ones kept, since mutations are deterministic.
 */
function mutatedBody(sampleText: string, mutations: readonly Mutation[]): string {
  const kept: Mutation[] = [];
  const build = () => {
    const root = { doc: JSON.parse(sampleText) as unknown };
    for (const mutation of kept) applyMutation(root, mutation);
    return root;
  };
  let root = build();
  for (const mutation of mutations) {
    applyMutation(root, mutation);
    if (serializedLength(root.doc) <= HUGE_BODY_CHARS) kept.push(mutation);
    else root = build();
  }
  return serialize(root.doc);
}

// ---- the properties ---------------------------------------------------------------------------------

const KEY = /^(sentinel-incident|sentinel-alert|defender-alert|defender-incident|azure-monitor|manual):[^A-Z]+$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function checkAlert(alert: NormalizedAlert, bodyText: string): void {
  const haystack = bodyText.toLowerCase();
  expect(alert.users.length).toBeGreaterThanOrEqual(1);
  expect(alert.users.length).toBeLessThanOrEqual(50);
  for (const user of alert.users) {
    expect(user.upn !== undefined || user.objectId !== undefined).toBe(true);
    if (user.upn !== undefined) {
      expect(user.upn).toBe(user.upn.toLowerCase());
      const [local, domain] = [user.upn.slice(0, user.upn.lastIndexOf('@')), user.upn.slice(user.upn.lastIndexOf('@') + 1)];
      // A UPN is in the input as a whole, or as an account name and a UPNSuffix.
      expect(haystack.includes(user.upn) || (haystack.includes(local) && haystack.includes(domain))).toBe(true);
      expect(user.upn).not.toMatch(/[/\\\s"%?]/);
    }
    if (user.objectId !== undefined) {
      expect(user.objectId).toMatch(GUID);
      expect(haystack).toContain(user.objectId);
    }
  }
  expect(alert.alertKey).toMatch(KEY);
  expect(alert.alertKey.length).toBeLessThanOrEqual(300);
  expect(['informational', 'low', 'medium', 'high']).toContain(alert.severity);
  expect(alert.title.length).toBeGreaterThan(0);
  expect(alert.title.length).toBeLessThanOrEqual(512);
  expect(alert.ips.length).toBeLessThanOrEqual(50);
  for (const ip of alert.ips) expect(isIP(ip)).not.toBe(0);
  expect(alert.userAgents.length).toBeLessThanOrEqual(10);
  for (const agent of alert.userAgents) {
    expect(agent.length).toBeLessThanOrEqual(1024);
    expect(agent).not.toMatch(/[\u0000-\u001f]/);
  }
  for (const asn of alert.asns) expect(Number.isInteger(asn)).toBe(true);
  expect(alert.raw.length).toBeLessThanOrEqual(16 * 1024);
}

const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

function runBody(bodyText: string): 'accepted' | 'refused' | 'acknowledged' {
  const bytes = new TextEncoder().encode(bodyText);
  try {
    const alert = parseAlert(decodeAlertBody(bytes, MAX_BYTES));
    if (isAcknowledgement(alert)) return 'acknowledged';
    checkAlert(alert, bodyText);
    return 'accepted';
  } catch (error) {
    if (error instanceof ValidationError) {
      expect([400, 413, 422]).toContain(error.status);
      expect(error.message.length).toBeGreaterThan(0);
      return 'refused';
    }
    throw error;
  } finally {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
    expect(({} as Record<string, unknown>).userPrincipalName).toBeUndefined();
  }
}

describe('mutated samples (fast-check)', () => {
  it.each(SAMPLES)('%s: never throws anything else, never invents a user', (name) => {
    const text = readFileSync(path.join(SAMPLES_DIR, name), 'utf8');
    const outcomes = { accepted: 0, refused: 0, acknowledged: 0 };
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (mutations) => {
        outcomes[runBody(mutatedBody(text, mutations))]++;
      }),
      // Bodies reach 1 MiB: shrinking them would take minutes. The seed and path in the report replay it.
      { numRuns: 150, endOnFailure: true },
    );
    // The mutations must not be so destructive that nothing is ever accepted (the property would then
    // say nothing about accepted alerts); the resolved sample is acknowledged instead.
    expect(name === 'azure-monitor-resolved.json' ? outcomes.acknowledged : outcomes.accepted).toBeGreaterThan(0);
  });

  it('the unmutated samples pass the same checks', () => {
    for (const name of SAMPLES) runBody(readFileSync(path.join(SAMPLES_DIR, name), 'utf8'));
  });
});

describe('arbitrary input (fast-check)', () => {
  it('arbitrary JSON values: refused or accepted, never a crash', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        runBody(JSON.stringify(value) ?? 'null');
      }),
      { numRuns: 500 },
    );
  });

  it('objects with the keys real shapes are detected by, holding anything', () => {
    const keys = [
      'schemaId',
      'data',
      'object',
      'objectSchemaType',
      'type',
      'properties',
      '@odata.type',
      'evidence',
      'alerts',
      'SystemAlertId',
      'Entities',
      'user',
      'alertId',
      'value',
      'body',
      'headers',
      'kind',
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 4 })), (value) => {
        runBody(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes: 400/413/422, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          parseAlert(decodeAlertBody(bytes, MAX_BYTES));
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the mutation engine itself', () => {
  it('writes duplicate keys, own __proto__ keys and deep nesting into the text', () => {
    const doc: Record<string, unknown> = { a: 1 };
    duplicates.set(doc, [{ key: 'a', value: 2, after: true }]);
    defineOwn(doc, '__proto__', { b: 1 });
    doc.c = new Deep(3, '[', 0);
    expect(serialize(doc)).toBe('{"a":1,"__proto__":{"b":1},"c":[[[0]]],"a":2}');
    expect(serializedLength(doc)).toBe(serialize(doc).length);
  });

  it('never builds a body past its budget when one huge mutation lands inside another (seed -973106954, path "46")', () => {
    const text = readFileSync(path.join(SAMPLES_DIR, 'azure-monitor-log-alert.json'), 'utf8');
    const huge = (pick: number, size: number): Mutation => ({ kind: 'huge', pick, payload: null, size, flag: false, text: '' });
    const body = mutatedBody(text, [huge(959334420, 8943), huge(1331449622, 3026)]);
    expect(body.length).toBeLessThanOrEqual(HUGE_BODY_CHARS);
    expect(body.length).toBeGreaterThan(MAX_BYTES);
  });
});
