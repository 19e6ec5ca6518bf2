import { describe, expect, it } from 'vitest';
import { parseCacheControl } from '../../src/http/cache-control.js';

describe('parseCacheControl', () => {
  it('reads an absent or empty field as no directives', () => {
    for (const value of [undefined, '', ' , ,']) {
      expect(parseCacheControl(value)).toEqual({
        noStore: false,
        noCache: false,
        private: false,
        public: false,
        mustRevalidate: false,
        proxyRevalidate: false,
        mustUnderstand: false,
      });
    }
  });

  it('reads delta-seconds directives, case-insensitively, with OWS and empty elements', () => {
    const cc = parseCacheControl(
      'Public, MAX-AGE=60 ,, s-maxage=120,stale-while-revalidate=30, stale-if-error=600',
    );
    expect(cc).toMatchObject({
      public: true,
      maxAge: 60,
      sMaxAge: 120,
      staleWhileRevalidate: 30,
      staleIfError: 600,
    });
  });

  it('combines field lines', () => {
    expect(parseCacheControl(['max-age=5', 'no-store'])).toMatchObject({ maxAge: 5, noStore: true });
  });

  it('accepts a quoted number and caps huge values at 2^31 (RFC 9111 section 1.2.2)', () => {
    expect(parseCacheControl('max-age="10"')?.maxAge).toBe(10);
    expect(parseCacheControl('max-age=99999999999999999999')?.maxAge).toBe(2_147_483_648);
  });

  it('reads qualified and unqualified no-cache and private', () => {
    expect(parseCacheControl('no-cache')?.noCache).toBe(true);
    expect(parseCacheControl('no-cache="Set-Cookie, X-Foo"')?.noCache).toEqual(['set-cookie', 'x-foo']);
    expect(parseCacheControl('private')?.private).toBe(true);
    expect(parseCacheControl('private="x-user"')?.private).toBe(true);
  });

  it('ignores unknown extensions and directives that do not matter to a shared cache', () => {
    expect(parseCacheControl('immutable, no-transform, foo="bar, baz", community=UCI')).toMatchObject({
      noStore: false,
    });
  });

  it('accepts a repeated directive that agrees with itself', () => {
    expect(parseCacheControl('max-age=5, max-age=5')?.maxAge).toBe(5);
  });

  it.each([
    ['non-numeric delta-seconds', 'max-age=abc'],
    ['negative delta-seconds', 'max-age=-1'],
    ['fractional delta-seconds', 'max-age=1.5'],
    ['bare max-age', 'max-age'],
    ['empty max-age', 'max-age='],
    ['conflicting duplicates', 'max-age=5, max-age=10'],
    ['conflicting duplicates across lines', ['s-maxage=5', 's-maxage=6']],
    ['an argument on a flag', 'no-store=1'],
    ['a bad token', 'max age=5'],
    ['a bad character', 'max-age=5; public'],
    ['an unterminated quote', 'no-cache="set-cookie'],
    ['text after a quoted value', 'private="a"b'],
    ['a control character in a quote', 'foo="a\u0001"'],
    ['a bad field name in no-cache', 'no-cache="a b"'],
    ['a stray equals', '=5'],
  ])('returns undefined for %s', (_, value) => {
    expect(parseCacheControl(value)).toBeUndefined();
  });

  it('never throws on arbitrary input', () => {
    const alphabet = 'a=,"\\ \t-0123456789;\u0000\u00ff';
    const inputs: string[] = [];
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const n = (i * 7) % 23;
      for (let j = 0; j < n; j++) s += alphabet[(i * 31 + j * 17) % alphabet.length];
      inputs.push(s);
    }
    expect(() => {
      for (const s of inputs) parseCacheControl(s);
    }).not.toThrow();
  });
});
