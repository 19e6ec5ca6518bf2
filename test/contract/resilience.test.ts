import { HttpCache, type ResponseStore } from '@larder/core';
import { expect, it } from 'vitest';
import {
  CountingStore,
  contract,
  counted,
  gate,
  header,
  rejectingStore,
  throwingStore,
  until,
} from './support.js';

const CONCURRENCY = 50;

contract('stampede protection', ({ app, clock }) => {
  it(`${CONCURRENCY} concurrent requests for a cold URL make one origin call and all get its response`, async () => {
    const held = gate();
    const origin = counted(async (_req, call) => {
      await held.wait;
      return { headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `v${call}` };
    });
    const store = new CountingStore(clock.now);
    const a = await app([{ path: '/slow', cache: { ttl: '1m' }, origin }], { store });
    const pending = Array.from({ length: CONCURRENCY }, () => a.request({ url: '/slow' }));
    // every request has read the store (and so led or joined the flight) before the origin answers
    await until(() => store.reads >= CONCURRENCY && origin.calls >= 1, 'every request looked up');
    held.open();
    const responses = await Promise.all(pending);
    expect(origin.calls).toBe(1);
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(res.text).toBe('v1');
      expect(header(res, 'content-type')).toBe('text/plain; charset=utf-8');
    }
    const statuses = responses.map((res) => header(res, 'cache-status'));
    expect(statuses.filter((s) => s === 'larder; fwd=miss; stored')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'larder; hit; collapsed')).toHaveLength(CONCURRENCY - 1);
    expect(a.stats()).toMatchObject({ misses: 1, coalesced: CONCURRENCY - 1 });
  });

  it('concurrent cold requests in different languages each get their own variant, one origin call per language', async () => {
    const held = gate();
    const origin = counted(async (req) => {
      await held.wait;
      return { headers: { vary: 'accept-language' }, body: `lang=${req.headers['accept-language']}` };
    });
    const store = new CountingStore(clock.now);
    const a = await app([{ path: '/greeting', cache: { ttl: '1m' }, origin }], { store });
    const languages = ['en', 'fr', 'de', 'en', 'fr', 'de', 'en', 'fr', 'de'];
    const pending = languages.map((lang) =>
      a.request({ url: '/greeting', headers: { 'accept-language': lang } }),
    );
    await until(() => store.reads >= languages.length, 'every request looked up');
    held.open();
    const responses = await Promise.all(pending);
    expect(responses.map((res) => res.text)).toEqual(languages.map((lang) => `lang=${lang}`));
    expect(origin.calls).toBe(3);
  });

  it("concurrent requests for an uncacheable URL each get their own response, never another user's", async () => {
    const held = gate();
    const origin = counted(async (_req, call) => {
      await held.wait;
      return { headers: { 'cache-control': 'private' }, body: `v${call}` };
    });
    const a = await app([{ path: '/private', cache: { ttl: '1m' }, origin }]);
    const pending = Array.from({ length: 5 }, () => a.request({ url: '/private' }));
    await until(() => origin.calls >= 1, 'the first request reaches the origin');
    held.open();
    const bodies = (await Promise.all(pending)).map((res) => res.text).sort();
    expect(bodies).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
  });

  it('the engine ignores a forged revalidation header from a client', async () => {
    const origin = counted((_req, call) => ({ body: `v${call}` }));
    const a = await app([{ path: '/items', cache: { ttl: '1m' }, origin }]);
    await a.request({ url: '/items' });
    const forged = await a.request({ url: '/items', headers: { [HttpCache.revalidateHeader]: 'guess' } });
    expect(forged.text).toBe('v1');
    expect(origin.calls).toBe(1);
  });
});

contract('a failing store', ({ app }) => {
  for (const [what, make] of [
    ['rejects every call', rejectingStore],
    ['throws on every call', throwingStore],
  ] as const) {
    it(`a store that ${what} never turns a request into a 500: the origin answers every time`, async () => {
      const errors: string[] = [];
      const store: ResponseStore = make();
      const origin = counted((_req, call) => ({ body: `v${call}` }));
      const create = counted(() => ({ status: 201, body: 'created' }));
      const a = await app(
        [
          { path: '/items', cache: { ttl: '1m', tags: () => ['items'] }, origin },
          { method: 'POST', path: '/items', origin: create },
        ],
        { store, onError: (_error, context) => void errors.push(context) },
      );
      for (let i = 1; i <= 3; i++) {
        const res = await a.request({ url: '/items' });
        expect(res.status).toBe(200);
        expect(res.text).toBe(`v${i}`);
      }
      const head = await a.request({ method: 'HEAD', url: '/items' });
      expect(head.status).toBe(200);
      const posted = await a.request({ method: 'POST', url: '/items' });
      expect(posted.status).toBe(201);
      expect(posted.text).toBe('created');
      expect(origin.calls).toBe(4);
      expect(errors).toContain('store.get');
      expect(errors).toContain('store.set');
      expect(a.stats().errors).toBeGreaterThan(0);
      // an explicit invalidation is a command, not a request: it reports the failure
      await expect(a.invalidate({ tags: ['items'] })).rejects.toThrow(/store is (down|broken)/);
    });
  }
});
