// The local host's key checks: only the exact, non-empty key passes; a host key opens every function,
// a function key only its own.
import { isValidFunctionKey, opensFunction } from '../../dev/host/function-key';

const KEY = 'k3y-Abc_123==';

describe('isValidFunctionKey', () => {
  it('accepts the exact key', () => {
    expect(isValidFunctionKey(KEY, KEY)).toBe(true);
  });

  it.each([
    ['a key differing in one character', 'k3y-Abc_124=='],
    ['a key differing only in case', KEY.toUpperCase()],
    ['a prefix of the key', KEY.slice(0, -1)],
    ['the key with a suffix', `${KEY}x`],
    ['a much longer value', KEY.repeat(50)],
    ['the key with surrounding whitespace', ` ${KEY} `],
    ['an empty string', ''],
  ])('rejects %s', (_label, provided) => {
    expect(isValidFunctionKey(provided, KEY)).toBe(false);
  });

  it('rejects a missing key', () => {
    expect(isValidFunctionKey(undefined, KEY)).toBe(false);
  });

  it('rejects everything when the expected key is empty, including an empty key', () => {
    expect(isValidFunctionKey('', '')).toBe(false);
    expect(isValidFunctionKey('anything', '')).toBe(false);
    expect(isValidFunctionKey(undefined, '')).toBe(false);
  });

  it('compares unicode keys exactly', () => {
    expect(isValidFunctionKey('clé-ü', 'clé-ü')).toBe(true);
    expect(isValidFunctionKey('cle-u', 'clé-ü')).toBe(false);
  });
});

describe('opensFunction', () => {
  const keys = { host: ['host-1', 'host-2'], functions: { contain: ['contain-1'], approveIncident: ['approve-1'] } };

  it('opens every function with any host key', () => {
    for (const name of ['contain', 'approveIncident', 'listIncidents']) {
      expect(opensFunction('host-1', name, keys)).toBe(true);
      expect(opensFunction('host-2', name, keys)).toBe(true);
    }
  });

  it('opens a function with its own key and no other function with it', () => {
    expect(opensFunction('contain-1', 'contain', keys)).toBe(true);
    expect(opensFunction('contain-1', 'approveIncident', keys)).toBe(false);
    expect(opensFunction('contain-1', 'listIncidents', keys)).toBe(false);
    expect(opensFunction('approve-1', 'contain', keys)).toBe(false);
  });

  it('opens nothing without a key, or with a key of no one', () => {
    expect(opensFunction(undefined, 'contain', keys)).toBe(false);
    expect(opensFunction('', 'contain', keys)).toBe(false);
    expect(opensFunction('contain-2', 'contain', keys)).toBe(false);
    expect(opensFunction('host-1', 'contain', { host: [], functions: {} })).toBe(false);
  });
});
