import { Cache } from '@larder/core';
import type { CacheFactory } from './cache-factory.js';
import type { TraceKey } from './trace.js';

/**
 * The real thing: a `Cache` from `@larder/core` bounded to `size` entries with the named policy.
 * Throws the cache's own error when `@larder/core` does not know the policy.
 */
export const coreCacheFactory: CacheFactory = (policy, size) =>
  new Cache<TraceKey, number>({ max: size, policy });
