// The local host's caller authentication: only the exact, non-empty key passes.
import { isValidFunctionKey } from '../../dev/host/function-key';

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
