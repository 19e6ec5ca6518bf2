import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { LruPolicy } from '../../src/policies/lru.js';
import { type WTinyLfuOptions, WTinyLfuPolicy } from '../../src/policies/w-tinylfu/w-tinylfu.js';
import { Driver, keys } from './driver.js';

/** A deterministic pseudo-random integer in `[0, n)` (an LCG; tests need repeatability, not quality). */
function lcg(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
}

/** Replays `trace` (`get`, inserting on a miss) and returns the hit ratio in percent. */
function hitRatio(d: Driver, trace: readonly string[]): number {
  let hits = 0;
  for (const key of trace) if (d.get(key)) hits++;
  return (100 * hits) / trace.length;
}

/**
 * Pure recency, like a ledger that reads back what it just wrote: every key is requested twice,
 * the second time 50 to 350 requests later, never again. A 1% window forgets keys long before
 * their second request, and their frequency never beats anything in main; LRU hits every second
 * request that falls within its capacity.
 */
function recencyTrace(length: number, seed: number): string[] {
  const random = lcg(seed);
  const trace: string[] = [];
  const due = new Map<number, string[]>();
  let next = 0;
  for (let t = 0; trace.length < length; t++) {
    const repeats = due.get(t);
    if (repeats !== undefined) {
      trace.push(...repeats);
      due.delete(t);
    }
    const key = `r${next++}`;
    trace.push(key);
    const at = t + 50 + random(300);
    due.set(at, [...(due.get(at) ?? []), key]);
  }
  return trace.slice(0, length);
}

/** A loop over `count` keys, `rounds` times: LRU with fewer slots never hits. */
function loopTrace(prefix: string, count: number, rounds: number): string[] {
  const loop = keys(prefix, count);
  return Array.from({ length: rounds }, () => loop).flat();
}

/** Up and down over `count` keys, `passes` times (LIRS's zig-zag): recency-friendly, no frequency. */
function zigzagTrace(count: number, passes: number): string[] {
  const trace = ['z0'];
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 1; i < count; i++) trace.push(`z${pass % 2 === 0 ? i : count - 1 - i}`);
  }
  return trace;
}

function policy(options: WTinyLfuOptions = {}): WTinyLfuPolicy {
  return new WTinyLfuPolicy({ seed: 42, ...options });
}

describe('WTinyLfuPolicy', () => {
  it('is named w-tinylfu and needs key hashes', () => {
    const p = new WTinyLfuPolicy();
    expect(p.name).toBe('w-tinylfu');
    expect(p.needsHash).toBe(true);
    // until the first hit the adaptive window is at its largest (see the zig-zag test below)
    expect(p.windowShare).toBe(0.99);
    expect(new WTinyLfuPolicy({ adaptive: false }).windowShare).toBe(0.01);
    // a hit before the cache was ever full: nothing was evicted, the window starts at 1%
    const d = new Driver(p, 10);
    d.setAll('a', 'b');
    d.get('a');
    d.set('c');
    expect(p.windowShare).toBe(0.01);
  });

  it('validates its options with ConfigError naming the option', () => {
    const rejects = (options: unknown, option: string): void => {
      let error: unknown;
      try {
        new WTinyLfuPolicy(options as WTinyLfuOptions);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option).toBe(option);
      expect((error as ConfigError).message).toContain(option);
    };
    rejects({ windowPercent: 0 }, 'windowPercent');
    rejects({ windowPercent: -1 }, 'windowPercent');
    rejects({ windowPercent: 101 }, 'windowPercent');
    rejects({ windowPercent: Number.NaN }, 'windowPercent');
    rejects({ windowPercent: '5' }, 'windowPercent');
    rejects({ seed: 1.5 }, 'seed');
    rejects({ seed: '7' }, 'seed');
    rejects({ adaptive: 'yes' }, 'adaptive');
    rejects(null, 'options');
    expect(new WTinyLfuPolicy({ windowPercent: 100, seed: -3, adaptive: false }).windowShare).toBe(1);
    expect(new WTinyLfuPolicy({ windowPercent: 0.5, adaptive: false }).windowShare).toBe(0.005);
  });

  it('puts new entries in the window, moves its overflow to probation, promotes on a hit', () => {
    const d = new Driver(policy({ windowPercent: 20, adaptive: false }), 10);
    d.setAll('a', 'b', 'c');
    const p = d.policy as WTinyLfuPolicy;
    // a window of 2: a left it for probation when c arrived
    expect(p.segmentOf(d.slotOf('a'))).toBe('probation');
    expect(p.segmentOf(d.slotOf('b'))).toBe('window');
    expect(p.segmentOf(d.slotOf('c'))).toBe('window');
    d.get('a');
    expect(p.segmentOf(d.slotOf('a'))).toBe('protected');
    // protected first, then the window, then probation (the usual next victim last)
    d.setAll('d', 'e');
    expect(d.order()).toEqual(['a', 'e', 'd', 'c', 'b']);
  });

  it('admits the window candidate only when the sketch saw it more often than main’s victim', () => {
    // a window of 2 and a main region of 8
    const d = new Driver(policy({ windowPercent: 20, adaptive: false }), 10);
    const p = d.policy as WTinyLfuPolicy;
    d.setAll(...keys('k', 10));
    // the window holds k8, k9; probation k0..k7, each key seen once. A new key pushes k8 out of
    // the window: it ties with main's victim k0, and a tie keeps the victim
    d.set('new');
    expect(d.evicted).toEqual(['k8']);
    // x arrives (a miss: k9 loses to k0) and is read twice more: seen three times
    d.get('x');
    d.get('x');
    d.get('x');
    expect(d.evicted).toEqual(['k8', 'k9']);
    expect(p.segmentOf(d.slotOf('x'))).toBe('window');
    d.get('y'); // pushes out 'new', which loses to k0
    d.get('z'); // pushes out x, which beats k0
    expect(d.evicted).toEqual(['k8', 'k9', 'new', 'k0']);
    expect(p.segmentOf(d.slotOf('x'))).toBe('probation');
    d.get('x');
    expect(p.segmentOf(d.slotOf('x'))).toBe('protected');
  });

  it('keeps a frequently used working set through a scan of one-hit wonders that flushes LRU', () => {
    const hot = keys('hot', 20);
    // 15 times the cache: LRU keeps none of the hot keys, and the sketch ages one and a half times
    const scan = keys('scan', 1500);
    const run = (p: LruPolicy | WTinyLfuPolicy): Driver => {
      const d = new Driver(p, 100);
      for (let round = 0; round < 10; round++) for (const key of hot) d.get(key);
      for (const key of scan) d.get(key);
      return d;
    };
    const lru = run(new LruPolicy());
    const tinyLfu = run(policy());
    expect(hot.filter((key) => lru.has(key))).toEqual([]);
    expect(hot.filter((key) => tinyLfu.has(key))).toEqual(hot);
  });

  it('holds part of a loop larger than the cache, where LRU never hits', () => {
    const trace = loopTrace('loop', 150, 40);
    expect(hitRatio(new Driver(new LruPolicy(), 100), trace)).toBe(0);
    expect(hitRatio(new Driver(policy(), 100), trace)).toBeGreaterThan(55);
  });

  it('loses no cache-full of hits where a zig-zag turns, and still keeps the oldest keys of a loop', () => {
    // Both traces start with the same scan of 201 new keys through a cache of 100: no key has
    // been requested twice, so nothing tells recency from frequency. The zig-zag turns back to the
    // newest keys, which only an LRU keeps; the loop returns to the oldest, which only a
    // scan-resistant policy keeps.
    const zigzag = zigzagTrace(201, 26);
    const lruHits = hitRatio(new Driver(new LruPolicy(), 100), zigzag);
    const own = new Driver(policy(), 100);
    const first = zigzag.slice(0, 201);
    hitRatio(own, first);
    const turn = hitRatio(own, zigzag.slice(201, 401));
    const rest = hitRatio(own, zigzag.slice(401));
    const lruTurn = hitRatio(new Driver(new LruPolicy(), 100), zigzag.slice(0, 401)) * (401 / 200);
    // the first pass back: LRU hits 99 of 200; refusing the newest keys at the fill hit 0 to 10
    expect(turn).toBeGreaterThan(lruTurn - 5);
    const ownTotal = (turn * 200 + rest * (zigzag.length - 401)) / zigzag.length;
    expect(ownTotal).toBeGreaterThan(lruHits - 1);
    for (const seed of [1, 2, 3]) {
      expect(hitRatio(new Driver(policy({ seed }), 100), zigzag)).toBeGreaterThan(lruHits - 1);
    }
    // the loop: the first hit lands in main (the oldest keys), and the window drops back to 1%
    const loop = loopTrace('z', 201, 25).map((key, i) => (i === 0 ? 'z0' : key));
    const looped = new Driver(policy(), 100);
    expect(hitRatio(looped, loop)).toBeGreaterThan(40);
    expect((looped.policy as WTinyLfuPolicy).windowShare).toBeLessThan(0.1);
  });

  it('applies every hit, however many arrive between two writes', () => {
    // all window (an LRU): 300 keys, then read back newest first, more hits than the read buffer
    // holds, then 100 new keys: the keys read longest ago (k299..k200) are the ones to go
    const d = new Driver(policy({ windowPercent: 100, adaptive: false }), 300);
    const all = keys('k', 300);
    d.setAll(...all);
    for (const key of [...all].reverse()) expect(d.get(key)).toBe(true);
    d.setAll(...keys('new', 100));
    expect(d.evicted).toEqual(all.slice(200).reverse());
  });

  it('grows the window on a recency-only trace until it nearly matches LRU', () => {
    const trace = recencyTrace(40_000, 1);
    const lru = hitRatio(new Driver(new LruPolicy(), 500), trace);
    const fixed = hitRatio(new Driver(policy({ adaptive: false }), 500), trace);
    const adaptive = new Driver(policy(), 500);
    const ratio = hitRatio(adaptive, trace);
    expect(lru).toBeGreaterThan(40);
    expect(fixed).toBeLessThan(lru - 20);
    expect(ratio).toBeGreaterThan(lru - 1.5);
    expect((adaptive.policy as WTinyLfuPolicy).windowShare).toBeGreaterThan(0.3);
  });

  it('shrinks the window again when the workload turns to frequency', () => {
    const d = new Driver(policy(), 500);
    hitRatio(d, recencyTrace(20_000, 2));
    const p = d.policy as WTinyLfuPolicy;
    const grown = p.windowShare;
    expect(grown).toBeGreaterThan(0.3);
    // a loop over 600 keys: only a frequency-filtered main region can hold part of it
    const loop = loopTrace('f', 600, 60);
    hitRatio(d, loop.slice(0, 12_000));
    const tail = hitRatio(d, loop.slice(12_000));
    expect(p.windowShare).toBeLessThan(grown / 2);
    expect(tail).toBeGreaterThan(60);
  });

  it('does not step away from a grown window when the hit ratio swings for reasons of its own', () => {
    // A zig-zag whose 4,000-request cycle does not divide the 5,000-request period: each period's
    // hit ratio swings by 5-10 points whatever the window does. The window belongs at its maximum
    // (LRU is optimal here). Caffeine's climber read each swing as its own doing and stepped away
    // by 6.25% of the capacity, losing hits until the LRU reference brought it back; scored against
    // that reference, the swings cancel, and the top is probed, by a quarter step, only in a period
    // where LRU was not ahead.
    const trace = zigzagTrace(2001, 26);
    const d = new Driver(policy(), 500);
    const p = d.policy as WTinyLfuPolicy;
    let top = 0;
    let lowestAfterTop = 1;
    for (const key of trace) {
      d.get(key);
      top = Math.max(top, p.windowShare);
      if (top >= 0.99) lowestAfterTop = Math.min(lowestAfterTop, p.windowShare);
    }
    expect(top).toBeGreaterThanOrEqual(0.99);
    expect(lowestAfterTop).toBeGreaterThan(0.97);
  });

  it('comes down from the largest window when a recency burst gives way to skewed popularity', () => {
    // At the largest window the policy is all but its LRU reference, so no comparison can ask for a
    // smaller window: without its probes the climber would stay there, an LRU, for good.
    const random = lcg(3);
    const d = new Driver(policy(), 200);
    const p = d.policy as WTinyLfuPolicy;
    hitRatio(d, recencyTrace(40_000, 3));
    expect(p.windowShare).toBeGreaterThan(0.9);
    const skewed = Array.from(
      { length: 200_000 },
      () => `h${Math.floor(2000 * (random(1_000_000) / 1_000_000) ** 3)}`,
    );
    hitRatio(d, skewed.slice(0, 100_000));
    expect(p.windowShare).toBeLessThan(0.1);
    const lru = hitRatio(new Driver(new LruPolicy(), 200), skewed);
    expect(hitRatio(d, skewed.slice(100_000))).toBeGreaterThan(lru + 5);
  });

  it('admits a warm candidate that ties its victim about once in 128 contests (hash flooding)', () => {
    // every key has the same hash: an attacker's colliding keys. Each contest is a tie at a
    // saturated frequency, which would keep the victim forever without the random admission.
    const admissions = (seed: number): number => {
      const p = new WTinyLfuPolicy({ seed, adaptive: false });
      const hash = 0x1234567;
      p.resize(2, 2);
      p.insert(0, hash);
      p.insert(1, hash);
      for (let i = 0; i < 20; i++) p.access(i % 2);
      let admitted = 0;
      for (let i = 0; i < 12_800; i++) {
        const window = p.segmentOf(0) === 'window' ? 0 : 1;
        const victim = p.victim();
        if (victim !== window) admitted++;
        p.remove(victim, 'evict');
        p.insert(victim, hash);
      }
      return admitted;
    };
    const count = admissions(5);
    expect(count).toBeGreaterThan(50);
    expect(count).toBeLessThan(170);
    expect(admissions(5)).toBe(count);
  });

  it('yields each live slot once from slots(), and victim() only live slots, on random operations', () => {
    for (const options of [{}, { adaptive: false }, { windowPercent: 50 }] satisfies WTinyLfuOptions[]) {
      const random = lcg(7);
      const d = new Driver(policy(options), 20);
      for (let op = 0; op < 6_000; op++) {
        const key = `k${random(60)}`;
        const roll = random(100);
        if (roll < 60) d.get(key);
        else if (roll < 80) d.set(key);
        else if (roll < 95) d.delete(key);
        else if (d.size > 0) d.evict();
        const slots = [...d.policy.slots()];
        expect(new Set(slots).size).toBe(slots.length);
        expect(slots.length).toBe(d.size);
        expect(d.order().every((k) => !k.startsWith('?'))).toBe(true);
      }
    }
  });

  it('leaves no trace of deleted entries', () => {
    const d = new Driver(policy(), 50);
    const all = keys('d', 200);
    for (const key of all) d.get(key);
    for (const key of all.slice(150)) d.get(key);
    for (const key of all) d.delete(key);
    const p = d.policy as WTinyLfuPolicy;
    expect([...p.slots()]).toEqual([]);
    expect(p.victim()).toBe(-1);
    for (let slot = 0; slot < 50; slot++) expect(p.segmentOf(slot)).toBeUndefined();
    // and it keeps working when the cache fills again
    expect(hitRatio(d, loopTrace('again', 40, 5))).toBe(80);
    expect(d.size).toBe(40);
    d.setAll(...keys('more', 30));
    expect(d.size).toBe(50);
    expect(new Set(d.policy.slots()).size).toBe(50);
  });

  it('forgets everything on clear, window size included', () => {
    const d = new Driver(policy(), 500);
    hitRatio(d, recencyTrace(10_000, 3));
    const p = d.policy as WTinyLfuPolicy;
    expect(p.windowShare).toBeGreaterThan(0.01);
    d.clear();
    // blind again: the largest window until the first hit
    expect(p.windowShare).toBe(0.99);
    expect([...p.slots()]).toEqual([]);
    expect(p.victim()).toBe(-1);
    d.setAll(...keys('n', 600));
    expect(d.size).toBe(500);
  });

  it('makes the same decisions given the same seed', () => {
    const trace = [...recencyTrace(5_000, 4), ...loopTrace('s', 300, 10), ...recencyTrace(5_000, 5)];
    const run = (seed: number): string[] => {
      const d = new Driver(new WTinyLfuPolicy({ seed }), 200);
      hitRatio(d, trace);
      return d.evicted;
    };
    expect(run(11)).toEqual(run(11));
    expect(run(11).length).toBeGreaterThan(10_000);
  });

  it('grows with the cache when bounded by size only (maxEntries 0)', () => {
    const d = new Driver(policy(), 40, { capacity: 10, maxEntries: 0 });
    d.setAll(...keys('a', 10));
    d.grow(20);
    d.setAll(...keys('b', 10));
    d.grow(40);
    d.setAll(...keys('c', 20));
    expect(d.size).toBe(40);
    hitRatio(d, loopTrace('z', 60, 30));
    expect(d.size).toBe(40);
    expect(new Set(d.policy.slots()).size).toBe(40);
  });

  it('keeps its memory bounded: typed arrays only, a fixed-size sketch and reference', () => {
    const p = policy();
    const d = new Driver(p, 1000);
    const bytes = p.debugBytes();
    for (let i = 0; i < 100_000; i++) d.get(`u${i % 3 === 0 ? i % 500 : i}`);
    expect(p.debugBytes()).toBe(bytes);
    // live entries plus the LRU reference's keys (at most 1024)
    expect(p.debugSize()).toBeLessThanOrEqual(1000 + 1024);
  });
});
