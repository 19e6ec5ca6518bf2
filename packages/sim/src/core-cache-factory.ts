import { Cache, createPolicy, isPolicyName } from '@larder/core';
import type { CacheFactory } from './cache-factory.js';
import type { TraceKey } from './trace.js';

/**
 * The seed every replay gives the policies that use randomness (`w-tinylfu`), so that a run of
 * `larder-sim` repeats to the last hit.
 */
export const SIM_SEED = 0x5eed;

/**
 * The real thing: a `Cache` from `@larder/core` bounded to `size` entries with the named policy,
 * seeded with {@link SIM_SEED}. Throws the cache's own error when `@larder/core` does not know the
 * policy.
 */
export const coreCacheFactory: CacheFactory = (policy, size) =>
  new Cache<TraceKey, number>({
    max: size,
    policy: isPolicyName(policy) ? createPolicy(policy, { seed: SIM_SEED }) : policy,
  });
