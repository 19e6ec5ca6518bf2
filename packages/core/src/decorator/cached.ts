/**
 * `@cached(ttl)`: cache what a method returns, keyed by its class, its name and its
 * arguments. Asynchronous methods go through {@link HttpCache.wrap} (single-flight,
 * stale-while-revalidate, tags); synchronous ones backed by an in-memory {@link Cache} stay
 * synchronous and read and write the same entries directly.
 */
import { deserialize, serialize } from 'node:v8';
import { Cache } from '../cache/cache.js';
import { type Duration, parseDuration } from '../duration.js';
import { ConfigError } from '../errors.js';
import { HttpCache } from '../http/http-cache.js';
import { DEFAULT_MAX_ENTRY_BYTES } from '../http/options.js';
import { isApplicationTag } from '../http/tags.js';
import { valueEntry, type WrapOptions } from '../http/value-memo.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES } from '../store/memory-store.js';
import type { ResponseStore, StoredEntry } from '../store/types.js';
import { CacheStore } from './cache-store.js';
import {
  type AnyArgs,
  type DecoratedMethod,
  type DualMethodDecorator,
  methodDecorator,
} from './method-decorator.js';
import { argumentsKey, UnkeyableArgumentError } from './stable-key.js';

/**
 * Where `@cached` keeps results: an in-memory {@link Cache} (synchronous methods stay
 * synchronous), any {@link ResponseStore} (`MemoryStore`, `@larder/redis`), or an {@link HttpCache}
 * (its store, clock, `lockTimeout` and `onError`; share an application's engine this way).
 */
export type CacheResponseTarget = AnyCache | ResponseStore | HttpCache;

/**
 * A {@link Cache} of any type parameters (it holds the decorator's entries), so that
 * `new Cache({ max: 500 })`, typed `Cache<{}, {}>`, is accepted as well as `Cache<string, StoredEntry>`.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyCache = Cache<any, any, any>;

/** Options of {@link cacheResponse}. `A` are the method's parameters, `R` what it returns (resolved). */
export interface CachedOptions<A extends AnyArgs = AnyArgs, R = unknown> {
  /** How long a result is fresh: ms, or `'30s'`, `'5m'`, ... */
  ttl: Duration;
  /**
   * After `ttl`, return the stale result for this long while one background call refreshes it
   * (RFC 5861 semantics). @defaultValue 0
   */
  staleWhileRevalidate?: Duration;
  /**
   * The cache key of a call, from its arguments (called with the method's `this`). Used as is, not
   * prefixed: methods that return the same key share the entry, and `invalidate({ key })` takes it.
   * @defaultValue `Class#method(args)` (`Class.method(args)` for a static method), the arguments
   * through {@link stableKey}
   */
  key?: (...args: A) => string;
  /** Tags of a call's entry, for `invalidate({ tags })` (called with the method's `this`). */
  tags?: (...args: A) => readonly string[];
  /** Where results live. @defaultValue the process-wide cache; see {@link setDefaultCache} */
  cache?: CacheResponseTarget;
  /**
   * Store a result only when this returns true (called with the method's `this`). The result is
   * returned either way. @defaultValue every result is stored
   */
  condition?: (result: R) => boolean;
}

const OPTION_NAMES = ['ttl', 'staleWhileRevalidate', 'key', 'tags', 'cache', 'condition'];
/** The entry header that marks a result a synchronous call returned (hits then return it as is). */
const SYNC_HEADER = 'x-larder-call';
const SYNC_HEADERS = { 'content-type': 'application/x-v8-serialized', [SYNC_HEADER]: 'sync' };
const ENTRY_OVERHEAD = 128;
const AsyncFunction = (async () => {}).constructor;

interface Resolved {
  /** The name errors give the decorator: `@cached`, or `@cacheResponse` through the deprecated alias. */
  label: string;
  ttl: number;
  staleWhileRevalidate: number;
  key: ((...args: unknown[]) => string) | undefined;
  tags: ((...args: unknown[]) => readonly string[]) | undefined;
  cache: CacheResponseTarget | undefined;
  condition: ((result: unknown) => boolean) | undefined;
}

/** An engine, and the in-memory store behind it when there is one (the synchronous path). */
interface Backend {
  engine: HttpCache;
  memory: CacheStore | undefined;
  /** Keys whose synchronous background refresh is under way. */
  refreshing: Set<string>;
}

const backends = new WeakMap<object, Backend>();
let defaultCache: CacheResponseTarget | undefined;

function entrySize(entry: StoredEntry, key: string): number {
  let size = ENTRY_OVERHEAD + entry.body.byteLength + key.length;
  for (const tag of entry.tags) size += tag.length + 8;
  return size;
}

/** The bounded cache `@cached` uses when given none: 10 000 entries, 64 MiB. */
function createDefaultCache(): Cache<string, StoredEntry> {
  return new Cache<string, StoredEntry>({
    max: DEFAULT_MAX_ENTRIES,
    maxSize: DEFAULT_MAX_BYTES,
    sizeCalculation: entrySize,
    // read the clock on every check: a debounced clock would serve entries past their time
    ttlResolution: 0,
  });
}

function isStore(value: unknown): value is ResponseStore {
  const s = value as Record<string, unknown> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    ['get', 'set', 'delete', 'deleteByTags', 'clear'].every((m) => typeof s[m] === 'function')
  );
}

function checkTarget(option: string, value: unknown): CacheResponseTarget {
  if (value instanceof Cache || value instanceof HttpCache || isStore(value)) {
    return value as CacheResponseTarget;
  }
  throw new ConfigError(option, value, 'a Cache, a ResponseStore or an HttpCache');
}

function backendOf(target: CacheResponseTarget): Backend {
  let backend = backends.get(target);
  if (backend === undefined) {
    if (target instanceof HttpCache) {
      backend = { engine: target, memory: undefined, refreshing: new Set() };
    } else if (target instanceof Cache) {
      const memory = new CacheStore(target as Cache<string, StoredEntry>);
      const engine = new HttpCache({ store: memory, now: () => memory.now() });
      backend = { engine, memory, refreshing: new Set() };
    } else {
      backend = { engine: new HttpCache({ store: target }), memory: undefined, refreshing: new Set() };
    }
    backends.set(target, backend);
  }
  return backend;
}

/**
 * Replace the cache that `@cached` methods without a `cache` option use, from their next call
 * on. The default is a bounded in-memory {@link Cache} (10 000 entries, 64 MiB) created on first use.
 * @throws {@link ConfigError} when `cache` is not a `Cache`, a `ResponseStore` or an `HttpCache`.
 */
export function setDefaultCache(cache: CacheResponseTarget): void {
  defaultCache = checkTarget('cache', cache);
}

/** The cache `@cached` methods without a `cache` option use (created on first use). */
export function getDefaultCache(): CacheResponseTarget {
  defaultCache ??= createDefaultCache();
  return defaultCache;
}

/**
 * The {@link HttpCache} that `@cached` methods using `cache` go through (the default cache when
 * omitted): `invalidate({ tags })`, `invalidate({ key })`, `clear()`, `stats()`. Its `stats()` count
 * the calls of asynchronous methods; synchronous methods read and write the in-memory cache directly
 * and show in that cache's own `stats()`.
 */
export function decoratorEngine(cache: CacheResponseTarget = getDefaultCache()): HttpCache {
  return backendOf(checkTarget('cache', cache)).engine;
}

function resolveOptions(options: unknown, label: string): Resolved {
  if (typeof options === 'number' || typeof options === 'string') options = { ttl: options };
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(label, options, 'a duration or an options object');
  }
  const o = options as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (!OPTION_NAMES.includes(name)) {
      throw new ConfigError(name, o[name], `a known option (${OPTION_NAMES.join(', ')})`);
    }
  }
  const fn = <F>(name: string): F | undefined => {
    const value = o[name];
    if (value === undefined || typeof value === 'function') return value as F | undefined;
    throw new ConfigError(name, value, 'a function');
  };
  return {
    label,
    ttl: parseDuration('ttl', o.ttl),
    staleWhileRevalidate:
      o.staleWhileRevalidate === undefined
        ? 0
        : parseDuration('staleWhileRevalidate', o.staleWhileRevalidate),
    key: fn('key'),
    tags: fn('tags'),
    condition: fn('condition'),
    cache: o.cache === undefined ? undefined : checkTarget('cache', o.cache),
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** The key of one call; throws a TypeError that says what to do when the arguments have no key. */
function callKey(o: Resolved, method: DecoratedMethod, thisArg: unknown, args: unknown[]): string {
  if (o.key !== undefined) {
    const key = o.key.apply(thisArg, args);
    if (typeof key !== 'string' || key === '') {
      throw new TypeError(
        `${o.label} on ${method.label(thisArg)}: key(...args) must return a non-empty string, got ${typeof key}`,
      );
    }
    return key;
  }
  try {
    return `${method.label(thisArg)}(${argumentsKey(args)})`;
  } catch (error) {
    if (!(error instanceof UnkeyableArgumentError)) throw error;
    throw new TypeError(
      `${o.label} cannot key a call of ${method.label(thisArg)}: ${error.message}. ` +
        'Pass a key option that builds the key from what identifies the call: ' +
        `${o.label}({ ttl, key: (...args) => string })`,
      { cause: error },
    );
  }
}

function callTags(o: Resolved, method: DecoratedMethod, thisArg: unknown, args: unknown[]): string[] {
  if (o.tags === undefined) return [];
  const tags = o.tags.apply(thisArg, args);
  if (!Array.isArray(tags) || !tags.every(isApplicationTag)) {
    throw new TypeError(
      `${o.label} on ${method.label(thisArg)}: tags(...args) must return an array of non-empty strings`,
    );
  }
  return tags;
}

/** A synchronous result as an entry; `undefined` when it is not to be stored. */
function syncEntry(
  o: Resolved,
  key: string,
  tags: string[],
  value: unknown,
  now: number,
  storable: boolean,
): StoredEntry | undefined {
  if (!storable || o.ttl <= 0) return undefined;
  let body: Uint8Array;
  try {
    body = serialize(value);
  } catch {
    // a value that cannot be serialised (a function) is returned, not stored, as wrap() does
    return undefined;
  }
  if (body.byteLength > DEFAULT_MAX_ENTRY_BYTES) return undefined;
  return valueEntry(key, body, now, o.ttl, o.staleWhileRevalidate, tags, SYNC_HEADERS);
}

function warnRefresh(method: DecoratedMethod, thisArg: unknown, error: unknown): void {
  process.emitWarning(
    `@cacheResponse: the background refresh of ${method.label(thisArg)} failed, the stale result stays: ${
      error instanceof Error ? error.message : String(error)
    }`,
    'LarderCacheResponseWarning',
    'LARDER_CACHE_RESPONSE_REFRESH',
  );
}

function cachedMethod(
  original: (this: unknown, ...args: unknown[]) => unknown,
  method: DecoratedMethod,
  o: Resolved,
) {
  // an async function, or learned from the first call that returned a promise: from then on every
  // call is asynchronous (single-flight through the engine)
  let async = original instanceof AsyncFunction;
  let warned = false;

  return function (this: unknown, ...args: unknown[]): unknown {
    const backend = backendOf(o.cache ?? getDefaultCache());
    const memory = backend.memory;
    const sync = memory !== undefined && !async;
    let key: string;
    let tags: string[];
    try {
      key = callKey(o, method, this, args);
      tags = callTags(o, method, this, args);
    } catch (error) {
      if (sync) throw error;
      return Promise.reject(error);
    }
    const condition = o.condition;
    const storable = (value: unknown): boolean => {
      if (condition === undefined) return true;
      try {
        return Boolean(condition.call(this, value));
      } catch {
        return false;
      }
    };
    const wrapOptions: WrapOptions = { ttl: o.ttl, staleWhileRevalidate: o.staleWhileRevalidate, tags };
    if (condition !== undefined) wrapOptions.condition = (value) => condition.call(this, value) as boolean;
    const call = () => original.apply(this, args);
    if (!sync) return backend.engine.wrap(key, call, wrapOptions);

    const entry = memory.peek(key);
    if (entry !== undefined) {
      // written by an asynchronous call of this key: the engine answers, as a promise
      if (entry.headers[SYNC_HEADER] !== 'sync') return backend.engine.wrap(key, call, wrapOptions);
      const now = memory.now();
      if (now < entry.staleWhileRevalidateUntil) {
        let value: unknown;
        let decoded = false;
        try {
          value = deserialize(entry.body);
          decoded = true;
        } catch {
          // an unreadable entry is a miss
        }
        if (decoded) {
          if (now >= entry.staleAt && !backend.refreshing.has(key)) {
            backend.refreshing.add(key);
            setImmediate(() => {
              try {
                const fresh = call();
                if (isThenable(fresh)) throw new TypeError('the method returned a promise in a refresh');
                const next = syncEntry(o, key, tags, fresh, memory.now(), storable(fresh));
                if (next !== undefined) memory.put(key, next);
              } catch (error) {
                if (!warned) warnRefresh(method, this, error);
                warned = true;
              } finally {
                backend.refreshing.delete(key);
              }
            });
          }
          return value;
        }
      }
    }
    const result = call();
    if (isThenable(result)) {
      async = true;
      // the engine may answer from an entry written meanwhile; the promise must not reject unheard
      Promise.resolve(result).catch(() => {});
      return backend.engine.wrap(key, () => result, wrapOptions);
    }
    const next = syncEntry(o, key, tags, result, memory.now(), storable(result));
    if (next !== undefined) memory.put(key, next);
    return result;
  };
}

/**
 * Cache what a method returns, for `ttl`, keyed by its class, its name and its arguments. Works on
 * synchronous and asynchronous methods, instance or static, in both decorator modes (standard
 * decorators and `experimentalDecorators`).
 *
 * ```ts
 * class Users {
 *   @cached('1m')
 *   async find(id: number) { return db.users.find(id); }
 *
 *   @cached({ ttl: '10m', tags: (id) => [`user:${id}`], condition: (user) => user !== null })
 *   async profile(id: number) { ... }
 * }
 * await decoratorEngine().invalidate({ tags: ['user:1'] });
 * ```
 *
 * - The key is `Class#method(args)` (`Class.method(args)` when static), the arguments through
 *   {@link stableKey} (object keys sorted; Dates, Buffers, typed arrays, bigints, Maps, Sets, `null`
 *   and `undefined` kept apart; trailing `undefined` arguments dropped). A function, symbol or cyclic
 *   argument is a `TypeError` at call time that says to pass `key`. The instance is not part of the key:
 *   instances of one class share entries unless `key` tells them apart (it is called with `this`).
 * - Concurrent calls with one key run the method once (single-flight, async methods). Rejections and
 *   throws are never stored. `this` is the caller's.
 * - Results are stored as `node:v8` serializations: every hit returns a fresh copy (Dates, Maps, Sets,
 *   typed arrays and bigints survive; class instances come back as plain objects). A result that
 *   cannot be serialised is returned and not stored.
 * - A synchronous method returns synchronously as long as its `cache` is an in-memory {@link Cache}
 *   (the default). With a `ResponseStore` or an `HttpCache`, every call returns a promise, and the
 *   typings accept only methods that return promises.
 *
 * @param ttlOrOptions - the fresh lifetime (`'1m'`, ms), or {@link CachedOptions}.
 * @throws {@link ConfigError} at class definition for an invalid option.
 */
export function cached(ttl: Duration): DualMethodDecorator<(...args: AnyArgs) => unknown>;
export function cached<A extends AnyArgs = AnyArgs, R = unknown>(
  options: CachedOptions<A, R> & { cache: ResponseStore | HttpCache },
): DualMethodDecorator<(...args: A) => PromiseLike<R>>;
export function cached<A extends AnyArgs = AnyArgs, R = unknown>(
  options: CachedOptions<A, R>,
): DualMethodDecorator<(...args: A) => R | PromiseLike<R>>;
export function cached(
  ttlOrOptions: Duration | CachedOptions,
): DualMethodDecorator<(...args: AnyArgs) => unknown> {
  return decorate('@cached', ttlOrOptions);
}

/**
 * The former name of {@link cached}, which caches what a method returns, not an HTTP response (the
 * adapters' `@cacheResponse` do that). Errors name it `@cacheResponse`.
 * @deprecated Use {@link cached}; this alias goes in the next minor release.
 */
export const cacheResponse: typeof cached = ((ttlOrOptions: Duration | CachedOptions) =>
  decorate('@cacheResponse', ttlOrOptions)) as typeof cached;

/**
 * Options of {@link cached}, under their former name.
 * @deprecated Use {@link CachedOptions}.
 */
export type CacheResponseOptions<A extends AnyArgs = AnyArgs, R = unknown> = CachedOptions<A, R>;

function decorate(
  label: string,
  ttlOrOptions: Duration | CachedOptions,
): DualMethodDecorator<(...args: AnyArgs) => unknown> {
  const o = resolveOptions(ttlOrOptions, label);
  return methodDecorator(label, (original, method) => cachedMethod(original, method, o));
}
