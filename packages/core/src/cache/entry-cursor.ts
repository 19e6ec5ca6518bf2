/**
 * {@link createEntryCursor}: the {@link EntryCursor} that persistence reads a {@link Cache} through,
 * in slices, while the cache keeps changing.
 */
import type { CursorEntry, EntryCursor } from './cache-types.js';

/**
 * Walks the policy's order of the `used` slots in slices. The walk is resumed between slices while
 * the cache changes under it, so it may end early, repeat or wander: a bitmap keeps each slot once,
 * the steps are bounded, and a scan of the slots then takes what the walk missed (as the coldest).
 * Slots made after the cursor hold entries set meanwhile, which the caller has from its log.
 *
 * @param order - The policy's walk of the live slots, hottest first.
 * @param live - Whether a slot holds an entry now.
 * @param read - Fills `out` with the entry in a slot; `false` when it holds none it can give.
 */
export function createEntryCursor<K, V>(
  used: number,
  order: Iterator<number>,
  live: (slot: number) => boolean,
  read: (slot: number, out: CursorEntry<K, V>) => boolean,
): EntryCursor<K, V> {
  const taken = new Int32Array(used);
  const seen = new Uint8Array(used);
  let n = 0;
  let walk: Iterator<number> | undefined = order;
  let steps = 0;
  let scan = 0;
  const take = (i: number): void => {
    if (i < used && seen[i] === 0 && live(i)) {
      seen[i] = 1;
      taken[n++] = i;
    }
  };
  return {
    advance: (budgetMs) => {
      const until = performance.now() + budgetMs;
      while (walk !== undefined) {
        for (let k = 0; k < 1024; k++) {
          const r = walk.next();
          if (r.done === true || ++steps > 2 * used) {
            walk = undefined;
            break;
          }
          take(r.value);
        }
        if (walk !== undefined && performance.now() > until) return false;
      }
      while (scan < used) {
        const end = Math.min(used, scan + 16_384);
        while (scan < end) take(scan++);
        if (scan < used && performance.now() > until) return false;
      }
      return true;
    },
    taken: () => taken.subarray(0, n),
    read,
  };
}
