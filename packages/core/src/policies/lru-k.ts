import { ConfigError } from '../errors.js';
import type { EvictionPolicy, RemovalReason } from './eviction-policy.js';
import { growArray } from './grow-array.js';
import { HashGhosts } from './hash-ghosts.js';
import { LinkedSlots } from './linked-slots.js';

/** Options of {@link LruKPolicy}. */
export interface LruKOptions {
  /**
   * `K`: how many of the most recent references of a key count. `1` is plain LRU. An integer from 1
   * to 8.
   * @defaultValue 2
   */
  k?: number;
}

const COLD = 1;
const HOT = 2;
/** How many of the least recently used hot entries `victim()` compares by their K-th reference. */
const HOT_WINDOW = 8;

/**
 * LRU-K (E. J. O'Neil, P. E. O'Neil and G. Weikum, "The LRU-K Page Replacement Algorithm for
 * Database Disk Buffering", SIGMOD 1993).
 *
 * LRU-K evicts the entry whose K-th most recent reference is oldest (the largest backward
 * K-distance); entries with fewer than K known references have an infinite distance and go first,
 * among themselves least recently used first (the paper's subsidiary policy). Reference times are a
 * logical clock that ticks on every `insert`, `access` and `update` (a `set` of an existing key counts
 * as a reference).
 *
 * An exact LRU-K needs a priority queue (O(log n)). This policy is O(1) and approximates it:
 *
 * - entries with fewer than K references live in a cold LRU queue, which always gives up the victim
 *   while it is not empty (exact, as in the paper);
 * - entries with K or more references live in a hot LRU queue, and the victim is, among its
 *   8 least recently used entries (`HOT_WINDOW`), the one whose K-th most recent reference is
 *   oldest. An entry whose K-th reference is old but whose last reference is recent can therefore
 *   outlive its exact LRU-K turn;
 * - the paper's correlated reference period is not modelled (every reference counts).
 *
 * Retained history: when an entry is evicted (not deleted, not expired), its last K reference times
 * are kept under its key hash, for at most as many keys as the cache has slots (capped by `max`),
 * oldest history dropped first; a key that comes back resumes its history, so a key seen K times
 * across evictions enters the hot queue at once. `needsHash` is true.
 */
export class LruKPolicy implements EvictionPolicy {
  readonly name = 'lru-k';
  readonly needsHash = true;
  /** K */
  readonly k: number;
  #maxEntries = 0;
  #clock = 0;
  #cold = new LinkedSlots(0);
  #hot = LinkedSlots.sharing(this.#cold);
  /** slot -> COLD or HOT (0 when not live) */
  #queue = new Uint8Array(0);
  /** slot -> key hash */
  #hash = new Int32Array(0);
  /** slot * K + i -> the time of the (i + 1)-th most recent reference, 0 when none */
  #times = new Float64Array(0);
  /** Retained history of evicted keys. */
  #history = new HashGhosts(1);
  /** node * K + i -> the retained times of the history node */
  #historyTimes = new Float64Array(0);

  constructor(options: LruKOptions = {}) {
    const { k = 2 } = options;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > 8) {
      throw new ConfigError('k', k, 'an integer from 1 to 8');
    }
    this.k = k;
  }

  resize(capacity: number, maxEntries: number): void {
    this.#maxEntries = maxEntries;
    this.#cold.grow(capacity);
    this.#hot.adopt(this.#cold);
    this.#queue = growArray(this.#queue, capacity);
    this.#hash = growArray(this.#hash, capacity);
    this.#times = growArray(this.#times, capacity * this.k);
    this.#history.grow(this.#historyCapacity(capacity));
    this.#historyTimes = growArray(this.#historyTimes, this.#history.capacity * this.k);
  }

  insert(slot: number, hash: number): void {
    this.#hash[slot] = hash;
    const k = this.k;
    const times = this.#times;
    const base = slot * k;
    times[base] = ++this.#clock;
    const node = this.#history.find(hash);
    if (node === -1) {
      for (let i = 1; i < k; i++) times[base + i] = 0;
    } else {
      const history = this.#historyTimes;
      for (let i = 1; i < k; i++) times[base + i] = history[node * k + i - 1]!;
      this.#history.delete(node);
    }
    if (times[base + k - 1] === 0) {
      this.#queue[slot] = COLD;
      this.#cold.push(slot);
    } else {
      this.#queue[slot] = HOT;
      this.#hot.push(slot);
    }
  }

  access(slot: number): void {
    const k = this.k;
    const times = this.#times;
    const base = slot * k;
    for (let i = base + k - 1; i > base; i--) times[i] = times[i - 1]!;
    times[base] = ++this.#clock;
    if (this.#queue[slot] === HOT) {
      this.#hot.moveToTail(slot);
    } else if (times[base + k - 1] === 0) {
      this.#cold.moveToTail(slot);
    } else {
      this.#cold.unlink(slot);
      this.#queue[slot] = HOT;
      this.#hot.push(slot);
    }
  }

  update(slot: number): void {
    this.access(slot);
  }

  remove(slot: number, reason: RemovalReason): void {
    const evicted = reason === 'evict';
    if (this.#queue[slot] === HOT) this.#hot.unlink(slot);
    else this.#cold.unlink(slot);
    this.#queue[slot] = 0;
    if (!evicted) return;
    const node = this.#history.add(0, this.#hash[slot]!);
    if (node === -1) return;
    const k = this.k;
    const history = this.#historyTimes;
    const times = this.#times;
    for (let i = 0; i < k; i++) history[node * k + i] = times[slot * k + i]!;
  }

  victim(): number {
    return this.#nextVictim();
  }

  /** Hot entries then cold ones, each most recently used first; the victim last. */
  *slots(): IterableIterator<number> {
    if (this.#cold.length > 0) {
      yield* this.#hot.newestFirst();
      yield* this.#cold.newestFirst();
      return;
    }
    const victim = this.#nextVictim();
    for (const s of this.#hot.newestFirst()) if (s !== victim) yield s;
    if (victim !== -1) yield victim;
  }

  clear(): void {
    this.#cold.clear();
    this.#hot.clear();
    this.#queue.fill(0);
    this.#history.clear();
    this.#clock = 0;
  }

  /** Live entries plus retained histories. For the contract suite. */
  debugSize(): number {
    return this.#cold.length + this.#hot.length + this.#history.size;
  }

  /** Bytes held by this policy's typed arrays. For the contract suite. */
  debugBytes(): number {
    return (
      this.#cold.next.byteLength +
      this.#cold.prev.byteLength +
      this.#queue.byteLength +
      this.#hash.byteLength +
      this.#times.byteLength +
      this.#history.byteLength +
      this.#historyTimes.byteLength
    );
  }

  /** Whether `slot` has K references (`'hot'`) or fewer (`'cold'`); `undefined` when not live. */
  queueOf(slot: number): 'cold' | 'hot' | undefined {
    const q = this.#queue[slot];
    return q === COLD ? 'cold' : q === HOT ? 'hot' : undefined;
  }

  /** The number of retained histories. */
  get retained(): number {
    return this.#history.size;
  }

  #nextVictim(): number {
    if (this.#cold.length > 0) return this.#cold.head;
    const hot = this.#hot;
    const times = this.#times;
    const last = this.k - 1;
    let best = hot.head;
    if (best === -1) return -1;
    let bestTime = times[best * this.k + last]!;
    let s = hot.next[best]!;
    for (let i = 1; i < HOT_WINDOW && s !== -1; i++, s = hot.next[s]!) {
      const t = times[s * this.k + last]!;
      if (t < bestTime) {
        best = s;
        bestTime = t;
      }
    }
    return best;
  }

  #historyCapacity(capacity: number): number {
    return this.#maxEntries > 0 ? Math.min(this.#maxEntries, capacity) : capacity;
  }
}
