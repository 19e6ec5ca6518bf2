import type { EvictionPolicy } from './eviction-policy.js';
import { growArray } from './grow-array.js';
import { LinkedSlots } from './linked-slots.js';

/**
 * SIEVE (Y. Zhang, J. Yang, Y. Yue, Y. Vigfusson and K. V. Rashmi, "SIEVE is Simpler than LRU: an
 * Efficient Turn-Key Eviction Algorithm for Web Caches", NSDI 2024).
 *
 * One FIFO queue and a visited bit per entry. New entries join the new end with the bit clear; a use
 * only sets the bit (lazy promotion: nothing moves on a hit). The hand starts at the old end and moves
 * towards the new end: a visited entry loses its bit and stays where it is; the first unvisited entry
 * is the victim, and after its eviction the hand rests on the next newer entry. Past the new end the
 * hand wraps to the old end. Unlike CLOCK, survivors keep their position and new entries never go
 * behind the hand, so new, unused entries are sifted out quickly (quick demotion).
 *
 * `update` (a `set` of an existing key) counts as a use. `victim` clears at most one bit per earlier
 * use, so it is amortised O(1); all else is O(1). Holds no history: `needsHash` is false.
 */
export class SievePolicy implements EvictionPolicy {
  readonly name = 'sieve';
  readonly needsHash = false;
  /** The queue: head is the oldest entry, tail the newest; the hand moves along `next`. */
  #queue = new LinkedSlots(0);
  /** slot -> visited bit */
  #visited = new Uint8Array(0);
  /** The slot under the hand, or -1 for the oldest entry. */
  #hand = -1;

  resize(capacity: number): void {
    this.#queue.grow(capacity);
    this.#visited = growArray(this.#visited, capacity);
  }

  insert(slot: number): void {
    this.#visited[slot] = 0;
    this.#queue.push(slot);
  }

  access(slot: number): void {
    this.#visited[slot] = 1;
  }

  update(slot: number): void {
    this.#visited[slot] = 1;
  }

  remove(slot: number): void {
    // when the victim leaves, the hand moves on to the next newer entry (or wraps to the oldest)
    if (slot === this.#hand) this.#hand = this.#queue.next[slot]!;
    this.#queue.unlink(slot);
  }

  victim(): number {
    const queue = this.#queue;
    if (queue.length === 0) return -1;
    const visited = this.#visited;
    const next = queue.next;
    let s = this.#hand === -1 ? queue.head : this.#hand;
    while (visited[s] === 1) {
      visited[s] = 0;
      const n = next[s]!;
      s = n === -1 ? queue.head : n;
    }
    this.#hand = s;
    return s;
  }

  /**
   * Every slot once, in the reverse of the order the hand would evict them if no entry were used
   * again: the next victim last.
   */
  *slots(): IterableIterator<number> {
    const queue = this.#queue;
    const n = queue.length;
    if (n === 0) return;
    let s = this.#nextVictim();
    for (let i = 0; i < n; i++) {
      const p = queue.prev[s]!;
      s = p === -1 ? queue.tail : p;
      yield s;
    }
  }

  clear(): void {
    this.#queue.clear();
    this.#visited.fill(0);
    this.#hand = -1;
  }

  /** The number of live entries (no history is kept). For the contract suite. */
  debugSize(): number {
    return this.#queue.length;
  }

  /** Bytes held by this policy's typed arrays. For the contract suite. */
  debugBytes(): number {
    return this.#queue.next.byteLength + this.#queue.prev.byteLength + this.#visited.byteLength;
  }

  /** What `victim()` would return, without moving the hand or clearing bits. */
  #nextVictim(): number {
    const queue = this.#queue;
    const start = this.#hand === -1 ? queue.head : this.#hand;
    let s = start;
    do {
      if (this.#visited[s] === 0) return s;
      const n = queue.next[s]!;
      s = n === -1 ? queue.head : n;
    } while (s !== start);
    return start;
  }
}
