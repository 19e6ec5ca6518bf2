import type { EvictionPolicy } from '../eviction-policy.js';

/**
 * A miniature cache of key hashes that drives a reference policy exactly as the Cache drives a
 * policy, to tell whether that policy would have hit. Keys are 32-bit hashes in an open-addressing
 * table (linear probing, backward-shift deletion); two keys with one hash count as one, which at
 * these sizes is rare and harmless.
 */
export class ShadowCache {
  readonly #policy: EvictionPolicy;
  readonly #capacity: number;
  readonly #keys: Int32Array;
  readonly #free: Int32Array;
  #freeTop = 0;
  /** Slot + 1, or 0 where empty. */
  readonly #table: Int32Array;
  readonly #mask: number;
  #size = 0;

  /**
   * @param policy - a new policy instance, which this cache owns from now on
   * @param capacity - the number of keys held, at least 1
   */
  constructor(policy: EvictionPolicy, capacity: number) {
    this.#policy = policy;
    this.#capacity = capacity;
    this.#keys = new Int32Array(capacity);
    this.#free = new Int32Array(capacity);
    let size = 2;
    while (size < 2 * capacity) size *= 2;
    this.#table = new Int32Array(size);
    this.#mask = size - 1;
    policy.resize(capacity, capacity);
    this.clear();
  }

  /** Keys held. */
  get size(): number {
    return this.#size;
  }

  /** Bytes of the table and slot arrays, plus the reference LRU's two `Int32Array` links per slot. */
  get byteLength(): number {
    return this.#keys.byteLength + this.#free.byteLength + this.#table.byteLength + 8 * this.#capacity;
  }

  /** Replay a request for `hash`; whether the reference policy hit. */
  access(hash: number): boolean {
    let at = this.#find(hash);
    if (at >= 0) {
      this.#policy.access(this.#table[at]! - 1);
      return true;
    }
    if (this.#size === this.#capacity) {
      const victim = this.#policy.victim();
      this.#policy.remove(victim, 'evict');
      this.#unmap(this.#find(this.#keys[victim]!));
      this.#free[this.#freeTop++] = victim;
      this.#size--;
      at = this.#find(hash);
    }
    const slot = this.#free[--this.#freeTop]!;
    this.#keys[slot] = hash;
    this.#table[-1 - at] = slot + 1;
    this.#size++;
    this.#policy.insert(slot, hash);
    return false;
  }

  /** Replay a write to `hash` (a use, neither a hit nor a miss); nothing when it is not held. */
  update(hash: number): void {
    const at = this.#find(hash);
    if (at >= 0) this.#policy.update(this.#table[at]! - 1);
  }

  /** Forget `hash` (deleted or expired in the real cache), if held. */
  delete(hash: number): void {
    const at = this.#find(hash);
    if (at < 0) return;
    const slot = this.#table[at]! - 1;
    this.#policy.remove(slot, 'delete');
    this.#unmap(at);
    this.#free[this.#freeTop++] = slot;
    this.#size--;
  }

  /** Forget every key. */
  clear(): void {
    this.#policy.clear();
    this.#table.fill(0);
    this.#size = 0;
    this.#freeTop = this.#capacity;
    for (let i = 0; i < this.#capacity; i++) this.#free[i] = this.#capacity - 1 - i;
  }

  #home(hash: number): number {
    return Math.imul(hash ^ (hash >>> 16), 0x45d9f3b) & this.#mask;
  }

  /** The table index holding `hash`, or `-1 - index` of the empty place where it would go. */
  #find(hash: number): number {
    for (let i = this.#home(hash); ; i = (i + 1) & this.#mask) {
      const slot = this.#table[i]! - 1;
      if (slot === -1) return -1 - i;
      if (this.#keys[slot] === hash) return i;
    }
  }

  #unmap(at: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let hole = at;
    for (let i = (at + 1) & mask; ; i = (i + 1) & mask) {
      const slot = table[i]! - 1;
      if (slot === -1) break;
      // The entry at i may move back into the hole unless its home lies cyclically in (hole, i].
      if (((i - this.#home(this.#keys[slot]!)) & mask) >= ((i - hole) & mask)) {
        table[hole] = table[i]!;
        hole = i;
      }
    }
    table[hole] = 0;
  }
}
