import type { EvictionPolicy } from './eviction-policy.js';
import { LinkedSlots } from './linked-slots.js';

/**
 * Least recently used: a read or an update moves the entry to the newest end; the victim is the
 * entry unused for longest. The default policy of `Cache`, with lru-cache's exact order.
 *
 * It is its own linked list (rather than holding one) so that a cache hit costs one call and no
 * extra indirection.
 */
export class LruPolicy extends LinkedSlots implements EvictionPolicy {
  readonly name = 'lru';
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
  access(slot: number): void {
    this.moveToTail(slot);
  }
  update(slot: number): void {
    this.moveToTail(slot);
  }
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
