import { type Duration, parseDuration } from '../duration.js';
import { ConfigError } from '../errors.js';
import type { EvictionPolicy } from '../policies/eviction-policy.js';
import {
  type FetchOwner,
  isPending,
  type Pending,
  settled,
  startBackgroundFetch,
} from './background-fetch.js';
import {
  CacheEvents,
  REASON_INDEX,
  REMOVE_REASONS,
  type RemoveEvent,
  removalCounts,
} from './cache-events.js';
import { CacheExpiry } from './cache-expiry.js';
import {
  BOOLEAN_OPTIONS,
  copyOptions,
  entrySize,
  type InternalFetchOptions,
  policyNameOf,
  resolveCacheOptions,
  resolveFetchOptions,
  warnIfUnbounded,
} from './cache-options.js';
import type {
  CacheMutationObserver,
  CacheOptions,
  CacheStats,
  ContextFreeKey,
  DisposeReason,
  Disposer,
  Entry,
  EntryCursor,
  Fetcher,
  FetchOptions,
  FetchOptionsArg,
  GetOptions,
  HasOptions,
  Inserter,
  Memoizer,
  MemoOptions,
  MemoOptionsArg,
  OptionalFetchOptionsArg,
  OptionalMemoOptionsArg,
  PeekOptions,
  Perf,
  RemoveListener,
  RemoveReason,
  SetOptions,
  SizeCalculator,
  SlowListener,
  SlowlogEntry,
  SlowOp,
  Status,
} from './cache-types.js';
import { createEntryCursor } from './entry-cursor.js';
import { hashKey } from './hash-key.js';
import { copyInto, growTyped } from './slot-arrays.js';

const UNBOUNDED_INITIAL = 16;

/**
 * An in-memory cache with the API of lru-cache 11.5 (`LRUCache<K, V, FC>`): same options, methods,
 * return values, iteration order, `status` tracing, `dump`/`load` and `fetch`/`memo` semantics, so
 * it is a drop-in replacement. Also exported as `LRUCache`.
 *
 * What it adds: a pluggable eviction {@link EvictionPolicy} (`policy`, default `'lru'`), expiry of
 * `ttlAutopurge` entries through one timer wheel driven by a single unref'd timer, `remove` and
 * `slow` listeners with a Redis-style slow log, and {@link Cache.stats}.
 *
 * Storage: entries live in slots of preallocated arrays (keys, values, and typed arrays for sizes
 * and times), found through one `Map` from key to slot, with a free list; a full cache reuses the
 * victim's slot, so `set` into a full cache allocates nothing.
 *
 * Keys and values must not be `null` or `undefined`; `set(k, undefined)` deletes `k`.
 */
export class Cache<K extends {}, V extends {}, FC = unknown> {
  /** Default TTL in ms (0: none). Changing it affects later `set` calls. */
  ttl: number;
  /** ms a clock reading may be reused. */
  ttlResolution: number;
  /** Whether expired entries are removed by the timer wheel. */
  ttlAutopurge = false;
  /** Default for `get`'s `updateAgeOnGet`. */
  updateAgeOnGet = false;
  /** Default for `has`'s `updateAgeOnHas`. */
  updateAgeOnHas = false;
  /** Default for `allowStale`. */
  allowStale = false;
  /** Default for `set`'s `noDisposeOnSet`. */
  noDisposeOnSet = false;
  /** Default for `set`'s `noUpdateTTL`. */
  noUpdateTTL = false;
  /** Largest size of one entry (0: none). */
  maxEntrySize: number;
  /** Default size calculation. */
  sizeCalculation?: SizeCalculator<K, V>;
  /** Default for `fetch`'s `noDeleteOnFetchRejection`. */
  noDeleteOnFetchRejection = false;
  /** Default for `get`'s `noDeleteOnStaleGet`. */
  noDeleteOnStaleGet = false;
  /** Default for `fetch`'s `allowStaleOnFetchAbort`. */
  allowStaleOnFetchAbort = false;
  /** Default for `fetch`'s `allowStaleOnFetchRejection`. */
  allowStaleOnFetchRejection = false;
  /** Default for `fetch`'s `ignoreFetchAbort`. */
  ignoreFetchAbort = false;
  /** Size a pending fetch counts for. */
  backgroundFetchSize: number;

  readonly #max: number;
  /** `max`, or Infinity when there is no count limit. */
  readonly #maxCount: number;
  readonly #maxSize: number;
  readonly #dispose: Disposer<K, V> | undefined;
  readonly #onInsert: Inserter<K, V> | undefined;
  readonly #disposeAfter: Disposer<K, V> | undefined;
  readonly #fetchMethod: Fetcher<K, V, FC> | undefined;
  readonly #memoMethod: Memoizer<K, V, FC> | undefined;
  readonly #perf: Perf;
  readonly #policy: EvictionPolicy;
  readonly #needsHash: boolean;
  readonly #hasFetchMethod: boolean;
  readonly #hasDispose: boolean;
  readonly #hasDisposeAfter: boolean;
  readonly #hasOnInsert: boolean;

  #size = 0;
  #calculatedSize = 0;
  readonly #keyMap = new Map<K, number>();
  #keys: (K | undefined)[];
  #vals: (V | Pending<V> | undefined)[];
  #free: Int32Array;
  #freeTop = 0;
  /** Slots below this index have been handed out at least once. */
  #used = 0;
  #capacity: number;
  #hashes: Int32Array | undefined;
  #sizes: Float64Array | undefined;
  /** TTL tracking, switched on by the first TTL (the `ttl` option or a per-call one). */
  #expiry: CacheExpiry | undefined;
  /** True while reads can skip TTL and fetch bookkeeping entirely. */
  #plain: boolean;
  readonly #disposed: [V, K, DisposeReason][] | undefined;

  // listeners, slow log and stats (Larder)
  readonly #listeners: CacheEvents<K, V>;
  /** The `remove` listeners and the queue of undelivered events, held here for the hot path. */
  readonly #removeListeners: RemoveListener<K, V>[];
  readonly #events: RemoveEvent<K, V>[];
  #slowThreshold: number | undefined;
  #hits = 0;
  #misses = 0;
  #sets = 0;
  /** Removals by reason, indexed as {@link REMOVE_REASONS} (a typed array: a constant-index bump on the hot path). */
  readonly #removed = new Float64Array(REMOVE_REASONS.length);
  #fetchSuccesses = 0;
  #fetchFailures = 0;
  #fetchTime = 0;
  /** The background fetches' view of this cache, made on the first fetch. */
  #fetchOwner: FetchOwner<K, V, FC> | undefined;
  /** Told of every user change (persistence); see {@link Cache.observeMutations}. */
  #observer: CacheMutationObserver<K, V> | undefined;

  /**
   * @param options lru-cache's options plus `policy`, `slowThreshold` and `slowlogMaxLen`. An
   * existing cache may be passed to copy its settings (not its entries). Invalid options throw
   * {@link ConfigError}, naming the option and the value.
   */
  constructor(options: CacheOptions<K, V, FC> | Cache<K, V, FC>) {
    // copying another cache's settings must not share its policy instance
    const source =
      options instanceof Cache ? { ...copyOptions(options), policy: policyNameOf(options.policy) } : options;
    const o = resolveCacheOptions(source as CacheOptions<K, V, FC>);
    this.#max = o.max;
    this.#maxCount = o.max === 0 ? Number.POSITIVE_INFINITY : o.max;
    this.#maxSize = o.maxSize;
    this.maxEntrySize = o.maxEntrySize || o.maxSize;
    if (o.sizeCalculation !== undefined) this.sizeCalculation = o.sizeCalculation;
    this.backgroundFetchSize = o.backgroundFetchSize;
    this.#perf = o.perf;
    this.#dispose = o.dispose;
    this.#onInsert = o.onInsert;
    this.#disposeAfter = o.disposeAfter;
    this.#fetchMethod = o.fetchMethod;
    this.#memoMethod = o.memoMethod;
    this.#hasFetchMethod = o.fetchMethod !== undefined;
    this.#hasDispose = o.dispose !== undefined;
    this.#hasDisposeAfter = o.disposeAfter !== undefined;
    this.#hasOnInsert = o.onInsert !== undefined;
    this.#disposed = this.#hasDisposeAfter ? [] : undefined;
    for (const name of BOOLEAN_OPTIONS) this[name] = o[name];
    this.ttlResolution = o.ttlResolution;
    this.ttl = o.ttl;
    this.#slowThreshold = o.slowThreshold;
    this.#listeners = new CacheEvents<K, V>(o.slowlogMaxLen);
    this.#removeListeners = this.#listeners.removeListeners;
    this.#events = this.#listeners.queue;

    // all `max` slots up front, as lru-cache: no growth garbage and no spare capacity per entry;
    // only a cache without `max` grows, by doubling
    const capacity = o.max === 0 ? UNBOUNDED_INITIAL : o.max;
    this.#capacity = capacity;
    this.#keys = new Array(capacity).fill(undefined);
    this.#vals = new Array(capacity).fill(undefined);
    this.#free = new Int32Array(capacity);
    this.#policy = o.policy;
    this.#needsHash = o.policy.needsHash;
    if (this.#needsHash) this.#hashes = new Int32Array(capacity);
    if (this.maxEntrySize !== 0) this.#sizes = new Float64Array(capacity);
    this.#policy.resize(capacity, o.max);
    this.#plain = !this.#hasFetchMethod;
    if (this.ttl) this.#initializeTTLTracking();

    warnIfUnbounded(o);
  }

  // ---------------------------------------------------------------- read-only option getters

  /** The clock. */
  get perf(): Perf {
    return this.#perf;
  }
  /** Most entries held (0: no count limit). */
  get max(): number {
    return this.#max;
  }
  /** Most total entry size (0: none). */
  get maxSize(): number {
    return this.#maxSize;
  }
  /** Total size of the entries held. */
  get calculatedSize(): number {
    return this.#calculatedSize;
  }
  /** Number of entries held (stale ones included until they are removed). */
  get size(): number {
    return this.#size;
  }
  /** The `fetchMethod` option. */
  get fetchMethod(): Fetcher<K, V, FC> | undefined {
    return this.#fetchMethod;
  }
  /** The `memoMethod` option. */
  get memoMethod(): Memoizer<K, V, FC> | undefined {
    return this.#memoMethod;
  }
  /** The `dispose` option. */
  get dispose(): Disposer<K, V> | undefined {
    return this.#dispose;
  }
  /** The `onInsert` option. */
  get onInsert(): Inserter<K, V> | undefined {
    return this.#onInsert;
  }
  /** The `disposeAfter` option. */
  get disposeAfter(): Disposer<K, V> | undefined {
    return this.#disposeAfter;
  }
  /** The eviction policy in use (Larder). */
  get policy(): EvictionPolicy {
    return this.#policy;
  }

  // ---------------------------------------------------------------- storage

  #grow(): void {
    const max = this.#max;
    const capacity = max === 0 ? this.#capacity * 2 : Math.min(max, this.#capacity * 2);
    // new arrays of exactly `capacity` (growing by push would leave V8's spare capacity behind)
    this.#keys = copyInto(this.#keys, capacity);
    this.#vals = copyInto(this.#vals, capacity);
    const free = new Int32Array(capacity);
    free.set(this.#free);
    this.#free = free;
    this.#hashes = growTyped(this.#hashes, capacity, Int32Array);
    this.#sizes = growTyped(this.#sizes, capacity, Float64Array);
    this.#capacity = capacity;
    this.#policy.resize(capacity, max);
    this.#expiry?.grow(capacity);
  }

  /** A slot for a new entry: a free one, a never-used one, or the victim's when full. */
  #newIndex(): number {
    if (this.#freeTop !== 0) return this.#free[--this.#freeTop]!;
    if (this.#size === this.#maxCount) return this.#evict(false, this.#policy.victim());
    if (this.#used === this.#capacity) this.#grow();
    return this.#used++;
  }

  #isValidIndex(index: number): boolean {
    return this.#keyMap.get(this.#keys[index] as K) === index;
  }

  // ---------------------------------------------------------------- time

  #initializeTTLTracking(): void {
    const cache = this;
    this.#expiry = new CacheExpiry(this.#capacity, this.#perf, this.ttlAutopurge, {
      get ttlResolution() {
        return cache.ttlResolution;
      },
      expired: (index) => {
        const k = this.#keys[index];
        if (k !== undefined && this.#isValidIndex(index)) this.#delete(k, 'expire');
      },
      purged: () => this.#flushEvents(),
    });
    this.#plain = false;
  }

  #isStale(index: number): boolean {
    return this.#expiry?.isStale(index) === true;
  }

  // ---------------------------------------------------------------- size accounting

  /** Evict until an entry of `size` fits under `maxSize`. */
  #evictForSize(size: number): void {
    const limit = this.#maxSize - size;
    while (this.#calculatedSize > limit) this.#evict(true, this.#policy.victim());
  }

  #removeItemSize(index: number): void {
    const sizes = this.#sizes;
    if (sizes === undefined) return;
    this.#calculatedSize -= sizes[index]!;
    sizes[index] = 0;
  }

  // ---------------------------------------------------------------- removal bookkeeping

  /** Dispose callbacks, stats and `remove` events for a value leaving the cache. */
  #disposeValue(v: V, k: K, reason: DisposeReason, event: RemoveReason): void {
    if (this.#hasDispose) this.#dispose!(v, k, reason);
    if (this.#hasDisposeAfter) this.#disposed!.push([v, k, reason]);
    this.#removed[REASON_INDEX[event]]!++;
    if (this.#removeListeners.length !== 0) this.#events.push([k, v, event]);
  }

  #flushDisposeAfter(): void {
    const dt = this.#disposed;
    if (dt === undefined) return;
    let task: [V, K, DisposeReason] | undefined;
    while ((task = dt.shift())) this.#disposeAfter!(...task);
  }

  /** Deliver queued `remove` events, after the operation that caused them has finished. */
  #flushEvents(): void {
    if (this.#events.length !== 0) this.#listeners.flush();
  }

  #evict(free: boolean, index: number): number {
    const k = this.#keys[index] as K;
    const v = this.#vals[index];
    let oldValue: V | undefined;
    if (this.#hasFetchMethod && isPending<V>(v)) {
      v.__abortController.abort(new Error('evicted'));
      oldValue = v.__staleWhileFetching;
    } else {
      oldValue = v as V | undefined;
    }
    if (oldValue !== undefined) this.#disposeValue(oldValue, k, 'evict', 'evict');
    this.#removeItemSize(index);
    this.#expiry?.cancel(index);
    this.#policy.remove(index, 'evict');
    if (free) {
      this.#keys[index] = undefined;
      this.#vals[index] = undefined;
      this.#free[this.#freeTop++] = index;
    }
    this.#keyMap.delete(k);
    // an emptied cache hands out slots from 0 again, as lru-cache does: a late write from an
    // aborted fetch then finds the slot in the same state it would find it in lru-cache
    if (--this.#size === 0 && free) {
      this.#freeTop = 0;
      this.#used = 0;
    }
    return index;
  }

  // ---------------------------------------------------------------- iteration

  /** Live slots in the policy's order (lru-cache's MRU-first under `lru`), or the reverse. */
  *#indexes(allowStale: boolean = this.allowStale, reverse = false): Generator<number> {
    if (this.#size === 0) return;
    // snapshot, so that callbacks may change the cache while we walk
    const slots = [...this.#policy.slots()];
    if (reverse) slots.reverse();
    for (const i of slots) if (this.#isValidIndex(i) && (allowStale || !this.#isStale(i))) yield i;
  }

  /** `[key, value]` pairs, most recently used first (for `lru`; policy order otherwise). Skips stale entries unless `allowStale`. */
  entries(): Generator<[K, V], void, unknown> {
    return this.#each(false, (k, v) => (v === undefined ? v : [k, v]));
  }
  /** {@link Cache.entries} in reverse order. */
  rentries(): Generator<[K, V], void, unknown> {
    return this.#each(true, (k, v) => (v === undefined ? v : [k, v]));
  }
  /** Keys, most recently used first. */
  keys(): Generator<K, void, unknown> {
    return this.#each(false, (k) => k);
  }
  /** Keys, least recently used first. */
  rkeys(): Generator<K, void, unknown> {
    return this.#each(true, (k) => k);
  }
  /** Values, most recently used first. */
  values(): Generator<V, void, unknown> {
    return this.#each(false, (_, v) => v);
  }
  /** Values, least recently used first. */
  rvalues(): Generator<V, void, unknown> {
    return this.#each(true, (_, v) => v);
  }
  /** What `pick` makes of each live slot not fetching (`undefined` after a rejected fetch), in order; `undefined` picks skipped. */
  *#each<T>(
    reverse: boolean,
    pick: (key: K, value: V | undefined) => T | undefined,
  ): Generator<T, void, unknown> {
    for (const i of this.#indexes(undefined, reverse)) {
      const k = this.#keys[i];
      const v = this.#vals[i];
      const picked = k === undefined || isPending(v) ? undefined : pick(k, v);
      if (picked !== undefined) yield picked;
    }
  }
  /** Same as {@link Cache.entries}. */
  [Symbol.iterator](): Generator<[K, V], void, unknown> {
    return this.entries();
  }
  /** `Object.prototype.toString` tag, as lru-cache's. */
  [Symbol.toStringTag] = 'LRUCache';

  /** The first value (most recently used first) for which `fn` is truthy, read with `get`. */
  find(fn: (v: V, k: K, self: Cache<K, V, FC>) => boolean, getOptions?: GetOptions<K, V, FC>): V | undefined;
  /** lru-cache's signature, whose `self` is its own (nominal) class: accepted for code typed against it. */
  find(fn: (v: V, k: K, self: never) => boolean, getOptions?: GetOptions<K, V, FC>): V | undefined;
  find(fn: (v: V, k: K, self: never) => boolean, getOptions?: GetOptions<K, V, FC>): V | undefined {
    const test = fn as unknown as (v: V, k: K, self: this) => boolean;
    for (const i of this.#indexes()) {
      const value = settled(this.#vals[i]);
      if (value === undefined) continue;
      if (test(value, this.#keys[i] as K, this)) {
        // lru-cache reads the match with its internal get: the status gets no op/key/value
        const found = this.#get(this.#keys[i] as K, getOptions);
        this.#flushEvents();
        return found;
      }
    }
    return undefined;
  }

  /** Call `fn(value, key, cache)` for each fresh entry, most recently used first. Changes no recency. */
  forEach(fn: (v: V, k: K, self: Cache<K, V, FC>) => unknown, thisp?: unknown): void;
  /** lru-cache's signature, whose `self` is its own (nominal) class: accepted for code typed against it. */
  forEach(fn: (v: V, k: K, self: never) => unknown, thisp?: unknown): void;
  forEach(fn: (v: V, k: K, self: never) => unknown, thisp: unknown = this): void {
    this.#visit(fn, thisp, false);
  }

  /** {@link Cache.forEach}, least recently used first. */
  rforEach(fn: (v: V, k: K, self: Cache<K, V, FC>) => unknown, thisp?: unknown): void;
  /** lru-cache's signature, whose `self` is its own (nominal) class: accepted for code typed against it. */
  rforEach(fn: (v: V, k: K, self: never) => unknown, thisp?: unknown): void;
  rforEach(fn: (v: V, k: K, self: never) => unknown, thisp: unknown = this): void {
    this.#visit(fn, thisp, true);
  }

  #visit(fn: (v: V, k: K, self: never) => unknown, thisp: unknown, reverse: boolean): void {
    const visit = fn as unknown as (this: unknown, v: V, k: K, self: this) => unknown;
    for (const i of this.#indexes(undefined, reverse)) {
      const value = settled(this.#vals[i]);
      if (value !== undefined) visit.call(thisp, value, this.#keys[i] as K, this);
    }
  }

  /** Delete every stale entry; true if any was removed. */
  purgeStale(): boolean {
    const t0 = this.#slowStart();
    let deleted = false;
    for (const i of this.#indexes(true, true)) {
      if (this.#isStale(i)) {
        this.#delete(this.#keys[i] as K, 'expire');
        deleted = true;
      }
    }
    this.#done(t0, 'purgeStale', undefined);
    this.#flushEvents();
    return deleted;
  }

  /**
   * The value, size and remaining TTL of one entry (stale or not), or `undefined`. `ttl` here is the
   * time left in ms (negative when expired) and `start` is `Date.now()`.
   */
  info(key: K): Entry<V> | undefined {
    const i = this.#keyMap.get(key);
    if (i === undefined) return undefined;
    const value = settled(this.#vals[i]);
    if (value === undefined) return undefined;
    const entry: Entry<V> = { value };
    this.#expiry?.describe(entry, i);
    if (this.#sizes !== undefined) entry.size = this.#sizes[i]!;
    return entry;
  }

  /**
   * Every entry, stale ones included, as `[key, Entry]` pairs that {@link Cache.load} accepts,
   * least recently used first. `start` is relative to `Date.now()`, so a dump survives a restart.
   */
  dump(): [K, Entry<V>][] {
    const t0 = this.#slowStart();
    const arr: [K, Entry<V>][] = [];
    for (const i of this.#indexes(true, true)) {
      const key = this.#keys[i];
      const value = settled(this.#vals[i]);
      if (value === undefined || key === undefined) continue;
      const entry: Entry<V> = { value };
      this.#expiry?.dump(entry, i);
      if (this.#sizes !== undefined) entry.size = this.#sizes[i]!;
      arr.push([key, entry]);
    }
    this.#done(t0, 'dump', undefined);
    return arr;
  }

  /** Clear the cache, then set each `[key, Entry]` in order (as produced by {@link Cache.dump}). */
  load(arr: [K, Entry<V>][]): void {
    const t0 = this.#slowStart();
    this.clear();
    for (const [key, entry] of arr) {
      if (entry.start) {
        // the dump's start is a Date.now() time; rebase it on our clock, keeping the entry's age
        const age = Date.now() - entry.start;
        entry.start = this.#perf.now() - age;
      }
      this.#set(key, entry.value, entry as SetOptions<K, V, FC>, undefined);
    }
    this.#done(t0, 'load', undefined);
    this.#flushEvents();
  }

  /** Time left in ms for `key`'s entry: 0 if absent, `Infinity` without a TTL, negative if stale. */
  getRemainingTTL(key: K): number {
    const index = this.#keyMap.get(key);
    if (index === undefined) return 0;
    return this.#expiry === undefined ? Number.POSITIVE_INFINITY : this.#expiry.remaining(index);
  }

  /**
   * Give `key`'s entry a time to live of `ttl` from now, as Redis `PEXPIRE`: milliseconds, or a
   * duration string such as `'30s'` (as every duration option). `0` removes the expiry, lru-cache's
   * meaning of a TTL of 0. Not a use: recency and the eviction policy are unchanged.
   * @returns true, or false when `key` has no fresh entry
   * @throws {@link ConfigError} for a malformed duration
   */
  expire(key: K, ttl: Duration): boolean {
    return this.#expire(key, parseDuration('ttl', ttl), false);
  }

  /**
   * Make `key`'s entry expire at `epochMs`, milliseconds since the epoch on `Date.now()`'s clock, as
   * Redis `PEXPIREAT`; a time not after now removes the entry at once (a `remove` event `'expire'`).
   * @returns true, or false when `key` has no fresh entry
   * @throws {@link ConfigError} when `epochMs` is not a finite number
   */
  expireAt(key: K, epochMs: number): boolean {
    if (typeof epochMs !== 'number' || !Number.isFinite(epochMs)) {
      throw new ConfigError('epochMs', epochMs, 'milliseconds since the epoch');
    }
    return this.#expire(key, epochMs - Date.now(), true);
  }

  /** `expire` and `expireAt`: every TTL change that is not a `set` goes through here. */
  #expire(key: K, ttl: number, at: boolean): boolean {
    const index = this.#keyMap.get(key);
    if (index === undefined || this.#isStale(index)) return false;
    const v = this.#vals[index];
    if (isPending<V>(v) && v.__staleWhileFetching === undefined) return false;
    if (at && ttl <= 0) {
      this.#delete(key, 'expire');
      // an expiry the user asked for: a log still holds the entry with its old expiry
      this.#observer?.delete(key);
      this.#flushEvents();
      return true;
    }
    if (ttl !== 0 && this.#expiry === undefined) this.#initializeTTLTracking();
    this.#expiry?.set(index, ttl);
    if (this.#observer !== undefined) {
      // a TTL change is logged as the entry again, with its new absolute expiry
      const value = isPending<V>(v) ? v.__staleWhileFetching! : (v as V);
      const remaining = this.#expiry !== undefined ? this.#expiry.remaining(index) : Number.POSITIVE_INFINITY;
      this.#observer.set(key, value, remaining, this.#sizes !== undefined ? this.#sizes[index]! : 0);
    }
    return true;
  }

  // ---------------------------------------------------------------- set

  /**
   * Store `v` under `k` (an `undefined` value deletes `k`). Per-call options override the cache's
   * (`ttl`, `size`, `sizeCalculation`, `noDisposeOnSet`, `noUpdateTTL`, `start`, `status`).
   */
  set(k: K, v: V | undefined, setOptions?: SetOptions<K, V, FC>): this {
    if (this.#slowThreshold !== undefined) {
      const t0 = this.#perf.now();
      this.#setWithStatus(k, v, setOptions);
      this.#done(t0, 'set', k);
    } else if (setOptions === undefined && this.#plain && this.#sizes === undefined && this.ttl === 0) {
      this.#setPlain(k, v);
    } else {
      this.#setWithStatus(k, v, setOptions);
    }
    if (this.#events.length !== 0) this.#flushEvents();
    return this;
  }

  #setWithStatus(k: K, v: V | undefined, setOptions: SetOptions<K, V, FC> | undefined): void {
    const status = setOptions?.status;
    if (status !== undefined) {
      status.op = 'set';
      status.key = k;
      if (v !== undefined) status.value = v;
      status.cache = this;
    }
    this.#set(k, v, setOptions, undefined);
  }

  /** `set` with no options on a cache without TTLs, sizes or a fetchMethod: the common case. */
  #setPlain(k: K, v: V | undefined): void {
    if (v === undefined) {
      this.#delete(k, 'delete');
      return;
    }
    let index = this.#keyMap.get(k);
    if (index === undefined) {
      index = this.#newIndex();
      this.#keys[index] = k;
      this.#vals[index] = v;
      this.#keyMap.set(k, index);
      this.#policy.insert(index, this.#needsHash ? (this.#hashes![index] = hashKey(k)) : 0);
      this.#size++;
      this.#sets++;
      if (this.#hasOnInsert) this.#onInsert!(v, k, 'add');
    } else {
      this.#policy.update(index);
      const oldVal = this.#vals[index] as V;
      this.#sets++;
      if (v !== oldVal) {
        if (!this.noDisposeOnSet) this.#disposeValue(oldVal, k, 'set', 'set');
        this.#vals[index] = v;
        if (this.#hasOnInsert) this.#onInsert!(v, k, 'replace');
      } else if (this.#hasOnInsert) {
        this.#onInsert!(v, k, 'update');
      }
    }
    if (this.#observer !== undefined) this.#observer.set(k, v, Number.POSITIVE_INFINITY, 0);
    if (this.#hasDisposeAfter && !this.noDisposeOnSet) this.#flushDisposeAfter();
  }

  #set(
    k: K,
    v: V | Pending<V> | undefined,
    setOptions: SetOptions<K, V, FC> | undefined,
    bf: Pending<V> | undefined,
  ): void {
    const o = setOptions ?? {};
    const ttl = o.ttl ?? this.ttl;
    const noDisposeOnSet = o.noDisposeOnSet ?? this.noDisposeOnSet;
    const sizeCalculation = o.sizeCalculation ?? this.sizeCalculation;
    const status = o.status;
    let noUpdateTTL = o.noUpdateTTL ?? this.noUpdateTTL;
    const isBF = this.#hasFetchMethod && isPending<V>(v);
    if (v === undefined) {
      if (status) status.set = 'deleted';
      this.#delete(k, 'delete');
      return;
    }
    if (status && !isBF) status.value = v as V;
    const size = entrySize(
      this.#sizes !== undefined,
      k,
      v as V,
      isPending(v),
      o.size || 0,
      sizeCalculation,
      this.backgroundFetchSize,
    );
    // an entry larger than maxEntrySize is not stored, and replaces (deletes) what was there
    if (this.maxEntrySize && size > this.maxEntrySize) {
      this.#delete(k, 'set');
      if (status) {
        status.set = 'miss';
        status.maxEntrySizeExceeded = true;
      }
      return;
    }
    let index = this.#size === 0 ? undefined : this.#keyMap.get(k);
    if (index === undefined) {
      // as lru-cache: take the slot (evicting by count if full), count the entry, then evict by
      // size; the newcomer joins the policy only afterwards, so no policy can pick it as a victim
      index = this.#newIndex();
      this.#keys[index] = k;
      this.#vals[index] = v;
      this.#keyMap.set(k, index);
      this.#size++;
      if (this.#maxSize) this.#evictForSize(size);
      this.#policy.insert(index, this.#needsHash ? (this.#hashes![index] = hashKey(k)) : 0);
      if (this.#sizes !== undefined) this.#addItemSize(index, size, status);
      if (status) status.set = 'add';
      noUpdateTTL = false;
      if (!isBF) {
        this.#sets++;
        if (this.#hasOnInsert) this.#onInsert!(v as V, k, 'add');
      }
    } else {
      this.#policy.update(index);
      const oldVal = this.#vals[index];
      if (!isBF) this.#sets++;
      if (v !== oldVal) {
        if (!noDisposeOnSet) {
          if (isPending<V>(oldVal)) {
            // setting over a pending fetch, not merely resolving it
            if (oldVal !== bf) oldVal.__abortController.abort(new Error('replaced'));
            const s = oldVal.__staleWhileFetching;
            if (s !== undefined && s !== v) this.#disposeValue(s, k, 'set', 'set');
          } else if (oldVal !== undefined) {
            this.#disposeValue(oldVal, k, 'set', 'set');
          } else {
            // a fetch that failed under noDeleteOnFetchRejection left the key with no value: lru-cache
            // still disposes that `undefined`; there is no entry to report as removed
            if (this.#hasDispose) this.#dispose!(oldVal as unknown as V, k, 'set');
            if (this.#hasDisposeAfter) this.#disposed!.push([oldVal as unknown as V, k, 'set']);
          }
        }
        if (this.#sizes !== undefined) {
          this.#removeItemSize(index);
          this.#resizeInPlace(index, size, status);
        }
        this.#vals[index] = v;
        if (!isBF) {
          const oldValue = isPending<V>(oldVal) ? oldVal.__staleWhileFetching : oldVal;
          const setType = oldValue === undefined ? 'add' : v !== oldValue ? 'replace' : 'update';
          if (status) {
            status.set = setType;
            if (oldValue !== undefined) status.oldValue = oldValue;
          }
          if (this.#hasOnInsert) this.#onInsert!(v as V, k, setType);
        }
      } else if (!isBF) {
        if (status) status.set = 'update';
        if (this.#hasOnInsert) this.#onInsert!(v as V, k, 'update');
      }
    }
    if (ttl !== 0 && this.#expiry === undefined) this.#initializeTTLTracking();
    if (this.#expiry !== undefined) {
      if (!noUpdateTTL) this.#expiry.set(index, ttl, o.start);
      if (status) this.#expiry.status(status, index);
    }
    if (this.#observer !== undefined && !isBF) {
      const remaining = this.#expiry !== undefined ? this.#expiry.remaining(index) : Number.POSITIVE_INFINITY;
      this.#observer.set(k, v as V, remaining, this.#sizes !== undefined ? this.#sizes[index]! : 0);
    }
    if (!noDisposeOnSet && this.#hasDisposeAfter) this.#flushDisposeAfter();
  }

  #addItemSize(index: number, size: number, status: Status<K, V, FC> | undefined): void {
    this.#sizes![index] = size;
    this.#calculatedSize += size;
    if (status) {
      status.entrySize = size;
      status.totalCalculatedSize = this.#calculatedSize;
    }
  }

  /** New size for an entry being overwritten: evict others (never this one) until it fits. */
  #resizeInPlace(index: number, size: number, status: Status<K, V, FC> | undefined): void {
    if (this.#maxSize && this.#calculatedSize > this.#maxSize - size) {
      // take the entry out of the policy while we evict, so it cannot be its own victim
      const policy = this.#policy;
      policy.remove(index, 'delete');
      this.#evictForSize(size);
      policy.insert(index, this.#needsHash ? this.#hashes![index]! : 0);
    }
    this.#addItemSize(index, size, status);
  }

  // ---------------------------------------------------------------- pop, has, peek

  /** Evict the entry the policy would evict next (the least recently used, under `lru`) and return its value. */
  pop(): V | undefined {
    const t0 = this.#slowStart();
    try {
      while (this.#size) {
        const index = this.#policy.victim();
        const val = this.#vals[index];
        const key = this.#keys[index] as K;
        this.#evict(true, index);
        this.#observer?.delete(key);
        if (isPending<V>(val)) {
          if (val.__staleWhileFetching) return val.__staleWhileFetching;
        } else if (val !== undefined) {
          return val;
        }
      }
      return undefined;
    } finally {
      if (this.#hasDisposeAfter) this.#flushDisposeAfter();
      this.#done(t0, 'pop', undefined);
      this.#flushEvents();
    }
  }

  /** Whether `k` has a fresh entry. Does not change recency; restarts the TTL with `updateAgeOnHas`. */
  has(k: K, hasOptions?: HasOptions<K, V, FC>): boolean {
    const t0 = this.#slowStart();
    const status = hasOptions?.status;
    if (status) {
      status.op = 'has';
      status.key = k;
      status.cache = this;
    }
    const updateAgeOnHas = hasOptions?.updateAgeOnHas ?? this.updateAgeOnHas;
    let result = false;
    const index = this.#keyMap.get(k);
    if (index !== undefined) {
      const v = this.#vals[index];
      if (isPending<V>(v) && v.__staleWhileFetching === undefined) {
        // nothing to report yet
      } else if (!this.#isStale(index)) {
        if (updateAgeOnHas) this.#expiry?.touch(index);
        if (status) {
          status.has = 'hit';
          this.#expiry?.status(status, index);
        }
        result = true;
      } else if (status) {
        status.has = 'stale';
        this.#expiry?.status(status, index);
      }
    } else if (status) {
      status.has = 'miss';
    }
    this.#done(t0, 'has', k);
    return result;
  }

  /** The value for `k` without changing recency or deleting stale entries (stale only with `allowStale`). */
  peek(k: K, peekOptions?: PeekOptions<K, V, FC>): V | undefined {
    const t0 = this.#slowStart();
    const status = peekOptions?.status;
    if (status) {
      status.op = 'peek';
      status.key = k;
      status.cache = this;
    }
    const allowStale = peekOptions?.allowStale ?? this.allowStale;
    const index = this.#keyMap.get(k);
    let val: V | undefined;
    if (index === undefined || (!allowStale && this.#isStale(index))) {
      if (status) status.peek = index === undefined ? 'miss' : 'stale';
    } else {
      const v = this.#vals[index];
      val = isPending<V>(v) ? v.__staleWhileFetching : v;
      if (status) {
        if (val !== undefined) {
          status.peek = 'hit';
          status.value = val;
        } else {
          status.peek = 'miss';
        }
      }
    }
    this.#done(t0, 'peek', k);
    return val;
  }

  // ---------------------------------------------------------------- get

  /** The value for `k`, marking it used; `undefined` if absent or stale (stale entries are deleted unless `noDeleteOnStaleGet`). */
  get(k: K, getOptions?: GetOptions<K, V, FC>): V | undefined {
    if (getOptions === undefined && this.#slowThreshold === undefined) {
      const index = this.#keyMap.get(k);
      if (index === undefined) {
        this.#misses++;
        return undefined;
      }
      if (this.#plain) {
        this.#hits++;
        this.#policy.access(index);
        return this.#vals[index] as V;
      }
      // a fresh entry in a TTL cache without a fetchMethod: no status, nothing to delete
      if (!this.#hasFetchMethod && !this.#isStale(index)) {
        this.#hits++;
        this.#policy.access(index);
        if (this.updateAgeOnGet) this.#expiry?.touch(index);
        return this.#vals[index] as V;
      }
    }
    const t0 = this.#slowStart();
    const status = getOptions?.status;
    if (status) {
      status.op = 'get';
      status.key = k;
      status.cache = this;
    }
    const result = this.#get(k, getOptions);
    if (status && result !== undefined) status.value = result;
    this.#done(t0, 'get', k);
    if (this.#events.length !== 0) this.#flushEvents();
    return result;
  }

  #get(k: K, getOptions: GetOptions<K, V, FC> | undefined): V | undefined {
    const allowStale = getOptions?.allowStale ?? this.allowStale;
    const updateAgeOnGet = getOptions?.updateAgeOnGet ?? this.updateAgeOnGet;
    const noDeleteOnStaleGet = getOptions?.noDeleteOnStaleGet ?? this.noDeleteOnStaleGet;
    const status = getOptions?.status;
    const index = this.#keyMap.get(k);
    if (index === undefined) {
      if (status) status.get = 'miss';
      this.#misses++;
      return undefined;
    }
    const value = this.#vals[index];
    const fetching = isPending<V>(value);
    if (status) this.#expiry?.status(status, index);
    if (this.#isStale(index)) {
      if (!fetching) {
        if (!noDeleteOnStaleGet) this.#delete(k, 'expire');
        if (status) status.get = 'stale';
        if (allowStale) {
          if (status) status.returnedStale = true;
          this.#hits++;
          return value as V;
        }
        this.#misses++;
        return undefined;
      }
      if (status) status.get = 'stale-fetching';
      if (allowStale && value.__staleWhileFetching !== undefined) {
        if (status) status.returnedStale = true;
        this.#hits++;
        return value.__staleWhileFetching;
      }
      this.#misses++;
      return undefined;
    }
    if (status) status.get = fetching ? 'fetching' : 'hit';
    // a fresh pending fetch with a stale value is a forced refresh: its old value is still good
    this.#policy.access(index);
    if (updateAgeOnGet) this.#expiry?.touch(index);
    const result = fetching ? value.__staleWhileFetching : (value as V);
    if (result === undefined) this.#misses++;
    else this.#hits++;
    return result;
  }

  // ---------------------------------------------------------------- delete, clear

  /** Delete `k`; true if it was there. */
  delete(k: K): boolean {
    const t0 = this.#slowStart();
    const deleted = this.#delete(k, 'delete');
    this.#done(t0, 'delete', k);
    this.#flushEvents();
    return deleted;
  }

  #delete(k: K, reason: DisposeReason): boolean {
    let deleted = false;
    if (this.#size !== 0) {
      const index = this.#keyMap.get(k);
      if (index !== undefined) {
        deleted = true;
        if (this.#size === 1) {
          this.#clear(reason, reason === 'expire' ? 'expire' : 'delete');
        } else {
          this.#expiry?.cancel(index);
          this.#removeItemSize(index);
          const v = this.#vals[index];
          if (isPending<V>(v)) v.__abortController.abort(new Error('deleted'));
          else this.#disposeValue(v as V, k, reason, reason === 'expire' ? 'expire' : 'delete');
          this.#keyMap.delete(k);
          this.#keys[index] = undefined;
          this.#vals[index] = undefined;
          this.#policy.remove(index, reason === 'expire' ? 'expire' : 'delete');
          this.#size--;
          this.#free[this.#freeTop++] = index;
        }
      }
    }
    // a delete of an absent key is reported too: a log may still hold an entry the cache evicted
    if (this.#observer !== undefined && reason !== 'expire') this.#observer.delete(k);
    if (this.#hasDisposeAfter && this.#disposed!.length !== 0) this.#flushDisposeAfter();
    return deleted;
  }

  /** Remove every entry (disposing each with reason `'delete'`; `remove` listeners see `'clear'`). */
  clear(): void {
    const t0 = this.#slowStart();
    this.#clear('delete', 'clear');
    this.#observer?.clear();
    this.#done(t0, 'clear', undefined);
    this.#flushEvents();
  }

  #clear(reason: DisposeReason, event: RemoveReason): void {
    for (const index of this.#indexes(true, true)) {
      const v = this.#vals[index];
      if (isPending<V>(v)) v.__abortController.abort(new Error('deleted'));
      else this.#disposeValue(v as V, this.#keys[index] as K, reason, event);
    }
    this.#keyMap.clear();
    this.#vals.fill(undefined);
    this.#keys.fill(undefined);
    this.#expiry?.clear();
    this.#sizes?.fill(0);
    this.#policy.clear();
    this.#freeTop = 0;
    this.#used = 0;
    this.#calculatedSize = 0;
    this.#size = 0;
    if (this.#hasDisposeAfter) this.#flushDisposeAfter();
  }

  // ---------------------------------------------------------------- fetch

  /**
   * Like `get`, but on a miss (or a stale entry) calls `fetchMethod` and stores what it resolves.
   * Concurrent fetches of one key share one call. Without a `fetchMethod` it is `get`.
   */
  fetch(k: K, fetchOptions: FetchOptionsArg<K, V, FC>): Promise<undefined | V>;
  fetch(k: ContextFreeKey<K, FC>, fetchOptions?: OptionalFetchOptionsArg<K, V, FC>): Promise<undefined | V>;
  fetch(k: K, fetchOptions: FetchOptions<K, V, FC> = {}): Promise<undefined | V> {
    const status = fetchOptions.status;
    if (status && fetchOptions.context) status.context = fetchOptions.context;
    const t0 = this.#slowStart();
    const p = this.#fetch(k, fetchOptions);
    this.#done(t0, 'fetch', k);
    this.#flushEvents();
    return p;
  }

  /** `fetch`, but rejects instead of resolving `undefined`. */
  forceFetch(k: K, fetchOptions: FetchOptionsArg<K, V, FC>): Promise<V>;
  forceFetch(k: ContextFreeKey<K, FC>, fetchOptions?: OptionalFetchOptionsArg<K, V, FC>): Promise<V>;
  async forceFetch(k: K, fetchOptions: FetchOptions<K, V, FC> = {}): Promise<V> {
    const status = fetchOptions.status;
    if (status && fetchOptions.context) status.context = fetchOptions.context;
    const v = await this.#fetch(k, fetchOptions);
    if (v === undefined) throw new Error('fetch() returned undefined');
    return v;
  }

  async #fetch(k: K, fetchOptions: FetchOptions<K, V, FC>): Promise<undefined | V> {
    const { context, forceRefresh = false, status } = fetchOptions;
    const options = resolveFetchOptions(this, fetchOptions);
    const { allowStale, updateAgeOnGet, noDeleteOnStaleGet } = options;
    if (status) {
      status.op = 'fetch';
      status.key = k;
      if (forceRefresh) status.forceRefresh = true;
      status.cache = this;
    }
    if (!this.#hasFetchMethod) {
      if (status) status.fetch = 'get';
      const getOptions: GetOptions<K, V, FC> = { allowStale, updateAgeOnGet, noDeleteOnStaleGet };
      if (status) getOptions.status = status;
      return this.#get(k, getOptions);
    }
    const index = this.#keyMap.get(k);
    if (index === undefined) {
      if (status) status.fetch = 'miss';
      this.#misses++;
      const p = this.#backgroundFetch(k, undefined, options, context as FC);
      p.__returned = p;
      return p;
    }
    const v = this.#vals[index];
    if (isPending<V>(v)) {
      const stale = allowStale && v.__staleWhileFetching !== undefined;
      if (status) {
        status.fetch = 'inflight';
        if (stale) status.returnedStale = true;
      }
      if (stale) return v.__staleWhileFetching;
      v.__returned = v;
      return v;
    }
    // a forced refresh does not serve the cached value (unless already refreshing, above)
    const isStale = this.#isStale(index);
    if (!forceRefresh && !isStale) {
      if (status) status.fetch = 'hit';
      this.#hits++;
      this.#policy.access(index);
      if (updateAgeOnGet) this.#expiry?.touch(index);
      if (status) this.#expiry?.status(status, index);
      return v;
    }
    this.#misses++;
    const p = this.#backgroundFetch(k, index, options, context as FC);
    const hasStale = p.__staleWhileFetching !== undefined;
    const staleVal = hasStale && allowStale;
    if (status) {
      status.fetch = isStale ? 'stale' : 'refresh';
      if (staleVal && isStale) status.returnedStale = true;
    }
    if (staleVal) return p.__staleWhileFetching;
    p.__returned = p;
    return p;
  }

  #backgroundFetch(
    k: K,
    index: number | undefined,
    options: InternalFetchOptions<K, V, FC>,
    context: FC,
  ): Pending<V> {
    this.#fetchOwner ??= {
      fetchMethod: this.#fetchMethod!,
      perf: this.#perf,
      valueAt: (i) => this.#vals[i],
      putAt: (i, v) => {
        this.#vals[i] = v;
      },
      indexOf: (key) => this.#keyMap.get(key),
      store: (key, v, setOptions, bf) => this.#set(key, v, setOptions, bf),
      remove: (key) => void this.#delete(key, 'fetch'),
      settled: (ok, ms) => {
        if (ok) this.#fetchSuccesses++;
        else this.#fetchFailures++;
        this.#fetchTime += ms;
      },
      flush: () => this.#flushEvents(),
    };
    return startBackgroundFetch(this.#fetchOwner, k, index, options, context);
  }

  // ---------------------------------------------------------------- memo

  /** The value for `k`, computed synchronously with `memoMethod` and stored when absent or stale. */
  memo(k: K, memoOptions: MemoOptionsArg<K, V, FC>): V;
  memo(k: ContextFreeKey<K, FC>, memoOptions?: OptionalMemoOptionsArg<K, V, FC>): V;
  memo(k: K, memoOptions: MemoOptions<K, V, FC> = {}): V {
    const t0 = this.#slowStart();
    const status = memoOptions.status;
    if (status) {
      status.op = 'memo';
      status.key = k;
      if (memoOptions.context) status.context = memoOptions.context;
      status.cache = this;
    }
    const memoMethod = this.#memoMethod;
    if (!memoMethod) throw new Error('no memoMethod provided to constructor');
    const { context, status: _status, forceRefresh, ...options } = memoOptions;
    if (status && forceRefresh) status.forceRefresh = true;
    const v = this.#get(k, options);
    const refresh = forceRefresh || v === undefined;
    if (status) {
      status.memo = refresh ? 'miss' : 'hit';
      if (!refresh) status.value = v;
    }
    let result: V;
    if (!refresh) {
      result = v;
    } else {
      result = memoMethod(k, v, { options, context: context as FC });
      if (status) status.value = result;
      this.#set(k, result, options, undefined);
    }
    if (status) status.value = result;
    this.#done(t0, 'memo', k);
    this.#flushEvents();
    return result;
  }

  // ---------------------------------------------------------------- listeners, slow log, stats (Larder)

  /**
   * Listen for entries leaving the cache (`'remove'`: `(key, value, reason)`), for slow operations
   * (`'slow'`: `(entry)`), or for errors thrown by listeners (`'error'`). Listeners run after the
   * operation that caused them has finished, so they may use the cache; one that throws never
   * corrupts it (its error goes to `'error'` listeners, or a process warning).
   */
  on(event: 'remove', listener: RemoveListener<K, V>): this;
  on(event: 'slow', listener: SlowListener): this;
  on(event: 'error', listener: (error: unknown) => void): this;
  on(event: 'remove' | 'slow' | 'error', listener: (...args: never[]) => void): this {
    if (typeof listener !== 'function') throw new TypeError(`${event} listener must be a function`);
    this.#listeners.listeners(event).push(listener as never);
    return this;
  }

  /** Remove a listener added with {@link Cache.on}. */
  off(event: 'remove', listener: RemoveListener<K, V>): this;
  off(event: 'slow', listener: SlowListener): this;
  off(event: 'error', listener: (error: unknown) => void): this;
  off(event: 'remove' | 'slow' | 'error', listener: (...args: never[]) => void): this {
    const list = this.#listeners.listeners(event);
    const at = list.lastIndexOf(listener);
    if (at !== -1) list.splice(at, 1);
    return this;
  }

  #slowStart(): number {
    return this.#slowThreshold === undefined ? 0 : this.#perf.now();
  }

  /** Record the operation begun at `t0` if it was slower than `slowThreshold`. */
  #done(t0: number, op: SlowOp, key: unknown): void {
    const threshold = this.#slowThreshold;
    if (threshold === undefined) return;
    const duration = this.#perf.now() - t0;
    if (duration < threshold) return;
    this.#listeners.slow(op, key, duration);
  }

  /**
   * The slow log, newest first: at most `count` entries (all by default), at most `slowlogMaxLen`
   * kept (Redis `SLOWLOG GET`).
   */
  slowlog(count?: number): SlowlogEntry[] {
    return this.#listeners.slowlog(count);
  }

  /** Empty the slow log (Redis `SLOWLOG RESET`). */
  slowlogReset(): void {
    this.#listeners.slowlogReset();
  }

  /** A snapshot of the counters since construction (or the last {@link Cache.resetStats}). */
  stats(): CacheStats {
    const reads = this.#hits + this.#misses;
    return {
      hits: this.#hits,
      misses: this.#misses,
      sets: this.#sets,
      evictions: removalCounts(this.#removed),
      fetchSuccesses: this.#fetchSuccesses,
      fetchFailures: this.#fetchFailures,
      fetchTime: this.#fetchTime,
      hitRatio: reads === 0 ? 0 : this.#hits / reads,
    };
  }

  /** Zero every counter. */
  resetStats(): void {
    this.#hits = 0;
    this.#misses = 0;
    this.#sets = 0;
    this.#removed.fill(0);
    this.#fetchSuccesses = 0;
    this.#fetchFailures = 0;
    this.#fetchTime = 0;
  }

  /**
   * Attach the one {@link CacheMutationObserver} (persistence uses it to log every change), or pass
   * `undefined` to detach it. The observer hears each `set`, `delete` (and `pop`) and `clear`
   * synchronously, before the call returns; not reads, evictions or expiries.
   * @throws {@link ConfigError} when another observer is already attached.
   */
  observeMutations(observer: CacheMutationObserver<K, V> | undefined): void {
    if (observer !== undefined && this.#observer !== undefined && this.#observer !== observer) {
      throw new ConfigError('observer', observer, 'one observer per cache (this cache is already observed)');
    }
    this.#observer = observer;
  }

  /** For persistence: an {@link EntryCursor} over the entries. @internal */
  entryCursor(): EntryCursor<K, V> {
    const live = (i: number) => this.#keys[i] !== undefined;
    return createEntryCursor<K, V>(this.#used, this.#policy.slots(), live, (slot, out) => {
      const key = this.#keys[slot];
      const value = this.#vals[slot];
      if (key === undefined || value === undefined || isPending(value)) return false;
      out.key = key;
      out.value = value as V;
      out.remaining = this.#expiry?.remaining(slot) ?? Number.POSITIVE_INFINITY;
      out.size = this.#sizes?.[slot] ?? 0;
      return true;
    });
  }

  /** Stop the expiry timer (entries stay; expiry becomes lazy). Call when dropping a `ttlAutopurge` cache early. */
  close(): void {
    this.#expiry?.close();
  }
}
