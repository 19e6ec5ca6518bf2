import { afterEach, describe, expect, it } from 'vitest';
import { validateRouteOptions } from '../../src/http/options.js';
import type { RequestLike } from '../../src/http/types.js';
import type { MemoryStore } from '../../src/store/memory-store.js';
import { get, Harness, header, res, settle, T0 } from './harness.js';

const harnesses: Harness[] = [];
function harness(options: ConstructorParameters<typeof Harness>[0] = {}): Harness {
  const h = new Harness(options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.cache.close();
});

const text =
  (body: string, headers: Record<string, string | string[]> = {}) =>
  () =>
    res(200, { 'content-type': 'text/plain; charset=utf-8', ...headers }, body);
const route60 = validateRouteOptions({ ttl: '60s' });

describe('hit and miss', () => {
  it('stores a miss and serves identical bytes and content type from cache', async () => {
    const h = harness();
    const origin = text('hello');
    const miss = await h.send(get('/a'), origin, route60);
    expect(miss.kind).toBe('miss');
    expect(header(miss, 'cache-status')).toBe('larder; fwd=miss; stored');
    const hit = await h.send(get('/a'), origin, route60);
    expect(hit.kind).toBe('hit');
    expect(hit.originCalled).toBe(false);
    expect(hit.text).toBe('hello');
    expect(header(hit, 'content-type')).toBe('text/plain; charset=utf-8');
    expect(header(hit, 'cache-status')).toBe('larder; hit; ttl=60');
    expect(header(hit, 'age')).toBe('0');
    expect(h.originCalls).toBe(1);
    expect(h.cache.stats()).toMatchObject({ hits: 1, misses: 1, stores: 1 });
  });

  it('counts Age and the remaining ttl with the clock', async () => {
    const h = harness();
    await h.send(get('/a'), text('x'), route60);
    h.advance(10_400);
    const hit = await h.send(get('/a'), text('x'), route60);
    expect(header(hit, 'age')).toBe('10');
    expect(header(hit, 'cache-status')).toBe('larder; hit; ttl=49');
    h.advance(49_600);
    expect((await h.send(get('/a'), text('y'), route60)).kind).toBe('miss');
  });

  it('adds the initial Age the origin reported (RFC 9111 section 4.2.3)', async () => {
    const h = harness();
    await h.send(get('/a'), text('x', { 'cache-control': 'max-age=60', age: '5' }));
    h.advance(10_000);
    const hit = await h.send(get('/a'), text('x'));
    expect(header(hit, 'age')).toBe('15');
    expect(header(hit, 'cache-status')).toBe('larder; hit; ttl=45');
  });

  it('uses the cache name of the options', async () => {
    const h = harness({ name: 'edge' });
    const miss = await h.send(get('/a'), text('x'), route60);
    expect(header(miss, 'cache-status')).toBe('edge; fwd=miss; stored');
  });

  it('appends to a Cache-Status from a cache behind the origin', async () => {
    const h = harness();
    await h.send(get('/a'), text('x', { 'cache-status': 'inner; hit' }), route60);
    const hit = await h.send(get('/a'), text('x'), route60);
    expect(header(hit, 'cache-status')).toBe('inner; hit, larder; hit; ttl=60');
  });

  it('accepts raw route options as well as validated ones', async () => {
    const h = harness();
    const raw = { ttl: '1m' } as const;
    await h.send(get('/raw'), text('x'), raw);
    expect((await h.send(get('/raw'), text('y'), raw)).kind).toBe('hit');
  });

  it('bounds the default store by maxEntries and maxBytes', async () => {
    const h = harness({ maxEntries: 2, maxBytes: 1 << 20 });
    for (const url of ['/1', '/2', '/3', '/4']) await h.send(get(url), text(url), route60);
    const store = h.cache.store as MemoryStore;
    expect(store.size).toBe(2);
    expect(store.bytes).toBeGreaterThan(0);
  });

  it('seeds the default store: the same requests hit and miss alike for the same seed', async () => {
    // a skewed stream over 120 URLs into 16 entries: which URLs w-tinylfu keeps depends on its seed
    const kinds = async (seed: number): Promise<string> => {
      const h = harness({ maxEntries: 16, seed });
      let x = 2024;
      let out = '';
      for (let i = 0; i < 800; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        const url = `/u${Math.floor(((x >>> 8) % 1000) ** 2 / 8400)}`;
        out += (await h.send(get(url), text(url), route60)).kind === 'hit' ? 'h' : '.';
      }
      return out;
    };
    const first = await kinds(5);
    expect(first).toContain('h');
    expect(await kinds(5)).toBe(first);
    expect(await kinds(6)).not.toBe(first);
  });

  it('keeps hosts apart', async () => {
    const h = harness();
    await h.send(get('/a'), text('one'), route60);
    const other = await h.send(get('/a', { host: 'other.com' }), text('two'), route60);
    expect(other.kind).toBe('miss');
    expect(other.text).toBe('two');
  });

  it('uses a route key function, and passes with fwd=bypass when it throws', async () => {
    const h = harness();
    const byUser = validateRouteOptions({
      ttl: '1m',
      key: (req: RequestLike) => `user:${req.url.split(/[/?]/)[2]}`,
    });
    await h.send(get('/u/1?x=1'), text('one'), byUser);
    expect((await h.send(get('/u/1?x=2'), text('other'), byUser)).text).toBe('one');
    const broken = validateRouteOptions({
      key: () => {
        throw new Error('no key');
      },
    });
    const sent = await h.send(get('/u/1'), text('fresh'), broken);
    expect(sent.kind).toBe('pass');
    expect(sent.reason).toBe('bypass');
    expect(header(sent, 'cache-status')).toBe('larder; fwd=bypass; detail=key-error');
    expect(h.errors.map(([, context]) => context)).toEqual(['key']);
  });
});

describe('HEAD', () => {
  it('is answered from the GET entry with its headers, content-length included, and no body', async () => {
    const h = harness();
    await h.send(get('/a'), text('hello'), route60);
    const head = await h.send(get('/a', {}, 'HEAD'), text('never'), route60);
    expect(head.kind).toBe('hit');
    expect(head.body.byteLength).toBe(0);
    expect(header(head, 'content-length')).toBe('5');
    expect(header(head, 'content-type')).toBe('text/plain; charset=utf-8');
    expect(header(head, 'etag')).toBeDefined();
  });

  it('a cold HEAD goes to the origin and stores nothing for GET', async () => {
    const h = harness();
    const head = await h.send(get('/a', {}, 'HEAD'), () => res(200, { 'content-length': '5' }), route60);
    expect(head.kind).toBe('pass');
    expect(header(head, 'cache-status')).toBe('larder; fwd=miss');
    expect((await h.send(get('/a'), text('hello'), route60)).kind).toBe('miss');
  });
});

describe('keys', () => {
  it('sorts query parameters', async () => {
    const h = harness();
    await h.send(get('/items?b=2&a=1'), text('x'), route60);
    expect((await h.send(get('/items?a=1&b=2'), text('y'), route60)).kind).toBe('hit');
    expect((await h.send(get('/items?a=1&b=2&a=0'), text('y'), route60)).kind).toBe('miss');
  });

  it('keeps the order of repeated parameters', async () => {
    const h = harness();
    await h.send(get('/i?a=1&a=2'), text('12'), route60);
    const other = await h.send(get('/i?a=2&a=1'), text('21'), route60);
    expect(other.kind).toBe('miss');
    expect(other.text).toBe('21');
  });
});

describe('Vary', () => {
  const byLanguage = (req: RequestLike) =>
    res(
      200,
      { vary: 'Accept-Language', 'content-type': 'text/plain' },
      `lang=${req.headers['accept-language']}`,
    );

  it('stores one variant per value of the varied request headers', async () => {
    const h = harness();
    const en = await h.send(get('/v', { 'accept-language': 'en' }), byLanguage, route60);
    expect(header(en, 'cache-status')).toBe('larder; fwd=miss; stored');
    const fr = await h.send(get('/v', { 'accept-language': 'fr' }), byLanguage, route60);
    expect(fr.kind).toBe('miss');
    expect(header(fr, 'cache-status')).toBe('larder; fwd=vary-miss; stored');
    const enHit = await h.send(get('/v', { 'accept-language': 'en' }), byLanguage, route60);
    const frHit = await h.send(get('/v', { 'accept-language': 'fr' }), byLanguage, route60);
    expect([enHit.kind, enHit.text]).toEqual(['hit', 'lang=en']);
    expect([frHit.kind, frHit.text]).toEqual(['hit', 'lang=fr']);
    const none = await h.send(get('/v'), byLanguage, route60);
    expect([none.kind, none.text]).toEqual(['miss', 'lang=undefined']);
    expect(h.originCalls).toBe(3);
  });

  it('never stores Vary: *', async () => {
    const h = harness();
    const first = await h.send(get('/s'), text('x', { vary: '*' }), route60);
    expect(header(first, 'cache-status')).toBe('larder; fwd=miss; detail=vary-star');
    expect((await h.send(get('/s'), text('x'), route60)).kind).toBe('pass');
  });

  it('replaces the index when a later response varies on other fields', async () => {
    const h = harness();
    await h.send(get('/v', { 'accept-language': 'en' }), byLanguage, route60);
    const plain = await h.send(get('/v', { 'accept-language': 'de' }), text('plain'), route60);
    expect(header(plain, 'cache-status')).toBe('larder; fwd=vary-miss; stored');
    expect((await h.send(get('/v', { 'accept-language': 'en' }), byLanguage, route60)).text).toBe('plain');
  });
});

describe('conditional requests', () => {
  it('answers If-None-Match with 304 from the generated ETag (weak comparison, lists, *)', async () => {
    const h = harness();
    const miss = await h.send(get('/c'), text('body', { 'cache-control': 'max-age=60' }));
    const etag = header(miss, 'etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const r = await h.send(get('/c', { 'if-none-match': inm }), text('never'));
      expect(r.status).toBe(304);
      expect(r.body.byteLength).toBe(0);
      expect(header(r, 'etag')).toBe(etag);
      expect(header(r, 'cache-control')).toBe('max-age=60');
      expect(header(r, 'age')).toBe('0');
      expect(header(r, 'cache-status')).toBe('larder; hit; ttl=60');
      expect(header(r, 'content-type')).toBeUndefined();
    }
    const changed = await h.send(get('/c', { 'if-none-match': '"old"' }), text('never'));
    expect([changed.status, changed.text]).toEqual([200, 'body']);
  });

  it('keeps the handler ETag and Last-Modified, and answers If-Modified-Since', async () => {
    const h = harness();
    const lastModified = new Date(T0 - 86_400_000).toUTCString();
    await h.send(get('/c'), text('body', { etag: 'W/"v1"', 'last-modified': lastModified }), route60);
    const hit = await h.send(get('/c'), text('x'), route60);
    expect(header(hit, 'etag')).toBe('W/"v1"');
    const since = await h.send(get('/c', { 'if-modified-since': lastModified }), text('x'), route60);
    expect(since.status).toBe(304);
    expect(header(since, 'last-modified')).toBe(lastModified);
    const before = new Date(T0 - 2 * 86_400_000).toUTCString();
    expect((await h.send(get('/c', { 'if-modified-since': before }), text('x'), route60)).status).toBe(200);
  });

  it('answers a conditional miss with 304 when the new response matches, and stores the full one', async () => {
    const h = harness();
    const sent = await h.send(get('/c', { 'if-none-match': '"v2"' }), text('new', { etag: '"v2"' }), route60);
    expect(sent.status).toBe(304);
    expect(header(sent, 'cache-status')).toBe('larder; fwd=miss; stored');
    const full = await h.send(get('/c'), text('x'), route60);
    expect([full.status, full.text]).toEqual([200, 'new']);
  });

  it('does not generate an ETag with etag: false', async () => {
    const h = harness({ etag: false });
    const miss = await h.send(get('/c'), text('body'), route60);
    expect(header(miss, 'etag')).toBeUndefined();
  });
});

describe('what is never stored', () => {
  it.each([
    ['set-cookie', { 'set-cookie': ['sid=secret'] }],
    ['no-store', { 'cache-control': 'no-store' }],
    ['private', { 'cache-control': 'private, max-age=60' }],
    ['private', { 'cache-control': 'private="x-user", max-age=60' }],
    ['no-cache', { 'cache-control': 'no-cache' }],
    ['malformed-cache-control', { 'cache-control': 'max-age=soon' }],
    ['malformed-cache-control', { 'cache-control': 'max-age=5, max-age=6' }],
    ['malformed-vary', { vary: 'accept language' }],
  ])('%s: %j', async (detail, headers) => {
    const h = harness();
    const first = await h.send(get('/n'), text('secret', headers), route60);
    expect(first.text).toBe('secret');
    expect(header(first, 'cache-status')).toBe(`larder; fwd=miss; detail=${detail}`);
    // a Set-Cookie is sent to its own client, unchanged
    if ('set-cookie' in headers) expect(first.headers['set-cookie']).toEqual(['sid=secret']);
    expect(h.cache.stats()).toMatchObject({ stores: 0, notStored: 1 });
    const second = await h.send(get('/n'), text('again'), route60);
    expect(second.originCalled).toBe(true);
    expect(second.text).toBe('again');
    expect(second.headers['set-cookie']).toBeUndefined();
  });

  it('stores no-cache="field" without that field', async () => {
    const h = harness();
    await h.send(get('/n'), text('x', { 'cache-control': 'no-cache="x-user", max-age=60', 'x-user': 'ada' }));
    const hit = await h.send(get('/n'), text('x'));
    expect(hit.kind).toBe('hit');
    expect(header(hit, 'x-user')).toBeUndefined();
  });

  it('does not store responses to authorized requests unless public, s-maxage, must-revalidate or cacheAuthorized', async () => {
    const h = harness();
    const auth = { authorization: 'Bearer a' };
    const first = await h.send(get('/me', auth), text('ada', { 'cache-control': 'max-age=60' }));
    expect(header(first, 'cache-status')).toBe('larder; fwd=miss; detail=authorization');
    // request-specific: the URL is not marked hit-for-pass for anonymous requests
    expect((await h.send(get('/me'), text('anon', { 'cache-control': 'max-age=60' }))).kind).toBe('miss');
    for (const [url, cc] of [
      ['/p', 'public, max-age=60'],
      ['/s', 's-maxage=60'],
      ['/m', 'max-age=60, must-revalidate'],
    ]) {
      const r = await h.send(get(url!, auth), text('shared', { 'cache-control': cc! }));
      expect(header(r, 'cache-status')).toBe('larder; fwd=miss; stored');
    }
    const optIn = validateRouteOptions({ ttl: '1m', cacheAuthorized: true });
    expect(header(await h.send(get('/o', auth), text('x'), optIn), 'cache-status')).toBe(
      'larder; fwd=miss; stored',
    );
  });

  it('stores any final status with explicit freshness, and a route ttl only for the heuristically cacheable ones', async () => {
    const h = harness();
    for (const status of [500, 201, 302, 401, 599]) {
      const explicit = await h.send(get(`/e${status}`), () =>
        res(status, { 'cache-control': 'max-age=60' }, 'x'),
      );
      expect(header(explicit, 'cache-status')).toBe('larder; fwd=miss; stored');
      const again = await h.send(get(`/e${status}`), () => res(200, {}, 'origin called'));
      expect([again.status, again.text, header(again, 'cache-status')]).toEqual([
        status,
        'x',
        'larder; hit; ttl=60',
      ]);
      const routeOnly = await h.send(get(`/r${status}`), () => res(status, {}, 'x'), route60);
      expect(header(routeOnly, 'cache-status')).toBe('larder; fwd=miss; detail=status');
    }
    for (const status of [206, 304, 101]) {
      const r = await h.send(get(`/p${status}`), () => res(status, { 'cache-control': 'max-age=60' }, ''));
      expect(header(r, 'cache-status')).toBe('larder; fwd=miss; detail=status');
    }
    // issue 11: a 404 gets negativeTtl, not the route's ttl; without either, only its own headers
    const notFound = await h.send(get('/404'), () => res(404, {}, 'nope'), route60);
    expect(header(notFound, 'cache-status')).toBe('larder; fwd=miss; detail=no-ttl');
    const explicit = await h.send(
      get('/404b'),
      () => res(404, { 'cache-control': 'max-age=5' }, 'nope'),
      route60,
    );
    expect(header(explicit, 'cache-status')).toBe('larder; fwd=miss; stored');
    const negative = validateRouteOptions({ ttl: '60s', negativeTtl: '2s' });
    const short = await h.send(get('/404c'), () => res(404, {}, 'nope'), negative);
    expect(header(short, 'cache-status')).toBe('larder; fwd=miss; stored');
    expect(header(await h.send(get('/404c'), text('x'), negative), 'cache-status')).toBe(
      'larder; hit; ttl=2',
    );
  });

  it('stores what must-understand allows: an understood status despite no-store, never an unknown one', async () => {
    const h = harness();
    const cc = { 'cache-control': 'max-age=60, no-store, must-understand' };
    const known = await h.send(get('/mu200'), () => res(200, cc, 'x'));
    expect(header(known, 'cache-status')).toBe('larder; fwd=miss; stored');
    const unknown = await h.send(get('/mu599'), () => res(599, cc, 'x'));
    expect(header(unknown, 'cache-status')).toBe('larder; fwd=miss; detail=status');
  });

  it('does not store a body over maxEntryBytes (engine default or route)', async () => {
    const h = harness({ maxEntryBytes: 10 });
    const big = await h.send(get('/big'), text('x'.repeat(11)), route60);
    expect(header(big, 'cache-status')).toBe('larder; fwd=miss; detail=too-large');
    expect(big.text).toBe('x'.repeat(11));
    const small = validateRouteOptions({ ttl: '1m', maxEntryBytes: 2 });
    const r = await h.send(get('/small'), text('abc'), small);
    expect(header(r, 'cache-status')).toBe('larder; fwd=miss; detail=too-large');
  });

  it('does not store a zero lifetime', async () => {
    const h = harness();
    const r = await h.send(get('/z'), text('x'));
    expect(header(r, 'cache-status')).toBe('larder; fwd=miss; detail=no-ttl');
    const zero = await h.send(get('/z2'), text('x', { 'cache-control': 'max-age=0' }));
    expect(header(zero, 'cache-status')).toBe('larder; fwd=miss; detail=no-ttl');
  });
});

describe('range requests on a stored 200', () => {
  it('answers one range with a 206 from cache, several with the whole, an unsatisfiable one with 416', async () => {
    const h = harness();
    await h.send(get('/r'), text('0123456789', { 'cache-control': 'max-age=60' }));
    const part = await h.send(get('/r', { range: 'bytes=2-4' }), text('origin'));
    expect([part.status, part.text, header(part, 'content-range'), header(part, 'content-length')]).toEqual([
      206,
      '234',
      'bytes 2-4/10',
      '3',
    ]);
    const several = await h.send(get('/r', { range: 'bytes=0-1,4-5' }), text('origin'));
    expect([several.status, several.text]).toEqual([200, '0123456789']);
    const none = await h.send(get('/r', { range: 'bytes=50-' }), text('origin'));
    expect([none.status, header(none, 'content-range')]).toEqual([416, 'bytes */10']);
  });
  it('never stores a 206 from the handler as the whole', async () => {
    const h = harness();
    const first = await h.send(get('/p', { range: 'bytes=0-1' }), () =>
      res(206, { 'cache-control': 'max-age=60', 'content-range': 'bytes 0-1/10' }, '01'),
    );
    expect(header(first, 'cache-status')).toBe('larder; fwd=miss; detail=status');
    const whole = await h.send(get('/p'), text('0123456789', { 'cache-control': 'max-age=60' }));
    expect(whole.text).toBe('0123456789');
  });
});

describe('freshness sources', () => {
  it('obeys CDN-Cache-Control over Cache-Control and Expires, forwards it, and ignores it when invalid', async () => {
    const h = harness();
    const over = await h.send(
      get('/t1'),
      text('x', { 'cache-control': 'no-store', 'cdn-cache-control': 'max-age=60' }),
    );
    expect(header(over, 'cache-status')).toBe('larder; fwd=miss; stored');
    expect(header(over, 'cdn-cache-control')).toBe('max-age=60');
    expect((await h.send(get('/t1'), text('y'))).kind).toBe('hit');
    const shorter = await h.send(
      get('/t2'),
      text('x', {
        'cache-control': 'max-age=3600',
        expires: new Date(h.now + 3_600_000).toUTCString(),
        'cdn-cache-control': 'max-age=0',
      }),
    );
    expect(header(shorter, 'cache-status')).toBe('larder; fwd=miss; detail=no-ttl');
    const privately = await h.send(
      get('/t3'),
      text('x', { 'cache-control': 'max-age=3600', 'cdn-cache-control': 'private' }),
    );
    expect(header(privately, 'cache-status')).toBe('larder; fwd=miss; detail=private');
    const invalid = await h.send(
      get('/t4'),
      text('x', { 'cache-control': 'no-store', 'cdn-cache-control': 'max-age=60, &&' }),
    );
    expect(header(invalid, 'cache-status')).toBe('larder; fwd=miss; detail=no-store');
  });

  it('obeys a configured targeted field first, and none with targetedCacheControl: []', async () => {
    const h = harness({ targetedCacheControl: ['Larder-Cache-Control', 'CDN-Cache-Control'] });
    const both = {
      'larder-cache-control': 'no-store',
      'cdn-cache-control': 'max-age=60',
      'cache-control': 'max-age=60',
    };
    expect(header(await h.send(get('/c1'), text('x', both)), 'cache-status')).toBe(
      'larder; fwd=miss; detail=no-store',
    );
    const none = harness({ targetedCacheControl: [] });
    expect(header(await none.send(get('/c1'), text('x', both)), 'cache-status')).toBe(
      'larder; fwd=miss; stored',
    );
  });

  it('heuristic freshness from Last-Modified by default, until it runs out; off with heuristicFreshness: false', async () => {
    const h = harness();
    const modified = { 'last-modified': new Date(h.now - 100_000).toUTCString() };
    const first = await h.send(get('/h'), text('x', modified));
    expect(header(first, 'cache-status')).toBe('larder; fwd=miss; stored');
    h.advance(9_000);
    expect((await h.send(get('/h'), text('y'))).kind).toBe('hit');
    h.advance(2_000);
    expect((await h.send(get('/h'), text('y'))).kind).not.toBe('hit');
    const off = harness({ heuristicFreshness: false });
    const r = await off.send(
      get('/h'),
      text('x', { 'last-modified': new Date(off.now - 100_000).toUTCString() }),
    );
    expect(header(r, 'cache-status')).toBe('larder; fwd=miss; detail=no-ttl');
  });

  it('origin max-age when the route gives no ttl, over the engine ttl', async () => {
    const h = harness({ ttl: '10s' });
    await h.send(get('/f'), text('x', { 'cache-control': 'max-age=60' }));
    h.advance(30_000);
    expect((await h.send(get('/f'), text('y'))).kind).toBe('hit');
  });

  it('route ttl over max-age', async () => {
    const h = harness();
    await h.send(
      get('/f'),
      text('x', { 'cache-control': 'max-age=60' }),
      validateRouteOptions({ ttl: '5s' }),
    );
    h.advance(5_000);
    expect((await h.send(get('/f'), text('y'), validateRouteOptions({ ttl: '5s' }))).kind).toBe('miss');
  });

  it('s-maxage over max-age, and Expires when no max-age', async () => {
    const h = harness();
    await h.send(get('/s'), text('x', { 'cache-control': 'max-age=5, s-maxage=100' }));
    await h.send(get('/e'), text('x', { expires: new Date(T0 + 20_000).toUTCString() }));
    await h.send(get('/bad'), text('x', { expires: '0' }));
    h.advance(10_000);
    expect((await h.send(get('/s'), text('y'))).kind).toBe('hit');
    expect((await h.send(get('/e'), text('y'))).kind).toBe('hit');
    expect(h.cache.stats().notStored).toBe(1);
  });

  it('the engine ttl when the response says nothing', async () => {
    const h = harness({ ttl: '10s' });
    await h.send(get('/f'), text('x'));
    h.advance(9_999);
    expect((await h.send(get('/f'), text('y'))).kind).toBe('hit');
    h.advance(1);
    expect((await h.send(get('/f'), text('y'))).kind).toBe('miss');
  });

  it('never rewrites the handler Cache-Control', async () => {
    const h = harness();
    const origin = text('x', {
      'cache-control': 'public, max-age=5',
      expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
    });
    const route = validateRouteOptions({ ttl: '1h' });
    const miss = await h.send(get('/cc'), origin, route);
    expect(header(miss, 'cache-control')).toBe('public, max-age=5');
    h.advance(60_000);
    const hit = await h.send(get('/cc'), origin, route);
    expect(hit.kind).toBe('hit');
    expect(header(hit, 'cache-control')).toBe('public, max-age=5');
    expect(header(hit, 'expires')).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
  });
});

describe('stored headers', () => {
  it('replays binary bodies byte for byte', async () => {
    const h = harness();
    const bytes = new Uint8Array(256 * 4);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 256;
    await h.send(get('/bin'), () => res(200, { 'content-type': 'application/octet-stream' }, bytes), route60);
    const hit = await h.send(get('/bin'), () => res(500), route60);
    expect(hit.kind).toBe('hit');
    expect(Buffer.from(hit.body).equals(Buffer.from(bytes))).toBe(true);
    expect(header(hit, 'content-length')).toBe('1024');
  });

  it('drops hop-by-hop headers and those Connection names', async () => {
    const h = harness();
    await h.send(
      get('/h'),
      text('x', {
        connection: 'x-hop',
        'x-hop': '1',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'proxy-authenticate': 'Basic',
        'x-kept': 'yes',
      }),
      route60,
    );
    const hit = await h.send(get('/h'), text('x'), route60);
    for (const name of ['connection', 'x-hop', 'keep-alive', 'transfer-encoding', 'proxy-authenticate']) {
      expect(hit.headers[name]).toBeUndefined();
    }
    expect(header(hit, 'x-kept')).toBe('yes');
  });
});

describe('unsafe methods', () => {
  it('passes POST with fwd=method and invalidates the URL and same-origin Location/Content-Location on 2xx/3xx', async () => {
    const h = harness();
    for (const url of ['/items', '/items/7', '/items/8', '/other?b=1&a=2'])
      await h.send(get(url), text(url), route60);
    const post = await h.send(get('/items', {}, 'POST'), () =>
      res(201, { location: '/items/7', 'content-location': 'http://example.com/other?a=2&b=1' }),
    );
    expect(post.kind).toBe('pass');
    expect(post.reason).toBe('method');
    expect(header(post, 'cache-status')).toBe('larder; fwd=method');
    await settle();
    expect((await h.send(get('/items'), text('new'), route60)).kind).toBe('miss');
    expect((await h.send(get('/items/7'), text('new'), route60)).kind).toBe('miss');
    expect((await h.send(get('/other?a=2&b=1'), text('new'), route60)).kind).toBe('miss');
    expect((await h.send(get('/items/8'), text('new'), route60)).kind).toBe('hit');
    expect(h.cache.stats().invalidations).toBe(3);
  });

  it('invalidates every variant of the URL on its own host only, relative Locations too', async () => {
    const h = harness();
    await h.send(get('/a/b'), text('1'), route60);
    await h.send(get('/a/b', { host: 'other.com' }), text('2'), route60);
    await h.send(get('/a/c'), text('3'), route60);
    await h.send(get('/a/b', {}, 'DELETE'), () => res(303, { location: 'c' }));
    await settle();
    expect((await h.send(get('/a/b'), text('x'), route60)).kind).toBe('miss');
    // issue 11 (RFC 9111 section 4.4): a request to one host purges nothing of another
    expect((await h.send(get('/a/b', { host: 'other.com' }), text('x'), route60)).kind).toBe('hit');
    expect((await h.send(get('/a/c'), text('x'), route60)).kind).toBe('miss');
  });

  it('does not invalidate on errors, for another host, for safe methods, or when disabled', async () => {
    const h = harness();
    await h.send(get('/k'), text('1'), route60);
    await h.send(get('/k', {}, 'PUT'), () => res(400));
    await h.send(get('/x', {}, 'PATCH'), () => res(200, { location: 'https://evil.com/k' }));
    await h.send(get('/k', {}, 'OPTIONS'), () => res(204));
    await settle();
    expect((await h.send(get('/k'), text('x'), route60)).kind).toBe('hit');
    const off = harness({ invalidateOnUnsafe: false });
    await off.send(get('/k'), text('1'), route60);
    await off.send(get('/k', {}, 'POST'), () => res(200));
    await settle();
    expect((await off.send(get('/k'), text('x'), route60)).kind).toBe('hit');
  });
});

describe('tags and invalidate()', () => {
  it('invalidates by route tags and by Surrogate-Key / Cache-Tag headers', async () => {
    const h = harness();
    const tagged = validateRouteOptions({
      ttl: '1m',
      tags: (req: RequestLike) => [`path:${req.url}`, 'products'],
    });
    await h.send(get('/p/1'), text('1'), tagged);
    await h.send(get('/p/2'), text('2'), tagged);
    await h.send(get('/s'), text('s', { 'surrogate-key': 'alpha  beta' }), route60);
    await h.send(get('/t'), text('t', { 'cache-tag': 'gamma, delta' }), route60);
    expect(await h.cache.invalidate({ tags: ['path:/p/1'] })).toBe(1);
    expect((await h.send(get('/p/2'), text('x'), tagged)).kind).toBe('hit');
    expect(await h.cache.invalidate({ tags: ['products'] })).toBe(1);
    expect(await h.cache.invalidate({ tags: ['beta', 'delta'] })).toBe(2);
    for (const [url, route] of [
      ['/p/1', tagged],
      ['/p/2', tagged],
      ['/s', route60],
      ['/t', route60],
    ] as const) {
      expect((await h.send(get(url), text('x'), route)).kind).toBe('miss');
    }
  });

  it('invalidates by url (every variant, every host) and by key', async () => {
    const h = harness();
    const vary = (req: RequestLike) => res(200, { vary: 'accept' }, String(req.headers.accept));
    await h.send(get('/v?b=1&a=1', { accept: 'a' }), vary, route60);
    await h.send(get('/v?a=1&b=1', { accept: 'b' }), vary, route60);
    await h.send(get('/v?a=1&b=1', { host: 'two.com' }), text('x'), route60);
    expect(await h.cache.invalidate({ url: '/v?b=1&a=1' })).toBe(4);
    expect((await h.send(get('/v?a=1&b=1', { accept: 'a' }), vary, route60)).kind).toBe('miss');
    expect(await h.cache.invalidate({ key: 'GET example.com/v?a=1&b=1' })).toBe(2);
    expect((await h.send(get('/v?a=1&b=1', { accept: 'a' }), vary, route60)).kind).toBe('miss');
  });

  it('rejects bad arguments with ConfigError', async () => {
    const h = harness();
    await expect(h.cache.invalidate({})).rejects.toThrow(/key, url or tags/);
    await expect(h.cache.invalidate({ tags: 'a' as never })).rejects.toThrow(/tags/);
    await expect(h.cache.invalidate({ url: 5 as never })).rejects.toThrow(/url/);
  });

  it('clear() empties the cache', async () => {
    const h = harness();
    await h.send(get('/a'), text('x'), route60);
    await h.cache.clear();
    expect((await h.send(get('/a'), text('x'), route60)).kind).toBe('miss');
  });
});

describe('client Cache-Control', () => {
  const noCacheRequests = [
    { 'cache-control': 'no-cache' },
    { 'cache-control': 'max-age=0' },
    { pragma: 'no-cache' },
  ];

  it('is ignored by default: a client cannot make the cache load the origin', async () => {
    const h = harness();
    await h.send(get('/a'), text('x'), route60);
    for (const headers of noCacheRequests) {
      expect((await h.send(get('/a', headers), text('y'), route60)).kind).toBe('hit');
    }
    expect(h.originCalls).toBe(1);
  });

  it('with honorClientNoCache, forwards with fwd=request and stores the new response', async () => {
    const h = harness({ honorClientNoCache: true });
    await h.send(get('/a'), text('old'), route60);
    let version = 0;
    for (const headers of noCacheRequests) {
      const r = await h.send(get('/a', headers), () => res(200, {}, `v${++version}`), route60);
      expect(r.kind).toBe('miss');
      expect(header(r, 'cache-status')).toBe('larder; fwd=request; stored');
    }
    expect((await h.send(get('/a'), text('never'), route60)).text).toBe('v3');
    // Pragma counts only without Cache-Control (RFC 9111 section 5.4)
    expect(
      (await h.send(get('/a', { pragma: 'no-cache', 'cache-control': 'max-age=5' }), text('n'), route60))
        .kind,
    ).toBe('hit');
    const noStore = await h.send(get('/ns', { 'cache-control': 'no-store' }), text('n'), route60);
    expect(header(noStore, 'cache-status')).toBe('larder; fwd=miss; detail=request-no-store');
  });

  it('a client cannot forge the internal refresh header', async () => {
    const h = harness();
    await h.send(get('/a'), text('x'), route60);
    for (const guess of ['guess', 'é'.repeat(24), 'x'.repeat(24)]) {
      const forged = await h.send(get('/a', { 'x-larder-revalidate': guess }), text('y'), route60);
      expect(forged.kind).toBe('hit');
    }
  });
});

describe('streaming fills (start, then finish)', () => {
  it('stores what finish receives, after start said store', async () => {
    const h = harness();
    const result = await h.cache.lookup(get('/stream'), route60);
    if (result.kind !== 'miss') throw new Error('expected a miss');
    const started = result.fill.start(200, { 'content-type': 'text/plain' });
    expect(started).toEqual({
      store: true,
      headers: { 'content-type': 'text/plain', 'cache-status': 'larder; fwd=miss; stored' },
    });
    result.fill.finish(new TextEncoder().encode('streamed'));
    const hit = await h.send(get('/stream'), text('never'), route60);
    expect([hit.kind, hit.text, header(hit, 'content-length')]).toEqual(['hit', 'streamed', '8']);
    // a used fill changes nothing more
    result.fill.finish(new TextEncoder().encode('again'));
    expect(result.fill.abandon()).toBeUndefined();
    expect((await h.send(get('/stream'), text('never'), route60)).text).toBe('streamed');
  });

  it('refuses at start when Content-Length is over maxEntryBytes, and at finish when the body is', async () => {
    const h = harness({ maxEntryBytes: 4 });
    const a = await h.cache.lookup(get('/a'), route60);
    if (a.kind !== 'miss') throw new Error('expected a miss');
    expect(a.fill.start(200, { 'content-length': '5' })).toMatchObject({
      store: false,
      headers: { 'cache-status': 'larder; fwd=miss; detail=too-large' },
    });
    const b = await h.cache.lookup(get('/b'), route60);
    if (b.kind !== 'miss') throw new Error('expected a miss');
    expect(b.fill.start(200, {})).toMatchObject({ store: true });
    b.fill.finish(new Uint8Array(5));
    expect(h.cache.stats()).toMatchObject({ stores: 0, notStored: 2 });
  });

  it('abandon after start releases waiters to the origin', async () => {
    const h = harness();
    const leader = await h.cache.lookup(get('/s'), route60);
    if (leader.kind !== 'miss') throw new Error('expected a miss');
    const waiter = h.cache.lookup(get('/s'), route60);
    await settle();
    leader.fill.start(200, {});
    expect(leader.fill.abandon(new Error('client went away'))).toBeUndefined();
    const result = await waiter;
    expect(result.kind === 'pass' && result.reason).toBe('hit-for-pass');
  });
});
