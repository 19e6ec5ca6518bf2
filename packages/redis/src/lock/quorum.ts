/**
 * {@link Quorum}: the {@link LockStrategy} of Redlock, over N independent Redis servers (no
 * replication between them), after the algorithm described by Salvatore Sanfilippo in the Redis
 * documentation ("Distributed Locks with Redis"). A lock is held when a majority of the servers hold
 * its key, so it survives the loss of a minority of them, and a failover cannot hand it out twice
 * the way it can on one replicated Redis.
 *
 * Acquire, for a lock of `ttl` ms with N servers and quorum Q = floor(N / 2) + 1:
 * 1. Note the time `start` on the lock's clock.
 * 2. `SET key token NX PX ttl` on every server at once, each bounded by `instanceTimeout` (short
 *    next to `ttl`), so a dead or slow server costs little time.
 * 3. `elapsed = now - start`; `drift = ttl × driftFactor + 2` ms: an allowance for the servers'
 *    clocks running faster than ours (their keys may expire early), plus 2 ms for the granularity of
 *    Redis's expiry. `validity = ttl - elapsed - drift`.
 * 4. Held if at least Q servers granted it and `validity > 0`; `expiresAt = start + ttl - drift`.
 * 5. Otherwise delete the key (compare-and-delete) on every server, including those that failed or
 *    timed out (a late `SET` is applied before the release sent after it); if fewer than Q servers
 *    answered at all, fail with `LockUnavailableError` (the client retries only a busy resource).
 *
 * Extend: compare-and-`PEXPIRE` on every server; succeeds with Q confirmations within the new
 * validity. Release: compare-and-delete on every server; succeeds with Q confirmations. In both,
 * fewer than Q confirmations with enough failures to hide a quorum is `LockUnavailableError`, and
 * otherwise `LockLostError`.
 */
import { ConfigError, LockLostError, LockUnavailableError, StoreError } from '@larder/core';
import type { RedisPort } from '../port.js';
import { EXTEND_LOCK, LOCK_OK, RELEASE_LOCK } from './lock-scripts.js';
import type { LockAttempt, LockPeek, LockStrategy, LockTarget } from './lock-strategy.js';

/** How the servers answered one step. */
interface Tally {
  /** Servers that did it (granted, extended, released). */
  ok: number;
  /** Servers that failed or timed out. */
  errors: unknown[];
}

/** The lock on a quorum of independent Redis servers. */
export class Quorum implements LockStrategy {
  /** One port per server. */
  readonly ports: readonly RedisPort[];
  /** How many servers must agree: floor(N / 2) + 1. */
  readonly quorum: number;
  /** Clock-drift allowance per ms of ttl. */
  readonly driftFactor: number;
  /** Longest wait for one server's answer to one step, in ms. */
  readonly instanceTimeout: number;
  readonly #now: () => number;
  readonly #owned: readonly RedisPort[];

  /**
   * @param owned - The ports made from clients, which {@link Quorum.close} closes.
   * @param driftFactor - Clock-drift allowance per ms of ttl.
   * @param instanceTimeout - Longest wait for one server's answer to one step, in ms.
   */
  constructor(
    ports: readonly RedisPort[],
    owned: readonly RedisPort[],
    driftFactor: number,
    instanceTimeout: number,
    now: () => number,
  ) {
    this.ports = ports;
    this.#owned = owned;
    this.quorum = Math.floor(ports.length / 2) + 1;
    this.driftFactor = driftFactor;
    this.instanceTimeout = instanceTimeout;
    this.#now = now;
  }

  /** The clock-drift allowance of a lock of `ttl` ms, in ms: `ttl × driftFactor + 2`. */
  drift(ttl: number): number {
    return ttl * this.driftFactor + 2;
  }

  async attempt(target: LockTarget, ttl: number, peek?: LockPeek): Promise<LockAttempt> {
    const { resource, key, token } = target;
    if (peek !== undefined) throw new ConfigError('peek', peek, 'no peek: a quorum lock reads no hash');
    const start = this.#now();
    const tally = await this.#onEach(
      'set',
      (port) => port.set(key, token, { nx: true, px: ttl }),
      (set) => set === true,
    );
    const drift = this.drift(ttl);
    const validity = ttl - (this.#now() - start) - drift;
    if (tally.ok >= this.quorum && validity > 0) return { granted: true, expiresAt: start + ttl - drift };
    await this.release(target).catch(() => {});
    if (this.ports.length - tally.errors.length < this.quorum) {
      throw new LockUnavailableError(resource, 'acquire', this.#failures(tally), {
        cause: new AggregateError(tally.errors, 'Redlock acquire failed on too many servers'),
      });
    }
    return { granted: false };
  }

  async extend(target: LockTarget, ttl: number): Promise<number> {
    const { resource, key, token } = target;
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

  async release(target: LockTarget): Promise<void> {
    const { resource, key, token } = target;
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

  async close(): Promise<void> {
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
}
