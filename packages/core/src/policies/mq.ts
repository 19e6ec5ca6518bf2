import { ConfigError } from '../errors.js';
import type { EvictionPolicy, RemovalReason } from './eviction-policy.js';
import { growArray } from './grow-array.js';
import { HashGhosts } from './hash-ghosts.js';
import { LinkedSlots } from './linked-slots.js';

/** Options of {@link MqPolicy}. */
export interface MqOptions {
  /**
   * The number of LRU queues `m`; an entry used `f` times lives in queue `min(⌊log2 f⌋, m - 1)`.
   * An integer from 1 to 32.
   * @default 8 (the paper's)
   */
  queues?: number;
  /**
   * How long an entry may sit unused at the head of its queue before it is demoted one queue, as a
   * multiple of the capacity, in requests (the paper's `lifeTime`, in its logical time of one tick
   * per request). Above 0.
   * @default 1
   */
  lifetime?: number;
  /**
   * The size of the `Qout` history of evicted keys and their use counts, as a multiple of the
   * capacity. From 0 to 3 (with the live entries, at most four records per slot, the bound of the
   * policy contract).
   * @default 3
   */
  history?: number;
}

/**
 * Multi-Queue (Zhou, Philbin and Li, "The Multi-Queue Replacement Algorithm for Second Level Buffer
 * Caches", USENIX ATC 2001): `m` LRU queues `Q0 … Qm-1` ordered by use count, so that an entry used
 * `f` times lives in `Q⌊log2 f⌋` (capped at the last), plus `Qout`, a FIFO history of evicted keys
 * with their use counts.
 *
 * - A use (a hit, or a `set` of an existing key) adds one to the count and moves the entry to the
 *   newest end of the queue its count now selects, with a new expiry time `now + lifetime`.
 * - A new entry whose key is in `Qout` resumes its old count (plus this use); any other starts at 1.
 * - On every request the head of each queue `Q1 …` whose expiry time passed is demoted to the newest
 *   end of the queue below, with a new expiry time: an entry that stops being used drifts down.
 * - The victim is the head (least recently used) of the lowest non-empty queue; its key and count
 *   join `Qout`, whose oldest record goes when it is full. A deletion or expiry leaves no record.
 *
 * Time is logical: one tick per request (`insert`, `access`, `update`). Every operation is O(m);
 * the history is bounded by `history × capacity` records.
 */
export class MqPolicy implements EvictionPolicy {
  readonly name = 'mq';
  readonly needsHash = true;
  readonly #m: number;
  readonly #lifetimeFactor: number;
  readonly #historyFactor: number;
  #lifetime = 1;
  #time = 0;
  #links = new LinkedSlots(0);
  readonly #queues: LinkedSlots[];
  /** slot -> its queue */
  #queueOf = new Uint8Array(0);
  /** slot -> use count */
  #count = new Float64Array(0);
  /** slot -> logical time after which it is demoted */
  #expires = new Float64Array(0);
  /** slot -> key hash */
  #hash = new Int32Array(0);
  #out = new HashGhosts(1);
  /** node of Qout -> the use count of the evicted key */
  #outCount = new Float64Array(0);
  #size = 0;

  constructor(options: MqOptions = {}) {
    if (typeof options !== 'object' || options === null)
      throw new ConfigError('options', options, 'an object');
    const { queues = 8, lifetime = 1, history = 3 } = options;
    if (typeof queues !== 'number' || !Number.isInteger(queues) || queues < 1 || queues > 32) {
      throw new ConfigError('queues', queues, 'an integer from 1 to 32');
    }
    if (typeof lifetime !== 'number' || !(lifetime > 0) || !Number.isFinite(lifetime)) {
      throw new ConfigError('lifetime', lifetime, 'a number above 0 (a multiple of the capacity)');
    }
    if (typeof history !== 'number' || !(history >= 0 && history <= 3)) {
      throw new ConfigError('history', history, 'a number from 0 to 3 (a multiple of the capacity)');
    }
    this.#m = queues;
    this.#lifetimeFactor = lifetime;
    this.#historyFactor = history;
    this.#queues = Array.from({ length: queues }, () => LinkedSlots.sharing(this.#links));
  }

  resize(capacity: number, maxEntries: number): void {
    this.#links.grow(capacity);
    for (const queue of this.#queues) queue.adopt(this.#links);
    this.#queueOf = growArray(this.#queueOf, capacity);
    this.#count = growArray(this.#count, capacity);
    this.#expires = growArray(this.#expires, capacity);
    this.#hash = growArray(this.#hash, capacity);
    const basis = maxEntries > 0 ? Math.min(maxEntries, capacity) : capacity;
    this.#lifetime = Math.max(1, Math.round(this.#lifetimeFactor * basis));
    this.#out.grow(Math.ceil(this.#historyFactor * basis));
    this.#outCount = growArray(this.#outCount, this.#out.capacity);
  }

  insert(slot: number, hash: number): void {
    this.#hash[slot] = hash;
    let count = 1;
    const node = this.#out.find(hash);
    if (node !== -1) {
      count += this.#outCount[node]!;
      this.#out.delete(node);
    }
    this.#count[slot] = count;
    this.#place(slot, this.#queueFor(count));
    this.#size++;
    this.#adjust();
  }

  access(slot: number): void {
    const count = this.#count[slot]! + 1;
    this.#count[slot] = count;
    this.#queues[this.#queueOf[slot]!]!.unlink(slot);
    this.#place(slot, this.#queueFor(count));
    this.#adjust();
  }

  update(slot: number): void {
    this.access(slot);
  }

  remove(slot: number, reason: RemovalReason): void {
    this.#queues[this.#queueOf[slot]!]!.unlink(slot);
    this.#size--;
    if (reason !== 'evict') return;
    const node = this.#out.add(0, this.#hash[slot]!);
    if (node !== -1) this.#outCount[node] = this.#count[slot]!;
  }

  victim(): number {
    for (const queue of this.#queues) if (queue.length !== 0) return queue.head;
    return -1;
  }

  /** The highest queue first, most recently used first within a queue; the victim last. */
  *slots(): IterableIterator<number> {
    for (let q = this.#m - 1; q >= 0; q--) yield* this.#queues[q]!.newestFirst();
  }

  clear(): void {
    for (const queue of this.#queues) queue.clear();
    this.#out.clear();
    this.#time = 0;
    this.#size = 0;
  }

  /** The queue of the entry in `slot` (tests, simulator); meaningful only while it is live. */
  queueOf(slot: number): number {
    return this.#queueOf[slot]!;
  }

  /** Keys remembered in `Qout` (tests, simulator). */
  get history(): number {
    return this.#out.size;
  }

  /** Live entries plus the records of `Qout`. For the contract suite. */
  debugSize(): number {
    return this.#size + this.#out.size;
  }

  /** Bytes held by this policy's typed arrays. For the contract suite. */
  debugBytes(): number {
    return (
      this.#links.next.byteLength +
      this.#links.prev.byteLength +
      this.#queueOf.byteLength +
      this.#count.byteLength +
      this.#expires.byteLength +
      this.#hash.byteLength +
      this.#out.byteLength +
      this.#outCount.byteLength
    );
  }

  #queueFor(count: number): number {
    // ⌊log2 count⌋ for count >= 1: 31 - leading zeros (counts past 2^31 sit in the top queue anyway)
    const q = count >= 0x80000000 ? 31 : 31 - Math.clz32(count);
    return q < this.#m ? q : this.#m - 1;
  }

  #place(slot: number, queue: number): void {
    this.#queueOf[slot] = queue;
    this.#queues[queue]!.push(slot);
    this.#expires[slot] = this.#time + this.#lifetime;
  }

  /** One tick of logical time; demote each queue's head whose time is up (the paper's `Adjust`). */
  #adjust(): void {
    const now = ++this.#time;
    const queues = this.#queues;
    for (let q = 1; q < this.#m; q++) {
      const head = queues[q]!.head;
      if (head !== -1 && this.#expires[head]! < now) {
        queues[q]!.unlink(head);
        this.#place(head, q - 1);
      }
    }
  }
}
