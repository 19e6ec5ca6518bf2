import { hashKey } from '../../src/cache/hash-key.js';
import type { EvictionPolicy } from '../../src/policies/eviction-policy.js';

/**
 * A tiny cache for policy unit tests: maps string keys to slots and drives an {@link EvictionPolicy}
 * the way `Cache` does (victim, then remove, then insert into the freed slot), without values, TTLs
 * or events. `capacity` slots are preallocated; `maxEntries` is what `resize` is told.
 */
export class Driver {
  readonly policy: EvictionPolicy;
  readonly max: number;
  /** Keys evicted so far, in order. */
  readonly evicted: string[] = [];
  readonly #slots = new Map<string, number>();
  #keys: (string | undefined)[];
  #free: number[] = [];
  #maxEntries: number;

  constructor(policy: EvictionPolicy, max: number, options: { capacity?: number; maxEntries?: number } = {}) {
    this.policy = policy;
    this.max = max;
    const capacity = options.capacity ?? max;
    this.#keys = new Array<string | undefined>(capacity).fill(undefined);
    for (let s = capacity - 1; s >= 0; s--) this.#free.push(s);
    this.#maxEntries = options.maxEntries ?? max;
    policy.resize(capacity, this.#maxEntries);
  }

  get size(): number {
    return this.#slots.size;
  }

  has(key: string): boolean {
    return this.#slots.has(key);
  }

  slotOf(key: string): number {
    const slot = this.#slots.get(key);
    if (slot === undefined) throw new Error(`${key} is not cached`);
    return slot;
  }

  /** Read `key`: a hit calls `access`, a miss inserts it (evicting first when full). True on a hit. */
  get(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot !== undefined) {
      this.policy.access(slot);
      return true;
    }
    this.#insert(key);
    return false;
  }

  /** Write `key`: `update` when present, else insert (evicting first when full). */
  set(key: string): void {
    const slot = this.#slots.get(key);
    if (slot !== undefined) this.policy.update(slot);
    else this.#insert(key);
  }

  /** Set each key in turn. */
  setAll(...keys: string[]): void {
    for (const key of keys) this.set(key);
  }

  delete(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.policy.remove(slot, 'delete');
    this.#forget(key, slot);
    return true;
  }

  /** Evict one entry as the cache does; returns its key. */
  evict(): string {
    const slot = this.policy.victim();
    if (slot === -1) throw new Error('victim() returned -1 on a non-empty policy');
    const key = this.#keys[slot];
    if (key === undefined) throw new Error(`victim() returned ${slot}, which is not live`);
    this.policy.remove(slot, 'evict');
    this.#forget(key, slot);
    this.evicted.push(key);
    return key;
  }

  /** Grow to `capacity` slots, as the cache does when it needs more. */
  grow(capacity: number): void {
    const old = this.#keys.length;
    for (let s = capacity - 1; s >= old; s--) this.#free.push(s);
    this.#keys.length = capacity;
    this.#keys.fill(undefined, old);
    this.policy.resize(capacity, this.#maxEntries);
  }

  /** Keys in `slots()` order: kept longest first, next victim last. */
  order(): string[] {
    return [...this.policy.slots()].map((slot) => this.#keys[slot] ?? `?${slot}`);
  }

  clear(): void {
    this.policy.clear();
    for (const slot of this.#slots.values()) {
      this.#keys[slot] = undefined;
      this.#free.push(slot);
    }
    this.#slots.clear();
  }

  #insert(key: string): void {
    if (this.#slots.size >= this.max) this.evict();
    const slot = this.#free.pop();
    if (slot === undefined) throw new Error('no free slot: grow the driver');
    this.#keys[slot] = key;
    this.#slots.set(key, slot);
    this.policy.insert(slot, this.policy.needsHash ? hashKey(key) : 0);
  }

  #forget(key: string, slot: number): void {
    this.#slots.delete(key);
    this.#keys[slot] = undefined;
    this.#free.push(slot);
  }
}

/** `['k0', 'k1', ...]` */
export function keys(prefix: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
}
