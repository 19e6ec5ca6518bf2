import type { EvictionPolicy } from './eviction-policy.js';
import { LinkedSlots } from './linked-slots.js';

/**
 * Least recently used: a read or an update moves the entry to the newest end; the victim is the
 * entry unused for longest. The default policy of `Cache`, with lru-cache's exact order.
 */
export class LruPolicy implements EvictionPolicy {
  readonly name = 'lru';
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
  access(slot: number): void {
    this.#list.moveToTail(slot);
  }
  update(slot: number): void {
    this.#list.moveToTail(slot);
  }
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
