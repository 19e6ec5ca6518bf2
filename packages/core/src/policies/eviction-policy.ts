/**
 * The contract between the {@link Cache} and an eviction policy.
 *
 * A policy only orders entries: it decides which entry leaves when the cache is full. It never sees
 * keys or values, only **slot indices** (integers in `[0, capacity)`) that the cache assigns to
 * entries, and, where it needs identity across removals (ghost lists, frequency sketches), a 32-bit
 * **key hash** the cache computes when {@link EvictionPolicy.needsHash} is true.
 *
 * Life of a slot, as the cache drives it:
 *
 * 1. `insert(slot, hash)`: a new entry now lives in `slot`.
 * 2. any number of `access(slot)` (a read that counts as a use: `get`, a `fetch` hit) and
 *    `update(slot)` (a `set` that replaced the value of an existing key).
 * 3. `remove(slot)`: the entry left the cache, for any reason (delete, expiry, eviction, `pop`).
 *    After this call the policy must hold no trace of the slot; the cache may reuse it at once.
 *
 * Eviction: when the cache needs room it calls `victim()`, which returns the slot that should leave
 * next (the policy may reorganise itself to decide, for example move entries between segments), and
 * then removes that entry, which calls `remove(victim)`. `victim()` never returns a slot that is not
 * live. On an empty policy it returns `-1`.
 *
 * Iteration: `slots()` yields every live slot exactly once, the entry the policy would keep longest
 * first and the next victim last (for LRU: most recently used first, as lru-cache's `keys()` does).
 * The cache never mutates the policy while one of its iterators is open.
 *
 * Every operation must be O(1) or amortised O(1), and any history the policy keeps about entries
 * that already left (ghosts, sketches) must be bounded by a multiple of the capacity, so that
 * memory does not grow with key churn.
 *
 * A policy instance belongs to one cache. Passing an instance as the `policy` option lets users plug
 * in their own; the cache calls `init` on it once.
 */
export interface EvictionPolicy {
  /** A short, stable name such as `'lru'` or `'w-tinylfu'`. */
  readonly name: string;
  /**
   * Whether `insert` needs a hash of the key. When false the cache passes `0` and skips hashing,
   * which keeps the hot path of simple policies free of that work.
   */
  readonly needsHash: boolean;
  /**
   * Called once before any other method. `capacity` is the number of slots the cache has now; slots
   * are integers in `[0, capacity)`. `maxEntries` is the cache's entry limit (`max`), or `0` when the
   * cache is bounded by size or time only.
   */
  init(capacity: number, maxEntries: number): void;
  /** The cache grew its slot arrays: slots in `[0, capacity)` may now be used. Never shrinks. */
  resize(capacity: number): void;
  /** A new entry now occupies `slot`. `hash` is a 32-bit hash of its key (0 unless `needsHash`). */
  insert(slot: number, hash: number): void;
  /** The entry in `slot` was read. */
  access(slot: number): void;
  /** The entry in `slot` had its value replaced by a `set` of the same key. */
  update(slot: number): void;
  /** The entry in `slot` left the cache. The policy forgets the slot (it may keep a ghost of the hash). */
  remove(slot: number): void;
  /** The slot to evict next (still live; the cache will call `remove` on it), or `-1` when empty. */
  victim(): number;
  /** Every live slot once, the one kept longest first, the next victim last. */
  slots(): IterableIterator<number>;
  /** Forget every slot and all history. */
  clear(): void;
}
