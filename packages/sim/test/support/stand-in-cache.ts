import type { CacheFactory, ReplayCache } from '../../src/cache-factory.js';
import type { TraceKey } from '../../src/trace.js';

/**
 * A tiny LRU/FIFO cache on a Map, standing in for `@larder/core`'s Cache in tests that are about
 * the simulator itself (replay loop, tables, CLI), not about the policies.
 */
class StandInCache implements ReplayCache {
  readonly #map = new Map<TraceKey, number>();

  constructor(
    private readonly max: number,
    private readonly lru: boolean,
  ) {}

  get(key: TraceKey): number | undefined {
    const value = this.#map.get(key);
    if (value !== undefined && this.lru) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: TraceKey, value: number): this {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as TraceKey);
    return this;
  }
}

/** Makes stand-in caches for `lru` and `fifo`; any other policy throws, as core does for unknown ones. */
export const standInCacheFactory: CacheFactory = (policy, size) => {
  if (policy !== 'lru' && policy !== 'fifo') throw new Error(`stand-in has no policy '${policy}'`);
  return new StandInCache(size, policy === 'lru');
};
