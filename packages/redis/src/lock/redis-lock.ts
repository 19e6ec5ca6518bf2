/**
 * {@link RedisLock}: the {@link LockClient} on one Redis (a single server, or a Redis Cluster), with
 * the options of that case only. See {@link SingleInstance} for what it does to Redis.
 */
import { checkOptions } from '@larder/core';
import type { RedisPort } from '../port.js';
import { LockClient, type LockClientOptions } from './lock-client.js';
import type { SingleInstance } from './single-instance.js';

/** Options of {@link RedisLock}: {@link LockClientOptions} for one Redis (`client` required). */
export type RedisLockOptions = Pick<
  LockClientOptions,
  'prefix' | 'commandTimeout' | 'retryDelay' | 'now' | 'seed'
> & {
  /**
   * A node-redis 5/6 client or cluster client (connected), an ioredis 5/6 `Redis` or `Cluster`, or a
   * {@link RedisPort}. The lock never closes your client; it closes the port it made from it.
   */
  client: unknown;
};

const OPTION_NAMES = ['client', 'prefix', 'commandTimeout', 'retryDelay', 'now', 'seed'];

/**
 * A distributed lock on one Redis (standalone or cluster), for node-redis 5/6 and ioredis 5/6: a
 * {@link LockClient} given `client`.
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
export class RedisLock extends LockClient<SingleInstance> {
  /** @throws `ConfigError` for an unknown option, an invalid value, or a `client` that is no Redis client. */
  constructor(options: RedisLockOptions) {
    super(checkOptions(options, OPTION_NAMES) as unknown as RedisLockOptions);
  }

  /** The port to Redis (shareable with a {@link RedisStore} on the same client). */
  get port(): RedisPort {
    return this.strategy.port;
  }
}
