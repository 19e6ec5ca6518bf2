import type { EvictionPolicy } from './eviction-policy.js';
import { growArray } from './grow-array.js';
import { LinkedSlots } from './linked-slots.js';

/**
 * CLOCK, the second-chance approximation of LRU (F. J. Corbató, "A paging experiment with the
 * Multics system", 1968; A. S. Tanenbaum, "Modern Operating Systems", second-chance and clock page
 * replacement).
 *
 * Entries sit on a circle with a hand. A use sets the entry's reference bit. To find a victim the hand
 * sweeps forward: an entry with its bit set loses the bit and is passed over (its second chance); the
 * first entry without the bit is the victim, and the hand rests on it, so after the eviction it points
 * at the next entry. A new entry takes the place just behind the hand, as a page loaded into the
 * frame the hand just freed would, so it is the last one the hand reaches; it starts with its bit
 * clear. `update` (a `set` of an existing key) counts as a use.
 *
 * A sweep clears at most one bit per earlier use, so `victim` is amortised O(1); every other
 * operation is O(1). Holds no history: `needsHash` is false.
 */
export class ClockPolicy implements EvictionPolicy {
  readonly name = 'clock';
  readonly needsHash = false;
  /** The circle, in hand order: `next` is the hand's direction, the tail wraps to the head. */
  #ring = new LinkedSlots(0);
  /** slot -> reference bit */
  #referenced = new Uint8Array(0);
  /** The slot under the hand, or -1 for the head of the ring. */
  #hand = -1;

  resize(capacity: number): void {
    this.#ring.grow(capacity);
    this.#referenced = growArray(this.#referenced, capacity);
  }

  insert(slot: number): void {
    this.#referenced[slot] = 0;
    const hand = this.#hand;
    // just behind the hand; behind the head of the ring is its tail
    if (hand === -1 || hand === this.#ring.head) this.#ring.push(slot);
    else this.#ring.insertBefore(slot, hand);
  }

  access(slot: number): void {
    this.#referenced[slot] = 1;
  }

  update(slot: number): void {
    this.#referenced[slot] = 1;
  }

  remove(slot: number): void {
    if (slot === this.#hand) this.#hand = this.#ring.next[slot]!;
    this.#ring.unlink(slot);
  }

  victim(): number {
    const ring = this.#ring;
    if (ring.length === 0) return -1;
    const referenced = this.#referenced;
    const next = ring.next;
    let s = this.#hand === -1 ? ring.head : this.#hand;
    while (referenced[s] === 1) {
      referenced[s] = 0;
      const n = next[s]!;
      s = n === -1 ? ring.head : n;
    }
    this.#hand = s;
    return s;
  }

  /**
   * Every slot once, in the reverse of the order the hand would evict them if no entry were used
   * again: the next victim last.
   */
  *slots(): IterableIterator<number> {
    const ring = this.#ring;
    const n = ring.length;
    if (n === 0) return;
    let s = this.#nextVictim();
    for (let i = 0; i < n; i++) {
      const p = ring.prev[s]!;
      s = p === -1 ? ring.tail : p;
      yield s;
    }
  }

  clear(): void {
    this.#ring.clear();
    this.#referenced.fill(0);
    this.#hand = -1;
  }

  /** The number of live entries (no history is kept). For the contract suite. */
  debugSize(): number {
    return this.#ring.length;
  }

  /** Bytes held by this policy's typed arrays. For the contract suite. */
  debugBytes(): number {
    return this.#ring.next.byteLength + this.#ring.prev.byteLength + this.#referenced.byteLength;
  }

  /** What `victim()` would return, without moving the hand or clearing bits. */
  #nextVictim(): number {
    const ring = this.#ring;
    const start = this.#hand === -1 ? ring.head : this.#hand;
    let s = start;
    do {
      if (this.#referenced[s] === 0) return s;
      const n = ring.next[s]!;
      s = n === -1 ? ring.head : n;
    } while (s !== start);
    return start;
  }
}
