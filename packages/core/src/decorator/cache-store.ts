/**
 * A {@link ResponseStore} over a caller's {@link Cache}, for `@cacheResponse({ cache })`: the engine
 * reads and writes it through the async interface, and the decorator reads and writes it
 * synchronously, so a synchronous method stays synchronous.
 */
import type { Cache } from '../cache/cache.js';
import type { ResponseStore, StoredEntry } from '../store/types.js';

function isEntry(value: unknown): value is StoredEntry {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as StoredEntry).body instanceof Uint8Array &&
    Array.isArray((value as StoredEntry).tags)
  );
}

/**
 * Entries in a {@link Cache}, each until its `expiresAt`, plus a tag index that the cache's `remove`
 * events keep exact. Times follow the cache's own clock (`perf`), moved to the epoch, so a cache built
 * with an injected clock drives expiry and freshness alike.
 */
export class CacheStore implements ResponseStore {
  readonly #cache: Cache<string, StoredEntry>;
  readonly #tags = new Map<string, Set<string>>();
  readonly #offset: number;

  constructor(cache: Cache<string, StoredEntry>) {
    this.#cache = cache;
    this.#offset = Date.now() - cache.perf.now();
    cache.on('remove', (key, entry) => {
      if (isEntry(entry)) this.#unindex(key, entry);
    });
  }

  /** The cache's clock, in ms since the epoch. */
  now(): number {
    return this.#offset + this.#cache.perf.now();
  }

  /** The entry at `key`, read synchronously; anything else the cache holds there is `undefined`. */
  peek(key: string): StoredEntry | undefined {
    const value = this.#cache.get(key);
    return isEntry(value) ? value : undefined;
  }

  /** Store `entry` synchronously until its `expiresAt`. */
  put(key: string, entry: StoredEntry): void {
    const ttl = Math.ceil(entry.expiresAt - this.now());
    if (!(ttl > 0)) {
      this.#cache.delete(key);
      return;
    }
    // the replaced entry's `remove` event unindexes its tags before the new ones are indexed
    this.#cache.set(key, entry, { ttl });
    if (this.#cache.peek(key, { allowStale: true }) !== entry) return;
    for (const tag of entry.tags) {
      let keys = this.#tags.get(tag);
      if (keys === undefined) this.#tags.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  get(key: string): Promise<StoredEntry | undefined> {
    return this.#settle(() => this.peek(key));
  }

  set(key: string, entry: StoredEntry): Promise<void> {
    return this.#settle(() => this.put(key, entry));
  }

  delete(key: string): Promise<void> {
    return this.#settle(() => {
      this.#cache.delete(key);
    });
  }

  deleteByTags(tags: readonly string[]): Promise<number> {
    return this.#settle(() => {
      const keys = new Set<string>();
      for (const tag of tags) for (const key of this.#tags.get(tag) ?? []) keys.add(key);
      let removed = 0;
      for (const key of keys) if (this.#cache.delete(key)) removed++;
      return removed;
    });
  }

  clear(): Promise<void> {
    return this.#settle(() => {
      this.#cache.clear();
      this.#tags.clear();
    });
  }

  /** Run `work` now and settle its outcome: a store never throws synchronously. */
  #settle<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #unindex(key: string, entry: StoredEntry): void {
    for (const tag of entry.tags) {
      const keys = this.#tags.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.#tags.delete(tag);
    }
  }
}
