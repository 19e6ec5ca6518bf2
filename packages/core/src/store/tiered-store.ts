/**
 * {@link TieredStore}: an in-process L1 in front of a shared L2, kept coherent across instances by an
 * {@link InvalidationBus} (DESIGN "Layers and data flow"; the bentocache L1/L2/bus shape).
 */

import { ConfigError } from '../errors.js';
import { absorbedErrorReporter } from '../internal/absorbed-errors.js';
import { checkOptions } from '../internal/options-check.js';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
import type { InvalidationBus, InvalidationMessage } from './shared-backend.js';
import { isPromiseLike, type ResponseStore, type StoredEntry } from './types.js';

/** Options of {@link TieredStore}. */
export interface TieredStoreOptions {
  /** The shared tier (a `RedisStore`). Its failures are absorbed: reads fall back to L1, writes keep L1. */
  l2: ResponseStore;
  /** The local tier. @defaultValue a {@link MemoryStore} bounded by `maxEntries` and `maxBytes` */
  l1?: ResponseStore;
  /** Bound of the default L1: most entries. @defaultValue 10_000 */
  maxEntries?: number;
  /** Bound of the default L1: most bytes. @defaultValue 64 MiB */
  maxBytes?: number;
  /** Seed of the default L1's eviction policy: see {@link MemoryStoreOptions.seed}. @defaultValue random */
  seed?: number;
  /** Carries invalidations to and from the other instances' L1. */
  bus?: InvalidationBus | undefined;
  /**
   * Longest time an entry read from (or written to) L2 stays in L1, in ms: the L1 copy's `expiresAt`
   * is brought forward to at most this far ahead, so a lost bus message makes an instance stale for
   * this long at most. @defaultValue none: L1 copies live until the entry expires
   */
  l1Ttl?: number | undefined;
  /** Clock, ms since the epoch. @defaultValue Date.now */
  now?: () => number;
  /** Receives the errors the store absorbs (L2 failures, bus failures), with a context such as `'l2.get'`. */
  onError?: ((error: unknown, context: string) => void) | undefined;
  /** Called after an invalidation from another instance was applied to L1. */
  onInvalidation?: ((message: InvalidationMessage) => void) | undefined;
}

/** Counters of {@link TieredStore.stats}. */
export interface TieredStoreStats {
  /** Reads answered by L1. */
  l1Hits: number;
  /** Reads that missed L1 and were answered by L2. */
  l2Hits: number;
  /** Reads that neither tier answered (an L2 failure counts here too). */
  misses: number;
  /** L2 operations that failed and were absorbed or reported. */
  l2Errors: number;
  /** Invalidations received from other instances. */
  remoteInvalidations: number;
}

const OPTION_NAMES = [
  'l2',
  'l1',
  'maxEntries',
  'maxBytes',
  'seed',
  'bus',
  'l1Ttl',
  'now',
  'onError',
  'onInvalidation',
];
const STORE_METHODS = ['get', 'set', 'delete', 'deleteByTags', 'clear'] as const;

function isStore(value: unknown): value is ResponseStore {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return STORE_METHODS.every((m) => typeof s[m] === 'function');
}

/** A read of L2 in flight, shared by concurrent readers of one key. */
interface PendingRead {
  promise: Promise<StoredEntry | undefined>;
  /** Set when the key may have changed since the read was sent: its result must not reach L1. */
  outdated: boolean;
}

/**
 * A {@link ResponseStore} made of two: a bounded in-process L1 ({@link MemoryStore} by default) in
 * front of a shared L2 (a `RedisStore`), with an optional {@link InvalidationBus} so that an
 * invalidation on any instance reaches every instance's L1.
 *
 * - **Reads** try L1, then L2; an L2 entry is copied into L1 until its `expiresAt` (or `l1Ttl`).
 *   Concurrent reads of one key that miss L1 share one L2 read. A read that was in flight while the
 *   key was written or invalidated does not copy its (possibly older) result into L1.
 * - **Writes** go to both tiers; an L2 failure is reported to `onError` and absorbed (L1 still serves).
 * - **Invalidations** (`delete`, `deleteByTags`, `clear`) apply to L1, then L2, then are published on
 *   the bus; the other instances apply them to their L1. They reject when L2 or the bus failed, after
 *   L1 was invalidated: an explicit invalidation that did not reach the fleet must not look done.
 *
 * The store never closes what it was given (L2, the bus, an L1 passed in): they may be shared; it
 * closes its default L1 and its bus subscription.
 */
export class TieredStore implements ResponseStore {
  /** The local tier. */
  readonly l1: ResponseStore;
  /** The shared tier. */
  readonly l2: ResponseStore;
  /** Resolves once the bus subscription is live (at once without a bus); never rejects. */
  readonly ready: Promise<void>;
  readonly #bus: InvalidationBus | undefined;
  readonly #ownsL1: boolean;
  readonly #l1Ttl: number | undefined;
  readonly #now: () => number;
  readonly #onError: (error: unknown, context: string) => void;
  readonly #onInvalidation: ((message: InvalidationMessage) => void) | undefined;
  readonly #reads = new Map<string, PendingRead>();
  readonly #stats: TieredStoreStats = {
    l1Hits: 0,
    l2Hits: 0,
    misses: 0,
    l2Errors: 0,
    remoteInvalidations: 0,
  };
  #unsubscribe: (() => Promise<void>) | undefined;
  /** Ends the wait before the next subscription attempt (on close). */
  #wake: (() => void) | undefined;
  #closed = false;

  /** @throws {@link ConfigError} for an unknown option or an invalid value. */
  constructor(options: TieredStoreOptions) {
    checkOptions(options, OPTION_NAMES);
    if (!isStore(options.l2)) throw new ConfigError('l2', options.l2, 'a ResponseStore');
    if (options.l1 !== undefined && !isStore(options.l1)) {
      throw new ConfigError('l1', options.l1, 'a ResponseStore');
    }
    const bus = options.bus;
    if (
      bus !== undefined &&
      (typeof bus !== 'object' ||
        bus === null ||
        typeof bus.publish !== 'function' ||
        typeof bus.subscribe !== 'function')
    ) {
      throw new ConfigError('bus', bus, 'an object with publish and subscribe methods');
    }
    const l1Ttl = options.l1Ttl;
    if (l1Ttl !== undefined && !(typeof l1Ttl === 'number' && Number.isFinite(l1Ttl) && l1Ttl > 0)) {
      throw new ConfigError('l1Ttl', l1Ttl, 'a number of ms above zero');
    }
    for (const name of ['now', 'onError', 'onInvalidation'] as const) {
      const fn = options[name];
      if (fn !== undefined && typeof fn !== 'function') throw new ConfigError(name, fn, 'a function');
    }
    if (options.l1 !== undefined) {
      for (const name of ['maxEntries', 'maxBytes', 'seed'] as const) {
        if (options[name] !== undefined) {
          throw new ConfigError(name, options[name], 'no value when l1 is given (configure the l1 itself)');
        }
      }
    }
    this.#now = options.now ?? Date.now;
    this.#l1Ttl = l1Ttl;
    this.l2 = options.l2;
    this.#ownsL1 = options.l1 === undefined;
    const memoryOptions: MemoryStoreOptions = { now: this.#now };
    if (options.maxEntries !== undefined) memoryOptions.maxEntries = options.maxEntries;
    if (options.maxBytes !== undefined) memoryOptions.maxBytes = options.maxBytes;
    if (options.seed !== undefined) memoryOptions.seed = options.seed;
    this.l1 = options.l1 ?? new MemoryStore(memoryOptions);
    this.#bus = bus;
    this.#onInvalidation = options.onInvalidation;
    this.#onError = absorbedErrorReporter(
      'TieredStore',
      options.onError,
      'LarderTieredStoreWarning',
      'LARDER_TIERED_STORE_ERROR',
    );
    this.ready = bus === undefined ? Promise.resolve() : this.#subscribe(bus, 0);
  }

  /** A snapshot of the counters. */
  stats(): TieredStoreStats {
    return { ...this.#stats };
  }

  /**
   * The entry at `key`: from L1, else from L2 (then copied into L1). An L1 hit answers as L1 does (at
   * once from the default memory L1); an L2 read answers with a promise. An L2 failure reads as a miss.
   */
  get(key: string): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    return this.getThrough(key, undefined);
  }

  /**
   * {@link TieredStore.get}, with `read` asked in place of L2's `get` when L1 misses: what it
   * resolves is copied into L1 and shared with concurrent readers of the key, as an L2 read is (a
   * read already in flight for the key is joined instead). For a backend that reads a key and claims
   * it in one round trip. A rejection of `read` reads as a miss.
   */
  getThrough(
    key: string,
    read: ((key: string) => Promise<StoredEntry | undefined>) | undefined,
  ): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    let local: StoredEntry | undefined | Promise<StoredEntry | undefined>;
    try {
      local = this.l1.get(key);
    } catch (error) {
      this.#onError(error, 'l1.get');
      return this.#readThrough(key, undefined, read);
    }
    if (isPromiseLike(local)) {
      return local.then(
        (entry) => this.#readThrough(key, entry, read),
        (error: unknown) => {
          this.#onError(error, 'l1.get');
          return this.#readThrough(key, undefined, read);
        },
      );
    }
    return this.#readThrough(key, local, read);
  }

  /** An L1 answer: the entry when usable, else a (shared) read of L2. */
  #readThrough(
    key: string,
    local: StoredEntry | undefined,
    read: ((key: string) => Promise<StoredEntry | undefined>) | undefined,
  ): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    if (local !== undefined && local !== null && this.#now() < local.expiresAt) {
      this.#stats.l1Hits++;
      return local;
    }
    let pending = this.#reads.get(key);
    if (pending === undefined) {
      pending = this.#readL2(key, read);
      this.#reads.set(key, pending);
    }
    return pending.promise.then((entry) => {
      if (entry === undefined) this.#stats.misses++;
      else this.#stats.l2Hits++;
      return entry;
    });
  }

  #readL2(key: string, reader: ((key: string) => Promise<StoredEntry | undefined>) | undefined): PendingRead {
    const read: PendingRead = { promise: undefined as never, outdated: false };
    read.promise = (async () => {
      let entry: StoredEntry | undefined;
      try {
        entry = await (reader === undefined ? this.l2.get(key) : reader(key));
      } catch (error) {
        this.#stats.l2Errors++;
        this.#onError(error, 'l2.get');
        return undefined;
      } finally {
        if (this.#reads.get(key) === read) this.#reads.delete(key);
      }
      if (entry !== undefined && entry !== null && !read.outdated && !this.#closed) {
        await this.#setL1(key, entry);
      }
      return entry ?? undefined;
    })();
    return read;
  }

  /** Store `entry` in both tiers. An L2 failure is reported and absorbed: L1 still has it. */
  async set(key: string, entry: StoredEntry): Promise<void> {
    this.#outdate(key);
    await Promise.all([this.#setL1(key, entry), this.#absorb(() => this.l2.set(key, entry), 'l2.set')]);
  }

  /**
   * Store `entry` in L1 only (copied with `expiresAt` capped by `l1Ttl`). For a writer that puts the
   * entry in L2 itself (the stampede lock holder, whose L2 write is conditional).
   */
  async setLocal(key: string, entry: StoredEntry): Promise<void> {
    this.#outdate(key);
    await this.#setL1(key, entry);
  }

  /** Remove `key` from L1, L2 and every instance's L1. Rejects when L2 or the bus failed. */
  async delete(key: string): Promise<void> {
    await this.#invalidate({ keys: [key] }, () => this.l2.delete(key));
  }

  /**
   * Remove the entries carrying any of `tags` from L1, L2 and every instance's L1; resolves how many
   * were removed (the larger of the two tiers' counts). Rejects when L2 or the bus failed.
   */
  async deleteByTags(tags: readonly string[]): Promise<number> {
    return this.#invalidate({ tags }, () => this.l2.deleteByTags(tags));
  }

  /** Remove everything from L1, L2 and every instance's L1. Rejects when L2 or the bus failed. */
  async clear(): Promise<void> {
    await this.#invalidate({ clear: true }, () => this.l2.clear());
  }

  /**
   * Apply an invalidation to this instance's L1 only (no L2, no bus): what the store does with the
   * other instances' messages, and what the engine does when another instance filled a key.
   */
  async invalidateLocal(message: InvalidationMessage): Promise<number> {
    const { keys, tags, clear } = message;
    if (clear === true) {
      this.#outdateAll();
      try {
        await this.l1.clear();
      } catch (error) {
        this.#onError(error, 'l1.clear');
      }
      return 0;
    }
    let removed = 0;
    if (keys !== undefined) {
      for (const key of keys) {
        this.#outdate(key);
        try {
          await this.l1.delete(key);
        } catch (error) {
          this.#onError(error, 'l1.delete');
        }
      }
    }
    if (tags !== undefined && tags.length > 0) {
      this.#outdateAll();
      try {
        removed += await this.l1.deleteByTags(tags);
      } catch (error) {
        this.#onError(error, 'l1.deleteByTags');
      }
    }
    return removed;
  }

  /** Stop listening to the bus and close the default L1. L2, the bus and a given L1 stay open. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    if (unsubscribe !== undefined) {
      try {
        await unsubscribe();
      } catch (error) {
        this.#onError(error, 'bus.unsubscribe');
      }
    }
    if (this.#ownsL1) await this.l1.close?.();
  }

  async #invalidate<T extends number | void>(message: InvalidationMessage, l2: () => Promise<T>): Promise<T> {
    const local = await this.invalidateLocal(message);
    let failure: unknown;
    let result: T | undefined;
    try {
      result = await l2();
    } catch (error) {
      this.#stats.l2Errors++;
      failure = error;
    }
    if (this.#bus !== undefined) {
      try {
        await this.#bus.publish(message);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    if (typeof result === 'number') return Math.max(result, local) as T;
    return result as T;
  }

  /** Copy `entry` into L1, its expiry capped by `l1Ttl`; failures are reported. */
  async #setL1(key: string, entry: StoredEntry): Promise<void> {
    let copy = entry;
    if (this.#l1Ttl !== undefined) {
      const cap = this.#now() + this.#l1Ttl;
      if (entry.expiresAt > cap) copy = { ...entry, expiresAt: cap };
    }
    try {
      await this.l1.set(key, copy);
    } catch (error) {
      this.#onError(error, 'l1.set');
    }
  }

  async #absorb(fn: () => Promise<unknown>, context: string): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.#stats.l2Errors++;
      this.#onError(error, context);
    }
  }

  #outdate(key: string): void {
    const read = this.#reads.get(key);
    if (read !== undefined) {
      read.outdated = true;
      this.#reads.delete(key);
    }
  }

  #outdateAll(): void {
    for (const read of this.#reads.values()) read.outdated = true;
    this.#reads.clear();
  }

  #onMessage(message: InvalidationMessage): void {
    if (this.#closed || typeof message !== 'object' || message === null) return;
    this.#stats.remoteInvalidations++;
    void this.invalidateLocal(message).then(() => {
      try {
        this.#onInvalidation?.(message);
      } catch (error) {
        this.#onError(error, 'onInvalidation');
      }
    });
  }

  /** Subscribe to the bus; on failure, report and try again later (1 s, doubling to 30 s). */
  async #subscribe(bus: InvalidationBus, attempt: number): Promise<void> {
    if (this.#closed) return;
    try {
      const unsubscribe = await bus.subscribe((message) => this.#onMessage(message));
      if (this.#closed) {
        await unsubscribe().catch((error: unknown) => this.#onError(error, 'bus.unsubscribe'));
        return;
      }
      this.#unsubscribe = unsubscribe;
    } catch (error) {
      this.#onError(error, 'bus.subscribe');
      if (this.#closed) return;
      // a later subscription resolves `ready` too: callers wait for a live bus, not for the first try
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(30_000, 1000 * 2 ** attempt));
        timer.unref?.();
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      return this.#subscribe(bus, attempt + 1);
    }
  }
}
