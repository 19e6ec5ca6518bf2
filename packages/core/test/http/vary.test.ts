import { describe, expect, it } from 'vitest';
import { parseVary, variantKey } from '../../src/http/vary.js';

describe('parseVary', () => {
  it('lower-cases, de-duplicates and sorts names', () => {
    expect(parseVary('Accept-Language, accept-encoding, Accept-Language')).toEqual([
      'accept-encoding',
      'accept-language',
    ]);
    expect(parseVary(['origin', 'Accept'])).toEqual(['accept', 'origin']);
  });
  it('returns [] when absent or empty, * for a star anywhere', () => {
    expect(parseVary(undefined)).toEqual([]);
    expect(parseVary('')).toEqual([]);
    expect(parseVary('accept, *')).toBe('*');
  });
  it('returns undefined for a member that is not a field name', () => {
    expect(parseVary('accept language')).toBeUndefined();
    expect(parseVary('accept;q=1')).toBeUndefined();
  });
});

describe('variantKey', () => {
  it('appends the normalised request values of the varied fields', () => {
    const key = variantKey('GET h/a', ['accept-encoding', 'accept-language'], {
      'accept-encoding': 'gzip ,  br',
      'accept-language': 'en',
    });
    expect(key).toBe('GET h/a\naccept-encoding=gzip,br\naccept-language=en');
  });
  it('tells an absent field from an empty one', () => {
    expect(variantKey('k', ['x'], {})).not.toBe(variantKey('k', ['x'], { x: '' }));
  });
  it('treats equivalent whitespace as the same variant', () => {
    expect(variantKey('k', ['a'], { a: ' gzip,br ' })).toBe(variantKey('k', ['a'], { a: 'gzip , br' }));
    expect(variantKey('k', ['a'], { a: ['gzip', 'br'] })).toBe(variantKey('k', ['a'], { a: 'gzip, br' }));
  });
});
