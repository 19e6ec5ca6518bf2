import type { EvictionPolicy } from './eviction-policy.js';
import { growArray } from './grow-array.js';

/**
 * Least frequently used, in O(1) per operation with the frequency-bucket design of K. Shah, A. Mitra
 * and D. Matani, "An O(1) algorithm for implementing the LFU cache eviction scheme" (2010).
 *
 * Entries with the same use count share a bucket; buckets form a list in increasing count order, and
 * each bucket keeps its entries oldest first. A use moves an entry from bucket `f` to bucket `f + 1`
 * (created next to `f` when missing, freed when emptied). The victim is the oldest entry of the lowest
 * bucket: least frequently used, ties broken by least recent use at that count.
 *
 * Counting: an insert counts as the first use, and every `access` and `update` (a `set` of an existing
 * key) as one more. Counts never age, so this is classic LFU (an entry that was hot long ago keeps its
 * place); `w-tinylfu` is the policy that ages frequencies. Holds no history: `needsHash` is false.
 *
 * Memory: at most one bucket per live entry, so every array is indexed by slot and sized by capacity.
 */
export class LfuPolicy implements EvictionPolicy {
  readonly name = 'lfu';
  readonly needsHash = false;

  // per slot
  /** slot -> newer entry in its bucket, or -1 */
  #next = new Int32Array(0);
  /** slot -> older entry in its bucket, or -1 */
  #prev = new Int32Array(0);
  /** slot -> its bucket, or -1 when the slot is not live */
  #bucketOf = new Int32Array(0);

  // per bucket (a pool as large as the slot arrays: a bucket is never empty, so never more than slots)
  /** bucket -> use count of its entries (a double: never overflows in practice) */
  #count = new Float64Array(0);
  /** bucket -> its oldest entry */
  #oldest = new Int32Array(0);
  /** bucket -> its newest entry */
  #newest = new Int32Array(0);
  /** bucket -> the bucket with the next higher count, or -1; for free buckets, the next free one */
  #up = new Int32Array(0);
  /** bucket -> the bucket with the next lower count, or -1 */
  #down = new Int32Array(0);
  #freeBucket = -1;
  /** the bucket with the lowest count, or -1 */
  #lowest = -1;
  /** the bucket with the highest count, or -1 */
  #highest = -1;
  #size = 0;

  resize(capacity: number): void {
    const old = this.#next.length;
    if (capacity <= old) return;
    this.#next = growArray(this.#next, capacity, -1);
    this.#prev = growArray(this.#prev, capacity, -1);
    this.#bucketOf = growArray(this.#bucketOf, capacity, -1);
    this.#count = growArray(this.#count, capacity);
    this.#oldest = growArray(this.#oldest, capacity, -1);
    this.#newest = growArray(this.#newest, capacity, -1);
    this.#up = growArray(this.#up, capacity, -1);
    this.#down = growArray(this.#down, capacity, -1);
    for (let b = capacity - 1; b >= old; b--) {
      this.#up[b] = this.#freeBucket;
      this.#freeBucket = b;
    }
  }

  #reset(capacity: number): void {
    this.#next = new Int32Array(0);
    this.#prev = new Int32Array(0);
    this.#bucketOf = new Int32Array(0);
    this.#count = new Float64Array(0);
    this.#oldest = new Int32Array(0);
    this.#newest = new Int32Array(0);
    this.#up = new Int32Array(0);
    this.#down = new Int32Array(0);
    this.#freeBucket = -1;
    this.#lowest = -1;
    this.#highest = -1;
    this.#size = 0;
    this.resize(capacity);
  }

  insert(slot: number): void {
    let bucket = this.#lowest;
    if (bucket === -1 || this.#count[bucket] !== 1) bucket = this.#newBucket(1, -1, bucket);
    this.#append(bucket, slot);
    this.#size++;
  }

  access(slot: number): void {
    this.#promote(slot);
  }

  update(slot: number): void {
    this.#promote(slot);
  }

  remove(slot: number): void {
    this.#detach(slot);
    this.#bucketOf[slot] = -1;
    this.#size--;
  }

  victim(): number {
    return this.#lowest === -1 ? -1 : this.#oldest[this.#lowest]!;
  }

  /** Highest count first, newest first within a count; the victim last. */
  *slots(): IterableIterator<number> {
    for (let b = this.#highest; b !== -1; b = this.#down[b]!) {
      for (let s = this.#newest[b]!; s !== -1; s = this.#prev[s]!) yield s;
    }
  }

  clear(): void {
    this.#reset(this.#next.length);
  }

  /** The number of live entries this policy tracks (it keeps no history). For the contract suite. */
  debugSize(): number {
    return this.#size;
  }

  /** Bytes held by this policy's typed arrays. For the contract suite. */
  debugBytes(): number {
    return (
      this.#next.byteLength +
      this.#prev.byteLength +
      this.#bucketOf.byteLength +
      this.#count.byteLength +
      this.#oldest.byteLength +
      this.#newest.byteLength +
      this.#up.byteLength +
      this.#down.byteLength
    );
  }

  /** The use count of the entry in `slot` (tests and the simulator). */
  frequency(slot: number): number {
    const bucket = this.#bucketOf[slot] ?? -1;
    return bucket === -1 ? 0 : this.#count[bucket]!;
  }

  #promote(slot: number): void {
    const bucket = this.#bucketOf[slot]!;
    const count = this.#count[bucket]! + 1;
    const up = this.#up[bucket]!;
    if (up !== -1 && this.#count[up] === count) {
      this.#detach(slot);
      this.#append(up, slot);
    } else if (this.#oldest[bucket] === slot && this.#newest[bucket] === slot) {
      // alone in its bucket and no bucket at count + 1: the bucket itself moves up
      this.#count[bucket] = count;
    } else {
      this.#detach(slot);
      // detach may have freed `bucket` only if slot was alone, which the branch above handles
      this.#append(this.#newBucket(count, bucket, up), slot);
    }
  }

  /** A bucket for `count`, linked between `down` and `up` (either may be -1). */
  #newBucket(count: number, down: number, up: number): number {
    const bucket = this.#freeBucket;
    this.#freeBucket = this.#up[bucket]!;
    this.#count[bucket] = count;
    this.#oldest[bucket] = -1;
    this.#newest[bucket] = -1;
    this.#down[bucket] = down;
    this.#up[bucket] = up;
    if (down === -1) this.#lowest = bucket;
    else this.#up[down] = bucket;
    if (up === -1) this.#highest = bucket;
    else this.#down[up] = bucket;
    return bucket;
  }

  #append(bucket: number, slot: number): void {
    const newest = this.#newest[bucket]!;
    this.#prev[slot] = newest;
    this.#next[slot] = -1;
    if (newest === -1) this.#oldest[bucket] = slot;
    else this.#next[newest] = slot;
    this.#newest[bucket] = slot;
    this.#bucketOf[slot] = bucket;
  }

  /** Unlink `slot` from its bucket, freeing the bucket when it empties. */
  #detach(slot: number): void {
    const bucket = this.#bucketOf[slot]!;
    const prev = this.#prev[slot]!;
    const next = this.#next[slot]!;
    if (prev === -1) this.#oldest[bucket] = next;
    else this.#next[prev] = next;
    if (next === -1) this.#newest[bucket] = prev;
    else this.#prev[next] = prev;
    if (this.#oldest[bucket] !== -1) return;
    const down = this.#down[bucket]!;
    const up = this.#up[bucket]!;
    if (down === -1) this.#lowest = up;
    else this.#up[down] = up;
    if (up === -1) this.#highest = down;
    else this.#down[up] = down;
    this.#up[bucket] = this.#freeBucket;
    this.#freeBucket = bucket;
  }
}
