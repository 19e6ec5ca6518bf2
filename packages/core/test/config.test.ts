import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { Cache, ConfigError, LruPolicy, WTinyLfuPolicy } from '../src/index.js';

const bad: [string, Record<string, unknown>, string][] = [
  ['max', { max: -1 }, '-1'],
  ['max', { max: 1.5 }, '1.5'],
  ['max', { max: '10' }, '"10"'],
  ['ttl', { max: 10, ttl: Number.NaN }, 'NaN'],
  ['ttl', { max: 10, ttl: '5 fortnights' }, '"5 fortnights"'],
  ['ttl', { max: 10, ttl: -5 }, '-5'],
  ['policy', { max: 10, policy: 'mru' }, '"mru"'],
  ['policy', { max: 10, policy: { name: 'half' } }, 'a object'],
  ['maxSize', { maxSize: 100 }, '100'],
  ['maxEntrySize', { max: 10, maxEntrySize: 5 }, '5'],
  ['sizeCalculation', { max: 10, sizeCalculation: () => 1 }, 'a function'],
  ['dispose', { max: 10, dispose: 'log' }, '"log"'],
  ['allowStale', { max: 10, allowStale: 'yes' }, '"yes"'],
  ['perf', { max: 10, perf: { now: 5 } }, 'a object'],
  ['slowThreshold', { max: 10, slowThreshold: -1 }, '-1'],
  ['slowlogMaxLen', { max: 10, slowlogMaxLen: 0 }, '0'],
  ['ttlResolution', { max: 10, ttlResolution: 0.5 }, '0.5'],
  ['seed', { max: 10, policy: 'w-tinylfu', seed: 1.5 }, '1.5'],
  ['seed', { max: 10, seed: '7' }, '"7"'],
  ['seed', { max: 10, policy: new LruPolicy(), seed: 7 }, '7'],
  ['max', {}, 'undefined'],
];

describe('invalid options throw ConfigError at construction', () => {
  for (const [option, options, shown] of bad) {
    it(`${option}: ${JSON.stringify(options)}`, () => {
      let error: unknown;
      try {
        new Cache(options as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const err = error as ConfigError;
      expect(err.code).toBe('ERR_LARDER_CONFIG');
      expect(err.option).toBe(option);
      expect(err.message).toContain(option);
      expect(err.message).toContain(shown);
    });
  }

  it('is a TypeError too, as lru-cache throws for the same options', () => {
    expect(() => new Cache({ max: -1 })).toThrow(TypeError);
    expect(() => new LRUCache({ max: -1 })).toThrow(TypeError);
  });
});

describe('call-time errors match lru-cache', () => {
  it('a non-positive size from sizeCalculation is a TypeError, in both', () => {
    const opts = { maxSize: 10, sizeCalculation: () => 0 };
    expect(() => new Cache<string, number>(opts).set('a', 1)).toThrow(TypeError);
    expect(() => new LRUCache<string, number>(opts).set('a', 1)).toThrow(TypeError);
  });

  it('a size on a cache that does not track sizes is a TypeError, in both', () => {
    expect(() => new Cache<string, number>({ max: 3 }).set('a', 1, { size: 2 })).toThrow(TypeError);
    expect(() => new LRUCache<string, number>({ max: 3 }).set('a', 1, { size: 2 })).toThrow(TypeError);
  });

  it('memo without memoMethod throws the same Error message', () => {
    const msg = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(msg(() => new Cache<string, number>({ max: 3 }).memo('a'))).toBe(
      msg(() => new LRUCache<string, number>({ max: 3 }).memo('a')),
    );
  });
});

describe('valid options', () => {
  it('accepts every policy name and a custom policy instance', async () => {
    const { policyNames, LruPolicy } = await import('../src/index.js');
    for (const policy of policyNames) expect(new Cache({ max: 4, policy }).policy.name).toBe(policy);
    expect(new Cache({ max: 4, policy: new LruPolicy() }).policy.name).toBe('lru');
  });

  it('seeds the policy named by policy: the same seed, the same evictions, as the seeded instance', () => {
    // keys 0..299 with a skew, into 32 entries: which keys w-tinylfu keeps depends on its seed
    const run = (cache: Cache<number, number>): number[] => {
      let x = 99;
      for (let i = 0; i < 5000; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        const key = Math.floor(((x >>> 8) % 1000) ** 2 / 3340);
        if (cache.get(key) === undefined) cache.set(key, i);
      }
      return [...cache.keys()].sort((a, b) => a - b);
    };
    const named = run(new Cache({ max: 32, policy: 'w-tinylfu', seed: 11 }));
    expect(named).toHaveLength(32);
    expect(run(new Cache({ max: 32, policy: 'w-tinylfu', seed: 11 }))).toEqual(named);
    expect(run(new Cache({ max: 32, policy: new WTinyLfuPolicy({ seed: 11 }) }))).toEqual(named);
    expect(run(new Cache({ max: 32, policy: 'w-tinylfu', seed: 12 }))).not.toEqual(named);
    // a deterministic policy takes the option and ignores it
    expect(new Cache({ max: 4, policy: 'lru', seed: 1 }).policy.name).toBe('lru');
  });

  it('copies the settings of another cache without sharing its policy', () => {
    const a = new Cache<string, number>({ max: 2, ttl: 50, allowStale: true });
    a.set('x', 1);
    const b = new Cache<string, number>(a);
    expect(b.max).toBe(2);
    expect(b.ttl).toBe(50);
    expect(b.allowStale).toBe(true);
    expect(b.size).toBe(0);
    expect(b.policy).not.toBe(a.policy);
    b.set('y', 2);
    expect([...a.keys()]).toEqual(['x']);
  });
});
