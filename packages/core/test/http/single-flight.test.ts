import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HitForPass } from '../../src/http/hit-for-pass.js';
import { FLIGHT_TIMEOUT, SingleFlight } from '../../src/http/single-flight.js';

describe('SingleFlight', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('has one leader per key, and waiters get its outcome', async () => {
    const sf = new SingleFlight<string>(1000);
    const leader = sf.begin('k')!;
    expect(sf.begin('k')).toBeUndefined();
    const waiting = sf.join('k')!;
    leader.settle('done');
    await expect(waiting).resolves.toBe('done');
    expect(sf.size).toBe(0);
    expect(sf.begin('k')).toBeDefined();
  });

  it('drops a flight that never settles after the timeout, releasing waiters', async () => {
    const sf = new SingleFlight<string>(1000);
    sf.begin('k');
    const waiting = sf.join('k')!;
    await vi.advanceTimersByTimeAsync(999);
    expect(sf.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(waiting).resolves.toBe(FLIGHT_TIMEOUT);
    expect(sf.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps a settled flight joinable while its linger promise is pending', async () => {
    const sf = new SingleFlight<string>(1000);
    let release!: () => void;
    const linger = new Promise<void>((r) => {
      release = r;
    });
    sf.begin('k')!.settle('v', linger);
    await expect(sf.join('k')).resolves.toBe('v');
    release();
    await linger;
    await Promise.resolve();
    expect(sf.size).toBe(0);
  });

  it('close releases everyone and clears timers', async () => {
    const sf = new SingleFlight<string>(1000);
    sf.begin('a');
    sf.begin('b');
    const waiting = sf.join('a')!;
    sf.close();
    await expect(waiting).resolves.toBe(FLIGHT_TIMEOUT);
    expect(sf.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('HitForPass', () => {
  it('remembers a key for its duration, bounded in size', () => {
    const hfp = new HitForPass(10_000, 3);
    hfp.mark('a', 0);
    expect(hfp.has('a', 9_999)).toBe(true);
    expect(hfp.has('a', 10_000)).toBe(false);
    expect(hfp.size).toBe(0);
    for (const k of ['a', 'b', 'c', 'd']) hfp.mark(k, 0);
    expect(hfp.size).toBe(3);
    expect(hfp.has('a', 1)).toBe(false);
    expect(hfp.has('d', 1)).toBe(true);
    hfp.delete('d');
    expect(hfp.has('d', 1)).toBe(false);
  });
  it('does nothing with a zero duration', () => {
    const hfp = new HitForPass(0);
    hfp.mark('a', 0);
    expect(hfp.has('a', 0)).toBe(false);
  });
});
