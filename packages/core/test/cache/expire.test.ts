import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cache } from '../../src/cache/cache.js';
import type { RemoveReason } from '../../src/cache/cache-types.js';
import { ConfigError } from '../../src/errors.js';

/** A cache on a clock the test moves by hand (read on every check: no `ttlResolution` debounce). */
function clocked(options: { max?: number; ttl?: number } = {}) {
  const clock = { now: 1_000 };
  const cache = new Cache<string, number>({
    max: options.max ?? 10,
    ttl: options.ttl ?? 0,
    perf: { now: () => clock.now },
    ttlResolution: 0,
  });
  return { cache, clock };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Cache.expire', () => {
  it('gives an entry a TTL from now: fresh until it has passed, then gone', () => {
    const { cache, clock } = clocked();
    cache.set('a', 1);
    expect(cache.expire('a', 100)).toBe(true);
    expect(cache.getRemainingTTL('a')).toBe(100);
    clock.now += 100;
    expect(cache.get('a')).toBe(1);
    clock.now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.has('a')).toBe(false);
  });

  it('answers false for an absent or stale key', () => {
    const { cache, clock } = clocked({ ttl: 50 });
    expect(cache.expire('nope', 100)).toBe(false);
    cache.set('a', 1);
    clock.now += 51;
    expect(cache.expire('a', 100)).toBe(false);
  });

  it('takes durations as every option does, and rejects malformed ones naming ttl', () => {
    const { cache } = clocked();
    cache.set('a', 1);
    expect(cache.expire('a', '2s')).toBe(true);
    expect(cache.getRemainingTTL('a')).toBe(2_000);
    expect(() => cache.expire('a', '5 fortnights' as never)).toThrow(ConfigError);
    expect(() => cache.expire('a', -1)).toThrow(/ttl/);
    expect(cache.getRemainingTTL('a')).toBe(2_000);
  });

  it('with 0, removes the expiry: the entry no longer goes stale', () => {
    const { cache, clock } = clocked({ ttl: 100 });
    cache.set('a', 1);
    expect(cache.expire('a', 0)).toBe(true);
    expect(cache.getRemainingTTL('a')).toBe(Number.POSITIVE_INFINITY);
    clock.now += 10_000;
    expect(cache.get('a')).toBe(1);
  });

  it('is not a use: the least recently used entry is still evicted first', () => {
    const { cache } = clocked({ max: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.expire('a', 60_000);
    cache.set('c', 3);
    expect([...cache.keys()]).toEqual(['c', 'b']);
  });

  it('expires on time through the timer with ttlAutopurge', () => {
    vi.useFakeTimers({ now: 5_000_000 });
    const removed: [string, RemoveReason][] = [];
    const cache = new Cache<string, number>({ max: 10, ttlAutopurge: true, perf: { now: () => Date.now() } });
    cache.on('remove', (key, _value, reason) => removed.push([key, reason]));
    cache.set('a', 1);
    cache.expire('a', 1_000);
    vi.advanceTimersByTime(999);
    expect(cache.size).toBe(1);
    vi.advanceTimersByTime(100);
    expect(cache.size).toBe(0);
    expect(removed).toEqual([['a', 'expire']]);
    cache.close();
  });
});

describe('Cache.expireAt', () => {
  it('makes an entry expire at a Date.now() time', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const cache = new Cache<string, number>({ max: 10, ttlResolution: 0, perf: { now: () => Date.now() } });
    cache.set('a', 1);
    expect(cache.expireAt('a', Date.now() + 500)).toBe(true);
    expect(cache.getRemainingTTL('a')).toBe(500);
    vi.setSystemTime(Date.now() + 501);
    expect(cache.get('a')).toBeUndefined();
  });

  it('removes the entry at once, as an expiry, for a time not after now', () => {
    const { cache } = clocked();
    const removed: [string, RemoveReason][] = [];
    cache.on('remove', (key, _value, reason) => removed.push([key, reason]));
    cache.set('a', 1);
    expect(cache.expireAt('a', Date.now() - 1)).toBe(true);
    expect(cache.has('a')).toBe(false);
    expect(removed).toEqual([['a', 'expire']]);
    expect(cache.expireAt('a', Date.now() + 1_000)).toBe(false);
  });

  it('rejects a time that is not a finite number', () => {
    const { cache } = clocked();
    cache.set('a', 1);
    expect(() => cache.expireAt('a', Number.NaN)).toThrow(ConfigError);
    expect(() => cache.expireAt('a', '2030-01-01' as never)).toThrow(/epochMs/);
  });
});
