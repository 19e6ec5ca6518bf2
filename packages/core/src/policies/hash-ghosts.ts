import { growArray } from './grow-array.js';

/**
 * A bounded store of key hashes ("ghosts") for policies that remember entries after they left: 2Q's
 * A1out, ARC's B1 and B2, S3-FIFO's ghost queue, LRU-K's retained history.
 *
 * Each ghost is a node in a fixed pool; nodes are threaded on up to a few FIFO lists (oldest at the
 * head) through typed arrays, and found by hash through an open-addressing table (linear probing,
 * Fibonacci hashing, backward-shift deletion, load at most one half). Every operation is O(1)
 * (expected, for the table) and allocates nothing; memory is fixed by the capacity, whatever the key
 * churn. When the pool is full, {@link HashGhosts.add} drops the oldest ghost of the list it appends
 * to (FIFO replacement), or of the longest list when that one is empty.
 *
 * Two keys whose 32-bit hashes collide share one ghost. Ghosts are hints, so a rare false hit only
 * costs a slightly different placement.
 *
 * Node indices are stable while a ghost lives, so a policy can keep a payload per ghost in its own
 * typed array of {@link HashGhosts.capacity} elements (LRU-K keeps reference times there).
 */
export class HashGhosts {
  #capacity = 0;
  /** node -> key hash */
  #hash = new Int32Array(0);
  /** node -> newer node in its list, or -1; for free nodes, the next free node */
  #next = new Int32Array(0);
  /** node -> older node in its list, or -1 */
  #prev = new Int32Array(0);
  /** node -> list it belongs to */
  #list = new Uint8Array(0);
  /** open-addressing table of node indices, -1 when empty */
  #table = new Int32Array(0);
  #mask = 0;
  #shift = 32;
  #free = -1;
  #size = 0;
  readonly #heads: Int32Array;
  readonly #tails: Int32Array;
  readonly #lengths: Int32Array;

  /**
   * @param lists - how many FIFO lists share the pool (at most 255)
   * @param capacity - how many ghosts the pool holds at most
   */
  constructor(lists: number, capacity = 0) {
    this.#heads = new Int32Array(lists).fill(-1);
    this.#tails = new Int32Array(lists).fill(-1);
    this.#lengths = new Int32Array(lists);
    this.grow(capacity);
  }

  /** The most ghosts the pool holds; node indices are in `[0, capacity)`. */
  get capacity(): number {
    return this.#capacity;
  }

  /** The number of ghosts, over all lists. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held by the typed arrays of the pool and table. */
  get byteLength(): number {
    return (
      this.#hash.byteLength +
      this.#next.byteLength +
      this.#prev.byteLength +
      this.#list.byteLength +
      this.#table.byteLength +
      this.#heads.byteLength * 3
    );
  }

  /** The number of ghosts on `list`. */
  length(list: number): number {
    return this.#lengths[list]!;
  }

  /** The node holding `hash`, or -1. */
  find(hash: number): number {
    const table = this.#table;
    if (table.length === 0) return -1;
    const hashes = this.#hash;
    const mask = this.#mask;
    for (let i = this.#home(hash); ; i = (i + 1) & mask) {
      const node = table[i]!;
      if (node === -1 || hashes[node] === hash) return node;
    }
  }

  /** The list that `node` (a live ghost) is on. */
  listOf(node: number): number {
    return this.#list[node]!;
  }

  /**
   * Remember `hash` as the newest ghost of `list` (moving it there if it is already a ghost), dropping
   * the oldest ghost when the pool is full. Returns its node, or -1 when the capacity is zero.
   */
  add(list: number, hash: number): number {
    if (this.#capacity === 0) return -1;
    const existing = this.find(hash);
    if (existing !== -1) this.delete(existing);
    if (this.#free === -1) this.shift(this.#lengths[list]! > 0 ? list : this.#longest());
    const node = this.#free;
    this.#free = this.#next[node]!;
    this.#hash[node] = hash;
    this.#list[node] = list;
    const tail = this.#tails[list]!;
    this.#prev[node] = tail;
    this.#next[node] = -1;
    if (tail === -1) this.#heads[list] = node;
    else this.#next[tail] = node;
    this.#tails[list] = node;
    this.#lengths[list]!++;
    this.#size++;
    this.#tableInsert(node);
    return node;
  }

  /** Forget the ghost in `node`. */
  delete(node: number): void {
    this.#tableDelete(node);
    const list = this.#list[node]!;
    const prev = this.#prev[node]!;
    const next = this.#next[node]!;
    if (prev === -1) this.#heads[list] = next;
    else this.#next[prev] = next;
    if (next === -1) this.#tails[list] = prev;
    else this.#prev[next] = prev;
    this.#lengths[list]!--;
    this.#size--;
    this.#next[node] = this.#free;
    this.#free = node;
  }

  /** Forget the oldest ghost of `list`; false when the list is empty. */
  shift(list: number): boolean {
    const head = this.#heads[list]!;
    if (head === -1) return false;
    this.delete(head);
    return true;
  }

  /** Hold up to `capacity` ghosts (never shrinks; live nodes keep their indices). O(capacity). */
  grow(capacity: number): void {
    if (capacity <= this.#capacity) return;
    const old = this.#capacity;
    this.#hash = growArray(this.#hash, capacity);
    this.#next = growArray(this.#next, capacity);
    this.#prev = growArray(this.#prev, capacity);
    this.#list = growArray(this.#list, capacity);
    // the new nodes go in front of the free list, lowest index first
    for (let node = capacity - 1; node >= old; node--) {
      this.#next[node] = this.#free;
      this.#free = node;
    }
    this.#capacity = capacity;
    let bits = 1;
    while (1 << bits < capacity * 2) bits++;
    this.#table = new Int32Array(1 << bits).fill(-1);
    this.#mask = (1 << bits) - 1;
    this.#shift = 32 - bits;
    for (let list = 0; list < this.#heads.length; list++) {
      for (let node = this.#heads[list]!; node !== -1; node = this.#next[node]!) this.#tableInsert(node);
    }
  }

  /** Forget every ghost. O(capacity). */
  clear(): void {
    this.#table.fill(-1);
    this.#heads.fill(-1);
    this.#tails.fill(-1);
    this.#lengths.fill(0);
    this.#size = 0;
    this.#free = -1;
    for (let node = this.#capacity - 1; node >= 0; node--) {
      this.#next[node] = this.#free;
      this.#free = node;
    }
  }

  #home(hash: number): number {
    // Fibonacci hashing: the top bits of the product are well mixed even for weak hashes
    return Math.imul(hash, 0x9e3779b1) >>> this.#shift;
  }

  #longest(): number {
    let best = 0;
    for (let list = 1; list < this.#lengths.length; list++) {
      if (this.#lengths[list]! > this.#lengths[best]!) best = list;
    }
    return best;
  }

  #tableInsert(node: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let i = this.#home(this.#hash[node]!);
    while (table[i] !== -1) i = (i + 1) & mask;
    table[i] = node;
  }

  #tableDelete(node: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let i = this.#home(this.#hash[node]!);
    while (table[i] !== node) i = (i + 1) & mask;
    // backward-shift deletion: pull later members of the probe run into the hole, so lookups never
    // need tombstones and the table never fills with them under churn
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const other = table[j]!;
      if (other === -1) break;
      const home = this.#home(this.#hash[other]!);
      const movable = i <= j ? home <= i || home > j : home <= i && home > j;
      if (movable) {
        table[i] = other;
        i = j;
      }
    }
    table[i] = -1;
  }
}
