import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cache, type RemoveReason, type SlowlogEntry } from '../src/index.js';

function clock(start = 1000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('remove listeners', () => {
  it('reports every reason: evict, expire, delete, set, clear', () => {
    const perf = clock();
    const cache = new Cache<string, number>({ max: 2, ttl: 100, ttlResolution: 0, perf });
    const seen: [string, number, RemoveReason][] = [];
    cache.on('remove', (k, v, reason) => seen.push([k, v, reason]));
    cache.set('a', 1);
    cache.set('a', 2); // replaced: 'set'
    cache.set('b', 3);
    cache.set('c', 4); // evicts a: 'evict'
    cache.delete('b'); // 'delete'
    perf.t += 101;
    expect(cache.get('c')).toBeUndefined(); // 'expire'
    cache.set('d', 5);
    cache.set('e', 6);
    cache.clear(); // 'clear' for each, least recently used first
    expect(seen).toEqual([
      ['a', 1, 'set'],
      ['a', 2, 'evict'],
      ['b', 3, 'delete'],
      ['c', 4, 'expire'],
      ['d', 5, 'clear'],
      ['e', 6, 'clear'],
    ]);
    expect(cache.stats().evictions).toEqual({ evict: 1, expire: 1, delete: 1, set: 1, clear: 2 });
  });

  it('a throwing listener never corrupts the cache and its error reaches error listeners', () => {
    const cache = new Cache<number, number>({ max: 3 });
    const errors: unknown[] = [];
    const calls: number[] = [];
    cache.on('remove', () => {
      throw new Error('boom');
    });
    cache.on('remove', (k) => calls.push(k));
    cache.on('error', (e) => errors.push(e));
    for (let i = 0; i < 10; i++) cache.set(i, i);
    expect(cache.size).toBe(3);
    expect([...cache.keys()]).toEqual([9, 8, 7]);
    expect(calls).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(errors).toHaveLength(7);
    expect((errors[0] as Error).message).toBe('boom');
  });

  it('runs after the operation, so a listener may use the cache', () => {
    const cache = new Cache<string, number>({ max: 2 });
    const sizes: number[] = [];
    cache.on('remove', (k, _v, reason) => {
      sizes.push(cache.size);
      // re-inserting an evicted key from a listener is safe: the eviction is complete
      if (reason === 'evict' && k === 'a') cache.set('a2', 0);
    });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(sizes[0]).toBe(2);
    expect([...cache.keys()]).toEqual(['a2', 'c']);
  });

  it('off removes a listener', () => {
    const cache = new Cache<string, number>({ max: 1 });
    const fn = vi.fn();
    cache.on('remove', fn).off('remove', fn);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('slow log', () => {
  it('records operations slower than slowThreshold, newest first, bounded by slowlogMaxLen', () => {
    const perf = clock();
    const cache = new Cache<string, number>({
      max: 10,
      slowThreshold: 5,
      slowlogMaxLen: 2,
      perf,
      // a loader that "takes" 10 ms of the injected clock
      memoMethod: (k) => {
        perf.t += 10;
        return k.length;
      },
    });
    const slow: SlowlogEntry[] = [];
    cache.on('slow', (e) => slow.push(e));
    cache.set('fast', 1);
    cache.memo('aa');
    cache.memo('bbb');
    cache.memo('cccc');
    expect(slow.map((e) => [e.op, e.key, e.duration])).toEqual([
      ['memo', 'aa', 10],
      ['memo', 'bbb', 10],
      ['memo', 'cccc', 10],
    ]);
    const log = cache.slowlog();
    expect(log.map((e) => e.key)).toEqual(['cccc', 'bbb']);
    expect(log[0]!.id).toBe(2);
    expect(cache.slowlog(1)).toHaveLength(1);
    cache.slowlogReset();
    expect(cache.slowlog()).toEqual([]);
  });

  it('times nothing without slowThreshold', () => {
    const now = vi.fn(() => 1);
    const cache = new Cache<string, number>({ max: 10, perf: { now } });
    cache.set('a', 1);
    cache.get('a');
    cache.get('b');
    expect(now).not.toHaveBeenCalled();
    expect(cache.slowlog()).toEqual([]);
  });
});

describe('stats', () => {
  it('counts hits, misses, sets, evictions and fetches', async () => {
    const perf = clock();
    const cache = new Cache<string, string>({
      max: 2,
      perf,
      fetchMethod: async (k) => {
        perf.t += 7;
        if (k === 'bad') throw new Error('no');
        return k.toUpperCase();
      },
    });
    cache.set('a', 'A');
    cache.get('a');
    cache.get('zz');
    expect(await cache.fetch('b')).toBe('B');
    await expect(cache.fetch('bad')).rejects.toThrow('no');
    expect(await cache.fetch('b')).toBe('B');
    const s = cache.stats();
    expect(s.hits).toBe(2);
    expect(s.misses).toBe(3);
    expect(s.sets).toBe(2);
    expect(s.fetchSuccesses).toBe(1);
    expect(s.fetchFailures).toBe(1);
    expect(s.fetchTime).toBe(14);
    expect(s.hitRatio).toBeCloseTo(2 / 5);
    cache.resetStats();
    expect(cache.stats().hits).toBe(0);
  });
});

describe('ttlAutopurge through the timer wheel', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('removes entries when they expire, with one timer for the whole cache', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const cache = new Cache<number, number>({
      max: 1_000_000,
      ttl: 1000,
      ttlAutopurge: true,
      ttlResolution: 0,
      perf: { now: () => Date.now() },
    });
    const expired: number[] = [];
    cache.on('remove', (k, _v, reason) => reason === 'expire' && expired.push(k));
    for (let i = 0; i < 1_000_000; i++) cache.set(i, i, { ttl: 1000 + (i % 1000) });
    // lru-cache would now hold a million timers; we hold one
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(cache.size).toBe(1_000_000);
    vi.advanceTimersByTime(501);
    // entries with ttl <= 1500 are gone (stale means older than ttl, so due at ttl + 1)
    expect(cache.size).toBe(1_000_000 - 501 * 1000); // ttl 1000..1500: 501 of every 1000
    vi.advanceTimersByTime(600);
    expect(cache.size).toBe(0);
    expect(expired).toHaveLength(1_000_000);
    expect(vi.getTimerCount()).toBe(0);
  }, 60_000);

  it('reschedules when updateAgeOnGet restarts a TTL, and stops on close', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const cache = new Cache<string, number>({
      max: 10,
      ttl: 100,
      ttlAutopurge: true,
      updateAgeOnGet: true,
      ttlResolution: 0,
      perf: { now: () => Date.now() },
    });
    cache.set('a', 1);
    vi.advanceTimersByTime(80);
    expect(cache.get('a')).toBe(1);
    vi.advanceTimersByTime(80);
    expect(cache.size).toBe(1);
    vi.advanceTimersByTime(30);
    expect(cache.size).toBe(0);
    cache.set('b', 2);
    cache.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('policies through the cache', () => {
  it('fifo evicts in insertion order regardless of reads', () => {
    const cache = new Cache<string, number>({ max: 2, policy: 'fifo' });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect([...cache.keys()].sort()).toEqual(['b', 'c']);
    expect(cache.pop()).toBe(2);
  });

  it('a large max keeps exactly max entries, evicting the least recently used', () => {
    const cache = new Cache<number, number>({ max: 100_000 });
    for (let i = 0; i < 150_000; i++) cache.set(i, i);
    expect(cache.size).toBe(100_000);
    expect(cache.get(49_999)).toBeUndefined();
    expect(cache.get(50_000)).toBe(50_000);
    expect(cache.rkeys().next().value).toBe(50_001);
  });

  it('a cache without max grows its slot arrays as needed, keeping order and TTLs', () => {
    const cache = new Cache<number, number>({ ttl: 1000, ttlAutopurge: true });
    for (let i = 0; i < 1000; i++) cache.set(i, i);
    expect([...cache.rkeys()].slice(0, 3)).toEqual([0, 1, 2]);
    expect(cache.getRemainingTTL(999)).toBeGreaterThan(0);
    expect(cache.size).toBe(1000);
    expect(cache.get(0)).toBe(0);
    cache.close();
  });
});
