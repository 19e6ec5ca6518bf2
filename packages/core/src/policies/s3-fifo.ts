import type { EvictionPolicy, RemovalReason } from './eviction-policy.js';
import { growArray } from './grow-array.js';
import { HashGhosts } from './hash-ghosts.js';
import { LinkedSlots } from './linked-slots.js';

const SMALL = 1;
const MAIN = 2;
/** Uses are counted up to this cap (two bits per entry in the paper). */
const MAX_FREQ = 3;
/** The small queue's share of the entries. */
const SMALL_SHARE = 0.1;
/** The ghost queue's size, as a share of the capacity: as many ghosts as the main queue holds. */
const GHOST_SHARE = 0.9;

/**
 * S3-FIFO (J. Yang, Y. Zhang, Z. Qiu, Y. Yue and K. V. Rashmi, "FIFO queues are all you need for
 * cache eviction", SOSP 2023).
 *
 * Three FIFO queues: small `S` (10% of the entries), main `M` (the rest) and ghost `G` (key hashes of
 * entries evicted from `S`, as many as `M` holds). A new key enters `S`, or `M` when its hash is in
 * `G`. A use (`access`, or `update`: a `set` of an existing key) only bumps a counter capped at 3;
 * nothing moves on a hit.
 *
 * Eviction, all in `victim()`: when `S` holds at least 10% of the entries (or `M` is empty), the
 * oldest entries of `S` are inspected in turn: one used at least once since it entered moves to `M`,
 * keeping its counter; the first unused one is the victim and its hash joins `G` (a one-hit wonder
 * leaves from `S`). Otherwise (or once `S` is drained) the oldest entries of `M` are inspected: used
 * ones are reinserted at the new end with their counter decremented, and the first unused one is the
 * victim (no ghost).
 * Every move is paid for by an earlier insert or use, so `victim` is amortised O(1).
 *
 * Sizes: the 10% is of the live entries when `victim()` is called, which is `max` when the cache is
 * full by count and the entries that fit when it is full by size (or has no `max`). `G` holds at most
 * 90% of the slot capacity, capped by `max`, and drops its oldest ghost when full. Deleted and
 * expired entries leave no ghost. `needsHash` is true.
 */
export class S3FifoPolicy implements EvictionPolicy {
  readonly name = 's3-fifo';
  readonly needsHash = true;
  #maxEntries = 0;
  #small = new LinkedSlots(0);
  #main = LinkedSlots.sharing(this.#small);
  /** slot -> SMALL or MAIN (0 when not live) */
  #queue = new Uint8Array(0);
  /** slot -> uses since insertion, less one per reinsertion in `M`, capped at {@link MAX_FREQ} */
  #freq = new Uint8Array(0);
  /** slot -> key hash */
  #hash = new Int32Array(0);
  #ghost = new HashGhosts(1);

  resize(capacity: number, maxEntries: number): void {
    this.#maxEntries = maxEntries;
    this.#small.grow(capacity);
    this.#main.adopt(this.#small);
    this.#queue = growArray(this.#queue, capacity);
    this.#freq = growArray(this.#freq, capacity);
    this.#hash = growArray(this.#hash, capacity);
    this.#ghost.grow(this.#ghostCapacity(capacity));
  }

  insert(slot: number, hash: number): void {
    this.#hash[slot] = hash;
    this.#freq[slot] = 0;
    const ghost = this.#ghost.find(hash);
    if (ghost === -1) {
      this.#queue[slot] = SMALL;
      this.#small.push(slot);
    } else {
      this.#ghost.delete(ghost);
      this.#queue[slot] = MAIN;
      this.#main.push(slot);
    }
  }

  access(slot: number): void {
    const f = this.#freq[slot]!;
    if (f < MAX_FREQ) this.#freq[slot] = f + 1;
  }

  update(slot: number): void {
    this.access(slot);
  }

  remove(slot: number, reason: RemovalReason): void {
    const evicted = reason === 'evict';
    if (this.#queue[slot] === SMALL) {
      this.#small.unlink(slot);
      if (evicted) this.#ghost.add(0, this.#hash[slot]!);
    } else {
      this.#main.unlink(slot);
    }
    this.#queue[slot] = 0;
  }

  victim(): number {
    const small = this.#small;
    const main = this.#main;
    const freq = this.#freq;
    if (this.#smallFirst()) {
      for (let s = small.head; s !== -1; s = small.head) {
        if (freq[s] === 0) return s;
        small.unlink(s);
        this.#queue[s] = MAIN;
        main.push(s);
      }
    }
    for (let s = main.head; s !== -1; s = main.head) {
      const f = freq[s]!;
      if (f === 0) return s;
      freq[s] = f - 1;
      main.moveToTail(s);
    }
    return -1;
  }

  /** The queue that gives up the next victim last: `M` then `S`, or the reverse. */
  *slots(): IterableIterator<number> {
    const smallFirst = this.#smallFirst();
    yield* (smallFirst ? this.#main : this.#small).newestFirst();
    yield* (smallFirst ? this.#small : this.#main).newestFirst();
  }

  clear(): void {
    this.#small.clear();
    this.#main.clear();
    this.#queue.fill(0);
    this.#ghost.clear();
  }

  /** Live entries plus ghosts. For the contract suite. */
  debugSize(): number {
    return this.#small.length + this.#main.length + this.#ghost.size;
  }

  /** Bytes held by this policy's typed arrays. For the contract suite. */
  debugBytes(): number {
    return (
      this.#small.next.byteLength +
      this.#small.prev.byteLength +
      this.#queue.byteLength +
      this.#freq.byteLength +
      this.#hash.byteLength +
      this.#ghost.byteLength
    );
  }

  /** Which queue `slot` is in: `'small'`, `'main'`, or `undefined` when not live (tests, simulator). */
  queueOf(slot: number): 'small' | 'main' | undefined {
    const q = this.#queue[slot];
    return q === SMALL ? 'small' : q === MAIN ? 'main' : undefined;
  }

  /** The number of ghosts. */
  get ghosts(): number {
    return this.#ghost.size;
  }

  #smallFirst(): boolean {
    const small = this.#small.length;
    const main = this.#main.length;
    return small > 0 && (main === 0 || small >= SMALL_SHARE * (small + main));
  }

  #ghostCapacity(capacity: number): number {
    const base = this.#maxEntries > 0 ? Math.min(this.#maxEntries, capacity) : capacity;
    return Math.ceil(GHOST_SHARE * base);
  }
}
