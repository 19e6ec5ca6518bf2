import { describe, expect, it } from 'vitest';
import {
  parseDictionary,
  parseTargetedField,
  targetedCacheControl,
} from '../../src/http/targeted-cache-control.js';

describe('parseDictionary (RFC 8941 section 4.2.2)', () => {
  it('reads bare keys as true, integers, strings, tokens, parameters and inner lists', () => {
    const d = parseDictionary('no-store, max-age=60;x=1, a="q\\"s", b=tok, c=(1 2);p, d=?0, e=1.5');
    expect([...d!.keys()]).toEqual(['no-store', 'max-age', 'a', 'b', 'c', 'd', 'e']);
    expect(d!.get('no-store')).toBe(true);
    expect(d!.get('max-age')).toBe(60);
    expect(d!.get('a')).toBe('q"s');
    expect(d!.get('b')).toEqual({ token: 'tok' });
    expect(d!.get('d')).toBe(false);
  });
  it.each([
    'MaX-aGe=3600',
    'max-age=10000, &&&&&',
    'max-age =100',
    'a=1,',
    'a="open',
    'a=1 b=2',
    'a=1234567890123456',
  ])('rejects %j', (text) => {
    expect(parseDictionary(text)).toBeUndefined();
  });
});

describe('parseTargetedField', () => {
  it('maps the cache directives; a directive of the wrong type is ignored alone', () => {
    expect(parseTargetedField('max-age=3600, must-revalidate')).toMatchObject({
      maxAge: 3600,
      mustRevalidate: true,
    });
    expect(parseTargetedField('max-age="3600", no-store')).toMatchObject({ noStore: true });
    expect(parseTargetedField('max-age="3600", no-store')?.maxAge).toBeUndefined();
    expect(parseTargetedField('max-age=99999999999')?.maxAge).toBe(2_147_483_648);
    expect(parseTargetedField('private, no-cache="set-cookie"')).toMatchObject({
      private: true,
      noCache: ['set-cookie'],
    });
    expect(parseTargetedField('foobar, max-age=60')?.maxAge).toBe(60);
  });
  it('is undefined for an empty or invalid field, which is then ignored', () => {
    for (const value of [undefined, '', '  ', 'max-age=10000, &&&&&', 'MaX-aGe=60']) {
      expect(parseTargetedField(value)).toBeUndefined();
    }
  });
});

describe('targetedCacheControl (RFC 9213 section 2.1)', () => {
  it('takes the first listed field with a valid value', () => {
    const headers = { 'larder-cache-control': 'max-age=5', 'cdn-cache-control': 'max-age=60' };
    expect(targetedCacheControl(headers, ['larder-cache-control', 'cdn-cache-control'])?.maxAge).toBe(5);
    expect(targetedCacheControl(headers, ['cdn-cache-control'])?.maxAge).toBe(60);
    expect(
      targetedCacheControl({ ...headers, 'larder-cache-control': 'BAD' }, [
        'larder-cache-control',
        'cdn-cache-control',
      ])?.maxAge,
    ).toBe(60);
    expect(targetedCacheControl(headers, [])).toBeUndefined();
  });
});
