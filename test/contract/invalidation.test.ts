import { expect, it } from 'vitest';
import type { ContractApp } from './driver.js';
import { contract, counted, gate, header, until, versioned } from './support.js';

/** Whether `url` is currently answered from the cache. */
async function isCached(a: ContractApp, url: string): Promise<boolean> {
  return /^larder; hit/.test(header(await a.request({ url }), 'cache-status') ?? '');
}

contract('invalidation', ({ app }) => {
  it('a successful POST to a URL drops its cached entry, so the next GET sees the change', async () => {
    const items = versioned();
    const create = counted(() => ({ status: 201, body: 'created' }));
    const a = await app([
      { path: '/items', cache: { ttl: '1h' }, origin: items },
      { method: 'POST', path: '/items', origin: create },
    ]);
    await a.request({ url: '/items' });
    expect((await a.request({ url: '/items' })).text).toBe('v1');
    const posted = await a.request({ method: 'POST', url: '/items' });
    expect(posted.status).toBe(201);
    expect(header(posted, 'cache-status')).toBe('larder; fwd=method');
    const after = await a.request({ url: '/items' });
    expect(after.text).toBe('v2');
    expect(header(after, 'cache-status')).toBe('larder; fwd=miss; stored');
    expect(create.calls).toBe(1);
  });

  it('PUT, PATCH and DELETE drop every Vary variant of their URL and leave other URLs cached', async () => {
    const item = counted((req, call) => ({
      headers: { vary: 'accept-language' },
      body: `${req.url} #${call}`,
    }));
    const write = counted(() => ({ status: 204 }));
    const a = await app([
      { path: '/items/:id', cache: { ttl: '1h' }, origin: item },
      { method: 'PUT', path: '/items/:id', origin: write },
      { method: 'PATCH', path: '/items/:id', origin: write },
      { method: 'DELETE', path: '/items/:id', origin: write },
    ]);
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      await a.request({ url: '/items/1', headers: { 'accept-language': 'en' } });
      await a.request({ url: '/items/1', headers: { 'accept-language': 'fr' } });
      await a.request({ url: '/items/2' });
      expect((await a.request({ method, url: '/items/1' })).status).toBe(204);
      const en = await a.request({ url: '/items/1', headers: { 'accept-language': 'en' } });
      const fr = await a.request({ url: '/items/1', headers: { 'accept-language': 'fr' } });
      expect(header(en, 'cache-status')).toMatch(/stored$/);
      expect(header(fr, 'cache-status')).toMatch(/stored$/);
      expect(await isCached(a, '/items/2')).toBe(true);
    }
  });

  it('a write that lands while a read is still at the origin is not undone when that read finishes', async () => {
    const held = gate();
    let database = 'before';
    const read = counted(async () => {
      const seen = database;
      await held.wait;
      return { body: seen };
    });
    const write = () => {
      database = 'after';
      return { status: 204 };
    };
    const a = await app([
      { path: '/profile', cache: { ttl: '1h' }, origin: read },
      { method: 'PUT', path: '/profile', origin: write },
    ]);
    const slowRead = a.request({ url: '/profile' });
    await until(() => read.calls === 1, 'the read reaches the origin');
    expect((await a.request({ method: 'PUT', url: '/profile' })).status).toBe(204);
    held.open();
    expect((await slowRead).text).toBe('before');
    // the read saw the old data; storing it now would serve it for the whole hour
    expect((await a.request({ url: '/profile' })).text).toBe('after');
  });

  it('a POST that fails (4xx or 5xx) leaves the cached entry alone', async () => {
    const a = await app([
      { path: '/items', cache: { ttl: '1h' }, origin: versioned() },
      { method: 'POST', path: '/items', origin: () => ({ status: 422, body: 'invalid' }) },
      { method: 'PUT', path: '/items', origin: () => ({ status: 500, body: 'boom' }) },
    ]);
    await a.request({ url: '/items' });
    expect((await a.request({ method: 'POST', url: '/items' })).status).toBe(422);
    expect((await a.request({ method: 'PUT', url: '/items' })).status).toBe(500);
    expect((await a.request({ url: '/items' })).text).toBe('v1');
  });

  it('a POST that answers with Location or Content-Location also drops those URLs', async () => {
    const a = await app([
      { path: '/items/:id', cache: { ttl: '1h' }, origin: versioned() },
      { path: '/list', cache: { ttl: '1h' }, origin: versioned() },
      {
        method: 'POST',
        path: '/items',
        origin: () => ({ status: 201, headers: { location: '/items/7', 'content-location': '/list' } }),
      },
    ]);
    for (const url of ['/items/7', '/items/8', '/list']) await a.request({ url });
    await a.request({ method: 'POST', url: '/items' });
    expect(await isCached(a, '/items/7')).toBe(false);
    expect(await isCached(a, '/list')).toBe(false);
    expect(await isCached(a, '/items/8')).toBe(true);
  });

  it('a Location on another host invalidates nothing here', async () => {
    const a = await app([
      { path: '/items/:id', cache: { ttl: '1h' }, origin: versioned() },
      {
        method: 'POST',
        path: '/items',
        origin: () => ({ status: 201, headers: { location: 'https://elsewhere.example/items/7' } }),
      },
    ]);
    await a.request({ url: '/items/7' });
    await a.request({ method: 'POST', url: '/items' });
    expect(await isCached(a, '/items/7')).toBe(true);
  });

  it('invalidate({ url }) drops that URL whatever its query order, and only it', async () => {
    const a = await app([{ path: '/search', cache: { ttl: '1h' }, origin: versioned() }]);
    await a.request({ url: '/search?a=1&b=2' });
    await a.request({ url: '/search?a=2' });
    expect(await a.invalidate({ url: '/search?b=2&a=1' })).toBe(1);
    expect(await isCached(a, '/search?a=1&b=2')).toBe(false);
    expect(await isCached(a, '/search?a=2')).toBe(true);
  });
});

contract('tags', ({ app }) => {
  it("entries tagged by the route's tags(req) are dropped together by invalidate({ tags })", async () => {
    const a = await app([
      {
        path: '/products/:id',
        cache: { ttl: '1h', tags: (req) => ['products', `product:${req.url.split('/')[2]}`] },
        origin: versioned(),
      },
      { path: '/about', cache: { ttl: '1h' }, origin: versioned() },
    ]);
    for (const url of ['/products/1', '/products/2', '/about']) await a.request({ url });
    expect(await a.invalidate({ tags: ['product:1'] })).toBe(1);
    expect(await isCached(a, '/products/1')).toBe(false);
    expect(await isCached(a, '/products/2')).toBe(true);
    expect(await a.invalidate({ tags: ['products'] })).toBe(2);
    expect(await isCached(a, '/products/1')).toBe(false);
    expect(await isCached(a, '/products/2')).toBe(false);
    expect(await isCached(a, '/about')).toBe(true);
  });

  it('Surrogate-Key and Cache-Tag response headers tag entries for invalidate({ tags })', async () => {
    const a = await app([
      { path: '/news', cache: { ttl: '1h' }, origin: versioned({ 'surrogate-key': 'news front-page' }) },
      { path: '/weather', cache: { ttl: '1h' }, origin: versioned({ 'cache-tag': 'weather,front-page' }) },
      { path: '/sports', cache: { ttl: '1h' }, origin: versioned({ 'surrogate-key': 'sports' }) },
    ]);
    for (const url of ['/news', '/weather', '/sports']) await a.request({ url });
    expect(await a.invalidate({ tags: ['front-page'] })).toBe(2);
    expect(await isCached(a, '/news')).toBe(false);
    expect(await isCached(a, '/weather')).toBe(false);
    expect(await isCached(a, '/sports')).toBe(true);
    expect(await a.invalidate({ tags: ['news'] })).toBe(1);
    expect(await a.invalidate({ tags: ['nothing-has-this'] })).toBe(0);
  });

  it('invalidate({ tags }) while a tagged response is still being fetched is not undone by it', async () => {
    const held = gate();
    let price = 10;
    const origin = counted(async () => {
      const seen = price;
      await held.wait;
      return { body: `price ${seen}` };
    });
    const a = await app([{ path: '/price', cache: { ttl: '1h', tags: () => ['prices'] }, origin }]);
    const slowRead = a.request({ url: '/price' });
    await until(() => origin.calls === 1, 'the read reaches the origin');
    price = 12;
    await a.invalidate({ tags: ['prices'] });
    held.open();
    await slowRead;
    expect((await a.request({ url: '/price' })).text).toBe('price 12');
  });

  it('route tags and response tags are merged on one entry', async () => {
    const a = await app([
      {
        path: '/page',
        cache: { ttl: '1h', tags: () => ['from-route'] },
        origin: versioned({ 'surrogate-key': 'from-header' }),
      },
    ]);
    await a.request({ url: '/page' });
    expect(await a.invalidate({ tags: ['from-route'] })).toBe(1);
    await a.request({ url: '/page' });
    expect(await a.invalidate({ tags: ['from-header'] })).toBe(1);
    expect(await isCached(a, '/page')).toBe(false);
  });
});
