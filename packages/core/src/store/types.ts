/**
 * The store contract: what a stored response is, and what every store (memory, tiered, Redis, a
 * user's own) offers. The bottom of the HTTP side: it imports nothing from the engine.
 */

/**
 * One stored response. Stores keep these as they are given: bytes, absolute times and tags; they
 * never parse headers.
 */
export interface StoredEntry {
  status: number;
  /** The response headers to replay (lower-case names; hop-by-hop headers already removed). */
  headers: Record<string, string | string[]>;
  body: Uint8Array;
  /** When it was stored, ms since the epoch (the base of `Age`). */
  storedAt: number;
  /** The `Age` the origin reported, in seconds (RFC 9111 section 4.2.3), usually 0. */
  initialAge: number;
  /** When it turns stale, ms since the epoch. */
  staleAt: number;
  /** Until when it may be served stale while one request revalidates it, ms since the epoch (>= staleAt). */
  staleWhileRevalidateUntil: number;
  /** Until when it may be served stale in place of an origin error, ms since the epoch (>= staleAt). */
  staleIfErrorUntil: number;
  /** When the store may drop it, ms since the epoch: the latest of the three times above. */
  expiresAt: number;
  /** Tags for `invalidate({ tags })`, including the engine's internal URL tag. */
  tags: string[];
  /**
   * Set on the entry stored at a URL's base key when responses vary: the lower-case request header
   * names of its `Vary`. The variants themselves are stored under derived keys. Such an index entry
   * has an empty body.
   */
  vary?: string[];
}

/**
 * Where the engine keeps entries. A store answers a read either at once (an in-memory store: the
 * entry or `undefined`, no promise, so a memory hit costs no microtask) or with a promise (a network
 * store such as Redis), as undici's `CacheStore.get` does; callers check for `then`. Implementations
 * must be bounded, and should never throw synchronously; the engine treats a throw or a rejected
 * promise as a miss (for reads) or a skipped write, never as a failed request.
 */
export interface ResponseStore {
  /**
   * The entry at `key`, or `undefined`: returned directly or through a promise. May return entries
   * past `expiresAt`; the engine checks.
   */
  get(key: string): StoredEntry | undefined | Promise<StoredEntry | undefined>;
  /** Store `entry` at `key`, replacing what was there, until `entry.expiresAt`. */
  set(key: string, entry: StoredEntry): Promise<void>;
  /** Remove `key`. */
  delete(key: string): Promise<void>;
  /** Remove every entry carrying any of `tags`; resolves the number removed. */
  deleteByTags(tags: readonly string[]): Promise<number>;
  /** Remove everything. */
  clear(): Promise<void>;
  /** Release timers and connections. */
  close?(): Promise<void>;
}

/** Whether a store's answer is a promise (a network store) rather than the value itself (a memory store). */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
