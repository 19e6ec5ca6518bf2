import { expect, it } from 'vitest';
import { contract, counted, header, versioned } from './support.js';

const LAST_MODIFIED = 'Tue, 14 Nov 2023 22:00:00 GMT';
const BEFORE = 'Tue, 14 Nov 2023 21:59:59 GMT';
const AFTER = 'Wed, 15 Nov 2023 08:00:00 GMT';

contract('conditional requests', ({ app }) => {
  it('If-None-Match with the ETag of the cached response gets a 304 without a body, from the cache', async () => {
    const origin = versioned({ 'cache-control': 'public, max-age=60' });
    const a = await app([{ path: '/items', cache: { ttl: '30s' }, origin }]);
    const first = await a.request({ url: '/items' });
    const etag = header(first, 'etag');
    expect(etag).toBeDefined();
    const revalidated = await a.request({ url: '/items', headers: { 'if-none-match': etag! } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body.length).toBe(0);
    expect(header(revalidated, 'etag')).toBe(etag);
    expect(header(revalidated, 'cache-control')).toBe('public, max-age=60');
    expect(header(revalidated, 'cache-status')).toMatch(/^larder; hit/);
    expect(origin.calls).toBe(1);
  });

  it('a 304 from the cache carries no body headers of its own making', async () => {
    const origin = versioned({ 'cache-control': 'public' });
    const a = await app([{ path: '/items', cache: { ttl: '30s' }, origin }]);
    const full = await a.request({ url: '/items' });
    const res = await a.request({ url: '/items', headers: { 'if-none-match': header(full, 'etag')! } });
    expect(res.status).toBe(304);
    // RFC 9110 section 8.6: a Content-Length on a 304 must be the 200's; a content type, if any, the 200's
    for (const name of ['content-length', 'content-type']) {
      expect([undefined, header(full, name)]).toContain(header(res, name));
    }
  });

  it('If-None-Match with a list or * matches too; another ETag gets the full cached body', async () => {
    const origin = versioned();
    const a = await app([{ path: '/items', cache: { ttl: '30s' }, origin }]);
    const etag = header(await a.request({ url: '/items' }), 'etag')!;
    const listed = await a.request({ url: '/items', headers: { 'if-none-match': `"nope", ${etag}` } });
    expect(listed.status).toBe(304);
    const star = await a.request({ url: '/items', headers: { 'if-none-match': '*' } });
    expect(star.status).toBe(304);
    const other = await a.request({ url: '/items', headers: { 'if-none-match': '"something-else"' } });
    expect(other.status).toBe(200);
    expect(other.text).toBe('v1');
    expect(header(other, 'cache-status')).toMatch(/^larder; hit/);
    expect(origin.calls).toBe(1);
  });

  it("the handler's own ETag is kept and validated", async () => {
    const origin = counted(() => ({ headers: { etag: '"rev-42"' }, body: 'content' }));
    const a = await app([{ path: '/doc', cache: { ttl: '30s' }, origin }]);
    await a.request({ url: '/doc' });
    const hit = await a.request({ url: '/doc' });
    expect(header(hit, 'etag')).toBe('"rev-42"');
    const revalidated = await a.request({ url: '/doc', headers: { 'if-none-match': '"rev-42"' } });
    expect(revalidated.status).toBe(304);
    expect(header(revalidated, 'etag')).toBe('"rev-42"');
    expect(origin.calls).toBe(1);
  });

  it('If-Modified-Since at or after Last-Modified gets a 304 from the cache; an earlier date the full body', async () => {
    const origin = counted(() => ({ headers: { 'last-modified': LAST_MODIFIED }, body: 'dated' }));
    const a = await app([{ path: '/dated', cache: { ttl: '30s' }, origin }]);
    await a.request({ url: '/dated' });
    for (const since of [LAST_MODIFIED, AFTER]) {
      const res = await a.request({ url: '/dated', headers: { 'if-modified-since': since } });
      expect(res.status).toBe(304);
      expect(res.body.length).toBe(0);
      expect(header(res, 'last-modified')).toBe(LAST_MODIFIED);
      expect(header(res, 'cache-status')).toMatch(/^larder; hit/);
    }
    const older = await a.request({ url: '/dated', headers: { 'if-modified-since': BEFORE } });
    expect(older.status).toBe(200);
    expect(older.text).toBe('dated');
    const garbage = await a.request({ url: '/dated', headers: { 'if-modified-since': 'not a date' } });
    expect(garbage.status).toBe(200);
    expect(origin.calls).toBe(1);
  });

  it('If-None-Match wins over If-Modified-Since: a stale ETag gets the full body even with a later date', async () => {
    const origin = counted(() => ({ headers: { 'last-modified': LAST_MODIFIED }, body: 'dated' }));
    const a = await app([{ path: '/dated', cache: { ttl: '30s' }, origin }]);
    await a.request({ url: '/dated' });
    const res = await a.request({
      url: '/dated',
      headers: { 'if-none-match': '"old"', 'if-modified-since': AFTER },
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('dated');
  });

  it('a matching conditional request on a cold cache gets a 304, and the next plain request the full body', async () => {
    const origin = counted(() => ({ headers: { 'last-modified': LAST_MODIFIED }, body: 'dated' }));
    const a = await app([{ path: '/dated', cache: { ttl: '30s' }, origin }]);
    const cold = await a.request({ url: '/dated', headers: { 'if-modified-since': AFTER } });
    expect(cold.status).toBe(304);
    expect(cold.body.length).toBe(0);
    const plain = await a.request({ url: '/dated' });
    expect(plain.status).toBe(200);
    expect(plain.text).toBe('dated');
    const cached = await a.request({ url: '/dated' });
    expect(cached.text).toBe('dated');
    expect(header(cached, 'cache-status')).toMatch(/^larder; hit/);
  });
});
