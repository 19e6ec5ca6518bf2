/**
 * The distributed-lock contract, written once and run against `RedisLock` on every client of the
 * matrix (standalone and cluster) and against `Redlock` over three independent servers: mutual
 * exclusion, expiry of a holder that never releases, compare-and-delete and compare-and-pexpire on
 * the token, extension, auto-extension stopped by a signal, lost-lock detection, and the busy
 * timeout. Real Redis and real time throughout: bounds on durations are generous, and every wait for
 * something asynchronous is a bounded poll.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LockLostError, LockTimeoutError, LockUnavailableError } from '@larder/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DistributedLock, Lock } from '../../../src/index.js';

/** What the contract needs of one lock implementation under test. */
export interface LockFixture {
  /**
   * Two locks over the same server(s) with the same prefix, on separate connections: two processes
   * contending, as far as Redis can tell.
   */
  locks: readonly [DistributedLock, DistributedLock];
  /** The value of the lock key of `resource` on every server (a token, or `null`). */
  values(resource: string): Promise<(string | null)[]>;
  /** Deletes the lock key of `resource` behind its holder's back, on enough servers to break any quorum. */
  remove(resource: string): Promise<void>;
  close(): Promise<void>;
}

/** Generous upper bound on scheduling noise of a loaded two-core machine, in ms. */
const SLACK = 3000;

let counter = 0;
/** A resource name no other test uses. */
function fresh(label: string): string {
  counter += 1;
  return `${label}-${counter}`;
}

/** Resolves with the reason once `signal` aborts, or fails after `timeout` ms. */
function aborted(signal: AbortSignal, timeout: number): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`signal not aborted within ${timeout} ms`)), timeout);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(signal.reason);
      },
      { once: true },
    );
  });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** Runs the lock contract against the fixture `setup` makes. */
export function runLockContract(name: string, setup: () => Promise<LockFixture>): void {
  // the tests use distinct resources, and most of their time is spent waiting on ttls: run them side by side
  describe.concurrent(`lock contract: ${name}`, () => {
    let f: LockFixture;
    let a: DistributedLock;
    let b: DistributedLock;
    const held: Lock[] = [];

    beforeAll(async () => {
      f = await setup();
      [a, b] = f.locks;
    });
    afterAll(async () => {
      await Promise.all(held.map((lock) => lock.release().catch(() => {})));
      await f?.close();
    });

    /** Remembers `lock` so a failing test still releases it. */
    function keep<T extends Lock | undefined>(lock: T): T {
      if (lock !== undefined) held.push(lock);
      return lock;
    }

    it('acquires and releases; the key holds the token meanwhile', async () => {
      const r = fresh('basic');
      const lock = keep(await a.acquire(r, { ttl: 10_000 }));
      expect(lock.resource).toBe(r);
      expect(lock.token).toMatch(/^[0-9a-f]{32}$/);
      expect(lock.ttl).toBe(10_000);
      expect(lock.held).toBe(true);
      expect(lock.validity).toBeGreaterThan(0);
      expect(lock.validity).toBeLessThanOrEqual(10_000);
      expect(lock.signal.aborted).toBe(false);
      expect(new Set(await f.values(r))).toEqual(new Set([lock.token]));
      expect(await b.tryAcquire(r, { ttl: 10_000 })).toBeUndefined();

      await lock.release();
      expect(lock.held).toBe(false);
      expect(lock.validity).toBe(0);
      expect(lock.signal.aborted).toBe(false);
      expect(new Set(await f.values(r))).toEqual(new Set([null]));
      await lock.release(); // idempotent

      const next = keep(await b.tryAcquire(r, { ttl: 10_000 }));
      expect(next).toBeDefined();
      expect(next!.token).not.toBe(lock.token);
      await next!.release();
    });

    it('keeps 20 concurrent contenders mutually exclusive', async () => {
      const r = fresh('mutex');
      let inside = 0;
      let most = 0;
      // a read-modify-write across an await: concurrent holders would lose increments
      let shared = 0;
      const tokens = new Set<string>();
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const lock = keep(
            await (i % 2 === 0 ? a : b).acquire(r, { ttl: 15_000, wait: 30_000, retryDelay: 10 }),
          );
          tokens.add(lock.token);
          inside += 1;
          most = Math.max(most, inside);
          const read = shared;
          expect(await f.values(r)).toContain(lock.token);
          shared = read + 1;
          inside -= 1;
          await lock.release();
        }),
      );
      expect(most).toBe(1);
      expect(shared).toBe(20);
      expect(tokens.size).toBe(20);
      expect(new Set(await f.values(r))).toEqual(new Set([null]));
    });

    it('frees the lock of a holder that never releases once its ttl passes', async () => {
      const r = fresh('expiry');
      const onLost = vi.fn();
      const started = performance.now();
      const first = keep(await a.acquire(r, { ttl: 300, onLost }));
      const second = keep(await b.acquire(r, { ttl: 10_000, wait: 10_000, retryDelay: 20 }));
      const waited = performance.now() - started;
      // not before the first key expired in Redis (it was set after `started`)
      expect(waited).toBeGreaterThanOrEqual(290);
      expect(waited).toBeLessThan(300 + SLACK);
      expect(first.held).toBe(false);
      expect(await aborted(first.signal, SLACK)).toBeInstanceOf(LockLostError);
      expect(onLost).toHaveBeenCalledTimes(1);
      expect(onLost.mock.calls[0]![0]).toBe(first.signal.reason);
      expect(new Set(await f.values(r))).toEqual(new Set([second.token]));

      // the late release compares tokens: it must not delete the successor's key
      const error = await failure(first.release());
      expect(error).toBeInstanceOf(LockLostError);
      expect((error as LockLostError).code).toBe('ERR_LARDER_LOCK_LOST');
      expect((error as LockLostError).resource).toBe(r);
      expect(new Set(await f.values(r))).toEqual(new Set([second.token]));
      // nor extend it
      expect(await failure(first.extend(60_000))).toBeInstanceOf(LockLostError);
      expect(second.held).toBe(true);
      await second.release();
      expect(onLost).toHaveBeenCalledTimes(1);
    });

    it('extends the lock past its original ttl', async () => {
      const r = fresh('extend');
      const started = performance.now();
      const lock = keep(await a.acquire(r, { ttl: 1000 }));
      await lock.extend(10_000);
      expect(lock.expiresAt).toBeGreaterThan(started + 5000);
      await sleep(1000 + 300);
      expect(lock.held).toBe(true);
      expect(lock.signal.aborted).toBe(false);
      expect(new Set(await f.values(r))).toEqual(new Set([lock.token]));
      expect(await b.tryAcquire(r, { ttl: 1000 })).toBeUndefined();
      await lock.release();
      expect(new Set(await f.values(r))).toEqual(new Set([null]));
    });

    it('auto-extends until its AbortSignal aborts, then lets the lock lapse', async () => {
      const r = fresh('auto');
      const stop = new AbortController();
      // extended every 200 ms: it takes five missed extensions in a row (a starved event loop) to lose it
      const lock = keep(
        await a.acquire(r, { ttl: 1000, autoExtend: { signal: stop.signal, interval: 200 } }),
      );
      await sleep(1000 + 500);
      expect(lock.held).toBe(true);
      expect(lock.signal.aborted).toBe(false);
      expect(new Set(await f.values(r))).toEqual(new Set([lock.token]));
      expect(await b.tryAcquire(r, { ttl: 1000 })).toBeUndefined();

      stop.abort();
      const stopped = performance.now();
      const next = keep(await b.acquire(r, { ttl: 10_000, wait: 10_000, retryDelay: 20 }));
      expect(performance.now() - stopped).toBeLessThan(1000 + SLACK);
      expect(await aborted(lock.signal, SLACK)).toBeInstanceOf(LockLostError);
      await next.release();
    });

    it('detects a lost lock: extend fails with LockLostError and the signal aborts', async () => {
      const r = fresh('lost');
      const onLost = vi.fn();
      const lock = keep(await a.acquire(r, { ttl: 10_000, onLost }));
      await f.remove(r);

      const error = await failure(lock.extend());
      expect(error).toBeInstanceOf(LockLostError);
      expect(lock.signal.aborted).toBe(true);
      expect(lock.signal.reason).toBe(error);
      expect(lock.held).toBe(false);
      expect(onLost).toHaveBeenCalledTimes(1);
      expect(onLost).toHaveBeenCalledWith(error);
      // lost stays lost
      expect(await failure(lock.extend())).toBe(error);
      expect(await failure(lock.release())).toBeInstanceOf(LockLostError);
      expect(onLost).toHaveBeenCalledTimes(1);
    });

    it('detects a lock taken over while auto-extending', async () => {
      const r = fresh('taken');
      const lock = keep(await a.acquire(r, { ttl: 10_000, autoExtend: { interval: 100 } }));
      await f.remove(r);
      const thief = keep(await b.acquire(r, { ttl: 10_000, wait: 0 }));
      const reason = await aborted(lock.signal, SLACK);
      expect(reason).toBeInstanceOf(LockLostError);
      // found by an extension, well before the 10 s validity ran out
      expect((reason as Error).message).toMatch(/extend/);
      expect(new Set(await f.values(r))).toEqual(new Set([thief.token]));
      await thief.release();
    });

    it('rejects with LockTimeoutError when the resource stays busy past wait', async () => {
      const r = fresh('busy');
      const lock = keep(await a.acquire(r, { ttl: 20_000 }));
      const started = performance.now();
      const error = await failure(b.acquire(r, { ttl: 1000, wait: 300, retryDelay: 20 }));
      const waited = performance.now() - started;
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect(error).not.toBeInstanceOf(LockUnavailableError);
      expect(error).toMatchObject({ code: 'ERR_LARDER_LOCK_TIMEOUT', resource: r, wait: 300 });
      expect(waited).toBeGreaterThanOrEqual(290);
      expect(waited).toBeLessThan(300 + SLACK);
      // wait 0: one attempt
      expect(await failure(b.acquire(r, { ttl: 1000, wait: 0 }))).toBeInstanceOf(LockTimeoutError);
      expect(await b.tryAcquire(r, { ttl: 1000 })).toBeUndefined();
      expect(new Set(await f.values(r))).toEqual(new Set([lock.token]));
      await lock.release();
    });

    it('abandons waiting when the acquire signal aborts', async () => {
      const r = fresh('abort');
      const lock = keep(await a.acquire(r, { ttl: 20_000 }));
      const stop = new AbortController();
      const reason = new Error('caller gave up');
      const waiting = failure(b.acquire(r, { ttl: 1000, wait: 20_000, signal: stop.signal }));
      await sleep(100);
      stop.abort(reason);
      expect(await waiting).toBe(reason);
      expect(await failure(b.acquire(r, { ttl: 1000, signal: AbortSignal.abort(reason) }))).toBe(reason);
      expect(new Set(await f.values(r))).toEqual(new Set([lock.token]));
      await lock.release();
    });
  });
}
