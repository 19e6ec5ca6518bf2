/**
 * LockHandle's timers with fake timers and a backend that answers as told: when auto-extension
 * extends, how it rides out a failing backend and when it gives up, and the expiry of a lock that
 * is neither extended nor released. The Redis side is covered by the contract suites.
 */
import { LockLostError, LockUnavailableError } from '@larder/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LockBackend, LockHandle } from '../../src/lock/lock-handle.js';

type Answer = 'ok' | 'lost' | 'down';

function make(ttl: number, answers: { extend: Answer; release?: Answer }) {
  const extended: number[] = [];
  const backend: LockBackend = {
    extend: async (extendTo) => {
      extended.push(Date.now());
      if (answers.extend === 'lost') throw new LockLostError('r', 'extend found the key gone');
      if (answers.extend === 'down') throw new LockUnavailableError('r', 'extend', 'down');
      return Date.now() + extendTo;
    },
    release: async () => {
      if (answers.release === 'lost') throw new LockLostError('r', 'release found another token');
      if (answers.release === 'down') throw new LockUnavailableError('r', 'release', 'down');
    },
  };
  const lost: unknown[] = [];
  const settled: LockHandle[] = [];
  const handle = new LockHandle({
    resource: 'r',
    token: 't',
    ttl,
    expiresAt: Date.now() + ttl,
    now: Date.now,
    backend,
    onLost: (e) => lost.push(e),
    onSettled: (h) => settled.push(h),
  });
  return { handle, extended, lost, settled };
}

describe('LockHandle', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('declares a lock lost when its validity runs out, and not before', async () => {
    const { handle, lost, settled } = make(1000, { extend: 'ok' });
    await vi.advanceTimersByTimeAsync(999);
    expect(handle.held).toBe(true);
    expect(handle.validity).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(handle.held).toBe(false);
    expect(handle.signal.reason).toBeInstanceOf(LockLostError);
    expect(lost).toEqual([handle.signal.reason]);
    expect(settled).toEqual([handle]);
  });

  it('auto-extends every interval until its signal aborts', async () => {
    const { handle, extended, lost } = make(1000, { extend: 'ok' });
    const stop = new AbortController();
    handle.autoExtend({ signal: stop.signal });
    await vi.advanceTimersByTimeAsync(2600);
    expect(extended).toEqual([500, 1000, 1500, 2000, 2500]);
    expect(handle.expiresAt).toBe(3500);
    stop.abort();
    await vi.advanceTimersByTimeAsync(899);
    expect(extended).toHaveLength(5);
    expect(handle.held).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(handle.held).toBe(false);
    expect(lost).toHaveLength(1);
  });

  it('stops auto-extending at once when an extension finds the lock lost', async () => {
    const { handle, extended, lost } = make(1000, { extend: 'lost' });
    handle.autoExtend({ interval: 100 });
    await vi.advanceTimersByTimeAsync(100);
    expect(handle.signal.aborted).toBe(true);
    expect((handle.signal.reason as Error).message).toMatch(/extend found/);
    await vi.advanceTimersByTimeAsync(5000);
    expect(extended).toEqual([100]);
    expect(lost).toHaveLength(1);
  });

  it('retries a failing backend sooner while the lock is valid, then declares it lost at expiry', async () => {
    const { handle, extended, lost } = make(1000, { extend: 'down' });
    handle.autoExtend();
    await vi.advanceTimersByTimeAsync(999);
    // first at 500, then at half the time left each time, no sooner than 10 ms apart
    expect(extended.slice(0, 4)).toEqual([500, 750, 875, 938]);
    expect(handle.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(handle.signal.reason).toBeInstanceOf(LockLostError);
    const count = extended.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(extended).toHaveLength(count);
    expect(lost).toHaveLength(1);
  });

  it('stops every timer at release, and lets a release that met a failing backend be retried', async () => {
    const answers: { extend: Answer; release: Answer } = { extend: 'ok', release: 'down' };
    const { handle, extended, lost, settled } = make(1000, answers);
    handle.autoExtend();
    await expect(handle.release()).rejects.toBeInstanceOf(LockUnavailableError);
    await vi.advanceTimersByTimeAsync(5000);
    expect(extended).toEqual([]);
    expect(lost).toEqual([]);
    expect(settled).toEqual([handle]);
    answers.release = 'ok';
    await handle.release();
    await handle.release();
    await expect(handle.extend()).rejects.toBeInstanceOf(LockLostError);
    expect(handle.signal.aborted).toBe(false);
  });

  it('reports a release that found another token as a lost lock', async () => {
    const { handle, lost } = make(1000, { extend: 'ok', release: 'lost' });
    const error = await handle.release().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect(handle.signal.reason).toBe(error);
    expect(lost).toEqual([error]);
    expect(await handle.release().catch((e: unknown) => e)).toBe(error);
  });
});
