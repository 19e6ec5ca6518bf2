import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreCacheFactory } from '../src/core-cache-factory.js';
import { SimError } from '../src/sim-error.js';
import { simulate } from '../src/simulate.js';
import type { Trace, TraceKey } from '../src/trace.js';
import { readTrace } from '../src/traces/read-trace.js';
import { sharedTracesDir } from './support/fixtures.js';
import { standInCacheFactory } from './support/stand-in-cache.js';

function memoryTrace(keys: TraceKey[]): Trace {
  return {
    name: 'mem',
    source: '',
    format: 'lines',
    keys,
    uniqueKeys: new Set(keys).size,
    malformed: 0,
    malformedSamples: [],
  };
}

describe('simulate', () => {
  const trace = memoryTrace([1, 2, 3, 1, 2, 4, 1, 2, 3, 4]);

  it('counts hits per policy and size, sizes ascending, OPT last', async () => {
    const result = await simulate(trace, {
      sizes: [3, 2],
      policies: ['lru', 'fifo'],
      createCache: standInCacheFactory,
    });
    expect(result.sizes).toEqual([2, 3]);
    expect(result.policies.map((p) => p.policy)).toEqual(['lru', 'fifo']);
    // LRU at 3: 1 2 3 | 1h 2h | 4 evicts 3 | 1h 2h | 3 evicts 4 | 4 evicts 1 -> 4 hits.
    expect(result.policies[0]?.hits).toEqual([0, 4]);
    expect(result.policies[0]?.hitRatios).toEqual([0, 0.4]);
    expect(result.opt?.policy).toBe('opt');
    expect(result.opt?.hits[1]).toBeGreaterThanOrEqual(4);
    expect(result.trace).toMatchObject({ name: 'mem', requests: 10, uniqueKeys: 4 });
  });

  it('leaves out OPT on request and reports progress up to the total', async () => {
    const seen: number[] = [];
    let total = 0;
    const result = await simulate(trace, {
      sizes: [2],
      policies: ['lru'],
      opt: false,
      createCache: standInCacheFactory,
      onProgress: (done, all) => {
        seen.push(done);
        total = all;
      },
    });
    expect(result.opt).toBeUndefined();
    expect(total).toBe(10);
    expect(seen.at(-1)).toBe(10);
  });

  it('turns a policy the cache does not know into a SimError', async () => {
    await expect(
      simulate(trace, { sizes: [2], policies: ['arc'], createCache: standInCacheFactory }),
    ).rejects.toBeInstanceOf(SimError);
  });

  it('rejects sizes below 1', async () => {
    await expect(simulate(trace, { sizes: [0], createCache: standInCacheFactory })).rejects.toThrow(
      /bad cache size/,
    );
  });

  it('replays through the real @larder/core Cache', async () => {
    const result = await simulate(trace, {
      sizes: [3],
      policies: ['lru'],
      opt: false,
      createCache: coreCacheFactory,
    });
    expect(result.policies[0]?.hits).toEqual([4]);
  });
});

// Exact LRU values from the traces README, replayed through the real Cache.
const EXACT_LRU = [
  ['lirs/gli.trace.gz', 1000, 11.21],
  ['lirs/multi2.trace.gz', 2000, 49.0],
  ['lirs/sprite.trace.gz', 400, 70.77],
  ['lirs/loop.trace.gz', 512, 0.0],
  ['cache2k/web07.trace.xz', 2000, 55.5],
] as const;

describe('LRU through @larder/core on the shared traces', () => {
  it.each(EXACT_LRU)('%s at %i entries scores %s percent', async (file, size, percent) => {
    const trace = await readTrace(join(sharedTracesDir, file));
    const result = await simulate(trace, { sizes: [size], policies: ['lru'], opt: false });
    expect(100 * (result.policies[0]?.hitRatios[0] ?? -1)).toBeCloseTo(percent, 2);
  });

  it('corda is pure recency: LRU equals OPT', async () => {
    const trace = await readTrace(join(sharedTracesDir, 'corda/trace_vaultservice.gz'));
    const result = await simulate(trace, { sizes: [1000], policies: ['lru'] });
    expect(result.policies[0]?.hits).toEqual(result.opt?.hits);
  });
});
