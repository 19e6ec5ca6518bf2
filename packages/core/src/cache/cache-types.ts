/**
 * The types of {@link Cache}'s options, per-call options, status tracing and callbacks. Names and
 * shapes follow lru-cache 11.5 (`LRUCache.Options` and friends) so that code written against
 * lru-cache's types compiles against `Cache` unchanged; Larder's additions are marked.
 */

import type { PolicyName } from '../policies/create-policy.js';
import type { EvictionPolicy } from '../policies/eviction-policy.js';

/** A clock: `now()` in milliseconds, monotonic (`performance` by default). */
export interface Perf {
  now(): number;
}

/** Why an entry's value was disposed (the `dispose`/`disposeAfter` callbacks, as in lru-cache). */
export type DisposeReason = 'evict' | 'set' | 'delete' | 'expire' | 'fetch';
/** Called when a value leaves the cache. */
export type Disposer<K, V> = (value: V, key: K, reason: DisposeReason) => void;
/** Why a value was written. */
export type InsertReason = 'add' | 'update' | 'replace';
/** Called when a value is written. */
export type Inserter<K, V> = (value: V, key: K, reason: InsertReason) => void;
/** Computes an entry's size for `maxSize` accounting. Must return a positive integer. */
export type SizeCalculator<K, V> = (value: V, key: K) => number;

/**
 * Why an entry left the cache, as reported to `on('remove')` listeners (Larder).
 * `clear` is reported for every entry removed by `clear()`.
 */
export type RemoveReason = 'evict' | 'expire' | 'delete' | 'set' | 'clear';
/** A `remove` listener (Larder). */
export type RemoveListener<K, V> = (key: K, value: V, reason: RemoveReason) => void;

/** The operations the slow log times (Larder). */
export type SlowOp =
  | 'get'
  | 'set'
  | 'has'
  | 'peek'
  | 'delete'
  | 'pop'
  | 'clear'
  | 'fetch'
  | 'memo'
  | 'purgeStale'
  | 'dump'
  | 'load';

/** One slow-log record, like a Redis `SLOWLOG GET` row (Larder). */
export interface SlowlogEntry {
  /** Increasing id, unique for the life of the cache (Redis: the entry id). */
  id: number;
  /** When the operation started, as `Date.now()` milliseconds. */
  timestamp: number;
  /** How long it took, in milliseconds (fractional). */
  duration: number;
  /** The operation. */
  op: SlowOp;
  /** The key it was called with, if any. */
  key?: unknown;
}
/** A `slow` listener (Larder). */
export type SlowListener = (entry: SlowlogEntry) => void;

/** Counters kept by every cache; see {@link CacheStats}. */
export interface CacheStats {
  /** Reads (`get`, `fetch`, `memo`) that found a fresh value (or a stale one they were allowed). */
  hits: number;
  /** Reads that found nothing usable. */
  misses: number;
  /** Values written by `set` (including through `fetch` and `memo`). */
  sets: number;
  /** Entries removed, by reason. */
  evictions: Record<RemoveReason, number>;
  /** `fetchMethod` calls that settled with a value or `undefined`. */
  fetchSuccesses: number;
  /** `fetchMethod` calls that rejected or were aborted. */
  fetchFailures: number;
  /** Total milliseconds spent in settled `fetchMethod` calls. */
  fetchTime: number;
  /** `hits / (hits + misses)`, or 0 before the first read. */
  hitRatio: number;
}

/** The tracing object that methods fill in when given a `status` option (as lru-cache's). */
// biome-ignore lint/correctness/noUnusedVariables: FC keeps the type parameters of lru-cache's Status
export interface Status<K, V, FC = unknown> {
  op?: 'get' | 'set' | 'memo' | 'fetch' | 'delete' | 'has' | 'peek';
  set?: 'add' | 'update' | 'replace' | 'miss' | 'deleted';
  delete?: DisposeReason;
  peek?: 'hit' | 'miss' | 'stale';
  memo?: 'hit' | 'miss';
  context?: unknown;
  ttl?: number;
  start?: number;
  now?: number;
  remainingTTL?: number;
  entrySize?: number;
  totalCalculatedSize?: number;
  maxEntrySizeExceeded?: true;
  key?: K;
  value?: V;
  oldValue?: V;
  has?: 'hit' | 'stale' | 'miss';
  fetch?: 'get' | 'inflight' | 'miss' | 'hit' | 'stale' | 'refresh';
  forceRefresh?: boolean;
  fetchDispatched?: true;
  fetchUpdated?: true;
  fetchError?: Error;
  fetchAborted?: true;
  fetchAbortIgnored?: true;
  fetchResolved?: true;
  fetchRejected?: true;
  get?: 'stale' | 'hit' | 'miss' | 'fetching' | 'stale-fetching';
  returnedStale?: true;
  trace?: boolean;
  /**
   * The cache the operation ran on. Typed `any` on purpose: lru-cache types this field as its own
   * class, which no other class can satisfy (it is nominal), and a `fetchMethod` written for
   * lru-cache must still type-check when handed to us.
   */
  // biome-ignore lint/suspicious/noExplicitAny: see above
  cache?: any;
}

/** The options a `fetchMethod` sees (a subset of the fetch options). */
export interface FetcherFetchOptions<K, V, FC = unknown>
  extends Pick<
    CacheOptionsBase<K, V, FC>,
    | 'allowStale'
    | 'updateAgeOnGet'
    | 'noDeleteOnStaleGet'
    | 'sizeCalculation'
    | 'ttl'
    | 'noDisposeOnSet'
    | 'noUpdateTTL'
    | 'noDeleteOnFetchRejection'
    | 'allowStaleOnFetchRejection'
    | 'ignoreFetchAbort'
    | 'allowStaleOnFetchAbort'
  > {
  status?: Status<K, V, FC>;
  size?: number;
}

/** The third argument of a `fetchMethod`. */
export interface FetcherOptions<K, V, FC = unknown> {
  signal: AbortSignal;
  options: FetcherFetchOptions<K, V, FC>;
  context: FC;
}

/** Options of `fetch` and `forceFetch`. */
export interface FetchOptions<K, V, FC> extends FetcherFetchOptions<K, V, FC> {
  forceRefresh?: boolean;
  context?: FC;
  signal?: AbortSignal;
  status?: Status<K, V, FC>;
}
/** Fetch options when the cache's context type is required. */
export type FetchOptionsWithContext<K, V, FC> = FetchOptions<K, V, FC> & { context: FC };
/** Fetch options when the cache's context type is `undefined` (`context` stays optional). */
export type FetchOptionsNoContext<K, V, FC extends undefined | void = undefined> = FetchOptions<K, V, FC>;

/** The cache options a `memoMethod` sees, which `memo` also takes per call. */
type MemoizerOptionNames =
  | 'allowStale'
  | 'updateAgeOnGet'
  | 'noDeleteOnStaleGet'
  | 'sizeCalculation'
  | 'ttl'
  | 'noDisposeOnSet'
  | 'noUpdateTTL';

/** Options of `memo`. */
export interface MemoOptions<K, V, FC = unknown>
  extends Pick<
    CacheOptionsBase<K, V, FC>,
    | MemoizerOptionNames
    | 'noDeleteOnFetchRejection'
    | 'allowStaleOnFetchRejection'
    | 'ignoreFetchAbort'
    | 'allowStaleOnFetchAbort'
  > {
  forceRefresh?: boolean;
  context?: FC;
  status?: Status<K, V, FC>;
}
/** Memo options when the cache's context type is required. */
export type MemoOptionsWithContext<K, V, FC> = MemoOptions<K, V, FC> & { context: FC };
/** Memo options when the cache's context type is `undefined` (`context` stays optional). */
export type MemoOptionsNoContext<K, V, FC extends undefined | void = undefined> = MemoOptions<K, V, FC>;
/** The options a `memoMethod` sees. */
export interface MemoizerMemoOptions<K, V, FC = unknown>
  extends Pick<CacheOptionsBase<K, V, FC>, MemoizerOptionNames> {
  status?: Status<K, V, FC>;
  size?: number;
  start?: number;
}
/** The third argument of a `memoMethod`. */
export interface MemoizerOptions<K, V, FC = unknown> {
  options: MemoizerMemoOptions<K, V, FC>;
  context: FC;
}

/** Options of `has`. */
export interface HasOptions<K, V, FC> extends Pick<CacheOptionsBase<K, V, FC>, 'updateAgeOnHas'> {
  status?: Status<K, V, FC>;
}
/** Options of `get`. */
export interface GetOptions<K, V, FC>
  extends Pick<CacheOptionsBase<K, V, FC>, 'allowStale' | 'updateAgeOnGet' | 'noDeleteOnStaleGet'> {
  status?: Status<K, V, FC>;
}
/** Options of `peek`. */
export interface PeekOptions<K, V, FC> extends Pick<CacheOptionsBase<K, V, FC>, 'allowStale'> {
  status?: Status<K, V, FC>;
}
/** Options of `set`. */
export interface SetOptions<K, V, FC>
  extends Pick<CacheOptionsBase<K, V, FC>, 'sizeCalculation' | 'ttl' | 'noDisposeOnSet' | 'noUpdateTTL'> {
  /** The entry's size, instead of calling `sizeCalculation`. */
  size?: number;
  /** The TTL start time, a past value of the cache's clock. */
  start?: number;
  status?: Status<K, V, FC>;
}

/** Loads a value for `fetch`. */
export type Fetcher<K, V, FC = unknown> = (
  key: K,
  staleValue: V | undefined,
  options: FetcherOptions<K, V, FC>,
) => Promise<V | undefined | void> | V | undefined | void;
/** Computes a value for `memo`. */
export type Memoizer<K, V, FC = unknown> = (
  key: K,
  staleValue: V | undefined,
  options: MemoizerOptions<K, V, FC>,
) => V;

/**
 * Every option of {@link Cache}. The lru-cache 11.5 options keep their names, units and defaults;
 * see each one. Larder adds `policy`, `seed`, `slowThreshold` and `slowlogMaxLen`.
 */
export interface CacheOptionsBase<K, V, FC> {
  /** Most entries held; 0 for no count limit. A positive integer. @defaultValue 0 */
  max?: number;
  /** Default time to live, in ms; 0 for none. @defaultValue 0 */
  ttl?: number;
  /** How long a read of the clock may be reused, in ms. @defaultValue 1 */
  ttlResolution?: number;
  /** Remove entries when they expire, through one timer-wheel timer for the whole cache. @defaultValue false */
  ttlAutopurge?: boolean;
  /** `get` restarts the entry's TTL. @defaultValue false */
  updateAgeOnGet?: boolean;
  /** `has` restarts the entry's TTL. @defaultValue false */
  updateAgeOnHas?: boolean;
  /** Return stale values (once) instead of `undefined`. @defaultValue false */
  allowStale?: boolean;
  /** Called when a value leaves, during the operation. */
  dispose?: Disposer<K, V>;
  /** Called when a value is written. */
  onInsert?: Inserter<K, V>;
  /** Called when a value leaves, after the operation completes. */
  disposeAfter?: Disposer<K, V>;
  /** Do not dispose a value that `set` replaces. @defaultValue false */
  noDisposeOnSet?: boolean;
  /** `set` of an existing key keeps its TTL. @defaultValue false */
  noUpdateTTL?: boolean;
  /** Most total size of entries (see `sizeCalculation`); 0 for none. @defaultValue 0 */
  maxSize?: number;
  /** Size a pending fetch counts for until it settles. @defaultValue 1 */
  backgroundFetchSize?: number;
  /** Largest size of one entry; larger ones are not stored. @defaultValue maxSize */
  maxEntrySize?: number;
  /** Computes each entry's size when `maxSize` or `maxEntrySize` is set. */
  sizeCalculation?: SizeCalculator<K, V>;
  /** Loads values for `fetch`. */
  fetchMethod?: Fetcher<K, V, FC>;
  /** Computes values for `memo`. */
  memoMethod?: Memoizer<K, V, FC>;
  /** Keep the stale value when a fetch rejects. @defaultValue false */
  noDeleteOnFetchRejection?: boolean;
  /** Keep a stale entry when `get` returns it. @defaultValue false */
  noDeleteOnStaleGet?: boolean;
  /** Return the stale value when a fetch rejects. @defaultValue false */
  allowStaleOnFetchRejection?: boolean;
  /** Return the stale value when a fetch is aborted. @defaultValue false */
  allowStaleOnFetchAbort?: boolean;
  /** Keep a fetch running after its signal aborts. @defaultValue false */
  ignoreFetchAbort?: boolean;
  /** The clock, for tests. @defaultValue performance */
  perf?: Perf;
  /**
   * The eviction policy (Larder): a built-in name or an {@link EvictionPolicy} instance.
   * @defaultValue 'lru' (lru-cache's behaviour)
   */
  policy?: PolicyName | EvictionPolicy;
  /**
   * Seed of the built-in policy named by `policy`, when it uses randomness (`'w-tinylfu'`: its
   * sketch's hashing, admission jitter and key sampling), so that the same operations make the same
   * evictions run after run (Larder). A safe integer (its low 32 bits count). Not with a policy
   * instance: seed the instance itself (`new WTinyLfuPolicy({ seed })`).
   * @defaultValue a random seed per cache, so that nobody can aim keys at its counters
   */
  seed?: number;
  /**
   * Operations slower than this many ms are recorded in the slow log and reported to `slow`
   * listeners (Larder; like Redis `slowlog-log-slower-than`). Unset: no timing at all.
   */
  slowThreshold?: number;
  /** Most slow-log entries kept, newest first (Larder; Redis `slowlog-max-len`). @defaultValue 128 */
  slowlogMaxLen?: number;
}

/** Options with a `max`. */
export interface CacheOptionsMaxLimit<K, V, FC> extends CacheOptionsBase<K, V, FC> {
  max: number;
}
/** Options with a `ttl` and autopurge. */
export interface CacheOptionsTTLLimit<K, V, FC> extends CacheOptionsBase<K, V, FC> {
  ttl: number;
  ttlAutopurge: boolean;
}
/** Options with a `maxSize`. */
export interface CacheOptionsSizeLimit<K, V, FC> extends CacheOptionsBase<K, V, FC> {
  maxSize: number;
}
/** The options of {@link Cache}: at least one of `max`, `maxSize` or `ttl` bounds it. */
export type CacheOptions<K, V, FC> =
  | CacheOptionsMaxLimit<K, V, FC>
  | CacheOptionsSizeLimit<K, V, FC>
  | CacheOptionsTTLLimit<K, V, FC>;

/** One entry as `info` and `dump` describe it. `start` is a `Date.now()` time. */
export interface Entry<V> {
  value: V;
  ttl?: number;
  size?: number;
  start?: number;
}

/** The promise `fetch` returns while a load is pending, with lru-cache's bookkeeping fields. */
export type BackgroundFetch<V> = Promise<V | undefined> & {
  __returned: BackgroundFetch<V> | undefined;
  __abortController: AbortController;
  __staleWhileFetching: V | undefined;
};

/**
 * The options argument of `fetch` and `forceFetch`, typed as lru-cache types it: a `context` is
 * required exactly when `FC` is a type that is not `unknown`, `undefined` or `void`.
 */
export type FetchOptionsArg<K, V, FC> = unknown extends FC
  ? FetchOptions<K, V, FC>
  : FC extends undefined | void
    ? FetchOptionsNoContext<K, V, FC>
    : FetchOptionsWithContext<K, V, FC>;

/** The options argument of the `fetch` overload that may omit it (no `context` needed). */
export type OptionalFetchOptionsArg<K, V, FC> = unknown extends FC
  ? FetchOptions<K, V, FC>
  : FC extends undefined | void
    ? FetchOptionsNoContext<K, V, FC>
    : never;

/** The options argument of `memo`, typed as lru-cache types it (see {@link FetchOptionsArg}). */
export type MemoOptionsArg<K, V, FC> = unknown extends FC
  ? MemoOptions<K, V, FC>
  : FC extends undefined | void
    ? MemoOptionsNoContext<K, V, FC>
    : MemoOptionsWithContext<K, V, FC>;

/** The options argument of the `memo` overload that may omit it (no `context` needed). */
export type OptionalMemoOptionsArg<K, V, FC> = unknown extends FC
  ? MemoOptions<K, V, FC>
  : FC extends undefined | void
    ? MemoOptionsNoContext<K, V, FC>
    : never;

/** The key parameter of the overloads that may omit their options: `never` when a context is required. */
export type ContextFreeKey<K, FC> = unknown extends FC ? K : FC extends undefined | void ? K : never;

/**
 * Told of every change a user makes to a {@link Cache}'s contents, synchronously, before the
 * changing call returns (see `Cache.observeMutations`). Persistence (`persist()`) is the one user:
 * it appends each change to its log. Evictions and expiries are not reported: a log replays them by
 * itself (the same bounds evict the same way, and expiry is kept as an absolute time).
 * An observer must not throw and must not change the cache.
 */
export interface CacheMutationObserver<K, V> {
  /**
   * `key` now holds `value` (an add, a replacement, a fetch that settled, a `load`): `remaining` is
   * the ms its TTL has left (`Infinity` without one), `size` its size (0 when the cache tracks none).
   */
  set(key: K, value: V, remaining: number, size: number): void;
  /** `key` was deleted, or `set` to `undefined`, or popped; reported even when it was absent. */
  delete(key: K): void;
  /** `clear()` removed everything. */
  clear(): void;
}

/** One entry as {@link EntryCursor.read} gives it, in an object the caller reuses. */
export interface CursorEntry<K, V> {
  key: K;
  value: V;
  /** Ms its TTL has left (`Infinity` without one; 0 or less when stale). */
  remaining: number;
  /** Its size, 0 when the cache tracks none. */
  size: number;
}

/**
 * The cache's entries in the policy's order, for persistence, taken in slices while the cache keeps
 * changing: every entry that exists when the cursor is made and is left alone meanwhile is taken
 * exactly once; the order is the policy's where the cache did not change under the walk.
 */
export interface EntryCursor<K, V> {
  /** Take more of the order, for about `budgetMs`; `true` once all of it is taken. */
  advance(budgetMs: number): boolean;
  /** The slots taken so far, hottest first (read from the end for coldest first). */
  taken(): Int32Array;
  /** Fill `out` with the entry now in `slot`; `false` when the slot is empty or still fetching. */
  read(slot: number, out: CursorEntry<K, V>): boolean;
}
