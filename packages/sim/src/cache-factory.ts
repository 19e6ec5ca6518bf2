import type { PolicyName } from './policy-name.js';
import type { TraceKey } from './trace.js';

/** The part of a cache that a replay uses: `get`, and `set` on a miss. */
export interface ReplayCache {
  /** A read: anything but `undefined` counts as a hit. */
  get(key: TraceKey): unknown;
  /** The fill after a miss; the replay always stores the value `1`. */
  set(key: TraceKey, value: number): unknown;
}

/**
 * Makes the cache a replay runs through: one fresh cache per policy and size.
 * Throws when `policy` is not available.
 */
export type CacheFactory = (policy: PolicyName, size: number) => ReplayCache;
