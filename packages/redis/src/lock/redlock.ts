/**
 * {@link Redlock}: the {@link LockClient} over N independent Redis servers, with the options of that
 * case only. See {@link Quorum} for the algorithm. The lock key is the same as {@link RedisLock}'s,
 * so a server may also hold Larder's other keys.
 */
import { checkOptions } from '@larder/core';
import type { RedisPort } from '../port.js';
import { LockClient, type LockClientOptions } from './lock-client.js';
import type { Quorum } from './quorum.js';

export { DEFAULT_DRIFT_FACTOR, DEFAULT_INSTANCE_TIMEOUT } from './lock-client.js';

/** Options of {@link Redlock}: {@link LockClientOptions} for a quorum (`clients` required). */
export type RedlockOptions = Omit<LockClientOptions, 'client' | 'clients'> & {
  /**
   * The independent Redis servers, one client (or {@link RedisPort}) each: node-redis 5/6 or ioredis
   * 5/6, connected. Use an odd number, 3 or 5: with N servers, a quorum of floor(N / 2) + 1 must agree.
   * Each must be a different client. Redlock never closes them; it closes the ports it made.
   */
  clients: readonly unknown[];
};

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

/**
 * A distributed lock over N independent Redis servers with a quorum and a clock-drift allowance: a
 * {@link LockClient} given `clients`.
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
export class Redlock extends LockClient<Quorum> {
  /** @throws `ConfigError` for an unknown option, an invalid value, no clients, or a client given twice. */
  constructor(options: RedlockOptions) {
    const o = checkOptions(options, OPTION_NAMES) as unknown as RedlockOptions;
    // `clients` is what makes a quorum: a missing one is refused, not taken for one Redis
    super({ ...o, clients: o.clients });
  }

  /** One port per server, in the order of `clients`. */
  get ports(): readonly RedisPort[] {
    return this.strategy.ports;
  }

  /** How many servers must agree: floor(N / 2) + 1. */
  get quorum(): number {
    return this.strategy.quorum;
  }

  /** See {@link RedlockOptions.driftFactor}. */
  get driftFactor(): number {
    return this.strategy.driftFactor;
  }

  /** See {@link RedlockOptions.instanceTimeout}, in ms. */
  get instanceTimeout(): number {
    return this.strategy.instanceTimeout;
  }

  /** The clock-drift allowance of a lock of `ttl` ms, in ms: `ttl × driftFactor + 2`. */
  drift(ttl: number): number {
    return this.strategy.drift(ttl);
  }
}
