/**
 * Why an entry left a policy, as {@link EvictionPolicy.remove} is told:
 * - `'evict'`: it was the slot {@link EvictionPolicy.victim} returned, removed to make room;
 * - `'expire'`: its time to live ran out;
 * - `'delete'`: anything else (a `delete`, a `set` of `undefined` or of a value too large to keep,
 *   a failed fetch, or the cache taking the entry out while it makes room for the entry's new size,
 *   after which the same slot is inserted again).
 *
 * Policies that keep ghosts of evicted keys (ARC, 2Q, LRU-K, S3-FIFO, MQ) remember only `'evict'`.
 */
export type RemovalReason = 'evict' | 'expire' | 'delete';

/**
 * The contract between the {@link Cache} and an eviction policy.
 *
 * A policy only orders entries: it decides which entry leaves when the cache is full. It never sees
 * keys or values, only **slot indices** (integers in `[0, capacity)`) that the cache assigns to
 * entries, and, where it needs identity across removals (ghost lists, frequency sketches), a 32-bit
 * **key hash** the cache computes when {@link EvictionPolicy.needsHash} is true.
 *
 * Life of a policy, as the cache drives it:
 *
 * 1. `resize(capacity, maxEntries)`: before anything else, and again whenever the cache grows its
 *    slot arrays. A new policy starts with no room; `resize` is how it gets some.
 * 2. `insert(slot, hash)`: a new entry now lives in `slot`.
 * 3. any number of `access(slot)` (a read that counts as a use: `get`, a `fetch` hit) and
 *    `update(slot)` (a `set` that replaced the value of an existing key).
 * 4. `remove(slot, reason)`: the entry left the cache, and why. After this call the policy must
 *    hold no trace of the slot; the cache may reuse it at once.
 *
 * Eviction: when the cache needs room it calls `victim()`, which returns the slot that should leave
 * next (the policy may reorganise itself to decide, for example move entries between segments), and
 * then removes that entry, which calls `remove(victim, 'evict')`. `victim()` never returns a slot
 * that is not live. On an empty policy it returns `-1`.
 *
 * Iteration: `slots()` yields every live slot exactly once, in an order of the policy's choosing
 * (the cache's `keys()`, `entries()` and `dump()` follow it). The built-in `'lru'` yields the most
 * recently used first, as lru-cache's `keys()` does; other policies need not compute any order.
 * The cache never mutates the policy while one of its iterators is open.
 *
 * Every operation must be O(1) or amortised O(1), and any history the policy keeps about entries
 * that already left (ghosts, sketches) must be bounded by a multiple of the capacity, so that
 * memory does not grow with key churn.
 *
 * A policy instance belongs to one cache. Passing an instance as the `policy` option lets users plug
 * in their own.
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
   * Room for slots in `[0, capacity)`. Called before any other method, then each time the cache
   * grows (`capacity` never shrinks). `maxEntries` is the cache's entry limit (`max`), or `0` when
   * the cache is bounded by size or time only; it is the same on every call.
   */
  resize(capacity: number, maxEntries: number): void;
  /** A new entry now occupies `slot`. `hash` is a 32-bit hash of its key (0 unless `needsHash`). */
  insert(slot: number, hash: number): void;
  /** The entry in `slot` was read. */
  access(slot: number): void;
  /** The entry in `slot` had its value replaced by a `set` of the same key. */
  update(slot: number): void;
  /**
   * The entry in `slot` left the cache for `reason`. The policy forgets the slot (it may keep a
   * ghost of the hash, typically only when `reason` is `'evict'`).
   */
  remove(slot: number, reason: RemovalReason): void;
  /** The slot to evict next (still live; the cache will call `remove(slot, 'evict')`), or `-1` when empty. */
  victim(): number;
  /** Every live slot once, in an order of the policy's choosing. */
  slots(): IterableIterator<number>;
  /** Forget every slot and all history (the room given by `resize` stays). */
  clear(): void;
}
