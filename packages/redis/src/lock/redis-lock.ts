/**
 * {@link RedisLock}: a lock on one Redis (a single server, or a Redis Cluster, where each lock key
 * lives on the master of its slot).
 *
 * - Acquire: `SET <lock key> <token> NX PX <ttl>`, with a fresh random 128-bit token per attempt.
 * - Release: compare-and-delete in Lua; extend: compare-and-`PEXPIRE` in Lua. Neither ever touches
 *   a key holding another token, so a holder whose lock expired cannot free or prolong its
 *   successor's.
 * - Lock key: `<prefix>l:{<slot tag>}<resource>` ({@link KeyLayout.lock}): the `l` kind keeps lock
 *   keys apart from entries and tag sets, the hash tag keeps the key in one cluster slot whatever
 *   characters the resource holds, and, the resource being a cache key, it is the slot of that
 *   key's entry, so `RedisStore.setIfLocked(key, entry, lock.token)` can check the lock and write
 *   the entry in one script.
 *
 * Safety rests on the key's expiry: the holder must finish (or extend) within `ttl`. `expiresAt` is
 * counted from just before the `SET` was sent, so the key in Redis outlives it. A failover to a
 * replica that had not yet received the `SET` can grant the lock twice; use {@link Redlock} over
 * independent servers when that matters.
 */
import { ConfigError, checkOptions, LockLostError, type LockUnavailableError } from '@larder/core';
import { KeyLayout } from '../key-layout.js';
import type { RedisPort } from '../port.js';
import { isRedisPort, toPort } from '../to-port.js';
import { acquireWithin } from './acquire-loop.js';
import {
  checkDelay,
  checkResource,
  checkSeed,
  DEFAULT_RETRY_DELAY,
  type ResolvedAcquireOptions,
  resolveAcquireOptions,
} from './acquire-options.js';
import type { AcquireOptions, DistributedLock, Lock, TryAcquireOptions } from './lock.js';
import { LockHandle, newLockToken, unavailable } from './lock-handle.js';
import { EXTEND_LOCK, lostReason, RELEASE_LOCK } from './lock-scripts.js';
import { seededRandom } from './seeded-random.js';

/** Options of {@link RedisLock}. */
export interface RedisLockOptions {
  /**
   * A node-redis 5/6 client or cluster client (connected), an ioredis 5/6 `Redis` or `Cluster`, or a
   * {@link RedisPort}. The lock never closes your client; it closes the port it made from it.
   */
  client: unknown;
  /** Key prefix; lock keys are `<prefix>l:{<slot tag>}<resource>`. @defaultValue 'larder:' */
  prefix?: string;
  /**
   * Per-command timeout in ms, when `client` is a client (a port has its own). A command slower than
   * this fails the operation with `LockUnavailableError`. @defaultValue 1000
   */
  commandTimeout?: number;
  /** Default of {@link AcquireOptions.retryDelay}, in ms. @defaultValue 50 */
  retryDelay?: number;
  /** Monotonic clock in ms, for `expiresAt`, `validity` and `wait`. @defaultValue performance.now */
  now?: () => number;
  /**
   * Seed of the jitter of `acquire`'s backoff: two locks with the same seed, retrying the same way,
   * wait the same sequence of delays, so a test or a simulation repeats. A safe integer (its low 32
   * bits count). Leave it out in production: contenders that share a seed retry in lockstep, which
   * is what the jitter is there to prevent.
   * @defaultValue `Math.random`
   */
  seed?: number;
}

const OPTION_NAMES = ['client', 'prefix', 'commandTimeout', 'retryDelay', 'now', 'seed'];

/** What one successful `SET NX` gave. */
interface Grant {
  token: string;
  expiresAt: number;
}

/**
 * A distributed lock on one Redis (standalone or cluster), for node-redis 5/6 and ioredis 5/6.
 *
 * @example
 * ```ts
 * const locks = new RedisLock({ client, prefix: 'myapp:' });
 * const lock = await locks.acquire('report:2024', { ttl: 10_000, wait: 5_000, autoExtend: true });
 * try {
 *   await buildReport({ signal: lock.signal }); // aborted if the lock is lost
 * } finally {
 *   await lock.release();
 * }
 * ```
 */
export class RedisLock implements DistributedLock {
  /** The port to Redis (shareable with a {@link RedisStore} on the same client). */
  readonly port: RedisPort;
  /** Key names: {@link KeyLayout.lock} is the lock key of a resource. */
  readonly layout: KeyLayout;
  readonly #now: () => number;
  readonly #retryDelay: number;
  /** The backoff jitter's source, seeded by the `seed` option. */
  readonly #random: () => number;
  readonly #ownsPort: boolean;
  readonly #live = new Set<LockHandle>();

  /** @throws `ConfigError` for an unknown option, an invalid value, or a `client` that is no Redis client. */
  constructor(options: RedisLockOptions) {
    checkOptions(options, OPTION_NAMES);
    const seed = checkSeed(options.seed);
    this.#random = seed === undefined ? Math.random : seededRandom(seed);
    const now = options.now ?? performance.now.bind(performance);
    if (typeof now !== 'function') throw new ConfigError('now', now, 'a function');
    this.#now = now;
    this.#retryDelay =
      options.retryDelay === undefined ? DEFAULT_RETRY_DELAY : checkDelay(options.retryDelay, 'retryDelay');
    this.layout = new KeyLayout(options.prefix);
    this.#ownsPort = !isRedisPort(options.client);
    this.port = this.#ownsPort
      ? toPort(
          options.client,
          options.commandTimeout === undefined ? {} : { commandTimeout: options.commandTimeout },
        )
      : (options.client as RedisPort);
  }

  /** The Redis key of the lock on `resource`. */
  key(resource: string): string {
    return this.layout.lock(checkResource(resource));
  }

  /** See {@link DistributedLock.acquire}. */
  async acquire(resource: string, options: AcquireOptions): Promise<Lock> {
    const key = this.key(resource);
    const o = resolveAcquireOptions(options, this.#retryDelay, true);
    const grant = await acquireWithin(
      resource,
      o,
      this.#now,
      () => this.#attempt(resource, key, o.ttl),
      (g) => this.#release(resource, key, g.token),
      this.#random,
    );
    return this.#handle(resource, key, grant, o);
  }

  /** See {@link DistributedLock.tryAcquire}. */
  async tryAcquire(resource: string, options: TryAcquireOptions): Promise<Lock | undefined> {
    const key = this.key(resource);
    const o = resolveAcquireOptions(options, this.#retryDelay, false);
    const grant = await this.#attempt(resource, key, o.ttl);
    return grant === undefined ? undefined : this.#handle(resource, key, grant, o);
  }

  /** See {@link DistributedLock.close}. */
  async close(): Promise<void> {
    for (const handle of [...this.#live]) handle.detach();
    if (this.#ownsPort) await this.port.close();
  }

  async #attempt(resource: string, key: string, ttl: number): Promise<Grant | undefined> {
    const token = newLockToken();
    const start = this.#now();
    try {
      const set = await this.port.set(key, token, { nx: true, px: ttl });
      return set ? { token, expiresAt: start + ttl } : undefined;
    } catch (error) {
      // a timed-out SET may still be applied; a release sent after it on the same connection runs
      // after it, so a lock nobody holds does not block the resource for a whole ttl
      this.#release(resource, key, token).catch(() => {});
      throw unavailable(resource, 'acquire', error);
    }
  }

  async #extend(resource: string, key: string, token: string, ttl: number): Promise<number> {
    const start = this.#now();
    let reply: unknown;
    try {
      reply = await this.port.eval(EXTEND_LOCK, [key], [token, ttl]);
    } catch (error) {
      throw unavailable(resource, 'extend', error);
    }
    const lost = lostReason(Number(reply));
    if (lost !== undefined) throw new LockLostError(resource, `extend found ${lost}`);
    return start + ttl;
  }

  /** @throws `LockLostError`, {@link LockUnavailableError}. */
  async #release(resource: string, key: string, token: string): Promise<void> {
    let reply: unknown;
    try {
      reply = await this.port.eval(RELEASE_LOCK, [key], [token]);
    } catch (error) {
      throw unavailable(resource, 'release', error);
    }
    const lost = lostReason(Number(reply));
    if (lost !== undefined) throw new LockLostError(resource, `release found ${lost}`);
  }

  #handle(resource: string, key: string, grant: Grant, o: ResolvedAcquireOptions): Lock {
    const handle = new LockHandle({
      resource,
      token: grant.token,
      ttl: o.ttl,
      expiresAt: grant.expiresAt,
      now: this.#now,
      backend: {
        extend: (ttl) => this.#extend(resource, key, grant.token, ttl),
        release: () => this.#release(resource, key, grant.token),
      },
      onLost: o.onLost,
      onSettled: (h) => this.#live.delete(h),
    });
    this.#live.add(handle);
    if (o.autoExtend !== undefined) handle.autoExtend(o.autoExtend);
    return handle;
  }
}
