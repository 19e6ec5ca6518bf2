import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashKey } from '../../src/cache/hash-key.js';
import { FrequencySketch } from '../../src/policies/frequency-sketch.js';

/** Distinct 32-bit hashes of `count` keys. */
function hashes(count: number, prefix = 'k'): number[] {
  return Array.from({ length: count }, (_, i) => hashKey(`${prefix}${i}`));
}

describe('FrequencySketch', () => {
  it('estimates the number of increments of a key, exactly when the table is sparse', () => {
    const sketch = new FrequencySketch(1000, { seed: 1 });
    const [a, b, c] = hashes(3);
    for (let i = 0; i < 5; i++) sketch.increment(a!);
    sketch.increment(b!);
    expect(sketch.frequency(a!)).toBe(5);
    expect(sketch.frequency(b!)).toBe(1);
    expect(sketch.frequency(c!)).toBe(0);
  });

  it('never under-counts before a reset (count-min), whatever the collisions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.nat({ max: 299 }), { minLength: 1, maxLength: 600 }),
        fc.integer(),
        (capacity, stream, seed) => {
          // a small table and up to 300 keys: many keys share counters
          const sketch = new FrequencySketch(capacity, { seed, sampleFactor: 1000 });
          const keyHashes = hashes(300);
          const counts = new Map<number, number>();
          for (const key of stream) {
            sketch.increment(keyHashes[key]!);
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
          for (const [key, count] of counts) {
            expect(sketch.frequency(keyHashes[key]!)).toBeGreaterThanOrEqual(Math.min(count, 15));
          }
        },
      ),
    );
  });

  it('saturates at 15 and stops the aging clock for saturated keys', () => {
    const sketch = new FrequencySketch(100, { seed: 2 });
    const [hot] = hashes(1);
    for (let i = 0; i < 100; i++) sketch.increment(hot!);
    expect(sketch.frequency(hot!)).toBe(15);
    // 15 increments changed counters; the other 85 found all four saturated
    expect(sketch.additions).toBe(15);
  });

  it('halves every estimate on reset', () => {
    const sketch = new FrequencySketch(64, { seed: 3, sampleFactor: 1000 });
    const keyHashes = hashes(200);
    keyHashes.forEach((hash, i) => {
      for (let n = 0; n < i % 16; n++) sketch.increment(hash);
    });
    const before = keyHashes.map((hash) => sketch.frequency(hash));
    sketch.reset();
    // each counter is halved (rounding down), so the minimum of a key's counters is too
    expect(keyHashes.map((hash) => sketch.frequency(hash))).toEqual(before.map((f) => f >> 1));
  });

  it('ages by itself after sampleFactor × capacity increments', () => {
    const sketch = new FrequencySketch(100, { seed: 4 });
    expect(sketch.sampleSize).toBe(1000);
    const [hot, ...others] = hashes(67);
    for (let i = 0; i < 12; i++) sketch.increment(hot!);
    // 66 keys × 15 increments: 990 more additions, 1002 in all, which completes the sample
    for (const other of others) for (let i = 0; i < 15; i++) sketch.increment(other);
    expect(sketch.frequency(hot!)).toBe(6);
    expect(sketch.frequency(others[65]!)).toBeLessThanOrEqual(8);
    expect(sketch.additions).toBeLessThan(sketch.sampleSize / 2 + 10);
  });

  it('keeps a fixed-size table however many keys it sees', () => {
    const sketch = new FrequencySketch(1000, { seed: 5 });
    // 4 rows of 4 × 1024 four-bit counters: 8 bytes per entry of capacity, as Caffeine's sketch
    expect(sketch.byteLength).toBe(8 * 1024);
    for (let i = 0; i < 200_000; i++) sketch.increment(Math.imul(i, 0x9e3779b1));
    expect(sketch.byteLength).toBe(8 * 1024);
    expect(sketch.additions).toBeLessThan(sketch.sampleSize);
  });

  it('grows with ensureCapacity, forgetting its counts, and never shrinks', () => {
    const sketch = new FrequencySketch(10, { seed: 6 });
    const small = sketch.byteLength;
    const [a] = hashes(1);
    sketch.increment(a!);
    sketch.ensureCapacity(5);
    expect(sketch.byteLength).toBe(small);
    expect(sketch.frequency(a!)).toBe(1);
    sketch.ensureCapacity(5000);
    expect(sketch.capacity).toBe(5000);
    expect(sketch.byteLength).toBeGreaterThan(small);
    expect(sketch.frequency(a!)).toBe(0);
    expect(sketch.sampleSize).toBe(50_000);
  });

  it('forgets everything on clear', () => {
    const sketch = new FrequencySketch(10, { seed: 7 });
    const [a] = hashes(1);
    sketch.increment(a!);
    sketch.clear();
    expect(sketch.frequency(a!)).toBe(0);
    expect(sketch.additions).toBe(0);
  });

  it('spreads weak hashes (small integers) with its seed', () => {
    // consecutive integers as hashes: without mixing they would pile into a few counters
    const sketch = new FrequencySketch(1000, { seed: 8 });
    for (let i = 0; i < 1000; i++) sketch.increment(i);
    let exact = 0;
    for (let i = 0; i < 1000; i++) if (sketch.frequency(i) === 1) exact++;
    expect(exact).toBeGreaterThan(950);
    // another seed places the keys elsewhere: the over-counted keys differ, so collisions cannot be
    // aimed without knowing the seed
    const crowded = (seed: number): number[] => {
      const dense = new FrequencySketch(16, { seed, sampleFactor: 1000 });
      for (let i = 0; i < 400; i++) dense.increment(i);
      return [...Array(400).keys()].filter((i) => dense.frequency(i) > 1);
    };
    expect(crowded(10)).not.toEqual(crowded(11));
  });
});
