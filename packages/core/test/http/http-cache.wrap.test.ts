import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { deferred, Harness, settle } from './harness.js';

const harnesses: Harness[] = [];
function harness(options: ConstructorParameters<typeof Harness>[0] = {}): Harness {
  const h = new Harness(options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  vi.useRealTimers();
  for (const h of harnesses.splice(0)) await h.cache.close();
});

describe('wrap', () => {
  it('calls fn once, then returns a deserialised copy until ttl', async () => {
    const h = harness();
    const fn = vi.fn(async () => ({ n: 1 }));
    const first = await h.cache.wrap('k', fn, { ttl: '10s' });
    const second = await h.cache.wrap('k', fn, { ttl: '10s' });
    expect(second).toEqual({ n: 1 });
    expect(second).not.toBe(first);
    expect(fn).toHaveBeenCalledTimes(1);
    h.advance(10_000);
    await h.cache.wrap('k', fn, { ttl: '10s' });
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('keeps Dates, Maps, Sets, typed arrays and bigints', async () => {
    const h = harness();
    const value = {
      when: new Date(1_000),
      map: new Map([['a', 1]]),
      set: new Set(['x']),
      bytes: new Uint8Array([1, 2, 3]),
      big: 2n ** 70n,
    };
    await h.cache.wrap('v', () => value, { ttl: 1000 });
    const copy = await h.cache.wrap('v', () => ({}) as typeof value, { ttl: 1000 });
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when.getTime()).toBe(1000);
    expect(copy.map.get('a')).toBe(1);
    expect(copy.set.has('x')).toBe(true);
    expect([...copy.bytes]).toEqual([1, 2, 3]);
    expect(copy.big).toBe(2n ** 70n);
  });

  it('shares one call among concurrent callers', async () => {
    const h = harness();
    const d = deferred<number>();
    const fn = vi.fn(() => d.promise);
    const all = Promise.all(Array.from({ length: 20 }, () => h.cache.wrap('k', fn, { ttl: '1m' })));
    await settle();
    d.resolve(42);
    expect(await all).toEqual(Array(20).fill(42));
    expect(fn).toHaveBeenCalledTimes(1);
    expect(h.cache.stats().coalesced).toBe(19);
  });

  it('never caches a rejection, but shares it with the callers waiting at that moment', async () => {
    const h = harness();
    const d = deferred<number>();
    const a = h.cache.wrap('k', () => d.promise, { ttl: '1m' });
    const b = h.cache.wrap('k', () => Promise.resolve(2), { ttl: '1m' });
    await settle();
    d.reject(new Error('boom'));
    await expect(a).rejects.toThrow('boom');
    await expect(b).rejects.toThrow('boom');
    expect(await h.cache.wrap('k', () => 3, { ttl: '1m' })).toBe(3);
    await expect(
      h.cache.wrap(
        'sync',
        () => {
          throw new Error('sync boom');
        },
        { ttl: '1m' },
      ),
    ).rejects.toThrow('sync boom');
  });

  it('serves stale while one background call refreshes', async () => {
    const h = harness();
    let n = 0;
    const d = deferred<void>();
    const fn = vi.fn(async () => {
      if (n > 0) await d.promise;
      return ++n;
    });
    await h.cache.wrap('k', fn, { ttl: '10s', staleWhileRevalidate: '1m' });
    h.advance(15_000);
    const stale = await Promise.all(
      Array.from({ length: 10 }, () => h.cache.wrap('k', fn, { ttl: '10s', staleWhileRevalidate: '1m' })),
    );
    expect(stale).toEqual(Array(10).fill(1));
    expect(fn).toHaveBeenCalledTimes(2);
    d.resolve();
    await settle();
    expect(await h.cache.wrap('k', fn, { ttl: '10s', staleWhileRevalidate: '1m' })).toBe(2);
    expect(h.cache.stats().revalidations).toBe(1);
  });

  it('returns but does not store a value that cannot be serialised', async () => {
    const h = harness();
    const f = () => 1;
    expect(await h.cache.wrap('f', () => f, { ttl: '1m' })).toBe(f);
    expect(h.errors.map(([, c]) => c)).toEqual(['wrap.serialize']);
    const g = () => 2;
    expect(await h.cache.wrap('f', () => g, { ttl: '1m' })).toBe(g);
  });

  it('is removed by invalidate({ key }) and invalidate({ tags })', async () => {
    const h = harness();
    await h.cache.wrap('user:1', () => 'ada', { ttl: '1m', tags: ['users'] });
    await h.cache.wrap('user:2', () => 'bob', { ttl: '1m', tags: ['users'] });
    expect(await h.cache.invalidate({ key: 'user:1' })).toBe(1);
    expect(await h.cache.wrap('user:1', () => 'ada2', { ttl: '1m' })).toBe('ada2');
    expect(await h.cache.invalidate({ tags: ['users'] })).toBe(1);
    expect(await h.cache.wrap('user:2', () => 'bob2', { ttl: '1m' })).toBe('bob2');
  });

  it('uses the engine ttl when none is given, and needs one of the two', async () => {
    const h = harness({ ttl: '5s' });
    const fn = vi.fn(() => 1);
    await h.cache.wrap('k', fn);
    await h.cache.wrap('k', fn);
    expect(fn).toHaveBeenCalledTimes(1);
    await expect(harness().cache.wrap('k', fn)).rejects.toThrow(ConfigError);
  });

  it.each([
    ['ttl', { ttl: '5 fortnights' }],
    ['ttl', { ttl: -1 }],
    ['staleWhileRevalidate', { staleWhileRevalidate: 'soon' }],
    ['tags', { tags: 'a' }],
    ['tags', { tags: ['\0internal'] }],
    ['tll', { tll: 5 }],
  ])('rejects a bad %s with ConfigError', async (option, options) => {
    const h = harness();
    const error = await h.cache.wrap('k', () => 1, options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(option);
  });

  it('rejects a bad key or fn', async () => {
    const h = harness();
    await expect(h.cache.wrap('', () => 1, { ttl: 1 })).rejects.toThrow(ConfigError);
    await expect(h.cache.wrap('k', 'fn' as never, { ttl: 1 })).rejects.toThrow(ConfigError);
  });
});
