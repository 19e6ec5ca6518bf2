import { fmix32 } from '../internal/fmix32.js';

/**
 * Options of {@link FrequencySketch}.
 */
export interface FrequencySketchOptions {
  /**
   * Seed mixed into every key hash, so that a caller who does not know it cannot aim keys at the
   * same counters (hash flooding). Any 32-bit integer.
   * @default 0
   */
  seed?: number;
  /**
   * The counters are halved after `sampleFactor × capacity` increments (the TinyLFU "reset"
   * period, W in the paper). A positive integer.
   * @default 10
   */
  sampleFactor?: number;
}

/**
 * Counters per row, as a multiple of the capacity rounded up to a power of two. With 4 rows of
 * 4-bit counters this is 8 bytes per entry of capacity, the budget of Caffeine's sketch (one 64-bit
 * word of 16 counters per entry).
 */
const COUNTERS_PER_ENTRY = 4;
/** Rows (independent hash functions); the estimate is the minimum over them. Depth 4, as TinyLFU. */
const DEPTH = 4;
/** The smallest row, in counters, so that a tiny cache still gets a usable histogram. */
const MIN_ROW = 64;
/** A 4-bit counter saturates here; after a reset it holds at most 7. */
const MAX_COUNT = 15;
/** The default reset period as a multiple of the capacity (TinyLFU's W = 10 × C, as Caffeine). */
const DEFAULT_SAMPLE_FACTOR = 10;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * A count-min sketch of 4-bit counters that estimates how often each key was seen recently: the
 * frequency histogram of TinyLFU (Einziger, Friedman, Manes, "TinyLFU: A Highly Efficient Cache
 * Admission Policy", ACM Transactions on Storage 2017).
 *
 * - **Layout.** `DEPTH` (4) rows of `4 × nextPowerOfTwo(capacity)` counters, 8 counters packed in
 *   each word of one `Int32Array`: 8 bytes per entry of capacity, allocated once. A key's counter
 *   in row `i` is chosen by double hashing (`h1 + i × h2`, Kirsch and Mitzenmacher, "Less hashing,
 *   same performance"): `h1` is the key's hash mixed with the seed by murmur3's finaliser, so weak
 *   input hashes (small integers) are fine, and `h2` is `h1` rotated by 16 bits (made odd), whose
 *   low bits are `h1`'s independent high bits.
 * - **Estimate.** The minimum of the key's 4 counters: never below the true count of increments
 *   since the last reset (capped at 15), sometimes above it when keys share counters.
 * - **Aging ("reset").** After `sampleFactor × capacity` increments every counter is halved, so the
 *   histogram follows a changing workload and memory never grows. As in Caffeine, the count of
 *   increments is then corrected for the halves lost to truncation, and an increment that finds
 *   all four counters saturated does not count.
 * - **No doorkeeper.** TinyLFU's optional Bloom-filter doorkeeper trades counters for a filter; at
 *   8 bytes per entry Caffeine goes without it, and so does this sketch.
 *
 * Every operation is O(1) except the periodic halving, which is O(capacity) once per
 * `sampleFactor × capacity` increments: amortised O(1).
 */
export class FrequencySketch {
  #table: Int32Array = new Int32Array(0);
  /** Counters per row minus one (rows are powers of two). */
  #rowMask = 0;
  /** Words per row. */
  #rowWords = 0;
  #sampleSize = 0;
  #additions = 0;
  #capacity = 0;
  readonly #seed: number;
  readonly #sampleFactor: number;

  /**
   * @param capacity - The number of entries whose frequencies matter (the cache's maximum); the
   *   table is sized from it.
   */
  constructor(capacity: number, options: FrequencySketchOptions = {}) {
    this.#seed = fmix32((options.seed ?? 0) ^ 0x5bd1e995);
    this.#sampleFactor = options.sampleFactor ?? DEFAULT_SAMPLE_FACTOR;
    this.#allocate(capacity);
  }

  /** The capacity the table is sized for. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Increments between two halvings (`sampleFactor × capacity`). */
  get sampleSize(): number {
    return this.#sampleSize;
  }

  /** Increments counted since the last halving (corrected after each halving). */
  get additions(): number {
    return this.#additions;
  }

  /** Size of the counter table in bytes; fixed by the capacity, whatever the number of keys seen. */
  get byteLength(): number {
    return this.#table.byteLength;
  }

  /** Grow the table for a larger capacity. Growing forgets every count; shrinking is ignored. */
  ensureCapacity(capacity: number): void {
    if (capacity > this.#capacity) this.#allocate(capacity);
  }

  /** The estimated number of times `hash` was counted since it was last aged, in `[0, 15]`. */
  frequency(hash: number): number {
    const h1 = fmix32(hash ^ this.#seed);
    const h2 = (h1 >>> 16) | (h1 << 16) | 1;
    const table = this.#table;
    const mask = this.#rowMask;
    const rowWords = this.#rowWords;
    let min = MAX_COUNT;
    for (let i = 0, base = 0; i < DEPTH; i++, base += rowWords) {
      const index = (h1 + Math.imul(i, h2)) & mask;
      const count = (table[base + (index >>> 3)]! >>> ((index & 7) << 2)) & 0xf;
      if (count < min) min = count;
    }
    return min;
  }

  /**
   * Count one occurrence of `hash`. Each of its 4 counters below 15 is incremented; when that
   * completes a sample period, every counter is halved.
   */
  increment(hash: number): void {
    const h1 = fmix32(hash ^ this.#seed);
    const h2 = (h1 >>> 16) | (h1 << 16) | 1;
    const table = this.#table;
    const mask = this.#rowMask;
    const rowWords = this.#rowWords;
    let added = false;
    for (let i = 0, base = 0; i < DEPTH; i++, base += rowWords) {
      const index = (h1 + Math.imul(i, h2)) & mask;
      const word = base + (index >>> 3);
      const shift = (index & 7) << 2;
      if (((table[word]! >>> shift) & 0xf) < MAX_COUNT) {
        table[word] = table[word]! + (1 << shift);
        added = true;
      }
    }
    // A key whose counters are all saturated does not advance the aging clock (as in Caffeine):
    // only information that was recorded has to be aged.
    if (added && ++this.#additions >= this.#sampleSize) this.reset();
  }

  /** Halve every counter (the TinyLFU reset). Called automatically; public for tests. */
  reset(): void {
    const table = this.#table;
    let odd = 0;
    for (let i = 0; i < table.length; i++) {
      const word = table[i]!;
      // Multiplying the low bit of each nibble by 0x11111111 sums them into the top nibble (<= 8).
      odd += Math.imul(word & 0x11111111, 0x11111111) >>> 28;
      table[i] = (word >>> 1) & 0x77777777;
    }
    // Each odd counter lost half an increment; each increment touched DEPTH counters.
    this.#additions = Math.max(0, (this.#additions - odd / DEPTH) / 2) | 0;
  }

  /** Forget every count. */
  clear(): void {
    this.#table.fill(0);
    this.#additions = 0;
  }

  #allocate(capacity: number): void {
    const cap = Math.max(1, Math.floor(capacity));
    const row = Math.max(MIN_ROW, nextPowerOfTwo(cap) * COUNTERS_PER_ENTRY);
    this.#capacity = cap;
    this.#rowMask = row - 1;
    this.#rowWords = row >>> 3;
    this.#table = new Int32Array(this.#rowWords * DEPTH);
    this.#sampleSize = this.#sampleFactor * cap;
    this.#additions = 0;
  }
}
