import type { EvictionPolicy } from './eviction-policy.js';
import { LinkedSlots } from './linked-slots.js';

/**
 * First in, first out: entries leave in insertion order; reads and updates change nothing.
 * The cheapest policy, and a baseline for the others.
 */
export class FifoPolicy extends LinkedSlots implements EvictionPolicy {
  readonly name = 'fifo';
  readonly needsHash = false;

  constructor() {
    super(0);
  }
  resize(capacity: number): void {
    this.grow(capacity);
  }
  insert(slot: number): void {
    this.push(slot);
  }
  access(): void {}
  update(): void {}
  remove(slot: number): void {
    this.unlink(slot);
  }
  victim(): number {
    return this.head;
  }
  slots(): IterableIterator<number> {
    return this.newestFirst();
  }
}
