/**
 * The default {@link ResponseStore}: entries in a bounded {@link Cache}, plus a tag index that the
 * cache's `remove` events keep exact, so entries that are evicted or expire leave the index too.
 */

import { Cache } from '../cache/cache.js';
import type { CacheStats } from '../cache/cache-types.js';
import { ConfigError } from '../errors.js';
import { checkOptions } from '../internal/options-check.js';
import { type Persistence, type PersistOptions, persist } from '../persist/persist.js';
import { isPolicyName, type PolicyName } from '../policies/create-policy.js';
import type { EvictionPolicy } from '../policies/eviction-policy.js';
import { isOwnKeyTag, ownKeyOfTag } from './own-tags.js';
import { storedEntryCodec } from './stored-entry-codec.js';
import type { ResponseStore, StoredEntry } from './types.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Most entries held. @defaultValue 10_000 */
  maxEntries?: number;
  /** Most bytes held: bodies plus an estimate of headers and tags; an entry larger than this is not stored. @defaultValue 64 MiB */
  maxBytes?: number;
  /** Eviction policy: a built-in name or an instance. @defaultValue 'w-tinylfu' when built in, else 'lru' */
  policy?: PolicyName | EvictionPolicy;
  /**
   * Seed of `policy` when it is a built-in name that uses randomness (the default `'w-tinylfu'`), so
   * that the same requests evict the same entries run after run: see the `seed` option of `Cache`.
   * @defaultValue a random seed per store
   */
  seed?: number;
  /** Clock, in ms since the epoch: entries expire at their `expiresAt` by it. @defaultValue Date.now */
  now?: () => number;
}

/** Default most entries of a memory store (and of the engine's default store). */
export const DEFAULT_MAX_ENTRIES = 10_000;
/** Default most bytes of a memory store (and of the engine's default store): 64 MiB. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

const OPTION_NAMES = ['maxEntries', 'maxBytes', 'policy', 'seed', 'now'];

/**
 * Fixed cost charged per entry, in bytes: the entry object and its times, its headers object, the
 * body's `Uint8Array`, the tags array, the cache's slot and map entry. Measured (heap and array
 * buffers after a GC, 50,000 entries as the engine stores them, Node 20): 1,744 bytes per entry with
 * 20-character paths, which the charges below put at about 1,760; with 2,000-character paths
 * 4,011 bytes, charged about 9,800 (V8 shares the key's text with the tags; the charge does not count
 * on it).
 */
const ENTRY_OVERHEAD = 800;
/** Charged per string held (a header name or value, a tag, the key): V8's string header and the reference to it. */
const STRING_OVERHEAD = 32;
/** Charged per tag for its place in the tag index (a Map entry and a Set entry). */
const TAG_INDEX_OVERHEAD = 96;

/**
 * The bytes an entry is charged: body, the key, header names and values, tags (each holding the URL
 * or the key again), and fixed overheads. Strings count one byte per character (URLs and header
 * values are Latin-1; V8 stores those one byte per character).
 */
function entrySize(entry: StoredEntry, key: string): number {
  let size = ENTRY_OVERHEAD + entry.body.byteLength + key.length + STRING_OVERHEAD;
  for (const name in entry.headers) {
    const value = entry.headers[name]!;
    size += name.length + STRING_OVERHEAD;
    if (typeof value === 'string') size += value.length + STRING_OVERHEAD;
    else for (const v of value) size += v.length + STRING_OVERHEAD;
  }
  for (const tag of entry.tags) size += tag.length + STRING_OVERHEAD + TAG_INDEX_OVERHEAD;
  if (entry.vary !== undefined) for (const name of entry.vary) size += name.length + STRING_OVERHEAD;
  return size;
}

/**
 * Up to this many entries, the cache's slots are allocated up front (no growth on the hot path);
 * above it they grow with the entries held, so a large `maxEntries` costs nothing until it is used.
 */
const PREALLOCATE_MAX = 16_384;

function positiveInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  throw new ConfigError(option, value, 'a positive integer');
}

/**
 * A bounded in-memory {@link ResponseStore} over {@link Cache}: at most `maxEntries` entries and
 * `maxBytes` bytes (body plus header and tag estimate), evicted by `policy`; each entry expires at its
 * `expiresAt`. `deleteByTags` uses a tag index (tag to keys) kept exact through the cache's `remove`
 * events, so evictions and expiries never leave stale keys behind in it. Every method does its work
 * synchronously (`get` returns the entry itself, the others a settled promise): a write is visible to
 * the next read at once.
 */
export class MemoryStore implements ResponseStore {
  readonly #cache: Cache<string, StoredEntry>;
  /** The entry bound, when enforced here rather than by the cache (large `maxEntries`). */
  readonly #maxEntries: number;
  /**
   * Tag to the keys carrying it: one key as itself, more as a Set. Most tags are the engine's
   * per-URL and per-key tags, carried by one entry, so most cost no Set (made on every stored miss,
   * dropped on every eviction). A tag that names the key of its own entry (see `own-tags.ts`) is not
   * held: `deleteByTags` looks that key up instead.
   */
  readonly #tags = new Map<string, string | Set<string>>();
  readonly #now: () => number;

  /** @throws {@link ConfigError} for an unknown option or an invalid value. */
  constructor(options: MemoryStoreOptions = {}) {
    checkOptions(options, OPTION_NAMES);
    const max = positiveInteger('maxEntries', options.maxEntries, DEFAULT_MAX_ENTRIES);
    const maxSize = positiveInteger('maxBytes', options.maxBytes, DEFAULT_MAX_BYTES);
    const now = options.now ?? Date.now;
    if (typeof now !== 'function') throw new ConfigError('now', now, 'a function');
    // the admission filter of w-tinylfu keeps one-hit wonders (crawlers, unique URLs) from evicting
    // the hot set, which is most of what an HTTP cache sees
    const policy = options.policy ?? (isPolicyName('w-tinylfu') ? 'w-tinylfu' : 'lru');
    this.#now = now;
    // a bound above PREALLOCATE_MAX is enforced here: the cache then grows its slots (and the
    // policy its sketch) with the entries held instead of allocating `max` of them at start
    const grows = max > PREALLOCATE_MAX;
    this.#maxEntries = grows ? max : 0;
    // Cache validates `policy` itself and names it in its ConfigError
    this.#cache = new Cache<string, StoredEntry>({
      max: grows ? 0 : max,
      maxSize,
      sizeCalculation: entrySize,
      // the cache measures ttls with this clock, so entries expire at their absolute expiresAt
      perf: { now },
      // read the clock on every check: a debounced clock would serve entries past expiresAt to a
      // burst of requests, and would hide an injected clock's jumps
      ttlResolution: 0,
      ttlAutopurge: true,
      policy,
      // Cache checks `seed` too, and refuses it beside a policy instance
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    this.#cache.on('remove', (key, entry) => this.#unindex(key, entry));
  }

  /** Entries held. */
  get size(): number {
    return this.#cache.size;
  }

  /** Bytes charged for the entries held. */
  get bytes(): number {
    return this.#cache.calculatedSize;
  }

  /** The counters of the cache underneath (evictions by reason, hits, sets), read by metrics. */
  stats(): CacheStats {
    return this.#cache.stats();
  }

  /** Distinct tags in the index (for leak checks). */
  get tagCount(): number {
    return this.#tags.size;
  }

  /**
   * The entry at `key`, unless it has expired, returned at once (no promise: the engine answers a
   * memory hit without a microtask). Marks the entry used for the eviction policy.
   */
  get(key: string): StoredEntry | undefined {
    return this.#cache.get(key);
  }

  /** Store `entry` at `key` until `entry.expiresAt`; an entry already expired, or too large, removes what was there. */
  set(key: string, entry: StoredEntry): Promise<void> {
    try {
      const ttl = Math.ceil(entry.expiresAt - this.#now());
      if (!(ttl > 0)) {
        this.#cache.delete(key);
        return Promise.resolve();
      }
      // the replaced entry's `remove` event unindexes its tags before we index the new ones
      this.#cache.set(key, entry, { ttl });
      if (this.#maxEntries !== 0) while (this.#cache.size > this.#maxEntries) this.#cache.pop();
      if (this.#cache.peek(key, { allowStale: true }) === entry) this.#index(key, entry);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Remove `key`. */
  delete(key: string): Promise<void> {
    try {
      this.#cache.delete(key);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Remove every entry carrying any of `tags`; resolves how many were removed. */
  deleteByTags(tags: readonly string[]): Promise<number> {
    try {
      const keys = new Set<string>();
      for (const tag of tags) {
        const tagged = this.#tags.get(tag);
        if (typeof tagged === 'string') keys.add(tagged);
        else if (tagged !== undefined) for (const key of tagged) keys.add(key);
        const own = ownKeyOfTag(tag);
        if (own !== undefined && this.#cache.peek(own, { allowStale: true })?.tags.includes(tag) === true) {
          keys.add(own);
        }
      }
      let removed = 0;
      for (const key of keys) if (this.#cache.delete(key)) removed++;
      return Promise.resolve(removed);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Remove everything. */
  clear(): Promise<void> {
    try {
      this.#cache.clear();
      this.#tags.clear();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Make the entries survive restarts: load them from `options.dir`, then log every change there (see
   * `persist()` in `@larder/core`; entries are stored compactly by `storedEntryCodec`, with this
   * store's clock). Await it before serving. Close the persistence before the store.
   * @throws {@link PersistenceError} as `persist()` does; the store keeps working in memory.
   */
  async persist(options: Omit<PersistOptions<StoredEntry>, 'codec' | 'now'>): Promise<Persistence> {
    const persistence = await persist(this.#cache, { ...options, codec: storedEntryCodec, now: this.#now });
    // entries came in through the cache, not through set(): index their tags
    for (const [key, entry] of this.#cache.entries()) this.#index(key, entry);
    return persistence;
  }

  /** Stop the expiry timer. Entries stay readable; expiry becomes lazy. */
  close(): Promise<void> {
    this.#cache.close();
    return Promise.resolve();
  }

  #index(key: string, entry: StoredEntry): void {
    const index = this.#tags;
    for (const tag of entry.tags) {
      if (isOwnKeyTag(tag, key)) continue;
      const keys = index.get(tag);
      if (keys === undefined) index.set(tag, key);
      else if (typeof keys !== 'string') keys.add(key);
      else if (keys !== key) index.set(tag, new Set([keys, key]));
    }
  }

  #unindex(key: string, entry: StoredEntry): void {
    const index = this.#tags;
    for (const tag of entry.tags) {
      if (isOwnKeyTag(tag, key)) continue;
      const keys = index.get(tag);
      if (keys === undefined) continue;
      if (typeof keys === 'string') {
        if (keys === key) index.delete(tag);
        continue;
      }
      keys.delete(key);
      if (keys.size === 0) index.delete(tag);
    }
  }
}
