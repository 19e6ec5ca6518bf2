/**
 * The API shared by {@link RedisLock} (one Redis, or one Redis Cluster) and {@link Redlock} (a quorum
 * of independent Redis servers): what a caller acquires, the handle it gets, and the options of both.
 *
 * Errors (all from `@larder/core`), each its own class so callers can tell them apart:
 * - `LockTimeoutError`: the resource stayed busy for the whole `wait`.
 * - `LockUnavailableError`: Redis failed (down, slower than the command timeout, an error reply);
 *   whether the resource is busy is unknown.
 * - `LockLostError`: a held lock turned out not to be held any more (extend or release found the
 *   key gone or holding another token, or its validity ran out while it could not be extended).
 * - the `reason` of an aborted `signal`, as given.
 */
import type { LockLostError } from '@larder/core';

/** Options of {@link Lock.autoExtend}. */
export interface AutoExtendOptions {
  /** Stops the auto-extension when it aborts; the lock then lapses after its current ttl unless released. */
  signal?: AbortSignal;
  /** Time between extensions, in ms; less than `ttl`. @defaultValue half of `ttl` */
  interval?: number;
  /** The ttl each extension sets, in ms. @defaultValue the lock's `ttl` */
  ttl?: number;
}

/** Options of {@link DistributedLock.tryAcquire} (and, with waiting, of {@link DistributedLock.acquire}). */
export interface TryAcquireOptions {
  /**
   * How long the lock lives unless extended or released, in ms: a positive integer (Redis `PX`). A
   * holder that dies frees the lock by this expiry.
   */
  ttl: number;
  /**
   * Start {@link Lock.autoExtend} as soon as the lock is acquired (`true`: with its defaults).
   * @defaultValue false
   */
  autoExtend?: boolean | AutoExtendOptions;
  /**
   * Called once, with the error the handle's {@link Lock.signal} aborts with, when the lock is lost.
   * What it throws is ignored.
   */
  onLost?: (error: LockLostError) => void;
}

/** Options of {@link DistributedLock.acquire}. */
export interface AcquireOptions extends TryAcquireOptions {
  /**
   * Longest time to wait for a busy resource, in ms, retrying with jittered exponential backoff; `0`
   * makes one attempt. Then the acquisition rejects with `LockTimeoutError`. The default is long
   * enough for a holder that died to lose the lock by expiry.
   * @defaultValue `ttl`
   */
  wait?: number;
  /**
   * First delay between attempts, in ms. Attempt `n` waits a random time between half and all of
   * `retryDelay * 2^min(n, 3)`, never past the end of `wait`.
   * @defaultValue the lock's `retryDelay` option (50)
   */
  retryDelay?: number;
  /**
   * Abandons the acquisition (waiting included) when it aborts: the promise rejects with the signal's
   * `reason`, and a lock acquired meanwhile is released. It does not govern the lock once acquired.
   */
  signal?: AbortSignal;
}

/**
 * A held lock, as returned by {@link DistributedLock.acquire}. Times are read from the lock's clock
 * (`now` option; `performance.now` by default), so compare `expiresAt` with that clock only.
 */
export interface Lock {
  /** The resource locked, as given to `acquire`. */
  readonly resource: string;
  /**
   * This holder's random 128-bit token (32 hex digits): the value of the lock key while held. Pass
   * it to writes that must happen only while the lock holds (`RedisStore.setIfLocked`).
   */
  readonly token: string;
  /** The ttl of the acquisition, in ms: the default of {@link Lock.extend} and of auto-extension. */
  readonly ttl: number;
  /**
   * Until when this holder may rely on the lock, per the lock's clock: the start of the last
   * successful acquisition or extension plus its ttl (for {@link Redlock}, minus the clock-drift
   * allowance). Conservative: the keys in Redis live at least this long.
   */
  readonly expiresAt: number;
  /** Milliseconds left until {@link Lock.expiresAt}; `0` once past it, released, or lost. */
  readonly validity: number;
  /** Whether the lock is still held, as far as this process knows: not released, not lost, not lapsed. */
  readonly held: boolean;
  /**
   * Aborts, with a `LockLostError` as its `reason`, when the lock is lost: an extension or the
   * release found the key gone or holding another token, or `expiresAt` passed without a successful
   * extension. Pass it to the work the lock protects. Not aborted by {@link Lock.release}.
   */
  readonly signal: AbortSignal;
  /**
   * Pushes the expiry to `ttl` ms from now, only while the key still holds this token (compare and
   * `PEXPIRE`, in Lua). For {@link Redlock}, a quorum of instances must confirm.
   * @param ttl - In ms. @defaultValue the lock's `ttl`
   * @throws `LockLostError` when the lock is no longer held (and {@link Lock.signal} aborts);
   * `LockUnavailableError` when Redis failed (the lock may still be held until `expiresAt`).
   */
  extend(ttl?: number): Promise<void>;
  /**
   * Extends the lock every `interval` ms (half the ttl by default) until it is released, the
   * `options.signal` aborts, or the lock is lost. An extension that fails because Redis is
   * unavailable is retried sooner, while `expiresAt` has not passed; once it has, or as soon as an
   * extension finds another token, the lock is lost ({@link Lock.signal} aborts, `onLost` is called).
   * Calling it again replaces the previous auto-extension. A no-op on a released or lost lock.
   */
  autoExtend(options?: AutoExtendOptions): void;
  /**
   * Deletes the lock key, only if it still holds this token (compare and `DEL`, in Lua); for
   * {@link Redlock}, on every instance. Stops auto-extension at once. Later calls return the
   * outcome of the first, except after a `LockUnavailableError`, when they try again.
   * @throws `LockLostError` when the key was gone or held another token: the lock had been lost
   * before the release (nothing of another holder is deleted); `LockUnavailableError` when Redis failed
   * (the key then lapses by its ttl; calling `release()` again retries).
   */
  release(): Promise<void>;
}

/** What {@link RedisLock} and {@link Redlock} have in common: acquire a {@link Lock} on a resource. */
export interface DistributedLock {
  /** The Redis key of the lock on `resource` (on every server, for {@link Redlock}). */
  key(resource: string): string;
  /**
   * Acquires the lock on `resource`, waiting up to `options.wait` ms while another holder has it.
   * @throws `LockTimeoutError` when still busy after `wait`; `LockUnavailableError` when Redis failed;
   * the `reason` of `options.signal` when it aborted; `ConfigError` for an invalid option.
   */
  acquire(resource: string, options: AcquireOptions): Promise<Lock>;
  /**
   * One attempt: the lock, or `undefined` when another holder has it.
   * @throws `LockUnavailableError` when Redis failed; `ConfigError` for an invalid option.
   */
  tryAcquire(resource: string, options: TryAcquireOptions): Promise<Lock | undefined>;
  /**
   * Stops the timers of every lock still held (auto-extension, expiry) without releasing them (they
   * lapse by their ttl), and closes the ports made from clients (never the clients).
   */
  close(): Promise<void>;
}
