/**
 * The waiting part of `acquire`, shared by {@link RedisLock} and {@link Redlock}: attempt, and while
 * the resource is busy, sleep with jittered exponential backoff and attempt again, until `wait` runs
 * out. The lock itself polls (the stampede protocol's waiters listen for fill notices instead);
 * jitter keeps contenders that lost the same race from retrying in lockstep.
 */
import { LockTimeoutError } from '@larder/core';
import type { ResolvedAcquireOptions } from './acquire-options.js';

/**
 * How long to sleep before attempt `n + 1` (n from 0): a random time in `[c/2, c)` with
 * `c = retryDelay * 2^min(n, 3)`, so the ceiling stops growing at 8 × `retryDelay`.
 */
export function backoffDelay(retryDelay: number, n: number, random: () => number = Math.random): number {
  const ceiling = retryDelay * 2 ** Math.min(n, 3);
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** Resolves after `ms`, or rejects with `signal.reason` as soon as it aborts; the timer is unref'd and cleared. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it yields a grant, waiting between attempts, for at most `options.wait` ms
 * (measured with `now`). An attempt that throws ends the loop with its error (a backend failure is
 * not retried: the caller routes around a dead Redis rather than waiting on it).
 *
 * @param release - Gives back a grant obtained after `options.signal` aborted.
 * @param random - The jitter's source of numbers in `[0, 1)` (seeded with the lock's `seed` option).
 * @throws `LockTimeoutError` when the resource is still busy at the deadline; `signal.reason` when
 * the signal aborts.
 */
export async function acquireWithin<T>(
  resource: string,
  options: ResolvedAcquireOptions,
  now: () => number,
  attempt: () => Promise<T | undefined>,
  release: (grant: T) => Promise<void>,
  random: () => number = Math.random,
): Promise<T> {
  const { signal, wait, retryDelay } = options;
  signal?.throwIfAborted();
  const deadline = now() + wait;
  for (let n = 0; ; n++) {
    const grant = await attempt();
    if (grant !== undefined) {
      if (signal?.aborted) {
        await release(grant).catch(() => {});
        throw signal.reason;
      }
      return grant;
    }
    signal?.throwIfAborted();
    const remaining = deadline - now();
    if (remaining <= 0) throw new LockTimeoutError(resource, wait);
    // the last sleep ends at the deadline, so one attempt is always made at it
    await sleep(Math.min(backoffDelay(retryDelay, n, random), remaining), signal);
  }
}
