import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { contract, counted, header, versioned } from './support.js';

/** Random bytes that surely hold a NUL and sequences that are not valid UTF-8. */
function awkwardBytes(size: number): Buffer {
  const tricky = Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x00]);
  const bytes = Buffer.concat([tricky, randomBytes(size - tricky.length)]);
  // a sanity check of the fixture itself: decoding must be lossy
  expect(Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)).toBe(false);
  return bytes;
}

contract('hits and misses', ({ app, clock }) => {
  it('the second request is answered from the cache with the same status, body and content type', async () => {
    const origin = versioned({ 'content-type': 'text/plain; charset=utf-8' });
    const a = await app([{ path: '/items', cache: { ttl: '30s' }, origin }]);
    const first = await a.request({ url: '/items' });
    const second = await a.request({ url: '/items' });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.text).toBe('v1');
    expect(second.text).toBe('v1');
    expect(header(second, 'content-type')).toBe(header(first, 'content-type'));
    expect(header(second, 'content-length')).toBe('2');
    expect(origin.calls).toBe(1);
    expect(a.stats()).toMatchObject({ misses: 1, hits: 1, stores: 1 });
  });

  it('a JSON response is replayed with the same bytes and content type', async () => {
    const origin = counted((_req, call) => ({ json: { call, items: ['a', 'b'], nested: { ok: true } } }));
    const a = await app([{ path: '/data', cache: { ttl: '30s' }, origin }]);
    const first = await a.request({ url: '/data' });
    const second = await a.request({ url: '/data' });
    expect(JSON.parse(first.text)).toEqual({ call: 1, items: ['a', 'b'], nested: { ok: true } });
    expect(second.body.equals(first.body)).toBe(true);
    expect(header(first, 'content-type')).toMatch(/^application\/json/);
    expect(header(second, 'content-type')).toBe(header(first, 'content-type'));
    expect(origin.calls).toBe(1);
  });

  it('a miss says "fwd=miss; stored" and a hit says "hit" with the remaining ttl and a growing Age', async () => {
    const a = await app([{ path: '/items', cache: { ttl: '30s' }, origin: versioned() }]);
    const miss = await a.request({ url: '/items' });
    expect(header(miss, 'cache-status')).toBe('larder; fwd=miss; stored');
    expect(header(miss, 'age')).toBeUndefined();
    const immediate = await a.request({ url: '/items' });
    expect(header(immediate, 'cache-status')).toBe('larder; hit; ttl=30');
    expect(header(immediate, 'age')).toBe('0');
    clock.advance(7_000);
    const later = await a.request({ url: '/items' });
    expect(header(later, 'cache-status')).toBe('larder; hit; ttl=23');
    expect(header(later, 'age')).toBe('7');
    clock.advance(22_500);
    const last = await a.request({ url: '/items' });
    expect(header(last, 'age')).toBe('29');
    expect(header(last, 'cache-status')).toBe('larder; hit; ttl=0');
  });

  it('an entry expires with its ttl and the next request goes to the origin again', async () => {
    const origin = versioned();
    const a = await app([{ path: '/items', cache: { ttl: '30s' }, origin }]);
    await a.request({ url: '/items' });
    clock.advance(30_000);
    const expired = await a.request({ url: '/items' });
    expect(expired.text).toBe('v2');
    expect(header(expired, 'cache-status')).toBe('larder; fwd=miss; stored');
    expect(origin.calls).toBe(2);
  });

  it('HEAD is answered from the GET entry: same status and headers, no body, the origin not called', async () => {
    const origin = versioned({ 'content-type': 'text/plain; charset=utf-8', 'x-origin': 'yes' });
    const a = await app([{ path: '/items', cache: { ttl: '30s' }, origin }]);
    const get = await a.request({ url: '/items' });
    const head = await a.request({ method: 'HEAD', url: '/items' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(header(head, 'content-length')).toBe(String(get.body.length));
    expect(header(head, 'content-type')).toBe(header(get, 'content-type'));
    expect(header(head, 'etag')).toBe(header(get, 'etag'));
    expect(header(head, 'x-origin')).toBe('yes');
    expect(header(head, 'cache-status')).toMatch(/^larder; hit/);
    expect(origin.calls).toBe(1);
  });

  it('a HEAD that finds nothing goes to the origin and stores nothing for GET', async () => {
    const origin = versioned();
    const a = await app([{ path: '/items', cache: { ttl: '30s' }, origin }]);
    const head = await a.request({ method: 'HEAD', url: '/items' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const get = await a.request({ url: '/items' });
    expect(get.text).toBe('v2');
    expect(header(get, 'cache-status')).toBe('larder; fwd=miss; stored');
    expect(origin.calls).toBe(2);
  });

  it('the order of query parameters does not matter: ?a=1&b=2 and ?b=2&a=1 share one entry', async () => {
    const origin = counted((req, call) => ({ body: `${req.url} #${call}` }));
    const a = await app([{ path: '/search', cache: { ttl: '30s' }, origin }]);
    const first = await a.request({ url: '/search?a=1&b=2' });
    const reordered = await a.request({ url: '/search?b=2&a=1' });
    expect(first.text).toBe('/search?a=1&b=2 #1');
    expect(reordered.text).toBe('/search?a=1&b=2 #1');
    expect(header(reordered, 'cache-status')).toMatch(/^larder; hit/);
    const other = await a.request({ url: '/search?a=1&b=3' });
    expect(other.text).toBe('/search?a=1&b=3 #2');
    const bare = await a.request({ url: '/search' });
    expect(bare.text).toBe('/search #3');
    expect(origin.calls).toBe(3);
  });

  it('responses that Vary on Accept-Language are stored apart: en and fr each get their own', async () => {
    const origin = counted((req) => ({
      headers: { vary: 'Accept-Language', 'content-language': String(req.headers['accept-language']) },
      body: req.headers['accept-language'] === 'fr' ? 'bonjour' : 'hello',
    }));
    const a = await app([{ path: '/greeting', cache: { ttl: '30s' }, origin }]);
    const en = { 'accept-language': 'en' };
    const fr = { 'accept-language': 'fr' };
    expect((await a.request({ url: '/greeting', headers: en })).text).toBe('hello');
    const frMiss = await a.request({ url: '/greeting', headers: fr });
    expect(frMiss.text).toBe('bonjour');
    expect(header(frMiss, 'cache-status')).toMatch(/^larder; fwd=vary-miss; stored$/);
    const enHit = await a.request({ url: '/greeting', headers: en });
    const frHit = await a.request({ url: '/greeting', headers: fr });
    expect(enHit.text).toBe('hello');
    expect(header(enHit, 'content-language')).toBe('en');
    expect(header(enHit, 'cache-status')).toMatch(/^larder; hit/);
    expect(frHit.text).toBe('bonjour');
    expect(header(frHit, 'content-language')).toBe('fr');
    expect(header(frHit, 'vary')).toBe('Accept-Language');
    expect(origin.calls).toBe(2);
  });

  it('a binary body (NUL bytes, invalid UTF-8) is replayed byte for byte', async () => {
    const bytes = awkwardBytes(64 * 1024);
    const origin = counted(() => ({ headers: { 'content-type': 'application/octet-stream' }, body: bytes }));
    const a = await app([{ path: '/blob', cache: { ttl: '30s' }, origin }]);
    const miss = await a.request({ url: '/blob' });
    const hit = await a.request({ url: '/blob' });
    expect(miss.body.equals(bytes)).toBe(true);
    expect(hit.body.equals(bytes)).toBe(true);
    expect(header(hit, 'content-length')).toBe(String(bytes.length));
    expect(header(hit, 'cache-status')).toMatch(/^larder; hit/);
    expect(origin.calls).toBe(1);
  });

  it('a streamed binary body is sent in full and replayed byte for byte', async () => {
    const bytes = awkwardBytes(200 * 1024);
    const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 70_001), bytes.subarray(70_001)];
    const origin = counted(() => ({
      headers: { 'content-type': 'application/octet-stream' },
      body: Readable.from(chunks),
    }));
    const a = await app([{ path: '/stream', cache: { ttl: '30s' }, origin }]);
    const miss = await a.request({ url: '/stream' });
    const hit = await a.request({ url: '/stream' });
    expect(miss.body.equals(bytes)).toBe(true);
    expect(hit.body.equals(bytes)).toBe(true);
    expect(header(hit, 'cache-status')).toMatch(/^larder; hit/);
    expect(origin.calls).toBe(1);
  });

  it('a cached redirect without a body is replayed without a body', async () => {
    const origin = counted(() => ({ status: 301, headers: { location: '/new-home' } }));
    const a = await app([{ path: '/old-home', cache: { ttl: '1h' }, origin }]);
    const miss = await a.request({ url: '/old-home' });
    const hit = await a.request({ url: '/old-home' });
    expect(header(hit, 'cache-status')).toMatch(/^larder; hit/);
    expect(hit.status).toBe(301);
    expect(header(hit, 'location')).toBe('/new-home');
    expect(hit.body.length).toBe(0);
    expect(header(hit, 'content-length')).toBe(header(miss, 'content-length'));
    expect(header(hit, 'content-type')).toBe(header(miss, 'content-type'));
    expect(origin.calls).toBe(1);
  });

  it('an empty JSON 200 is replayed empty, not as "null"', async () => {
    const origin = counted(() => ({ headers: { 'content-type': 'application/json' }, body: '' }));
    const a = await app([{ path: '/nothing', cache: { ttl: '1h' }, origin }]);
    const miss = await a.request({ url: '/nothing' });
    const hit = await a.request({ url: '/nothing' });
    expect(miss.body.length).toBe(0);
    expect(hit.body.length).toBe(0);
    expect(header(hit, 'content-type')).toBe(header(miss, 'content-type'));
  });

  it('several values of one header are all replayed', async () => {
    const link = ['</app.css>; rel=preload; as=style', '</app.js>; rel=preload; as=script'];
    const origin = counted(() => ({ headers: { link }, body: 'page' }));
    const a = await app([{ path: '/page', cache: { ttl: '1h' }, origin }]);
    const miss = await a.request({ url: '/page' });
    const hit = await a.request({ url: '/page' });
    expect(header(miss, 'link')).toBe(link.join(', '));
    expect(header(hit, 'link')).toBe(link.join(', '));
  });

  it('different hosts never share an entry', async () => {
    const origin = counted((req, call) => ({ body: `${req.headers.host} #${call}` }));
    const a = await app([{ path: '/home', cache: { ttl: '1h' }, origin }]);
    const tenantA = { host: 'a.example' };
    const tenantB = { host: 'b.example' };
    expect((await a.request({ url: '/home', headers: tenantA })).text).toBe('a.example #1');
    expect((await a.request({ url: '/home', headers: tenantB })).text).toBe('b.example #2');
    expect((await a.request({ url: '/home', headers: tenantA })).text).toBe('a.example #1');
    expect((await a.request({ url: '/home', headers: { host: 'A.EXAMPLE' } })).text).toBe('a.example #1');
  });

  it('query strings an application can tell apart are never merged', async () => {
    const origin = counted((req) => ({ body: req.url }));
    const a = await app([{ path: '/q', cache: { ttl: '1h' }, origin }]);
    for (const url of ['/q?a=1&a=2', '/q?a=2&a=1', '/q?x=a%26b', '/q?x=a&b', '/q?x=a+b', '/q?x=a%20b']) {
      expect((await a.request({ url })).text).toBe(url);
    }
    expect(origin.calls).toBe(6);
  });

  it('the stats counters tell the same story on every adapter', async () => {
    const a = await app([
      { path: '/items', cache: { ttl: '1m' }, origin: versioned() },
      { path: '/private', cache: { ttl: '1m' }, origin: versioned({ 'cache-control': 'private' }) },
      { method: 'POST', path: '/items', origin: () => ({ status: 201, body: 'ok' }) },
    ]);
    await a.request({ url: '/items' });
    await a.request({ url: '/items' });
    await a.request({ method: 'HEAD', url: '/items' });
    await a.request({ method: 'HEAD', url: '/nothing-cached-here' });
    await a.request({ method: 'POST', url: '/items' });
    await a.request({ url: '/items' });
    await a.request({ url: '/private' });
    await a.request({ url: '/private' });
    expect(a.stats()).toEqual({
      hits: 2,
      staleHits: 0,
      misses: 3,
      passes: 2,
      coalesced: 0,
      stores: 2,
      notStored: 1,
      revalidations: 0,
      invalidations: 1,
      errors: 0,
      // no shared tier: the fleet's claims stay at zero
      fleetLeads: 0,
      fleetWaits: 0,
      fleetTimeouts: 0,
      fleetUnavailable: 0,
    });
  });

  it('a 404 is cached for negativeTtl, not for the route ttl (issue 11)', async () => {
    const origin = counted((_req, call) => ({ status: 404, body: `missing ${call}` }));
    const a = await app([
      { path: '/gone', cache: { ttl: '30s', negativeTtl: '5s' }, origin },
      { path: '/plain-ttl', cache: { ttl: '30s' }, origin },
    ]);
    await a.request({ url: '/gone' });
    const again = await a.request({ url: '/gone' });
    expect(again.status).toBe(404);
    expect(again.text).toBe('missing 1');
    expect(origin.calls).toBe(1);
    clock.advance(6000);
    expect((await a.request({ url: '/gone' })).text).toBe('missing 2');
    // without negativeTtl nor a lifetime of its own, a 404 is not stored
    await a.request({ url: '/plain-ttl' });
    expect((await a.request({ url: '/plain-ttl' })).text).toBe('missing 4');
  });

  it('a route that is not cached is never stored', async () => {
    const origin = versioned({ 'cache-control': 'max-age=60' });
    const a = await app([{ path: '/plain', origin }], { ttl: '1m' });
    expect((await a.request({ url: '/plain' })).text).toBe('v1');
    const second = await a.request({ url: '/plain' });
    expect(second.text).toBe('v2');
    expect(header(second, 'cache-status')).toBeUndefined();
  });

  it('caching every GET route from the plugin options (cacheAllGet / app.use(cache))', async () => {
    const items = versioned();
    const posts = counted(() => ({ status: 201, body: 'created' }));
    const a = await app(
      [
        { path: '/items', origin: items },
        { method: 'POST', path: '/items', origin: posts },
      ],
      { cacheAll: true, ttl: '1m' },
    );
    expect((await a.request({ url: '/items' })).text).toBe('v1');
    const hit = await a.request({ url: '/items' });
    expect(hit.text).toBe('v1');
    expect(header(hit, 'cache-status')).toBe('larder; hit; ttl=60');
    expect((await a.request({ method: 'POST', url: '/items' })).status).toBe(201);
    expect((await a.request({ url: '/items' })).text).toBe('v2');
  });
});
