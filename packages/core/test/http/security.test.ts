/**
 * The pure parts of issue 11: which requests bypass, what makes one private, the key cookies, the
 * refresh's request without credentials, structured-field `Cache-Status`, the option bounds, and a
 * memory store whose memory follows the entries it holds.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseCacheControl } from '../../src/http/cache-control.js';
import { formatCacheStatus } from '../../src/http/cache-status.js';
import { HttpCache } from '../../src/http/http-cache.js';
import { validateRouteOptions } from '../../src/http/options.js';
import {
  cookieKeyPart,
  isExplicitlyShareable,
  privateReason,
  withoutCredentials,
} from '../../src/http/privacy.js';
import {
  removeRefreshMarker,
  unsafeRequestReason,
  withRefreshMarker,
} from '../../src/http/request-safety.js';
import type { RequestLike } from '../../src/http/types.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { StoredEntry } from '../../src/store/types.js';

const req = (url: string, headers: RequestLike['headers'] = {}): RequestLike => ({
  method: 'GET',
  url,
  headers,
});
const rules = (o: { cacheCookies?: boolean; ignore?: string[]; key?: string[] } = {}) => ({
  cacheCookies: o.cacheCookies ?? false,
  ignoreCookies: new Set(o.ignore ?? []),
  keyCookies: o.key ?? [],
});

describe('unsafeRequestReason', () => {
  it('names fragments, bodies on GET/HEAD and method overrides, and nothing else', () => {
    expect(unsafeRequestReason(req('/a?b=1'))).toBeUndefined();
    expect(unsafeRequestReason(req('/a', { 'content-length': '0' }))).toBeUndefined();
    expect(unsafeRequestReason(req('/a#x'))).toBe('fragment');
    expect(unsafeRequestReason(req('/a', { 'content-length': '3' }))).toBe('request-body');
    expect(unsafeRequestReason(req('/a', { 'content-length': 'abc' }))).toBe('request-body');
    expect(unsafeRequestReason(req('/a', { 'transfer-encoding': 'chunked' }))).toBe('request-body');
    for (const name of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      expect(unsafeRequestReason(req('/a', { [name]: 'DELETE' }))).toBe('method-override');
    }
  });

  it('removeRefreshMarker cleans headers and rawHeaders, and keeps the value for a second lookup', () => {
    const holder = {};
    const headers: Record<string, unknown> = { host: 'a', 'x-larder-revalidate': 's' };
    const rawHeaders = ['Host', 'a', 'X-Larder-Revalidate', 's'];
    removeRefreshMarker(holder, headers, rawHeaders);
    expect(headers).toEqual({ host: 'a' });
    expect(rawHeaders).toEqual(['Host', 'a']);
    expect(withRefreshMarker(holder, { host: 'a' })).toEqual({ host: 'a', 'x-larder-revalidate': 's' });
    expect(withRefreshMarker({}, { host: 'a' })).toEqual({ host: 'a' });
  });
});

describe('privacy', () => {
  it('Authorization and cookies make a request private unless opted in, ignored or keyed', () => {
    expect(privateReason(req('/'), false, rules())).toBeUndefined();
    expect(privateReason(req('/', { authorization: 'Bearer x' }), false, rules())).toBe('authorization');
    expect(privateReason(req('/', { authorization: 'Bearer x' }), true, rules())).toBeUndefined();
    expect(privateReason(req('/', { cookie: 'sid=1' }), false, rules())).toBe('cookie');
    expect(
      privateReason(req('/', { cookie: 'sid=1' }), false, rules({ cacheCookies: true })),
    ).toBeUndefined();
    expect(
      privateReason(req('/', { cookie: '_ga=1; lang=fr' }), false, rules({ ignore: ['_ga'], key: ['lang'] })),
    ).toBeUndefined();
    expect(privateReason(req('/', { cookie: '_ga=1; sid=2' }), false, rules({ ignore: ['_ga'] }))).toBe(
      'cookie',
    );
  });

  it('key cookies add their values in name order, encoded', () => {
    const r = req('/', { cookie: 'theme=dark; lang=fr; x=1' });
    expect(cookieKeyPart(r, ['lang', 'theme'])).toBe('\ncookie:lang=fr\ncookie:theme=dark');
    expect(cookieKeyPart(req('/', { cookie: 'lang=a\nb' }), ['lang'])).toBe('\ncookie:lang=a%0Ab');
    expect(cookieKeyPart(req('/'), ['lang'])).toBe('');
  });

  it('explicitly shareable is public or s-maxage (and must-revalidate for Authorization)', () => {
    expect(isExplicitlyShareable(parseCacheControl('max-age=60'), 'cookie')).toBe(false);
    expect(isExplicitlyShareable(parseCacheControl('public'), 'cookie')).toBe(true);
    expect(isExplicitlyShareable(parseCacheControl('s-maxage=5'), 'cookie')).toBe(true);
    expect(isExplicitlyShareable(parseCacheControl('must-revalidate'), 'cookie')).toBe(false);
    expect(isExplicitlyShareable(parseCacheControl('must-revalidate'), 'authorization')).toBe(true);
  });

  it('a refresh keeps no credentials but the key cookies', () => {
    const out = withoutCredentials(
      { authorization: 'Bearer x', 'proxy-authorization': 'y', cookie: 'sid=1; lang=fr', accept: '*/*' },
      ['lang'],
    );
    expect(out).toEqual({ cookie: 'lang=fr', accept: '*/*' });
  });
});

describe('a private request through the engine', () => {
  it('a HEAD with a cookie passes: its empty body is never stored for GET', async () => {
    const cache = new HttpCache({ ttl: '1m' });
    const head = await cache.lookup({ method: 'HEAD', url: '/p', headers: { host: 'h', cookie: 'sid=1' } });
    expect(head.kind).toBe('pass');
    if (head.kind === 'pass') {
      head.fill.commit({ status: 200, headers: { 'cache-control': 'public' }, body: new Uint8Array(0) });
    }
    expect((await cache.lookup({ method: 'GET', url: '/p', headers: { host: 'h' } })).kind).toBe('miss');
    await cache.close();
  });
});

describe('Cache-Status values', () => {
  it('integers are clamped to 15 digits and a non-number is left out', () => {
    expect(formatCacheStatus('larder', { hit: true, ttl: 1e300 })).toBe('larder; hit; ttl=999999999999999');
    expect(formatCacheStatus('larder', { hit: true, ttl: -1e300 })).toBe('larder; hit; ttl=-999999999999999');
    expect(formatCacheStatus('larder', { hit: true, ttl: Number.NaN })).toBe('larder; hit');
    expect(formatCacheStatus('larder', { fwd: 'stale', fwdStatus: -0.5 })).toBe(
      'larder; fwd=stale; fwd-status=0',
    );
  });
});

describe('option bounds', () => {
  it('refuses a lockTimeout Node cannot keep as a timer', () => {
    expect(() => new HttpCache({ lockTimeout: 2 ** 31 })).toThrow(ConfigError);
    expect(() => new HttpCache({ lockTimeout: '25d' })).toThrow(/lockTimeout/);
    expect(() => new HttpCache({ lockTimeout: 2 ** 31 - 1 })).not.toThrow();
  });

  it('validates the new route options', () => {
    expect(validateRouteOptions({ negativeTtl: '5s', keyCookies: ['lang', 'a'] })).toMatchObject({
      negativeTtl: 5000,
      keyCookies: ['a', 'lang'],
    });
    expect(() => validateRouteOptions({ ignoreCookies: ['a b'] })).toThrow(/ignoreCookies/);
    expect(() => validateRouteOptions({ cacheCookies: 'yes' })).toThrow(/cacheCookies/);
    expect(() => new HttpCache({ exposeTagHeaders: 1 as never })).toThrow(/exposeTagHeaders/);
  });
});

describe('MemoryStore bounds', () => {
  const entry = (now: number, body = 1): StoredEntry => ({
    status: 200,
    headers: {},
    body: new Uint8Array(body),
    storedAt: now,
    initialAge: 0,
    staleAt: now + 60_000,
    staleWhileRevalidateUntil: now + 60_000,
    staleIfErrorUntil: now + 60_000,
    expiresAt: now + 60_000,
    tags: [],
  });

  it('a huge maxEntries allocates nothing up front and still bounds the count', async () => {
    const before = process.memoryUsage().heapUsed;
    const big = new MemoryStore({ maxEntries: 2 ** 31 - 1 });
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 * 1024 * 1024);
    await big.set('a', entry(Date.now()));
    expect(big.size).toBe(1);
    // the count bound above the preallocation limit is enforced by the store itself
    const bounded = new MemoryStore({ maxEntries: 16_400, maxBytes: 2 ** 40 });
    const now = Date.now();
    for (let i = 0; i < 16_410; i++) await bounded.set(`k${i}`, entry(now));
    expect(bounded.size).toBe(16_400);
  });

  it('charges keys and tags: a long key costs what it holds', async () => {
    const store = new MemoryStore();
    const now = Date.now();
    const key = `GET h/${'x'.repeat(10_000)}`;
    await store.set(key, { ...entry(now), tags: [`\0key:${key}`] });
    expect(store.bytes).toBeGreaterThan(20_000);
  });
});
