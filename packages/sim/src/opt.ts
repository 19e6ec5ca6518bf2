import { nextUses } from './next-uses.js';
import type { TraceKey } from './trace.js';

/**
 * Belady's optimal offline policy with bypass: the most hits any cache of `size` entries can score
 * on `keys`. On a miss with the cache full it evicts the resident key whose next request is farthest
 * in the future, or does not admit the new key at all when the new key's own next request is farther
 * than every resident's. Keys never requested again are never kept.
 *
 * O(n log n) time: next uses are precomputed (see {@link nextUses}), and residents sit in a max-heap
 * keyed by their next use. A resident is identified by that next-use index alone (distinct residents
 * have distinct next uses), so the heap holds plain integers and stale entries are skipped lazily.
 *
 * @param keys - the trace, in request order.
 * @param size - the cache size in entries.
 * @returns the number of hits (divide by `keys.length` for the hit ratio).
 */
export function opt(keys: readonly TraceKey[], size: number): number {
  const n = keys.length;
  if (size <= 0 || n === 0) return 0;
  const next = nextUses(keys);
  // live[p] === 1 while a resident key's next request is request p.
  const live = new Uint8Array(n + 1);
  const heap = new Int32Array(n);
  let heapSize = 0;
  let residents = 0;
  let hits = 0;

  const push = (value: number): void => {
    let i = heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const up = heap[parent] as number;
      if (up >= value) break;
      heap[i] = up;
      i = parent;
    }
    heap[i] = value;
  };
  const popTop = (): void => {
    const last = heap[--heapSize] as number;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heapSize) break;
      const right = left + 1;
      let child = left;
      if (right < heapSize && (heap[right] as number) > (heap[left] as number)) child = right;
      const down = heap[child] as number;
      if (down <= last) break;
      heap[i] = down;
      i = child;
    }
    heap[i] = last;
  };
  // The live entry with the largest next use: the resident OPT would evict.
  const farthest = (): number => {
    while (live[heap[0] as number] === 0) popTop();
    return heap[0] as number;
  };

  for (let i = 0; i < n; i++) {
    const nextUse = next[i] as number;
    if (live[i] === 1) {
      hits++;
      live[i] = 0;
      if (nextUse < n) {
        live[nextUse] = 1;
        push(nextUse);
      } else {
        residents--;
      }
      continue;
    }
    if (nextUse === n) continue;
    if (residents < size) {
      residents++;
    } else {
      const victim = farthest();
      if (victim < nextUse) continue;
      live[victim] = 0;
      popTop();
    }
    live[nextUse] = 1;
    push(nextUse);
  }
  return hits;
}
