import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextUses } from '../src/next-uses.js';
import { opt } from '../src/opt.js';
import type { TraceKey } from '../src/trace.js';
import { readTrace } from '../src/traces/read-trace.js';
import { seededRandom, sharedTracesDir } from './support/fixtures.js';

/**
 * The best hit count any cache of `size` entries can reach, by trying every choice at every miss:
 * admit or bypass, and when full, which resident to evict. Memoised on (position, resident set).
 */
function bruteForceOptimum(keys: readonly number[], size: number): number {
  const memo = new Map<string, number>();
  const best = (i: number, residents: number): number => {
    if (i === keys.length) return 0;
    const memoKey = `${i}:${residents}`;
    const known = memo.get(memoKey);
    if (known !== undefined) return known;
    const bit = 1 << (keys[i] as number);
    let result: number;
    if ((residents & bit) !== 0) {
      result = 1 + best(i + 1, residents);
    } else {
      result = best(i + 1, residents); // bypass
      const count = popcount(residents);
      if (count < size) result = Math.max(result, best(i + 1, residents | bit));
      else {
        for (let r = residents; r !== 0; r &= r - 1) {
          const victim = r & -r;
          result = Math.max(result, best(i + 1, (residents & ~victim) | bit));
        }
      }
    }
    memo.set(memoKey, result);
    return result;
  };
  return best(0, 0);
}

function popcount(n: number): number {
  let count = 0;
  for (; n !== 0; n &= n - 1) count++;
  return count;
}

describe('nextUses', () => {
  it('points each request at the next request for the same key, or past the end', () => {
    expect([...nextUses(['a', 'b', 'a', 'c', 'b', 'a'])]).toEqual([2, 4, 5, 6, 6, 6]);
  });
});

describe('opt', () => {
  it('handles the edges: empty trace, size 0, everything fits', () => {
    expect(opt([], 3)).toBe(0);
    expect(opt([1, 1, 1], 0)).toBe(0);
    expect(opt([1, 2, 1, 2], 2)).toBe(2);
  });

  it('bypasses a key whose next use is farther than every resident', () => {
    // Size 1: keeping 1 scores on its reuse at position 2; admitting 2 would throw that away.
    expect(opt([1, 2, 1, 2], 1)).toBe(1);
    expect(opt([1, 2, 1, 3, 1], 1)).toBe(2);
  });

  it('matches an exhaustive search on 600 small random traces', () => {
    const random = seededRandom(20260521);
    for (let round = 0; round < 600; round++) {
      const alphabet = 2 + Math.floor(random() * 5);
      const length = 1 + Math.floor(random() * 14);
      const size = 1 + Math.floor(random() * 3);
      const keys = Array.from({ length }, () => Math.floor(random() * alphabet));
      expect(opt(keys, size), `keys ${keys.join(',')} size ${size}`).toBe(bruteForceOptimum(keys, size));
    }
  });

  it('treats number and string keys as distinct', () => {
    const keys: TraceKey[] = [1, '1', 1, '1'];
    expect(opt(keys, 1)).toBe(1);
    expect(opt(keys, 2)).toBe(2);
  });
});

// Exact OPT values from the traces README.
const EXACT = [
  ['lirs/gli.trace.gz', 1000, 53.15],
  ['lirs/multi2.trace.gz', 2000, 74.65],
  ['lirs/sprite.trace.gz', 400, 84.56],
  ['lirs/loop.trace.gz', 512, 50.54],
  ['cache2k/web07.trace.xz', 2000, 67.97],
] as const;

describe('opt on the shared traces', () => {
  it.each(EXACT)('%s at %i entries scores %s percent', async (file, size, percent) => {
    const trace = await readTrace(join(sharedTracesDir, file));
    expect((100 * opt(trace.keys, size)) / trace.keys.length).toBeCloseTo(percent, 2);
  });
});
