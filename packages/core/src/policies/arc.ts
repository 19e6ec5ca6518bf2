import type { EvictionPolicy, RemovalReason } from './eviction-policy.js';
import { growArray } from './grow-array.js';
import { HashGhosts } from './hash-ghosts.js';
import { LinkedSlots } from './linked-slots.js';

const T1 = 1;
const T2 = 2;
const B1 = 0;
const B2 = 1;

/**
 * Adaptive Replacement Cache (N. Megiddo and D. S. Modha, "ARC: A Self-Tuning, Low Overhead
 * Replacement Cache", FAST 2003).
 *
 * Two LRU lists of live entries, `T1` (seen once recently) and `T2` (seen at least twice), and two
 * LRU lists of ghosts (key hashes only), `B1` and `B2`, for entries evicted from `T1` and `T2`. A
 * target size `p` for `T1` adapts: a new key whose hash is in `B1` means `T1` was too small, so `p`
 * grows by `max(1, |B2| / |B1|)`; one in `B2` shrinks it by `max(1, |B1| / |B2|)`. Both come back
 * into `T2`; other new keys go to `T1`. A use (`access`, or `update`: a `set` of an existing key)
 * moves the entry to the MRU end of `T2`.
 *
 * Eviction (the paper's `REPLACE`): the LRU entry of `T1` when `|T1| > p`, else the LRU entry of `T2`
 * (each falling back on the other list when empty); its hash becomes the newest ghost of `B1` or
 * `B2`. The paper breaks the tie `|T1| = p` by whether the incoming key is in `B2`; the cache evicts
 * before it inserts, so the policy does not know that key yet and the tie goes to `T2`. The paper's
 * ghost trimming (case IV: drop the LRU ghost of `B1` when `|T1| + |B1|` reaches `c`, else of `B2`
 * when all four lists reach `2c`) happens in `insert`, right after the eviction it would precede;
 * both conditions are unchanged by an eviction, so the outcome is the paper's.
 *
 * `c` is `max`, or when the cache has no `max` (bounded by size or time only) its current slot
 * capacity. Deleted and expired entries leave no ghost. Ghosts: `|B1| + |B2| <= c + 1` by the
 * invariants above, stored in a pool of `capacity + 1` hashes that drops its oldest ghost if it ever
 * fills. `needsHash` is true.
 */
export class ArcPolicy implements EvictionPolicy {
  readonly name = 'arc';
  readonly needsHash = true;
  /** The paper's `c`. */
  #c = 0;
  /** The paper's `p`: the target size of `T1`, in `[0, c]`. */
  #p = 0;
  #t1 = new LinkedSlots(0);
  #t2 = LinkedSlots.sharing(this.#t1);
  /** slot -> T1 or T2 (0 when not live) */
  #list = new Uint8Array(0);
  /** slot -> key hash */
  #hash = new Int32Array(0);
  /** B1 (list 0) and B2 (list 1) */
  #ghosts = new HashGhosts(2);

  resize(capacity: number, maxEntries: number): void {
    this.#t1.grow(capacity);
    this.#t2.adopt(this.#t1);
    this.#list = growArray(this.#list, capacity);
    this.#hash = growArray(this.#hash, capacity);
    this.#ghosts.grow(capacity + 1);
    this.#c = maxEntries > 0 ? maxEntries : Math.max(this.#c, capacity);
  }

  insert(slot: number, hash: number): void {
    this.#hash[slot] = hash;
    const ghosts = this.#ghosts;
    const ghost = ghosts.find(hash);
    if (ghost !== -1) {
      const b1 = ghosts.length(B1);
      const b2 = ghosts.length(B2);
      if (ghosts.listOf(ghost) === B1) this.#p = Math.min(this.#c, this.#p + (b1 >= b2 ? 1 : b2 / b1));
      else this.#p = Math.max(0, this.#p - (b2 >= b1 ? 1 : b1 / b2));
      ghosts.delete(ghost);
      this.#list[slot] = T2;
      this.#t2.push(slot);
      return;
    }
    const c = this.#c;
    const t1 = this.#t1.length;
    const b1 = ghosts.length(B1);
    if (t1 + b1 >= c) {
      if (b1 > 0) ghosts.shift(B1);
    } else if (t1 + this.#t2.length + b1 + ghosts.length(B2) >= 2 * c) {
      ghosts.shift(B2);
    }
    this.#list[slot] = T1;
    this.#t1.push(slot);
  }

  access(slot: number): void {
    if (this.#list[slot] === T1) {
      this.#t1.unlink(slot);
      this.#list[slot] = T2;
      this.#t2.push(slot);
    } else {
      this.#t2.moveToTail(slot);
    }
  }

  update(slot: number): void {
    this.access(slot);
  }

  remove(slot: number, reason: RemovalReason): void {
    const evicted = reason === 'evict';
    const fromT1 = this.#list[slot] === T1;
    if (fromT1) this.#t1.unlink(slot);
    else this.#t2.unlink(slot);
    this.#list[slot] = 0;
    if (evicted) this.#ghosts.add(fromT1 ? B1 : B2, this.#hash[slot]!);
  }

  victim(): number {
    return this.#fromT1() ? this.#t1.head : this.#t2.head;
  }

  /** The list that gives up the next victim last: `T2` then `T1`, or the reverse. */
  *slots(): IterableIterator<number> {
    const fromT1 = this.#fromT1();
    yield* (fromT1 ? this.#t2 : this.#t1).newestFirst();
    yield* (fromT1 ? this.#t1 : this.#t2).newestFirst();
  }

  clear(): void {
    this.#t1.clear();
    this.#t2.clear();
    this.#list.fill(0);
    this.#ghosts.clear();
    this.#p = 0;
  }

  /** Live entries plus ghosts. For the contract suite. */
  debugSize(): number {
    return this.#t1.length + this.#t2.length + this.#ghosts.size;
  }

  /** Bytes held by this policy's typed arrays. For the contract suite. */
  debugBytes(): number {
    return (
      this.#t1.next.byteLength +
      this.#t1.prev.byteLength +
      this.#list.byteLength +
      this.#hash.byteLength +
      this.#ghosts.byteLength
    );
  }

  /** The adaptive target size of `T1` (tests, simulator). */
  get p(): number {
    return this.#p;
  }

  /** Sizes of the four lists (tests, simulator). */
  get sizes(): { t1: number; t2: number; b1: number; b2: number } {
    return {
      t1: this.#t1.length,
      t2: this.#t2.length,
      b1: this.#ghosts.length(B1),
      b2: this.#ghosts.length(B2),
    };
  }

  /** Which list `slot` is in: `'t1'`, `'t2'`, or `undefined` when not live. */
  listOf(slot: number): 't1' | 't2' | undefined {
    const l = this.#list[slot];
    return l === T1 ? 't1' : l === T2 ? 't2' : undefined;
  }

  #fromT1(): boolean {
    const t1 = this.#t1.length;
    return t1 > 0 && (t1 > this.#p || this.#t2.length === 0);
  }
}
