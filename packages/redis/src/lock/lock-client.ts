/**
 * {@link LockClient}: Larder's one distributed lock client. It takes a lock on a resource, waits
 * for a busy one with jittered backoff, and hands out {@link Lock} handles (validity, lost signal,
 * auto-extension, release); what it does to Redis is its {@link LockStrategy}:
 *
 * - `client` given: {@link SingleInstance}, one Redis (a single server, or a Redis Cluster). Safety
 *   rests on the key's expiry: the holder must finish (or extend) within `ttl`. A failover to a
 *   replica that had not yet received the `SET` can grant the lock twice.
 * - `clients` given: {@link Quorum}, Redlock over N independent servers, for when that matters.
 *
 * The lock key of a resource is `<prefix>l:{<slot tag>}<resource>` ({@link KeyLayout.lock}) on every
 * server: the `l` kind keeps lock keys apart from entries and tag sets, and the hash tag keeps the
 * key in one cluster slot. When the resource is a cache key, that is the slot of the key's entry, so
 * `RedisStore.setIfLocked(key, entry, lock.token)` can check the lock and write the entry in one
 * script; the stampede protocol ({@link RedisFillCoordinator}) takes its locks through this client.
 */
import { ConfigError, checkOptions, type LockUnavailableError } from '@larder/core';
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
import type { LockPeek, LockStrategy, LockUnless } from './lock-strategy.js';
import { Quorum } from './quorum.js';
import { seededRandom } from './seeded-random.js';
import { SingleInstance } from './single-instance.js';

/** @defaultValue of {@link LockClientOptions.driftFactor}. */
export const DEFAULT_DRIFT_FACTOR = 0.01;

/** @defaultValue of {@link LockClientOptions.instanceTimeout}, in ms. */
export const DEFAULT_INSTANCE_TIMEOUT = 100;

/** Options of {@link LockClient}: `client` for one Redis, or `clients` for a quorum. */
export interface LockClientOptions {
  /**
   * One Redis: a node-redis 5/6 client or cluster client (connected), an ioredis 5/6 `Redis` or
   * `Cluster`, or a {@link RedisPort}. The lock never closes your client; it closes the port it
   * made from it.
   */
  client?: unknown;
  /**
   * A quorum instead: the independent Redis servers, one client (or {@link RedisPort}) each. Use an
   * odd number, 3 or 5: with N servers, floor(N / 2) + 1 must agree. Each must be a different client.
   */
  clients?: readonly unknown[];
  /** Key prefix; lock keys are `<prefix>l:{<slot tag>}<resource>`. @defaultValue 'larder:' */
  prefix?: string;
  /**
   * Per-command timeout in ms of the ports made from clients (a port has its own). A command slower
   * than this fails the operation with `LockUnavailableError`. @defaultValue 1000
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
  /**
   * Quorum only: longest wait for one server's answer to one step (acquire, extend, release), in ms.
   * Keep it small next to the ttl, since a slow server's time is taken from the lock's validity. A
   * server that does not answer in time counts as failed. @defaultValue 100
   */
  instanceTimeout?: number;
  /**
   * Quorum only: clock-drift allowance per ms of ttl: `drift = ttl × driftFactor + 2` ms is taken off
   * every validity. `0 <= driftFactor < 1`. @defaultValue 0.01
   */
  driftFactor?: number;
}

const OPTION_NAMES = [
  'client',
  'clients',
  'prefix',
  'commandTimeout',
  'retryDelay',
  'now',
  'instanceTimeout',
  'driftFactor',
  'seed',
];

/**
 * What {@link LockClient.claim} gave: a held lock and what it read, or the holder's remaining ms;
 * from {@link LockClient.claimUnless}, also `found`: the hash existed (its fields), the lock was not tried.
 */
export type LockClaim =
  | { lock: Lock; peeked: readonly [unknown, unknown] | undefined }
  | { lock: undefined; remaining: number | undefined; found?: readonly unknown[] };

/**
 * A distributed lock client over one Redis or a quorum of them, for node-redis 5/6 and ioredis 5/6.
 *
 * @example
 * ```ts
 * const locks = new LockClient({ client, prefix: 'myapp:' }); // or { clients: [a, b, c] }
 * const lock = await locks.acquire('report:2024', { ttl: 10_000, wait: 5_000, autoExtend: true });
 * try {
 *   await buildReport({ signal: lock.signal }); // aborted if the lock is lost
 * } finally {
 *   await lock.release();
 * }
 * ```
 */
export class LockClient<S extends LockStrategy = LockStrategy> implements DistributedLock {
  /** What the client does to Redis: {@link SingleInstance} or {@link Quorum}. */
  readonly strategy: S;
  /** Key names: {@link KeyLayout.lock} is the lock key of a resource. */
  readonly layout: KeyLayout;
  readonly #now: () => number;
  readonly #retryDelay: number;
  /** The backoff jitter's source, seeded by the `seed` option. */
  readonly #random: () => number;
  readonly #live = new Set<LockHandle>();

  /** @throws `ConfigError` for an unknown option, an invalid value, or a client that is no Redis client. */
  constructor(options: LockClientOptions) {
    checkOptions(options, OPTION_NAMES);
    const seed = checkSeed(options.seed);
    this.#random = seed === undefined ? Math.random : seededRandom(seed);
    const now = options.now ?? performance.now.bind(performance);
    if (typeof now !== 'function') throw new ConfigError('now', now, 'a function');
    this.#now = now;
    this.#retryDelay =
      options.retryDelay === undefined ? DEFAULT_RETRY_DELAY : checkDelay(options.retryDelay, 'retryDelay');
    this.layout = new KeyLayout(options.prefix);
    this.strategy = (Object.hasOwn(options, 'clients')
      ? quorum(options, now)
      : singleInstance(options, now)) as LockStrategy as S;
  }

  /** The Redis key of the lock on `resource` (on every server, for a quorum). */
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
      (g) => this.strategy.release({ resource, key, token: g.token }),
      this.#random,
    );
    return this.#handle(resource, key, grant.token, grant.expiresAt, o);
  }

  /** See {@link DistributedLock.tryAcquire}. */
  async tryAcquire(resource: string, options: TryAcquireOptions): Promise<Lock | undefined> {
    const key = this.key(resource);
    const o = resolveAcquireOptions(options, this.#retryDelay, false);
    const grant = await this.#attempt(resource, key, o.ttl);
    return grant === undefined ? undefined : this.#handle(resource, key, grant.token, grant.expiresAt, o);
  }

  /**
   * One attempt, as {@link LockClient.tryAcquire}, that also reads `peek` in the same round trip and,
   * when the resource is busy, tells how long the holder's lock still lives (single instance only).
   * @throws `LockUnavailableError` when Redis failed; `ConfigError` for an invalid option, or a `peek`
   * on a quorum.
   */
  async claim(resource: string, options: TryAcquireOptions, peek: LockPeek): Promise<LockClaim> {
    const key = this.key(resource);
    const o = resolveAcquireOptions(options, this.#retryDelay, false);
    const token = newLockToken();
    const attempt = await this.strategy.attempt({ resource, key, token }, o.ttl, peek);
    if (!attempt.granted) return { lock: undefined, remaining: attempt.remaining };
    return { lock: this.#handle(resource, key, token, attempt.expiresAt, o), peeked: attempt.peeked };
  }

  /**
   * One attempt that first reads the hash `unless` names: when it exists, its fields are the answer
   * (`found`) and the lock is not tried; else as {@link LockClient.claim} (without a peek: the hash
   * was absent). Single instance only.
   * @throws `LockUnavailableError` when Redis failed; `ConfigError` for an invalid option, or on a quorum.
   */
  async claimUnless(resource: string, options: TryAcquireOptions, unless: LockUnless): Promise<LockClaim> {
    const key = this.key(resource);
    const o = resolveAcquireOptions(options, this.#retryDelay, false);
    if (this.strategy.attemptUnless === undefined) {
      throw new ConfigError('unless', unless, 'no hash to read: a quorum lock reads no hash');
    }
    const token = newLockToken();
    const attempt = await this.strategy.attemptUnless({ resource, key, token }, o.ttl, unless);
    if (!attempt.granted) {
      return attempt.found === undefined
        ? { lock: undefined, remaining: attempt.remaining }
        : { lock: undefined, remaining: undefined, found: attempt.found };
    }
    return { lock: this.#handle(resource, key, token, attempt.expiresAt, o), peeked: undefined };
  }

  /**
   * Stops the timers of every lock still held (auto-extension, expiry) without releasing them (they
   * lapse by their ttl), and closes the ports made from clients (never the clients).
   */
  async close(): Promise<void> {
    for (const handle of [...this.#live]) handle.detach();
    await this.strategy.close();
  }

  /** @throws {@link LockUnavailableError}. */
  async #attempt(
    resource: string,
    key: string,
    ttl: number,
  ): Promise<{ token: string; expiresAt: number } | undefined> {
    const token = newLockToken();
    const attempt = await this.strategy.attempt({ resource, key, token }, ttl);
    return attempt.granted ? { token, expiresAt: attempt.expiresAt } : undefined;
  }

  #handle(resource: string, key: string, token: string, expiresAt: number, o: ResolvedAcquireOptions): Lock {
    const target = { resource, key, token };
    const handle = new LockHandle({
      resource,
      token,
      ttl: o.ttl,
      expiresAt,
      now: this.#now,
      backend: {
        extend: (ttl) => this.strategy.extend(target, ttl),
        release: () => this.strategy.release(target),
      },
      onLost: o.onLost,
      onSettled: (h) => this.#live.delete(h),
    });
    this.#live.add(handle);
    if (o.autoExtend !== undefined) handle.autoExtend(o.autoExtend);
    return handle;
  }
}

function portOptions(options: LockClientOptions): { commandTimeout?: number } {
  return options.commandTimeout === undefined ? {} : { commandTimeout: options.commandTimeout };
}

function singleInstance(options: LockClientOptions, now: () => number): SingleInstance {
  for (const name of ['instanceTimeout', 'driftFactor'] as const) {
    if (options[name] !== undefined) {
      throw new ConfigError(name, options[name], 'no value: it applies to a quorum (`clients`) only');
    }
  }
  const owns = !isRedisPort(options.client);
  const port = owns ? toPort(options.client, portOptions(options)) : (options.client as RedisPort);
  return new SingleInstance(port, now, owns);
}

function quorum(options: LockClientOptions, now: () => number): Quorum {
  const { clients } = options;
  if (options.client !== undefined) {
    throw new ConfigError('client', options.client, 'no client beside `clients` (one or the other)');
  }
  if (!Array.isArray(clients) || clients.length === 0) {
    throw new ConfigError('clients', clients, 'a non-empty array of Redis clients, one per server');
  }
  if (new Set(clients).size !== clients.length) {
    throw new ConfigError('clients', clients, 'distinct clients (each server once)');
  }
  const drift = options.driftFactor ?? DEFAULT_DRIFT_FACTOR;
  if (typeof drift !== 'number' || !(drift >= 0 && drift < 1)) {
    throw new ConfigError('driftFactor', drift, 'a number >= 0 and < 1');
  }
  const instanceTimeout =
    options.instanceTimeout === undefined
      ? DEFAULT_INSTANCE_TIMEOUT
      : checkDelay(options.instanceTimeout, 'instanceTimeout');
  const owned: RedisPort[] = [];
  const ports = clients.map((client: unknown, i) => {
    if (isRedisPort(client)) return client;
    try {
      const port = toPort(client, portOptions(options));
      owned.push(port);
      return port;
    } catch (error) {
      if (error instanceof ConfigError && error.option === 'client') {
        throw new ConfigError(`clients[${i}]`, client, 'a node-redis or ioredis client, or a RedisPort');
      }
      throw error;
    }
  });
  return new Quorum(ports, owned, drift, instanceTimeout, now);
}
