import { describe, expect, it } from 'vitest';
import { cacheKey, normalizeHost, normalizePathAndQuery } from '../../src/http/cache-key.js';

describe('normalizePathAndQuery', () => {
  it('sorts parameters by name, keeping repeated names in their order', () => {
    expect(normalizePathAndQuery('/items?b=2&a=1')).toBe('/items?a=1&b=2');
    expect(normalizePathAndQuery('/items?a=2&b=1&a=1')).toBe('/items?a=2&a=1&b=1');
    expect(normalizePathAndQuery('/items?a=1&a=2')).not.toBe(normalizePathAndQuery('/items?a=2&a=1'));
  });

  it('drops empty queries, empty parameters and fragments', () => {
    expect(normalizePathAndQuery('/x?')).toBe('/x');
    expect(normalizePathAndQuery('/x?&a=1&&')).toBe('/x?a=1');
    expect(normalizePathAndQuery('/x?a=1#top')).toBe('/x?a=1');
  });

  it('keeps the path as sent (routers differ on escapes) and normalises the query without merging distinct values', () => {
    // issue 11: Express routes /p%61ge apart from /page, so the key must too
    expect(normalizePathAndQuery('/%7euser/%2f?q=%7e%2c')).toBe('/%7euser/%2f?q=~%2C');
    expect(normalizePathAndQuery('/p%61ge')).not.toBe(normalizePathAndQuery('/page'));
    expect(normalizePathAndQuery('/a?q=a+b')).not.toBe(normalizePathAndQuery('/a?q=a%20b'));
    expect(normalizePathAndQuery('/a?q')).not.toBe(normalizePathAndQuery('/a?q='));
    expect(normalizePathAndQuery('/a?x=%26')).not.toBe(normalizePathAndQuery('/a?x=&'));
    expect(normalizePathAndQuery('/a%zz?x=%')).toBe('/a%zz?x=%');
  });

  it('strips scheme and authority of absolute-form targets', () => {
    expect(normalizePathAndQuery('http://example.com/a?b=1')).toBe('/a?b=1');
    expect(normalizePathAndQuery('http://example.com')).toBe('/');
  });
});

describe('cacheKey', () => {
  it('is method class, host and normalised path', () => {
    const req = { method: 'GET', url: '/items?b=2&a=1', headers: { host: 'Example.COM:8080' } };
    expect(cacheKey(req)).toBe('GET example.com:8080/items?a=1&b=2');
    expect(cacheKey({ ...req, method: 'HEAD' })).toBe(cacheKey(req));
  });

  it('separates hosts, and cannot be confused by a forged Host containing a path', () => {
    const a = cacheKey({ method: 'GET', url: '/evil/x', headers: { host: 'victim.com' } });
    const b = cacheKey({ method: 'GET', url: '/x', headers: { host: 'victim.com/evil' } });
    expect(a).not.toBe(b);
    expect(normalizeHost({ method: 'GET', url: '/', headers: { host: 'a b/c' } })).toBe('a%20b%2Fc');
  });

  it('uses Host (what the frameworks give the handler), never an absolute-form authority, then :authority', () => {
    // issue 11: keyed by the URL's host, one absolute-form request poisoned the Host's page
    expect(cacheKey({ method: 'GET', url: 'http://u@other.com/a', headers: { host: 'x.com' } })).toBe(
      'GET x.com/a',
    );
    expect(cacheKey({ method: 'GET', url: '/a', headers: { ':authority': 'h2.com' } })).toBe('GET h2.com/a');
    expect(cacheKey({ method: 'GET', url: '/a', headers: {} })).toBe('GET /a');
  });

  it('stays exact when hosts, paths and methods alternate (keys and hosts are remembered)', () => {
    const key = (method: string, url: string, host: string | undefined) =>
      cacheKey({ method, url, headers: host === undefined ? {} : { host } });
    for (let round = 0; round < 3; round++) {
      expect(key('GET', '/a', 'one.com')).toBe('GET one.com/a');
      expect(key('GET', '/a', 'TWO.com')).toBe('GET two.com/a');
      expect(key('HEAD', '/a', 'two.com')).toBe('GET two.com/a');
      expect(key('get', '/a', 'one.com')).toBe('GET one.com/a');
      expect(key('head', '/a', 'one.com')).toBe('GET one.com/a');
      expect(key('POST', '/a', 'one.com')).toBe('POST one.com/a');
      expect(key('GET', '/b', 'one.com')).toBe('GET one.com/b');
      expect(key('GET', '/a', undefined)).toBe('GET /a');
      expect(key('GET', '/a', ' One.com ')).toBe('GET one.com/a');
      expect(key('GET', '/a', 'a b')).toBe('GET a%20b/a');
    }
    // the same key string for the same request: the store's map compares it by identity
    expect(key('GET', '/a?y=1&x=2', 'one.com')).toBe(key('GET', '/a?x=2&y=1', 'one.com'));
  });
});
