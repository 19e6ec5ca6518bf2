import type { RouteCacheOptions } from '@larder/core';
import { expect, it } from 'vitest';
import { CountingStore, contract, counted, gate, header, settle, until, versioned } from './support.js';

const STALE_WHILE_REVALIDATE: RouteCacheOptions = { ttl: '10s', staleWhileRevalidate: '1m' };
const STALE_IF_ERROR: RouteCacheOptions = { ttl: '10s', staleIfError: '1m' };

contract('stale-while-revalidate', ({ app, clock }) => {
  it('stale is served at once, concurrent stale requests cause exactly one origin refresh, then fresh content', async () => {
    const held = gate();
    const origin = counted(async (_req, call) => {
      if (call > 1) await held.wait;
      return { body: `v${call}` };
    });
    const a = await app([{ path: '/items', cache: STALE_WHILE_REVALIDATE, origin }]);
    await a.request({ url: '/items' });
    clock.advance(15_000);

    // the refresh is held open at the origin: these can only complete if served without waiting for it
    const burst = await Promise.all(Array.from({ length: 8 }, () => a.request({ url: '/items' })));
    for (const res of burst) {
      expect(res.status).toBe(200);
      expect(res.text).toBe('v1');
      expect(header(res, 'age')).toBe('15');
      expect(header(res, 'cache-status')).toBe('larder; hit; ttl=-5');
    }
    await until(() => origin.calls === 2, 'the background refresh reaches the origin');
    const duringRefresh = await a.request({ url: '/items' });
    expect(duringRefresh.text).toBe('v1');
    await settle();
    expect(origin.calls).toBe(2);

    held.open();
    await until(() => a.stats().stores === 2, 'the refreshed response is stored');
    const fresh = await a.request({ url: '/items' });
    expect(fresh.text).toBe('v2');
    expect(header(fresh, 'age')).toBe('0');
    expect(header(fresh, 'cache-status')).toBe('larder; hit; ttl=10');
    expect(origin.calls).toBe(2);
  });

  it('a stale HEAD is answered at once and refreshes the GET entry', async () => {
    const origin = versioned();
    const a = await app([{ path: '/items', cache: STALE_WHILE_REVALIDATE, origin }]);
    await a.request({ url: '/items' });
    clock.advance(15_000);
    const head = await a.request({ method: 'HEAD', url: '/items' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(header(head, 'cache-status')).toBe('larder; hit; ttl=-5');
    await until(() => a.stats().stores === 2, 'the refreshed GET response is stored');
    expect((await a.request({ url: '/items' })).text).toBe('v2');
  });

  it("the origin's own stale-while-revalidate extension works without route options", async () => {
    const origin = versioned({ 'cache-control': 'max-age=10, stale-while-revalidate=60' });
    const a = await app([{ path: '/items', cache: true, origin }]);
    await a.request({ url: '/items' });
    clock.advance(30_000);
    const stale = await a.request({ url: '/items' });
    expect(stale.text).toBe('v1');
    expect(header(stale, 'cache-status')).toBe('larder; hit; ttl=-20');
    await until(() => a.stats().stores === 2, 'the refreshed response is stored');
    expect((await a.request({ url: '/items' })).text).toBe('v2');
    expect(origin.calls).toBe(2);
  });

  it('a failed refresh keeps the stale entry, and the next stale request tries again', async () => {
    const origin = counted((_req, call) => {
      if (call === 2) throw new Error('origin down');
      return { body: `v${call}` };
    });
    const a = await app([{ path: '/items', cache: STALE_WHILE_REVALIDATE, origin }]);
    await a.request({ url: '/items' });
    clock.advance(15_000);
    expect((await a.request({ url: '/items' })).text).toBe('v1');
    await until(() => origin.calls === 2, 'the first refresh reaches the origin');
    await settle();
    expect((await a.request({ url: '/items' })).text).toBe('v1');
    await until(() => a.stats().stores === 2, 'the second refresh is stored');
    expect((await a.request({ url: '/items' })).text).toBe('v3');
    expect(origin.calls).toBe(3);
  });

  it('past the stale window the request waits for the origin instead of getting stale content', async () => {
    const origin = versioned();
    const a = await app([{ path: '/items', cache: STALE_WHILE_REVALIDATE, origin }]);
    await a.request({ url: '/items' });
    clock.advance(70_000);
    const res = await a.request({ url: '/items' });
    expect(res.text).toBe('v2');
    expect(header(res, 'cache-status')).toBe('larder; fwd=miss; stored');
  });

  it('must-revalidate forbids serving stale', async () => {
    const origin = versioned({ 'cache-control': 'max-age=10, stale-while-revalidate=60, must-revalidate' });
    const a = await app([{ path: '/items', cache: true, origin }]);
    await a.request({ url: '/items' });
    clock.advance(15_000);
    expect((await a.request({ url: '/items' })).text).toBe('v2');
  });
});

contract('stale-if-error', ({ app, clock }) => {
  it('when the handler throws after the entry went stale, the stale response is served instead of a 500', async () => {
    const origin = counted((_req, call) => {
      if (call > 1) throw new Error('database unreachable');
      return { headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'v1' };
    });
    const a = await app([{ path: '/items', cache: STALE_IF_ERROR, origin }]);
    const original = await a.request({ url: '/items' });
    clock.advance(15_000);
    const rescued = await a.request({ url: '/items' });
    expect(rescued.status).toBe(200);
    expect(rescued.text).toBe('v1');
    expect(header(rescued, 'content-type')).toBe(header(original, 'content-type'));
    expect(header(rescued, 'age')).toBe('15');
    expect(header(rescued, 'cache-status')).toBe('larder; fwd=stale; fwd-status=500');
    expect(origin.calls).toBe(2);
  });

  it('during an outage, concurrent requests for a stale entry make one origin call and all get the stale response', async () => {
    const held = gate();
    const origin = counted(async (_req, call) => {
      if (call === 1) return { body: 'v1' };
      await held.wait;
      throw new Error('origin down');
    });
    const store = new CountingStore(clock.now);
    const a = await app([{ path: '/items', cache: STALE_IF_ERROR, origin }], { store });
    await a.request({ url: '/items' });
    clock.advance(15_000);
    const readsBefore = store.reads;
    const pending = Array.from({ length: 10 }, () => a.request({ url: '/items' }));
    await until(() => store.reads >= readsBefore + 10 && origin.calls === 2, 'every request looked up');
    held.open();
    for (const res of await Promise.all(pending)) {
      expect(res.status).toBe(200);
      expect(res.text).toBe('v1');
      expect(header(res, 'cache-status')).toMatch(/^larder; fwd=stale; fwd-status=500(; collapsed)?$/);
    }
    expect(origin.calls).toBe(2);
  });

  for (const status of [500, 502, 503, 504]) {
    it(`a ${status} from the origin is replaced by the stale response`, async () => {
      const origin = counted((_req, call) => (call > 1 ? { status, body: 'unavailable' } : { body: 'v1' }));
      const a = await app([{ path: '/items', cache: STALE_IF_ERROR, origin }]);
      await a.request({ url: '/items' });
      clock.advance(15_000);
      const rescued = await a.request({ url: '/items' });
      expect(rescued.status).toBe(200);
      expect(rescued.text).toBe('v1');
      expect(header(rescued, 'cache-status')).toBe(`larder; fwd=stale; fwd-status=${status}`);
    });
  }

  it("the origin's own stale-if-error extension works without route options", async () => {
    const origin = counted((_req, call) =>
      call > 1
        ? { status: 503 }
        : { headers: { 'cache-control': 'max-age=10, stale-if-error=60' }, body: 'v1' },
    );
    const a = await app([{ path: '/items', cache: true, origin }]);
    await a.request({ url: '/items' });
    clock.advance(30_000);
    const rescued = await a.request({ url: '/items' });
    expect(rescued.status).toBe(200);
    expect(rescued.text).toBe('v1');
  });

  it('a 4xx from the origin is not an error to hide: it goes through', async () => {
    const origin = counted((_req, call) => (call > 1 ? { status: 404, body: 'gone' } : { body: 'v1' }));
    const a = await app([{ path: '/items', cache: STALE_IF_ERROR, origin }]);
    await a.request({ url: '/items' });
    clock.advance(15_000);
    const res = await a.request({ url: '/items' });
    expect(res.status).toBe(404);
    expect(res.text).toBe('gone');
  });

  it('past the stale-if-error window the error goes through', async () => {
    const origin = counted((_req, call) => (call > 1 ? { status: 500, body: 'boom' } : { body: 'v1' }));
    const a = await app([{ path: '/items', cache: STALE_IF_ERROR, origin }]);
    await a.request({ url: '/items' });
    clock.advance(70_000);
    const res = await a.request({ url: '/items' });
    expect(res.status).toBe(500);
    expect(res.text).toBe('boom');
  });
});
