import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpCache } from '../../src/http/http-cache.js';
import { validateRouteOptions } from '../../src/http/options.js';
import type { RequestLike } from '../../src/http/types.js';
import { deferred, get, Harness, header, type Origin, res, settle } from './harness.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.cache.close();
});

describe('stale-while-revalidate', () => {
  const swr = validateRouteOptions({ ttl: '10s', staleWhileRevalidate: '60s' });

  /** An app whose revalidate dispatches the internal request back through the engine. */
  function app() {
    let version = 0;
    let gate: Promise<void> | undefined;
    const origin: Origin = async () => {
      await gate;
      return res(200, { 'content-type': 'text/plain' }, `v${++version}`);
    };
    const revalidate = vi.fn(async (req: RequestLike) => {
      await h.send(req, origin, swr);
    });
    const h = new Harness({ revalidate });
    harnesses.push(h);
    return {
      h,
      origin,
      revalidate,
      hold() {
        const d = deferred<void>();
        gate = d.promise;
        return () => {
          gate = undefined;
          d.resolve();
        };
      },
    };
  }

  it('serves stale at once to 20 concurrent requests and starts exactly one refresh', async () => {
    const { h, origin, revalidate, hold } = app();
    await h.send(get('/s'), origin, swr);
    h.advance(15_000);
    const release = hold();
    const sent = await Promise.all(Array.from({ length: 20 }, () => h.send(get('/s'), origin, swr)));
    for (const r of sent) {
      expect(r.kind).toBe('stale');
      expect(r.text).toBe('v1');
      expect(header(r, 'cache-status')).toBe('larder; hit; ttl=-5');
      expect(header(r, 'age')).toBe('15');
    }
    expect(revalidate).toHaveBeenCalledTimes(1);
    const internal = revalidate.mock.calls[0]![0];
    expect(internal.method).toBe('GET');
    expect(internal.headers[HttpCache.revalidateHeader]).toEqual(expect.any(String));
    release();
    await settle();
    const fresh = await h.send(get('/s'), origin, swr);
    expect([fresh.kind, fresh.text]).toEqual(['hit', 'v2']);
    expect(h.originCalls).toBe(2);
    expect(h.cache.stats()).toMatchObject({ staleHits: 20, revalidations: 1 });
  });

  it('the refresh request carries no validators, and the same HEAD/GET entry is refreshed', async () => {
    const { h, origin, revalidate } = app();
    await h.send(get('/s'), origin, swr);
    h.advance(15_000);
    const head = await h.send(get('/s', { 'if-none-match': '"x"' }, 'HEAD'), origin, swr);
    expect(head.kind).toBe('stale');
    expect(head.body.byteLength).toBe(0);
    expect(revalidate.mock.calls[0]![0].headers['if-none-match']).toBeUndefined();
    await settle();
    expect((await h.send(get('/s'), origin, swr)).text).toBe('v2');
  });

  it('starts another refresh only after the previous one finished', async () => {
    const { h, origin, revalidate } = app();
    await h.send(get('/s'), origin, swr);
    h.advance(15_000);
    await h.send(get('/s'), origin, swr);
    await settle();
    h.advance(15_000);
    await h.send(get('/s'), origin, swr);
    await settle();
    expect(revalidate).toHaveBeenCalledTimes(2);
  });

  it('a failed refresh keeps serving stale and is reported', async () => {
    const h = new Harness({
      revalidate: async () => {
        throw new Error('dispatch failed');
      },
    });
    harnesses.push(h);
    await h.send(get('/s'), () => res(200, {}, 'v1'), swr);
    h.advance(15_000);
    expect((await h.send(get('/s'), () => res(200, {}, 'v2'), swr)).kind).toBe('stale');
    await settle();
    expect(h.errors.map(([e, c]) => [(e as Error).message, c])).toEqual([['dispatch failed', 'revalidate']]);
    expect((await h.send(get('/s'), () => res(200, {}, 'v2'), swr)).kind).toBe('stale');
  });

  it('without revalidate, serves stale through the window, then misses', async () => {
    const h = new Harness();
    harnesses.push(h);
    await h.send(get('/s'), () => res(200, {}, 'v1'), swr);
    h.advance(69_999);
    expect((await h.send(get('/s'), () => res(200, {}, 'v2'), swr)).kind).toBe('stale');
    h.advance(1);
    const after = await h.send(get('/s'), () => res(200, {}, 'v2'), swr);
    expect([after.kind, after.text]).toEqual(['miss', 'v2']);
    expect(header(after, 'cache-status')).toBe('larder; fwd=miss; stored');
  });

  it('takes the window from the response when the route sets none (RFC 5861)', async () => {
    const h = new Harness();
    harnesses.push(h);
    await h.send(get('/s'), () =>
      res(200, { 'cache-control': 'max-age=10, stale-while-revalidate=30' }, 'v1'),
    );
    h.advance(39_000);
    expect((await h.send(get('/s'), () => res(200, {}, 'v2'))).kind).toBe('stale');
    h.advance(1_000);
    expect((await h.send(get('/s'), () => res(200, {}, 'v2'))).kind).toBe('miss');
  });
});

describe('stale-if-error', () => {
  const sie = validateRouteOptions({ ttl: '10s', staleIfError: '60s' });

  function harness() {
    const h = new Harness();
    harnesses.push(h);
    return h;
  }

  it.each([500, 502, 503, 504])('serves the stale entry when the origin answers %i', async (status) => {
    const h = harness();
    await h.send(get('/e'), () => res(200, {}, 'good'), sie);
    h.advance(15_000);
    const r = await h.send(get('/e'), () => res(status, {}, 'broken'), sie);
    expect(r.kind).toBe('miss');
    expect([r.status, r.text]).toEqual([200, 'good']);
    expect(header(r, 'cache-status')).toBe(`larder; fwd=stale; fwd-status=${status}`);
    expect(header(r, 'age')).toBe('15');
  });

  it('serves the stale entry when the origin throws', async () => {
    const h = harness();
    await h.send(get('/e'), () => res(200, {}, 'good'), sie);
    h.advance(15_000);
    const r = await h.send(
      get('/e'),
      () => {
        throw new Error('db down');
      },
      sie,
    );
    expect([r.status, r.text]).toEqual([200, 'good']);
    expect(header(r, 'cache-status')).toBe('larder; fwd=stale');
  });

  it('replaces the stale entry when the origin recovers', async () => {
    const h = harness();
    await h.send(get('/e'), () => res(200, {}, 'good'), sie);
    h.advance(15_000);
    const r = await h.send(get('/e'), () => res(200, {}, 'better'), sie);
    expect(header(r, 'cache-status')).toBe('larder; fwd=stale; stored');
    expect((await h.send(get('/e'), () => res(500), sie)).text).toBe('better');
  });

  it('passes the error through after the window, and a status that is not an origin failure', async () => {
    const h = harness();
    await h.send(get('/e'), () => res(200, {}, 'good'), sie);
    h.advance(15_000);
    expect((await h.send(get('/e'), () => res(400, {}, 'bad request'), sie)).status).toBe(400);
    h.advance(60_000);
    const r = await h.send(get('/e'), () => res(500, {}, 'broken'), sie);
    expect([r.status, r.text]).toEqual([500, 'broken']);
  });

  it('waiters on a failing fill get the stale entry too', async () => {
    const h = harness();
    await h.send(get('/e'), () => res(200, {}, 'good'), sie);
    h.advance(15_000);
    const d = deferred<ReturnType<typeof res>>();
    const all = Promise.all(Array.from({ length: 5 }, () => h.send(get('/e'), () => d.promise, sie)));
    await settle();
    d.resolve(res(503, {}, 'down'));
    const sent = await all;
    expect(sent.map((r) => r.text)).toEqual(['good', 'good', 'good', 'good', 'good']);
    // the fill that stored 'good', then one call for all five
    expect(h.originCalls).toBe(2);
    expect(
      sent.filter((r) => header(r, 'cache-status') === 'larder; fwd=stale; fwd-status=503; collapsed'),
    ).toHaveLength(4);
  });

  it('applies to a streaming fill at start()', async () => {
    const h = harness();
    await h.send(get('/e'), () => res(200, {}, 'good'), sie);
    h.advance(15_000);
    const result = await h.cache.lookup(get('/e'), sie);
    expect(result.kind).toBe('miss');
    if (result.kind !== 'miss') return;
    const started = result.fill.start(502, {});
    expect('substitute' in started && new TextDecoder().decode(started.substitute.body)).toBe('good');
  });
});
