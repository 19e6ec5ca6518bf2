import { ConfigError } from '../errors.js';
import type { EvictionPolicy, RemovalReason } from './eviction-policy.js';
import { growArray } from './grow-array.js';
import { HashGhosts } from './hash-ghosts.js';
import { LinkedSlots } from './linked-slots.js';

/** Options of {@link TwoQueuePolicy}. */
export interface TwoQueueOptions {
  /**
   * `Kin`: the share of the entries the FIFO `A1in` may hold before it gives up its oldest entry.
   * Greater than 0 and less than 1.
   * @defaultValue 0.25
   */
  kin?: number;
  /**
   * `Kout`: how many ghosts `A1out` remembers, as a multiple of the capacity. From 0 to 4.
   * @defaultValue 0.5
   */
  kout?: number;
}

const A1IN = 1;
const AM = 2;

/**
 * Full 2Q (T. Johnson and D. Shasha, "2Q: A Low Overhead High Performance Buffer Management
 * Replacement Algorithm", VLDB 1994).
 *
 * Three queues: `A1in`, a FIFO of entries seen once (recently); `A1out`, a FIFO of the key hashes of
 * entries that left `A1in` by eviction (ghosts, no values); `Am`, an LRU of entries seen again. A new
 * key goes to `A1in`, or straight to `Am` when its hash is in `A1out` (it was evicted from `A1in` and
 * came back). Uses inside `A1in` change nothing (the paper's correlated references); uses in `Am`
 * move the entry to the MRU end. `update` (a `set` of an existing key) counts as a use.
 *
 * Eviction (`reclaimfor`): when `A1in` holds more than `Kin` entries its oldest entry leaves and its
 * hash joins `A1out`; otherwise the LRU entry of `Am` leaves, leaving no ghost. (When the queue the
 * rule picks is empty, the other one gives up its oldest entry.) A scan of new keys therefore only
 * cycles through `A1in` and never flushes `Am`.
 *
 * Sizes: `Kin` is {@link TwoQueueOptions.kin} (25%) of the live entries when `victim()` is called,
 * which is `max` when the cache is full by count and the entries that fit when it is full by size
 * (or when it has no `max`). `A1out` holds at most {@link TwoQueueOptions.kout} (50%) of the slot
 * capacity, capped by `max`, and drops its oldest ghost when full; deleted and expired entries leave
 * no ghost. `needsHash` is true.
 */
export class TwoQueuePolicy implements EvictionPolicy {
  readonly name = '2q';
  readonly needsHash = true;
  readonly #kin: number;
  readonly #kout: number;
  #maxEntries = 0;
  #a1in = new LinkedSlots(0);
  #am = LinkedSlots.sharing(this.#a1in);
  /** slot -> A1IN or AM (0 when not live) */
  #queue = new Uint8Array(0);
  /** slot -> key hash */
  #hash = new Int32Array(0);
  #a1out = new HashGhosts(1);

  constructor(options: TwoQueueOptions = {}) {
    const { kin = 0.25, kout = 0.5 } = options;
    if (typeof kin !== 'number' || !(kin > 0 && kin < 1)) {
      throw new ConfigError('kin', kin, 'a number greater than 0 and less than 1');
    }
    if (typeof kout !== 'number' || !(kout >= 0 && kout <= 4)) {
      throw new ConfigError('kout', kout, 'a number from 0 to 4');
    }
    this.#kin = kin;
    this.#kout = kout;
  }

  resize(capacity: number, maxEntries: number): void {
    this.#maxEntries = maxEntries;
    this.#a1in.grow(capacity);
    this.#am.adopt(this.#a1in);
    this.#queue = growArray(this.#queue, capacity);
    this.#hash = growArray(this.#hash, capacity);
    this.#a1out.grow(this.#ghostCapacity(capacity));
  }

  insert(slot: number, hash: number): void {
    this.#hash[slot] = hash;
    const ghost = this.#a1out.find(hash);
    if (ghost === -1) {
      this.#queue[slot] = A1IN;
      this.#a1in.push(slot);
    } else {
      this.#a1out.delete(ghost);
      this.#queue[slot] = AM;
      this.#am.push(slot);
    }
  }

  access(slot: number): void {
    if (this.#queue[slot] === AM) this.#am.moveToTail(slot);
  }

  update(slot: number): void {
    this.access(slot);
  }

  remove(slot: number, reason: RemovalReason): void {
    const evicted = reason === 'evict';
    if (this.#queue[slot] === A1IN) {
      this.#a1in.unlink(slot);
      if (evicted) this.#a1out.add(0, this.#hash[slot]!);
    } else {
      this.#am.unlink(slot);
    }
    this.#queue[slot] = 0;
  }

  victim(): number {
    return this.#fromA1in() ? this.#a1in.head : this.#am.head;
  }

  /** The queue that gives up the next victim last: `Am` then `A1in`, or the reverse. */
  *slots(): IterableIterator<number> {
    const fromA1in = this.#fromA1in();
    yield* (fromA1in ? this.#am : this.#a1in).newestFirst();
    yield* (fromA1in ? this.#a1in : this.#am).newestFirst();
  }

  clear(): void {
    this.#a1in.clear();
    this.#am.clear();
    this.#queue.fill(0);
    this.#a1out.clear();
  }

  /** Live entries plus ghosts in `A1out`. For the contract suite. */
  debugSize(): number {
    return this.#a1in.length + this.#am.length + this.#a1out.size;
  }

  /** Bytes held by this policy's typed arrays. For the contract suite. */
  debugBytes(): number {
    return (
      this.#a1in.next.byteLength +
      this.#a1in.prev.byteLength +
      this.#queue.byteLength +
      this.#hash.byteLength +
      this.#a1out.byteLength
    );
  }

  /** Which queue `slot` is in: `'a1in'`, `'am'`, or `undefined` when not live (tests, simulator). */
  queueOf(slot: number): 'a1in' | 'am' | undefined {
    const q = this.#queue[slot];
    return q === A1IN ? 'a1in' : q === AM ? 'am' : undefined;
  }

  /** The number of ghosts in `A1out`. */
  get ghosts(): number {
    return this.#a1out.size;
  }

  #fromA1in(): boolean {
    const a1in = this.#a1in.length;
    if (a1in === 0) return false;
    if (this.#am.length === 0) return true;
    const kin = Math.max(1, Math.floor(this.#kin * (a1in + this.#am.length)));
    return a1in > kin;
  }

  #ghostCapacity(capacity: number): number {
    const base = this.#maxEntries > 0 ? Math.min(this.#maxEntries, capacity) : capacity;
    return Math.ceil(this.#kout * base);
  }
}
