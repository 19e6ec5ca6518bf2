import type { EvictionPolicy } from './eviction-policy.js';
import { growArray } from './grow-array.js';
import { LinkedSlots } from './linked-slots.js';

/**
 * Enhanced Clock: the second-chance algorithm of operating systems with a referenced bit and a
 * modified bit per entry. A read sets the referenced bit; a `set` over an existing entry sets both
 * (the entry was used, and it now differs from what a write-behind tier or a log last saw). A new
 * entry starts as (0, 0).
 *
 * The victim is chosen by class, (referenced, modified):
 * 1. the oldest (0, 0) entry: neither used since the hand last passed nor overwritten;
 * 2. otherwise the hand sweeps the circle and evicts the first (0, 1) entry it meets, clearing the
 *    referenced bit of each entry it passes (so a (1, 0) entry drops to (0, 0) and a (1, 1) one to
 *    (0, 1));
 * 3. if it went all the way round, every entry now has its referenced bit clear: the oldest (0, 0)
 *    entry goes, or, when every entry was overwritten, the first (0, 1) entry after the hand.
 *
 * So among entries used alike a clean entry always goes before an overwritten one. The modified bit
 * is never cleared by the policy: in the operating-system algorithm a write-back cleans the page;
 * here nothing writes back, so an overwritten entry keeps its protection until it leaves.
 *
 * (0, 0) entries are also kept on their own list in the order they became (0, 0), which answers
 * step 1 without a scan; every bit the hand clears was set by an earlier use, so `victim` is
 * amortised O(1).
 */
export class EnhancedClockPolicy implements EvictionPolicy {
  readonly name = 'enhanced-clock';
  readonly needsHash = false;
  /** The circle, in hand order: `next` is the hand's direction, the tail wraps to the head. */
  #ring = new LinkedSlots(0);
  /** (0, 0) entries, oldest first. */
  #clean = new LinkedSlots(0);
  /** slot -> referenced bit */
  #referenced = new Uint8Array(0);
  /** slot -> modified bit */
  #modified = new Uint8Array(0);
  /** The slot under the hand, or -1 for the head of the ring. */
  #hand = -1;

  resize(capacity: number): void {
    this.#ring.grow(capacity);
    this.#clean.grow(capacity);
    this.#referenced = growArray(this.#referenced, capacity);
    this.#modified = growArray(this.#modified, capacity);
  }

  insert(slot: number): void {
    this.#referenced[slot] = 0;
    this.#modified[slot] = 0;
    const hand = this.#hand;
    // just behind the hand; behind the head of the ring is its tail
    if (hand === -1 || hand === this.#ring.head) this.#ring.push(slot);
    else this.#ring.insertBefore(slot, hand);
    this.#clean.push(slot);
  }

  access(slot: number): void {
    if (this.#referenced[slot] === 1) return;
    if (this.#modified[slot] === 0) this.#clean.unlink(slot);
    this.#referenced[slot] = 1;
  }

  update(slot: number): void {
    this.access(slot);
    this.#modified[slot] = 1;
  }

  remove(slot: number): void {
    if (slot === this.#hand) this.#hand = this.#ring.next[slot]!;
    this.#ring.unlink(slot);
    if (this.#referenced[slot] === 0 && this.#modified[slot] === 0) this.#clean.unlink(slot);
  }

  victim(): number {
    const ring = this.#ring;
    if (ring.length === 0) return -1;
    if (this.#clean.length !== 0) return this.#clean.head;
    const referenced = this.#referenced;
    const next = ring.next;
    let s = this.#hand === -1 ? ring.head : this.#hand;
    let passed = 0;
    while (referenced[s] === 1) {
      referenced[s] = 0;
      if (this.#modified[s] === 0) this.#clean.push(s);
      passed++;
      const n = next[s]!;
      s = n === -1 ? ring.head : n;
    }
    this.#hand = s;
    // all the way round: the bits are all clear now, and a clean entry still goes first
    return passed >= ring.length && this.#clean.length !== 0 ? this.#clean.head : s;
  }

  /** Every slot once, in the hand's order from the hand. */
  *slots(): IterableIterator<number> {
    const ring = this.#ring;
    const n = ring.length;
    if (n === 0) return;
    let s = this.#hand === -1 ? ring.head : this.#hand;
    for (let i = 0; i < n; i++) {
      yield s;
      const next = ring.next[s]!;
      s = next === -1 ? ring.head : next;
    }
  }

  clear(): void {
    this.#ring.clear();
    this.#clean.clear();
    this.#referenced.fill(0);
    this.#modified.fill(0);
    this.#hand = -1;
  }

  /** Whether the entry in `slot` was overwritten since it was inserted (tests, simulator). */
  isModified(slot: number): boolean {
    return this.#modified[slot] === 1;
  }

  /** The number of live entries (no history is kept). For the contract suite. */
  debugSize(): number {
    return this.#ring.length;
  }

  /** Bytes held by this policy's typed arrays. For the contract suite. */
  debugBytes(): number {
    return (
      this.#ring.next.byteLength +
      this.#ring.prev.byteLength +
      this.#clean.next.byteLength +
      this.#clean.prev.byteLength +
      this.#referenced.byteLength +
      this.#modified.byteLength
    );
  }
}
