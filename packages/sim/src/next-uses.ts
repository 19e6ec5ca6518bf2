import type { TraceKey } from './trace.js';

const cache = new WeakMap<readonly TraceKey[], Int32Array>();

/**
 * For each request `i`, the index of the next request for the same key, or `keys.length` when the
 * key is never requested again. Computed once per key array (kept in a WeakMap), O(n).
 */
export function nextUses(keys: readonly TraceKey[]): Int32Array {
  const cached = cache.get(keys);
  if (cached !== undefined) return cached;
  const n = keys.length;
  const next = new Int32Array(n);
  const seen = new Map<TraceKey, number>();
  for (let i = n - 1; i >= 0; i--) {
    const key = keys[i] as TraceKey;
    next[i] = seen.get(key) ?? n;
    seen.set(key, i);
  }
  cache.set(keys, next);
  return next;
}
