/**
 * The waiting loop of `acquire`, with fake timers: jittered exponential backoff, an attempt at the
 * deadline, LockTimeoutError after it, abort handling, and a grant obtained after an abort given back.
 */
import { LockTimeoutError } from '@larder/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireWithin, backoffDelay, sleep } from '../../src/lock/acquire-loop.js';
import { resolveAcquireOptions } from '../../src/lock/acquire-options.js';
import { seededRandom } from '../../src/lock/seeded-random.js';

describe('backoffDelay', () => {
  it('draws from [c/2, c) with c = retryDelay × 2^min(n, 3)', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(50, n, () => 0))).toEqual([
      25, 50, 100, 200, 200, 200,
    ]);
    const high = () => 1 - Number.EPSILON;
    expect(backoffDelay(50, 0, high)).toBeLessThan(50);
    expect(backoffDelay(50, 7, high)).toBeLessThan(400);
    expect(backoffDelay(50, 7, high)).toBeGreaterThan(399);
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed, in [0, 1), and differs between seeds', () => {
    const draw = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed));
    const a = draw(7);
    expect(draw(7)).toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(a).size).toBeGreaterThan(990);
    // roughly uniform: each tenth of [0, 1) gets 100 ± 40 of 1,000 draws
    for (let d = 0; d < 10; d++) {
      const n = a.filter((x) => Math.floor(x * 10) === d).length;
      expect(n, `decile ${d}`).toBeGreaterThan(60);
      expect(n, `decile ${d}`).toBeLessThan(140);
    }
    expect(draw(8)).not.toEqual(a);
    // only the low 32 bits count
    expect(draw(7 + 2 ** 32)).toEqual(a);
  });
});

describe('acquireWithin', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const options = (extra: object) => resolveAcquireOptions({ ttl: 1000, ...extra }, 50, true);

  it('retries a busy resource until it is free', async () => {
    const at: number[] = [];
    const grant = acquireWithin(
      'r',
      options({ wait: 5000 }),
      Date.now,
      async () => {
        at.push(Date.now());
        return at.length === 4 ? 'granted' : undefined;
      },
      async () => {},
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(await grant).toBe('granted');
    expect(at).toHaveLength(4);
    // each gap within its backoff window
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    gaps.forEach((gap, n) => {
      expect(gap).toBeGreaterThanOrEqual(25 * 2 ** n);
      expect(gap).toBeLessThanOrEqual(50 * 2 ** n);
    });
  });

  it('waits the same delays for the same seed, and other delays for another', async () => {
    const attemptTimes = async (random: () => number): Promise<number[]> => {
      const start = Date.now();
      const at: number[] = [];
      const outcome = acquireWithin(
        'r',
        options({ wait: 3000 }),
        Date.now,
        async () => void at.push(Date.now() - start),
        async () => {},
        random,
      ).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(3000);
      expect(await outcome).toBeInstanceOf(LockTimeoutError);
      return at;
    };
    const first = await attemptTimes(seededRandom(42));
    expect(first.length).toBeGreaterThan(10);
    expect(await attemptTimes(seededRandom(42))).toEqual(first);
    expect(await attemptTimes(seededRandom(43))).not.toEqual(first);
  });

  it('attempts once more at the deadline, then rejects with LockTimeoutError', async () => {
    const at: number[] = [];
    const grant = acquireWithin(
      'r',
      options({ wait: 1000 }),
      Date.now,
      async () => void at.push(Date.now()),
      async () => {},
    );
    const outcome = grant.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1000);
    const error = await outcome;
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(error).toMatchObject({ resource: 'r', wait: 1000 });
    expect(at.at(-1)).toBe(1000);
    // wait: 0 is one attempt
    at.length = 0;
    await expect(
      acquireWithin(
        'r',
        options({ wait: 0 }),
        Date.now,
        async () => void at.push(1),
        async () => {},
      ),
    ).rejects.toBeInstanceOf(LockTimeoutError);
    expect(at).toEqual([1]);
  });

  it('rejects with the reason of an abort while waiting, and clears its timer', async () => {
    const stop = new AbortController();
    const outcome = acquireWithin(
      'r',
      options({ wait: 60_000, signal: stop.signal }),
      Date.now,
      async () => undefined,
      async () => {},
    ).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    stop.abort('enough');
    expect(await outcome).toBe('enough');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives back a grant that arrived after the abort', async () => {
    const stop = new AbortController();
    const released: string[] = [];
    const outcome = acquireWithin(
      'r',
      options({ signal: stop.signal }),
      Date.now,
      async () => {
        stop.abort('late');
        return 'grant';
      },
      async (g) => void released.push(g),
    ).catch((e: unknown) => e);
    expect(await outcome).toBe('late');
    expect(released).toEqual(['grant']);
  });

  it('sleep removes its abort listener when it ends', async () => {
    const stop = new AbortController();
    const done = sleep(100, stop.signal);
    await vi.advanceTimersByTimeAsync(100);
    await done;
    stop.abort();
    expect(vi.getTimerCount()).toBe(0);
  });
});
