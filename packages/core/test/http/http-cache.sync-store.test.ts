import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { ResponseStore, StoredEntry } from '../../src/store/types.js';
import { get, Harness, header, res, type Sent } from './harness.js';

/** The memory store behind promises: every read answers through a promise, as a network store's. */
function asyncOnly(inner: MemoryStore): ResponseStore {
  return {
    get: (key) => Promise.resolve(inner.get(key)),
    set: (key, entry) => inner.set(key, entry),
    delete: (key) => inner.delete(key),
    deleteByTags: (tags) => inner.deleteByTags(tags),
    clear: () => inner.clear(),
    close: () => inner.close(),
  };
}

/** The memory store, with a `get` that answers at once as `get` says. */
function withGet(inner: MemoryStore, get: (key: string) => StoredEntry | undefined): ResponseStore {
  return Object.assign(asyncOnly(inner), { get });
}

/** What a client sees of a response, and how the engine answered. */
const seen = (s: Sent) => ({
  kind: s.kind,
  status: s.status,
  text: s.text,
  age: header(s, 'age'),
  cacheStatus: header(s, 'cache-status'),
  etag: header(s, 'etag'),
  vary: header(s, 'vary'),
  originCalled: s.originCalled,
});

/**
 * The same requests through an engine over a store that reads synchronously (MemoryStore) and one over
 * the same kind of store behind the asynchronous interface only: the answers must be the same.
 */
async function both(
  scenario: (h: Harness) => Promise<Sent[]>,
): Promise<{ sync: ReturnType<typeof seen>[]; async: ReturnType<typeof seen>[]; harnesses: Harness[] }> {
  const a = new Harness({ ttl: '1m', staleWhileRevalidate: '1m', honorClientNoCache: true });
  const b: Harness = new Harness({
    ttl: '1m',
    staleWhileRevalidate: '1m',
    honorClientNoCache: true,
    store: asyncOnly(new MemoryStore({ now: () => b.now })),
  });
  const sync = (await scenario(a)).map(seen);
  const async = (await scenario(b)).map(seen);
  expect(a.cache.stats()).toEqual(b.cache.stats());
  return { sync, async, harnesses: [a, b] };
}

describe('a store that reads synchronously answers exactly as one that does not', () => {
  it('for hits, HEAD, conditional requests, stale entries and a client no-cache', async () => {
    const origin = () => res(200, { 'content-type': 'text/plain' }, 'hello');
    const { sync, async } = await both(async (h) => {
      const out = [await h.send(get('/a'), origin)];
      h.advance(1500);
      out.push(await h.send(get('/a'), origin));
      out.push(await h.send(get('/a', {}, 'HEAD'), origin));
      const etag = header(out[0]!, 'etag') ?? '';
      out.push(await h.send(get('/a', { 'if-none-match': etag }), origin));
      out.push(await h.send(get('/a', { 'cache-control': 'no-cache' }), origin));
      h.advance(61_000);
      out.push(await h.send(get('/a'), origin));
      return out;
    });
    expect(sync).toEqual(async);
    expect(sync.map((s) => s.kind)).toEqual(['miss', 'hit', 'hit', 'hit', 'miss', 'stale']);
    expect(sync[3]!.status).toBe(304);
  });

  it('for Vary variants', async () => {
    const origin = (req: { headers: Record<string, unknown> }) =>
      res(
        200,
        { 'content-type': 'text/plain', vary: 'accept-language' },
        String(req.headers['accept-language']),
      );
    const { sync, async } = await both(async (h) => {
      const out: Sent[] = [];
      for (const lang of ['en', 'fr', 'en', 'fr', 'de']) {
        out.push(await h.send(get('/v', { 'accept-language': lang }), origin));
        h.advance(10);
      }
      return out;
    });
    expect(sync).toEqual(async);
    expect(sync.map((s) => `${s.kind} ${s.text}`)).toEqual([
      'miss en',
      'miss fr',
      'hit en',
      'hit fr',
      'miss de',
    ]);
  });

  it('when a synchronous get throws or returns something that is not an entry: a miss, reported', async () => {
    const origin = () => res(200, { 'content-type': 'text/plain' }, 'hello');
    for (const read of [
      () => {
        throw new Error('get broke');
      },
      () => ({ not: 'an entry' }) as unknown as StoredEntry,
    ]) {
      const h: Harness = new Harness({
        ttl: '1m',
        store: withGet(new MemoryStore({ now: () => h.now }), read),
      });
      expect((await h.send(get('/a'), origin)).kind).toBe('miss');
      h.advance(10);
      const second = await h.send(get('/a'), origin);
      expect(second.kind).toBe('miss');
      expect(second.status).toBe(200);
      expect(second.text).toBe('hello');
      expect(h.originCalls).toBe(2);
      expect(h.errors.map(([, context]) => context)).toContain('store.get');
    }
  });

  it('counts each hit once', async () => {
    const h = new Harness({ ttl: '1m' });
    const origin = (req: { url: string }) => res(200, { 'content-type': 'text/plain' }, req.url);
    await h.send(get('/a'), origin);
    await h.send(get('/b'), origin);
    for (let i = 0; i < 5; i++) expect((await h.send(get('/a'), origin)).kind).toBe('hit');
    expect(h.cache.stats()).toMatchObject({ hits: 5, misses: 2 });
  });
});
