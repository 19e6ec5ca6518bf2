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
    expect(key).toBe('GET h/a\naccept-encoding=br,gzip\naccept-language=en');
  });
  it('tells an absent field from an empty one', () => {
    expect(variantKey('k', ['x'], {})).not.toBe(variantKey('k', ['x'], { x: '' }));
  });
  it('treats equivalent whitespace as the same variant', () => {
    expect(variantKey('k', ['a'], { a: ' gzip,br ' })).toBe(variantKey('k', ['a'], { a: 'gzip , br' }));
    expect(variantKey('k', ['a'], { a: ['gzip', 'br'] })).toBe(variantKey('k', ['a'], { a: 'gzip, br' }));
  });
  it('compares Accept-Language and Accept-Encoding by meaning: order of equal quality, case, q=1', () => {
    const lang = (value: string) => variantKey('k', ['accept-language'], { 'accept-language': value });
    expect(lang('en, de')).toBe(lang('de, en'));
    expect(lang('en, de')).toBe(lang('eN, De'));
    expect(lang('en;q=1.0, de;q=0.50')).toBe(lang('de;q=0.5, en'));
    expect(lang('en, de;q=0.5')).not.toBe(lang('de, en;q=0.5'));
    expect(lang('en, de;q=0')).not.toBe(lang('en'));
    const enc = (value: string) => variantKey('k', ['accept-encoding'], { 'accept-encoding': value });
    expect(enc('gzip, br')).toBe(enc('BR,gzip'));
    expect(enc('gzip')).not.toBe(enc('br'));
  });
  it('keeps other fields, and unreadable lists, as written (case matters there)', () => {
    expect(variantKey('k', ['x'], { x: 'A, b' })).not.toBe(variantKey('k', ['x'], { x: 'b, A' }));
    const lang = (value: string) => variantKey('k', ['accept-language'], { 'accept-language': value });
    expect(lang('en;q=2, de')).toBe('k\naccept-language=en;q=2,de');
  });
});
