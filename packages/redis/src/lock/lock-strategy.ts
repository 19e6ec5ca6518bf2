/**
 * {@link LockStrategy}: what a {@link LockClient} does to Redis for one lock key, with one
 * implementation per deployment: {@link SingleInstance} (one Redis, or one Redis Cluster) and
 * {@link Quorum} (Redlock over N independent servers). The client keeps everything else: options,
 * waiting with backoff, the {@link Lock} handle, auto-extension.
 */

/**
 * A hash to read in the same round trip as a successful attempt (same cluster slot as the lock key):
 * the value of `field`, and whether `exists` is present. The stampede protocol reads the entry's
 * metadata this way, to learn whether a previous filler finished just before it took the lock.
 */
export interface LockPeek {
  /** The Redis key of the hash. */
  key: string;
  /** The field whose value is read (`''` when absent). */
  field: string;
  /** The field whose presence is read (`1` or `0`), without transferring its value. */
  exists: string;
}

/**
 * A hash that makes an attempt stand back (same cluster slot as the lock key): when it exists, its
 * `fields` are read and the lock is not tried. The stampede protocol reads a key's entry this way,
 * and claims the key in the same round trip only when there is no entry.
 */
export interface LockUnless {
  /** The Redis key of the hash. */
  key: string;
  /** The fields to read; the first is present in every such hash (its presence is the hash's). */
  fields: readonly string[];
}

/** What one attempt gave: the lock, or how long the holder's lock still lives. */
export type LockAttempt =
  | {
      granted: true;
      /** Until when the lock may be relied on, per the client's clock. */
      expiresAt: number;
      /** With a {@link LockPeek}: the field's value (a Buffer, `''` when absent) and `1` or `0`. */
      peeked?: readonly [unknown, unknown];
    }
  | {
      granted: false;
      /**
       * With a {@link LockPeek}: the holder's remaining ms (Redis `PTTL`: `-2` the key vanished in
       * between, `-1` it has no expiry). `undefined` otherwise.
       */
      remaining?: number;
      /** With a {@link LockUnless} whose hash exists: its fields' values (a Buffer, or `null`); the lock was not tried. */
      found?: readonly unknown[];
    };

/** One lock key as a strategy acts on it: the resource (for errors), its Redis key, the holder's token. */
export interface LockTarget {
  readonly resource: string;
  readonly key: string;
  readonly token: string;
}

/** The Redis side of a {@link LockClient}. Every method throws `LockUnavailableError` when Redis failed. */
export interface LockStrategy {
  /**
   * One attempt to take the target's key with its token for `ttl` ms (`SET NX PX`), reading `peek` too when
   * given. A failed attempt leaves no key of its own behind.
   * @throws `ConfigError` for a `peek` the strategy cannot read.
   */
  attempt(target: LockTarget, ttl: number, peek?: LockPeek): Promise<LockAttempt>;
  /**
   * One attempt that first reads the hash of `unless`: when it exists, its fields are the answer
   * (`found`) and the lock is not tried; else as {@link LockStrategy.attempt} with the holder's
   * remaining ms when busy. Strategies that cannot read a hash with the lock leave it out.
   */
  attemptUnless?(target: LockTarget, ttl: number, unless: LockUnless): Promise<LockAttempt>;
  /**
   * Pushes the expiry to `ttl` ms from now while the key still holds the token; resolves the new `expiresAt`.
   * @throws `LockLostError` when it does not.
   */
  extend(target: LockTarget, ttl: number): Promise<number>;
  /**
   * Deletes the key if it still holds the token.
   * @throws `LockLostError` when it did not (nothing of another holder is deleted).
   */
  release(target: LockTarget): Promise<void>;
  /** Closes the ports the strategy made from clients (never the clients). */
  close(): Promise<void>;
}
