/**
 * {@link Redlock}: the {@link RedisLock} API over N independent Redis servers (no replication
 * between them), after the Redlock algorithm described by Salvatore Sanfilippo in the Redis
 * documentation ("Distributed Locks with Redis"). A lock is held when a majority of the servers hold
 * its key, so it survives the loss of a minority of them, and a failover cannot hand it out twice
 * the way it can on one replicated Redis.
 *
 * Acquire, for a lock of `ttl` ms with N servers and quorum Q = floor(N / 2) + 1:
 * 1. Note the time `start` on the lock's clock; draw one random token.
 * 2. `SET key token NX PX ttl` on every server at once, each bounded by `instanceTimeout` (short
 *    next to `ttl`), so a dead or slow server costs little time.
 * 3. `elapsed = now - start`; `drift = ttl × driftFactor + 2` ms: an allowance for the servers'
 *    clocks running faster than ours (their keys may expire early), plus 2 ms for the granularity of
 *    Redis's expiry. `validity = ttl - elapsed - drift`.
 * 4. Held if at least Q servers granted it and `validity > 0`; `expiresAt = start + ttl - drift`.
 * 5. Otherwise delete the key (compare-and-delete) on every server, including those that failed or
 *    timed out (a late `SET` is applied before the release sent after it), and retry after a
 *    jittered backoff, within `wait`; if fewer than Q servers answered at all, fail at once with
 *    `LockUnavailableError` instead.
 *
 * Extend: compare-and-`PEXPIRE` on every server; succeeds with Q confirmations within the new
 * validity. Release: compare-and-delete on every server; succeeds with Q confirmations. In both,
 * fewer than Q confirmations with enough failures to hide a quorum is `LockUnavailableError`, and
 * otherwise `LockLostError`.
 *
 * The lock key is the same as {@link RedisLock}'s, so a server may also hold Larder's other keys.
 */
import { ConfigError, checkOptions, LockLostError, LockUnavailableError, StoreError } from '@larder/core';
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
import { LockHandle, newLockToken } from './lock-handle.js';
import { EXTEND_LOCK, LOCK_OK, RELEASE_LOCK } from './lock-scripts.js';
import { seededRandom } from './seeded-random.js';

/** @defaultValue of {@link RedlockOptions.driftFactor}. */
export const DEFAULT_DRIFT_FACTOR = 0.01;

/** @defaultValue of {@link RedlockOptions.instanceTimeout}, in ms. */
export const DEFAULT_INSTANCE_TIMEOUT = 100;

/** Options of {@link Redlock}. */
export interface RedlockOptions {
  /**
   * The independent Redis servers, one client (or {@link RedisPort}) each: node-redis 5/6 or ioredis
   * 5/6, connected. Use an odd number, 3 or 5: with N servers, a quorum of floor(N / 2) + 1 must agree.
   * Each must be a different client. Redlock never closes them; it closes the ports it made.
   */
  clients: readonly unknown[];
  /** Key prefix, as {@link RedisLock}'s. @defaultValue 'larder:' */
  prefix?: string;
  /** Per-command timeout of the ports made from clients, in ms. @defaultValue 1000 */
  commandTimeout?: number;
  /**
   * Longest wait for one server's answer to one step (acquire, extend, release), in ms: keep it
   * small next to the ttl, since a slow server's time is taken from the lock's validity. A server
   * that does not answer in time counts as failed.
   * @defaultValue 100
   */
  instanceTimeout?: number;
  /**
   * Clock-drift allowance per ms of ttl: `drift = ttl × driftFactor + 2` ms is taken off every
   * validity. `0 <= driftFactor < 1`. @defaultValue 0.01
   */
  driftFactor?: number;
  /** Default of {@link AcquireOptions.retryDelay}, in ms. @defaultValue 50 */
  retryDelay?: number;
  /** Monotonic clock in ms, for validity, `expiresAt` and `wait`. @defaultValue performance.now */
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

const OPTION_NAMES = [
  'clients',
  'prefix',
  'commandTimeout',
  'instanceTimeout',
  'driftFactor',
  'retryDelay',
  'now',
  'seed',
];

/** What a successful quorum acquisition gave. */
interface Grant {
  token: string;
  expiresAt: number;
}

/** How the servers answered one step. */
interface Tally {
  /** Servers that did it (granted, extended, released). */
  ok: number;
  /** Servers that failed or timed out. */
  errors: unknown[];
}

/**
 * A distributed lock over N independent Redis servers with a quorum and a clock-drift allowance.
 *
 * @example
 * ```ts
 * const redlock = new Redlock({ clients: [a, b, c] });
 * const lock = await redlock.acquire('invoice:42', { ttl: 5_000, wait: 2_000 });
 * try {
 *   if (lock.validity < 1_000) throw new Error('too little time left');
 *   await work({ signal: lock.signal });
 * } finally {
 *   await lock.release();
 * }
 * ```
 */
export class Redlock implements DistributedLock {
  /** One port per server, in the order of `clients`. */
  readonly ports: readonly RedisPort[];
  /** Key names; the lock key of a resource is {@link KeyLayout.lock}, on every server. */
  readonly layout: KeyLayout;
  /** How many servers must agree: floor(N / 2) + 1. */
  readonly quorum: number;
  /** See {@link RedlockOptions.driftFactor}. */
  readonly driftFactor: number;
  /** See {@link RedlockOptions.instanceTimeout}, in ms. */
  readonly instanceTimeout: number;
  readonly #now: () => number;
  readonly #retryDelay: number;
  /** The backoff jitter's source, seeded by the `seed` option. */
  readonly #random: () => number;
  readonly #owned: RedisPort[] = [];
  readonly #live = new Set<LockHandle>();

  /** @throws `ConfigError` for an unknown option, an invalid value, no clients, or a client given twice. */
  constructor(options: RedlockOptions) {
    checkOptions(options, OPTION_NAMES);
    const seed = checkSeed(options.seed);
    this.#random = seed === undefined ? Math.random : seededRandom(seed);
    const { clients } = options;
    if (!Array.isArray(clients) || clients.length === 0) {
      throw new ConfigError('clients', clients, 'a non-empty array of Redis clients, one per server');
    }
    if (new Set(clients).size !== clients.length) {
      throw new ConfigError('clients', clients, 'distinct clients (each server once)');
    }
    const now = options.now ?? performance.now.bind(performance);
    if (typeof now !== 'function') throw new ConfigError('now', now, 'a function');
    this.#now = now;
    const drift = options.driftFactor ?? DEFAULT_DRIFT_FACTOR;
    if (typeof drift !== 'number' || !(drift >= 0 && drift < 1)) {
      throw new ConfigError('driftFactor', drift, 'a number >= 0 and < 1');
    }
    this.driftFactor = drift;
    this.instanceTimeout =
      options.instanceTimeout === undefined
        ? DEFAULT_INSTANCE_TIMEOUT
        : checkDelay(options.instanceTimeout, 'instanceTimeout');
    this.#retryDelay =
      options.retryDelay === undefined ? DEFAULT_RETRY_DELAY : checkDelay(options.retryDelay, 'retryDelay');
    this.layout = new KeyLayout(options.prefix);
    const portOptions =
      options.commandTimeout === undefined ? {} : { commandTimeout: options.commandTimeout };
    this.ports = clients.map((client: unknown, i) => {
      if (isRedisPort(client)) return client;
      try {
        const port = toPort(client, portOptions);
        this.#owned.push(port);
        return port;
      } catch (error) {
        if (error instanceof ConfigError && error.option === 'client') {
          throw new ConfigError(`clients[${i}]`, client, 'a node-redis or ioredis client, or a RedisPort');
        }
        throw error;
      }
    });
    this.quorum = Math.floor(this.ports.length / 2) + 1;
  }

  /** The clock-drift allowance of a lock of `ttl` ms, in ms: `ttl × driftFactor + 2`. */
  drift(ttl: number): number {
    return ttl * this.driftFactor + 2;
  }

  /** The Redis key of the lock on `resource` (the same on every server). */
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
    await Promise.all(this.#owned.map((port) => port.close()));
  }

  /** Runs `step` on every server at once, each bounded by `instanceTimeout`, and counts the answers. */
  async #onEach(
    operation: string,
    step: (port: RedisPort) => Promise<unknown>,
    ok: (reply: unknown) => boolean,
  ): Promise<Tally> {
    const results = await Promise.allSettled(this.ports.map((port) => this.#bounded(operation, step(port))));
    const tally: Tally = { ok: 0, errors: [] };
    for (const result of results) {
      if (result.status === 'rejected') tally.errors.push(result.reason);
      else if (ok(result.value)) tally.ok++;
    }
    return tally;
  }

  #bounded<T>(operation: string, promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreError(
              'timeout',
              operation,
              `Redis ${operation} took longer than the instanceTimeout of ${this.instanceTimeout} ms`,
            ),
          ),
        this.instanceTimeout,
      );
      timer.unref();
    });
    // the step's own late rejection is expected once the timeout has won
    promise.catch(() => {});
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  #failures(tally: Tally): string {
    return `${tally.ok} of ${this.ports.length} servers confirmed, ${tally.errors.length} failed, quorum ${this.quorum}`;
  }

  async #attempt(resource: string, key: string, ttl: number): Promise<Grant | undefined> {
    const token = newLockToken();
    const start = this.#now();
    const tally = await this.#onEach(
      'set',
      (port) => port.set(key, token, { nx: true, px: ttl }),
      (set) => set === true,
    );
    const drift = this.drift(ttl);
    const validity = ttl - (this.#now() - start) - drift;
    if (tally.ok >= this.quorum && validity > 0) return { token, expiresAt: start + ttl - drift };
    await this.#release(resource, key, token).catch(() => {});
    if (this.ports.length - tally.errors.length < this.quorum) {
      throw new LockUnavailableError(resource, 'acquire', this.#failures(tally), {
        cause: new AggregateError(tally.errors, 'Redlock acquire failed on too many servers'),
      });
    }
    return undefined;
  }

  async #extend(resource: string, key: string, token: string, ttl: number): Promise<number> {
    const start = this.#now();
    const tally = await this.#onEach(
      `eval ${EXTEND_LOCK.name}`,
      (port) => port.eval(EXTEND_LOCK, [key], [token, ttl]),
      (reply) => Number(reply) === LOCK_OK,
    );
    const drift = this.drift(ttl);
    const validity = ttl - (this.#now() - start) - drift;
    if (tally.ok >= this.quorum && validity > 0) return start + ttl - drift;
    if (tally.ok + tally.errors.length >= this.quorum) {
      // the lock may still be held: too many servers failed, or they took longer than the ttl
      throw new LockUnavailableError(
        resource,
        'extend',
        validity > 0 ? this.#failures(tally) : `the extension took longer than its ttl (${ttl} ms)`,
        { cause: new AggregateError(tally.errors, 'Redlock extend failed') },
      );
    }
    throw new LockLostError(
      resource,
      `extend: ${this.#failures(tally)}; the others hold no key or another token`,
    );
  }

  async #release(resource: string, key: string, token: string): Promise<void> {
    const tally = await this.#onEach(
      `eval ${RELEASE_LOCK.name}`,
      (port) => port.eval(RELEASE_LOCK, [key], [token]),
      (reply) => Number(reply) === LOCK_OK,
    );
    if (tally.ok >= this.quorum) return;
    if (tally.ok + tally.errors.length >= this.quorum) {
      throw new LockUnavailableError(resource, 'release', this.#failures(tally), {
        cause: new AggregateError(tally.errors, 'Redlock release failed'),
      });
    }
    throw new LockLostError(
      resource,
      `release: ${this.#failures(tally)}; the others hold no key or another token`,
    );
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
