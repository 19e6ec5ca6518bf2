import type { EvictionPolicy } from './eviction-policy.js';
import { LinkedSlots } from './linked-slots.js';

/**
 * First in, first out: entries leave in insertion order; reads and updates change nothing.
 * The cheapest policy, and a baseline for the others.
 */
export class FifoPolicy implements EvictionPolicy {
  readonly name = 'fifo';
  readonly needsHash = false;
  #list = new LinkedSlots(0);

  init(capacity: number): void {
    this.#list = new LinkedSlots(capacity);
  }
  resize(capacity: number): void {
    this.#list.grow(capacity);
  }
  insert(slot: number): void {
    this.#list.push(slot);
  }
  access(): void {}
  update(): void {}
  remove(slot: number): void {
    this.#list.unlink(slot);
  }
  victim(): number {
    return this.#list.head;
  }
  slots(): IterableIterator<number> {
    return this.#list.newestFirst();
  }
  clear(): void {
    this.#list.clear();
  }
}
