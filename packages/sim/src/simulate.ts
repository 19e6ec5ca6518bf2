import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CacheFactory } from './cache-factory.js';
import { coreCacheFactory } from './core-cache-factory.js';
import { opt as optimum } from './opt.js';
import type { PolicyName } from './policy-name.js';
import { POLICY_NAMES } from './policy-name.js';
import { SimError } from './sim-error.js';
import type { PolicyResult, SimulationResult } from './simulation-result.js';
import type { Trace, TraceKey } from './trace.js';

/** Options for {@link simulate}. */
export interface SimulateOptions {
  /** Cache sizes in entries. Sorted ascending in the result. */
  readonly sizes: readonly number[];
  /** The policies to replay. @default every one of {@link POLICY_NAMES} */
  readonly policies?: readonly PolicyName[];
  /** Whether to compute Belady's OPT with bypass as well. @default true */
  readonly opt?: boolean;
  /** Makes the caches to replay through. @default a `Cache` from `@larder/core` ({@link coreCacheFactory}) */
  readonly createCache?: CacheFactory;
  /**
   * Progress: requests replayed so far over all policies and sizes, and the total. When given,
   * the replay yields to the event loop between chunks so that a progress bar can redraw.
   */
  readonly onProgress?: (done: number, total: number) => void;
}

const CHUNK = 1 << 16;

/**
 * Replays `trace` through a fresh cache for every policy and size and counts hits, exactly as an
 * application would use the cache: `if (cache.get(key) !== undefined) hit++; else cache.set(key, 1)`.
 * Adds Belady's optimum ({@link opt}) unless `opt: false`.
 *
 * @throws {@link SimError} when the cache factory rejects a policy (for example a policy that
 *   `@larder/core` does not provide), or when a size is not a whole number >= 1.
 */
export async function simulate(trace: Trace, options: SimulateOptions): Promise<SimulationResult> {
  const sizes = [...new Set(options.sizes)].sort((a, b) => a - b);
  for (const size of sizes) {
    if (!Number.isSafeInteger(size) || size < 1)
      throw new SimError(`bad cache size ${size}: sizes are whole numbers >= 1`);
  }
  const policies = options.policies ?? POLICY_NAMES;
  const createCache = options.createCache ?? coreCacheFactory;
  const withOpt = options.opt ?? true;
  const keys = trace.keys;
  const requests = keys.length;
  const total = requests * sizes.length * (policies.length + (withOpt ? 1 : 0));
  const onProgress = options.onProgress;
  let done = 0;
  const ratio = (hits: number): number => (requests === 0 ? 0 : hits / requests);

  const results: PolicyResult[] = [];
  for (const policy of policies) {
    const started = performance.now();
    const hits: number[] = [];
    for (const size of sizes) {
      let cache: ReturnType<CacheFactory>;
      try {
        cache = createCache(policy, size);
      } catch (error) {
        throw new SimError(`policy '${policy}' is not available: ${(error as Error).message}`);
      }
      let hit = 0;
      for (let start = 0; start < requests; start += CHUNK) {
        const end = Math.min(start + CHUNK, requests);
        for (let i = start; i < end; i++) {
          const key = keys[i] as TraceKey;
          if (cache.get(key) !== undefined) hit++;
          else cache.set(key, 1);
        }
        if (onProgress !== undefined) {
          done += end - start;
          onProgress(done, total);
          await yieldToEventLoop();
        }
      }
      hits.push(hit);
    }
    results.push({ policy, hits, hitRatios: hits.map(ratio), elapsedMs: performance.now() - started });
  }

  let optResult: PolicyResult | undefined;
  if (withOpt) {
    const started = performance.now();
    const hits: number[] = [];
    for (const size of sizes) {
      hits.push(optimum(keys, size));
      if (onProgress !== undefined) {
        done += requests;
        onProgress(done, total);
        await yieldToEventLoop();
      }
    }
    optResult = { policy: 'opt', hits, hitRatios: hits.map(ratio), elapsedMs: performance.now() - started };
  }

  return {
    trace: {
      name: trace.name,
      source: trace.source,
      format: trace.format,
      requests,
      uniqueKeys: trace.uniqueKeys,
      malformed: trace.malformed,
    },
    sizes,
    policies: results,
    ...(optResult === undefined ? {} : { opt: optResult }),
  };
}
