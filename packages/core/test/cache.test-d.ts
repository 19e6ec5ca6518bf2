import type { LRUCache } from 'lru-cache';
import { describe, expectTypeOf, it } from 'vitest';
import { Cache } from '../src/index.js';

// lru-cache declares an ES `#private` member, which makes its class nominal in TypeScript: no other
// class can ever be assignable to `LRUCache` itself. What code written against lru-cache relies on is
// its public surface, so that is what we compare: every public member, with its exact signature.
// `set` returns `this`, which lru-cache's declaration pins to its own nominal class; we check its
// parameters and that it returns the cache itself, for chaining.
type PublicApi<T extends { set: (...args: never[]) => unknown }> = Omit<Pick<T, keyof T>, 'set'> & {
  set(...args: Parameters<T['set']>): PublicApi<T>;
};

describe('Cache is a drop-in for LRUCache at the type level', () => {
  it('is assignable to the public API of LRUCache<K, V, FC>', () => {
    expectTypeOf<Cache<string, number>>().toExtend<PublicApi<LRUCache<string, number>>>();
    expectTypeOf<Cache<string, { a: number }, { user: string }>>().toExtend<
      PublicApi<LRUCache<string, { a: number }, { user: string }>>
    >();
    expectTypeOf<Cache<number, string, undefined>>().toExtend<
      PublicApi<LRUCache<number, string, undefined>>
    >();
    expectTypeOf<ReturnType<Cache<string, number>['set']>>().toEqualTypeOf<Cache<string, number>>();
  });

  it("accepts lru-cache's options type", () => {
    const options: LRUCache.Options<string, number, unknown> = { max: 10, ttl: 1000, allowStale: true };
    const cache = new Cache<string, number>(options);
    expectTypeOf(cache.get('a')).toEqualTypeOf<number | undefined>();
    const withFetch: LRUCache.Options<string, number, { id: number }> = {
      max: 10,
      fetchMethod: async (_key, _stale, { context }) => context.id,
    };
    const fetching = new Cache<string, number, { id: number }>(withFetch);
    expectTypeOf(fetching.fetch('a', { context: { id: 1 } })).toEqualTypeOf<Promise<number | undefined>>();
  });

  it('requires a context when FC says so, like lru-cache', () => {
    const cache = new Cache<string, number, { id: number }>({ max: 1 });
    // @ts-expect-error the context is required for this cache
    void cache.fetch('a');
  });

  it('rejects options lru-cache rejects', () => {
    // @ts-expect-error max must be a number
    void new Cache<string, number>({ max: '10' });
  });
});
