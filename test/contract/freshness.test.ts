import { expect, it } from 'vitest';
import { contract, counted, header, versioned } from './support.js';

const httpDate = (ms: number): string => new Date(ms).toUTCString();

contract('how long a response stays fresh', ({ app, clock }) => {
  it("the origin's max-age is honoured when the route gives no ttl, and it expires on the clock", async () => {
    const origin = versioned({ 'cache-control': 'max-age=30' });
    const a = await app([{ path: '/items', cache: true, origin }]);
    await a.request({ url: '/items' });
    clock.advance(29_000);
    const fresh = await a.request({ url: '/items' });
    expect(fresh.text).toBe('v1');
    expect(header(fresh, 'age')).toBe('29');
    expect(header(fresh, 'cache-status')).toBe('larder; hit; ttl=1');
    clock.advance(1_000);
    const expired = await a.request({ url: '/items' });
    expect(expired.text).toBe('v2');
    expect(origin.calls).toBe(2);
  });

  it('s-maxage wins over max-age for a shared cache', async () => {
    const origin = versioned({ 'cache-control': 'max-age=5, s-maxage=30' });
    const a = await app([{ path: '/items', cache: true, origin }]);
    await a.request({ url: '/items' });
    clock.advance(20_000);
    expect((await a.request({ url: '/items' })).text).toBe('v1');
    clock.advance(10_000);
    expect((await a.request({ url: '/items' })).text).toBe('v2');
  });

  it('Expires (relative to Date) gives the lifetime when there is no max-age', async () => {
    const origin = counted((_req, call) => ({
      headers: { date: httpDate(clock.now()), expires: httpDate(clock.now() + 30_000) },
      body: `v${call}`,
    }));
    const a = await app([{ path: '/items', cache: true, origin }]);
    await a.request({ url: '/items' });
    clock.advance(29_000);
    expect((await a.request({ url: '/items' })).text).toBe('v1');
    clock.advance(1_000);
    expect((await a.request({ url: '/items' })).text).toBe('v2');
  });

  it("an upstream cache's Age counts against max-age, and our Cache-Status follows the upstream's", async () => {
    const origin = versioned({ age: '100', 'cache-control': 'max-age=120', 'cache-status': 'upstream; hit' });
    const a = await app([{ path: '/items', cache: true, origin }]);
    const miss = await a.request({ url: '/items' });
    expect(header(miss, 'cache-status')).toBe('upstream; hit, larder; fwd=miss; stored');
    clock.advance(5_000);
    const hit = await a.request({ url: '/items' });
    expect(header(hit, 'age')).toBe('105');
    expect(header(hit, 'cache-status')).toBe('upstream; hit, larder; hit; ttl=15');
    clock.advance(15_000);
    expect((await a.request({ url: '/items' })).text).toBe('v2');
  });

  it("the route's ttl wins over the origin's max-age", async () => {
    const origin = versioned({ 'cache-control': 'max-age=60' });
    const a = await app([{ path: '/items', cache: { ttl: '10s' }, origin }]);
    await a.request({ url: '/items' });
    clock.advance(9_000);
    expect((await a.request({ url: '/items' })).text).toBe('v1');
    clock.advance(1_000);
    const refreshed = await a.request({ url: '/items' });
    expect(refreshed.text).toBe('v2');
    // the handler's header still goes out as it was written
    expect(header(refreshed, 'cache-control')).toBe('max-age=60');
  });

  it("the plugin's ttl applies when neither the route nor the response gives a lifetime", async () => {
    const origin = versioned();
    const a = await app([{ path: '/items', cache: true, origin }], { ttl: '20s' });
    await a.request({ url: '/items' });
    clock.advance(19_999);
    expect((await a.request({ url: '/items' })).text).toBe('v1');
    clock.advance(1);
    expect((await a.request({ url: '/items' })).text).toBe('v2');
  });

  it("the origin's max-age wins over the plugin's ttl", async () => {
    const origin = versioned({ 'cache-control': 'max-age=5' });
    const a = await app([{ path: '/items', cache: true, origin }], { ttl: '1m' });
    await a.request({ url: '/items' });
    clock.advance(5_000);
    expect((await a.request({ url: '/items' })).text).toBe('v2');
  });

  for (const [what, headers] of [
    ['no lifetime anywhere', {}],
    ['max-age=0', { 'cache-control': 'max-age=0' }],
  ] as const) {
    it(`a response with ${what} is not stored`, async () => {
      const origin = versioned(headers);
      const a = await app([{ path: '/items', cache: true, origin }]);
      const first = await a.request({ url: '/items' });
      expect(header(first, 'cache-status')).toBe('larder; fwd=miss; detail=no-ttl');
      expect((await a.request({ url: '/items' })).text).toBe('v2');
    });
  }
});

contract("a client's Cache-Control", ({ app }) => {
  it('no-cache, max-age=0 and Pragma: no-cache from a client are ignored by default: the origin is not loaded', async () => {
    const origin = versioned();
    const a = await app([{ path: '/items', cache: { ttl: '1m' }, origin }]);
    await a.request({ url: '/items' });
    for (const headers of [
      { 'cache-control': 'no-cache' },
      { 'cache-control': 'max-age=0' },
      { pragma: 'no-cache' },
      { 'cache-control': 'no-store' },
    ]) {
      const res = await a.request({ url: '/items', headers });
      expect(res.text).toBe('v1');
      expect(header(res, 'cache-status')).toMatch(/^larder; hit/);
    }
    expect(origin.calls).toBe(1);
  });

  it('with honorClientNoCache, a client no-cache goes to the origin and refreshes the entry', async () => {
    const origin = versioned();
    const a = await app([{ path: '/items', cache: { ttl: '1m' }, origin }], { honorClientNoCache: true });
    await a.request({ url: '/items' });
    const forced = await a.request({ url: '/items', headers: { 'cache-control': 'no-cache' } });
    expect(forced.text).toBe('v2');
    expect(header(forced, 'cache-status')).toBe('larder; fwd=request; stored');
    const plain = await a.request({ url: '/items' });
    expect(plain.text).toBe('v2');
    expect(header(plain, 'cache-status')).toMatch(/^larder; hit/);
    expect(origin.calls).toBe(2);
  });
});
