/**
 * {@link SingleInstance}: the {@link LockStrategy} of one Redis (a single server, or a Redis Cluster,
 * where each lock key lives on the master of its slot).
 *
 * - Acquire: `SET <lock key> <token> NX PX <ttl>`; with a {@link LockPeek}, the same in a script that
 *   also reads the hash (or the holder's `PTTL` when busy), in one round trip; with a
 *   {@link LockUnless}, a script that reads the hash and tries the lock only when it is absent.
 * - Release: compare-and-delete in Lua; extend: compare-and-`PEXPIRE` in Lua. Neither ever touches
 *   a key holding another token, so a holder whose lock expired cannot free or prolong its
 *   successor's.
 *
 * `expiresAt` is counted from just before the command was sent, so the key in Redis outlives it.
 */
import { LockLostError, StoreError } from '@larder/core';
import type { RedisPort } from '../port.js';
import { unavailable } from './lock-handle.js';
import { ACQUIRE_AND_PEEK, EXTEND_LOCK, lostReason, READ_OR_ACQUIRE, RELEASE_LOCK } from './lock-scripts.js';
import type { LockAttempt, LockPeek, LockStrategy, LockTarget, LockUnless } from './lock-strategy.js';

/** The lock on one Redis deployment, through one port. */
export class SingleInstance implements LockStrategy {
  /** The port to Redis. */
  readonly port: RedisPort;
  readonly #now: () => number;
  readonly #ownsPort: boolean;

  /**
   * @param ownsPort - Whether {@link SingleInstance.close} closes the port (it was made from a client).
   */
  constructor(port: RedisPort, now: () => number, ownsPort: boolean) {
    this.port = port;
    this.#now = now;
    this.#ownsPort = ownsPort;
  }

  async attempt(target: LockTarget, ttl: number, peek?: LockPeek): Promise<LockAttempt> {
    const { resource, key, token } = target;
    const start = this.#now();
    try {
      if (peek === undefined) {
        const set = await this.port.set(key, token, { nx: true, px: ttl });
        return set ? { granted: true, expiresAt: start + ttl } : { granted: false };
      }
      const reply = await this.port.eval(
        ACQUIRE_AND_PEEK,
        [key, peek.key],
        [token, ttl, peek.field, peek.exists],
      );
      if (!Array.isArray(reply) || typeof reply[0] !== 'number') {
        throw new StoreError('format', `eval ${ACQUIRE_AND_PEEK.name}`, 'unexpected reply');
      }
      if (reply[0] === 1) return { granted: true, expiresAt: start + ttl, peeked: [reply[1], reply[2]] };
      return { granted: false, remaining: typeof reply[1] === 'number' ? reply[1] : -1 };
    } catch (error) {
      // a timed-out SET may still be applied; a release sent after it on the same connection runs
      // after it, so a lock nobody holds does not block the resource for a whole ttl
      this.release(target).catch(() => {});
      throw unavailable(resource, 'acquire', error);
    }
  }

  async attemptUnless(target: LockTarget, ttl: number, unless: LockUnless): Promise<LockAttempt> {
    const { resource, key, token } = target;
    const start = this.#now();
    try {
      const reply = await this.port.eval(READ_OR_ACQUIRE, [key, unless.key], [token, ttl, ...unless.fields]);
      if (!Array.isArray(reply) || typeof reply[0] !== 'number') {
        throw new StoreError('format', `eval ${READ_OR_ACQUIRE.name}`, 'unexpected reply');
      }
      if (reply[0] === 2) return { granted: false, found: reply.slice(1) };
      if (reply[0] === 1) return { granted: true, expiresAt: start + ttl };
      return { granted: false, remaining: typeof reply[1] === 'number' ? reply[1] : -1 };
    } catch (error) {
      // as in attempt: a SET applied after its timeout must not hold the resource for a whole ttl
      this.release(target).catch(() => {});
      throw unavailable(resource, 'acquire', error);
    }
  }

  async extend(target: LockTarget, ttl: number): Promise<number> {
    const { resource, key, token } = target;
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

  async release(target: LockTarget): Promise<void> {
    const { resource, key, token } = target;
    let reply: unknown;
    try {
      reply = await this.port.eval(RELEASE_LOCK, [key], [token]);
    } catch (error) {
      throw unavailable(resource, 'release', error);
    }
    const lost = lostReason(Number(reply));
    if (lost !== undefined) throw new LockLostError(resource, `release found ${lost}`);
  }

  async close(): Promise<void> {
    if (this.#ownsPort) await this.port.close();
  }
}
