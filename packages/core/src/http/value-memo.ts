/**
 * The value memoiser behind {@link HttpCache.wrap}: results of functions that are not HTTP handlers,
 * serialised with `node:v8` into the engine's store, with single-flight, stale-while-revalidate and
 * tags as for HTTP entries.
 */
import { deserialize, serialize } from 'node:v8';
import { type Duration, parseDuration } from '../duration.js';
import { ConfigError } from '../errors.js';
import { checkOptions } from '../internal/options-check.js';
import type { StoredEntry } from '../store/types.js';
import type { ResolvedHttpCacheOptions } from './options.js';
import type { Revalidation } from './revalidation.js';
import { FLIGHT_TIMEOUT, SingleFlight } from './single-flight.js';
import { isApplicationTag, keyTag } from './tags.js';
import type { HttpCacheStats } from './types.js';

/** Options of {@link HttpCache.wrap}. */
export interface WrapOptions<T = unknown> {
  /** Fresh lifetime of the value. @defaultValue the engine's `ttl` (one of the two is required) */
  ttl?: Duration;
  /** After `ttl`, serve the stale value for this long while one background call of `fn` refreshes it (RFC 5861 semantics). @defaultValue the engine's, else 0 */
  staleWhileRevalidate?: Duration;
  /** Tags for {@link HttpCache.invalidate}. */
  tags?: readonly string[];
  /**
   * Store the value only when this returns true (a falsy return or a throw stores nothing; the
   * value is returned either way, and concurrent callers still share it). @defaultValue every value is stored
   */
  condition?: (value: T) => boolean;
}

/** {@link WrapOptions} after validation; durations in ms. */
export interface ResolvedWrapOptions {
  readonly ttl: number;
  readonly swr: number;
  readonly tags: readonly string[];
  readonly condition: ((value: unknown) => boolean) | undefined;
}

/** Where {@link ValueMemo} reads and writes entries (the engine's miss strategy), absorbing failures. */
export interface ValueEntries {
  read(key: string): StoredEntry | undefined | Promise<StoredEntry | undefined>;
  write(key: string, entry: StoredEntry): Promise<void> | undefined;
}

const WRAP_OPTION_NAMES = ['ttl', 'staleWhileRevalidate', 'tags', 'condition'];

type WrapOutcome = { ok: true; value: unknown; body: Uint8Array | undefined } | { ok: false; error: unknown };

const VALUE_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/x-v8-serialized' };

/**
 * A serialised value as a stored entry: fresh for `ttl` ms from `now`, then stale for `swr` ms,
 * carrying `tags` and `key`'s own tag (so `invalidate({ key })` removes it).
 */
export function valueEntry(
  key: string,
  body: Uint8Array,
  now: number,
  ttl: number,
  swr: number,
  tags: readonly string[],
  headers: Readonly<Record<string, string>>,
): StoredEntry {
  const staleAt = now + ttl;
  return {
    status: 200,
    headers: { ...headers },
    body,
    storedAt: now,
    initialAge: 0,
    staleAt,
    staleWhileRevalidateUntil: staleAt + swr,
    staleIfErrorUntil: staleAt,
    expiresAt: staleAt + swr,
    tags: [...new Set([...tags, keyTag(key)])],
  };
}

/** Memoises values in the engine's store (see {@link HttpCache.wrap}). */
export class ValueMemo {
  readonly #o: ResolvedHttpCacheOptions;
  readonly #entries: ValueEntries;
  /** The background refreshes, shared with HTTP entries (one per key). */
  readonly #refreshes: Revalidation;
  readonly #stats: HttpCacheStats;
  readonly #report: (error: unknown, context: string) => void;
  readonly #flights: SingleFlight<WrapOutcome>;

  /** @param o The engine's options: its `ttl` and `staleWhileRevalidate` are the defaults. */
  constructor(
    o: ResolvedHttpCacheOptions,
    entries: ValueEntries,
    refreshes: Revalidation,
    stats: HttpCacheStats,
    report: (error: unknown, context: string) => void,
  ) {
    this.#o = o;
    this.#entries = entries;
    this.#refreshes = refreshes;
    this.#stats = stats;
    this.#report = report;
    this.#flights = new SingleFlight(o.lockTimeout);
  }

  /**
   * Check `wrap`'s arguments and resolve its options.
   * @throws {@link ConfigError} for an invalid key, fn or option, or with no `ttl` here nor on the engine.
   */
  resolve(key: unknown, fn: unknown, options: WrapOptions): ResolvedWrapOptions {
    if (typeof key !== 'string' || key === '') throw new ConfigError('key', key, 'a non-empty string');
    if (typeof fn !== 'function') throw new ConfigError('fn', fn, 'a function');
    checkOptions(options, WRAP_OPTION_NAMES);
    const engine = this.#o.route;
    const ttl = options.ttl === undefined ? engine.ttl : parseDuration('ttl', options.ttl);
    const swr =
      options.staleWhileRevalidate === undefined
        ? (engine.staleWhileRevalidate ?? 0)
        : parseDuration('staleWhileRevalidate', options.staleWhileRevalidate);
    const tags = options.tags ?? [];
    if (!Array.isArray(tags) || !tags.every(isApplicationTag)) {
      throw new ConfigError('tags', tags, 'an array of non-empty strings');
    }
    if (ttl === undefined) throw new ConfigError('ttl', undefined, 'a duration, on wrap() or on the engine');
    const condition = options.condition;
    if (condition !== undefined && typeof condition !== 'function') {
      throw new ConfigError('condition', condition, 'a function');
    }
    return { ttl, swr, tags: [...tags], condition };
  }

  /** The value at `key`, or `fn`'s (shared with concurrent callers, stored when it may be). */
  async wrap<T>(key: string, fn: () => T | Promise<T>, o: ResolvedWrapOptions): Promise<T> {
    const entry = await this.#entries.read(key);
    const now = this.#o.now();
    if (
      entry !== undefined &&
      entry.vary === undefined &&
      now < entry.expiresAt &&
      now < entry.staleWhileRevalidateUntil
    ) {
      let value: T | undefined;
      let decoded = false;
      try {
        value = deserialize(entry.body) as T;
        decoded = true;
      } catch (error) {
        this.#report(error, 'wrap.deserialize');
      }
      if (decoded) {
        if (now < entry.staleAt) {
          this.#stats.hits++;
          return value as T;
        }
        this.#stats.staleHits++;
        this.#refresh(key, fn, o);
        return value as T;
      }
    }
    return this.#miss(key, fn, o);
  }

  /** Let every waiter go (as a timeout). */
  close(): void {
    this.#flights.close();
  }

  async #miss<T>(key: string, fn: () => T | Promise<T>, o: ResolvedWrapOptions): Promise<T> {
    const stats = this.#stats;
    const waiting = this.#flights.join(key);
    if (waiting !== undefined) {
      const outcome = await waiting;
      if (outcome === FLIGHT_TIMEOUT) {
        stats.passes++;
        return fn();
      }
      stats.coalesced++;
      if (!outcome.ok) throw outcome.error;
      if (outcome.body !== undefined) {
        // each caller gets its own copy, as from a hit, so one caller's mutation is not another's
        try {
          return deserialize(outcome.body) as T;
        } catch {
          // fall through to the shared value
        }
      }
      return outcome.value as T;
    }
    const leader = this.#flights.begin(key)!;
    stats.misses++;
    try {
      const value = await fn();
      const { body, written } = this.#store(key, value, o);
      leader.settle({ ok: true, value, body }, written);
      return value;
    } catch (error) {
      leader.settle({ ok: false, error });
      throw error;
    }
  }

  /** Serialise and store a value; nothing is stored when it cannot be serialised or is too large. */
  #store(
    key: string,
    value: unknown,
    o: ResolvedWrapOptions,
  ): { body: Uint8Array | undefined; written: Promise<void> | undefined } {
    let body: Uint8Array;
    try {
      body = serialize(value);
    } catch (error) {
      this.#report(error, 'wrap.serialize');
      this.#stats.notStored++;
      return { body: undefined, written: undefined };
    }
    if (o.ttl <= 0 || body.byteLength > this.#o.maxEntryBytes || !this.#passes(o, value)) {
      this.#stats.notStored++;
      return { body, written: undefined };
    }
    const now = this.#o.now();
    const entry = valueEntry(key, body, now, o.ttl, o.swr, o.tags, VALUE_HEADERS);
    this.#stats.stores++;
    return { body, written: this.#entries.write(key, entry) };
  }

  /** Whether `value` passes the `condition`; a throwing condition is reported and stores nothing. */
  #passes(o: ResolvedWrapOptions, value: unknown): boolean {
    if (o.condition === undefined) return true;
    try {
      return Boolean(o.condition(value));
    } catch (error) {
      this.#report(error, 'wrap.condition');
      return false;
    }
  }

  #refresh<T>(key: string, fn: () => T | Promise<T>, o: ResolvedWrapOptions): void {
    const refreshes = this.#refreshes;
    if (refreshes.has(key) || !refreshes.open) return;
    const timer = refreshes.begin(key);
    void (async () => {
      try {
        this.#store(key, await fn(), o);
      } catch (error) {
        this.#report(error, 'wrap.refresh');
      } finally {
        refreshes.done(key, timer);
      }
    })();
  }
}
