import { ConfigError } from '../errors.js';
import type { EvictionPolicy } from './eviction-policy.js';
import { FrequencySketch } from './frequency-sketch.js';
import { LinkedSlots } from './linked-slots.js';
import { LruPolicy } from './lru.js';

/** Options of {@link WTinyLfuPolicy}. */
export interface WTinyLfuOptions {
  /**
   * The admission window's share of the capacity at start, in percent, in `(0, 100]`. With
   * `adaptive` the window moves from there as the workload demands.
   * @default 1
   */
  windowPercent?: number;
  /**
   * Seed of the sketch's hashing, of the admission jitter and of the key sampling. Two policies
   * with the same seed, fed the same operations, make the same decisions. Without one, each
   * instance draws a random seed, so that nobody can aim keys at its counters. A safe integer;
   * its low 32 bits are used.
   * @default random
   */
  seed?: number;
  /**
   * Whether the window is resized as the workload shifts between recency and frequency (hill
   * climber plus an LRU reference). When false the window keeps `windowPercent`.
   * @default true
   */
  adaptive?: boolean;
}

// Segment tags, one per slot.
const NONE = 0;
const WINDOW = 1;
const PROBATION = 2;
const PROTECTED = 3;

/** Initial window share: 1% of the capacity, W-TinyLFU(1%) of the TinyLFU paper and Caffeine. */
const DEFAULT_WINDOW = 0.01;
/**
 * The adaptive window stays within [1%, 99%] of the capacity (or the initial share, if outside).
 * Below 1% the window is too small to absorb bursts of new keys (the TinyLFU paper's reason for
 * W-TinyLFU(1%); measured on the evaluation grid, a fixed window of 0.01-0.25% loses about a point
 * of mean hit ratio to 1%, and an adaptive window allowed down to 0 lost a point on multi2);
 * above 99% main would vanish and the policy would become exactly its LRU reference, which would
 * leave the comparison with no signal to come back down with (measured: stuck at LRU after a
 * recency burst followed by a Zipf workload).
 */
const MIN_WINDOW = 0.01;
const MAX_WINDOW = 0.99;
/** Protected segment's share of the main region: 80%, as Caffeine (`percent-main-protected`). */
const PROTECTED_SHARE = 0.8;
/**
 * A candidate that loses on frequency is still admitted with probability 1/128 once its estimate
 * reaches 6 (Caffeine's defence against hash flooding: an attacker cannot pin a hot victim by making
 * every candidate collide with it; counters age to at most 7, so 6 means "warm").
 */
const JITTER_MIN_FREQUENCY = 6;
const JITTER_MASK = 127;

// Hill climber: Caffeine's "simple" climber (Einziger, Eytan, Friedman, Manes, "Adaptive Software
// Cache Management", Middleware 2018; the defaults of Caffeine's simulator).
/** Initial step, as a share of the capacity (`percent-pivot` 0.0625). */
const STEP = 0.0625;
/** Each step is this factor of the previous one, so the window settles (`step-decay-rate`). */
const STEP_DECAY = 0.98;
/** A change of hit ratio this large means the workload changed: restart at the full step. */
const RESTART_THRESHOLD = 0.05;
/** Sample period as a multiple of the capacity (`percent-sample` 10, the sketch's reset period). */
const SAMPLE_FACTOR = 10;

// LRU reference: a miniature simulation (Waldspurger et al., "Cache Modeling and Optimization
// using Miniature Simulations", USENIX ATC 2017) of LRU on a spatially sampled subset of the keys
// (SHARDS, Waldspurger et al., FAST 2015), compared request by request with this policy.
/**
 * Entries of the miniature LRU: keys are sampled at rate `min(1, SHADOW_SIZE / capacity)`, so a
 * cache of up to 1024 entries is compared with an exact LRU and a larger one with a scaled-down LRU
 * of 1024 entries (SHARDS' fixed-size variant). Measured: 128-512 entries let sampling noise move
 * the window on sprite and zigzag; 1024 does not, and costs at most about 30 KB.
 */
const SHADOW_SIZE = 1024;
/**
 * A side leads when McNemar's sign test on the discordant requests (hit for one, miss for the
 * other) puts it `GUARD_Z` = 3 standard deviations ahead (a false alarm about once in 700 looks),
 * by at least `GUARD_MIN` requests, and by at least `GUARD_EFFECT` = half a point of the sampled
 * requests, so that the small systematic error of a scaled-down miniature cannot move the window.
 * The counts restart whenever the window moves and every sample period.
 */
const GUARD_Z = 3;
const GUARD_MIN = 8;
const GUARD_EFFECT = 0.005;
/**
 * When LRU leads, the window grows by this share of the capacity (the climber's initial step);
 * when this policy leads, it shrinks by this share of its own size, so a large window comes down
 * fast and a small one (where frequency already rules) is left to the climber.
 */
const GUARD_STEP = 0.0625;

/**
 * Hits buffered between writes before further ones are dropped (Caffeine's read buffer holds 16 per
 * stripe; one stripe here, and larger, since nothing drains it but the cache's own writes).
 */
const READ_BUFFER = 128;

/**
 * Window TinyLFU: a small LRU admission window in front of a segmented LRU main region, with a
 * TinyLFU frequency sketch deciding which entries are admitted to main, and an adaptive window
 * (Einziger, Friedman, Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ACM ToS 2017;
 * Einziger, Eytan, Friedman, Manes, "Adaptive Software Cache Management", Middleware 2018; the
 * design of Caffeine).
 *
 * **Regions.** A new entry enters the **window** (LRU). When the window is full, its oldest entry
 * is the *candidate* for the main region and the oldest entry of main's **probation** segment is
 * the *victim*: the one whose key the {@link FrequencySketch} has seen more often stays, the other
 * leaves the cache (ties keep the victim; a warm candidate, estimate 6 or more, wins a lost contest
 * with probability 1/128 against hash flooding). A read of a probation entry promotes it to the
 * **protected** segment (80% of main), whose overflow is demoted back to probation. The sketch
 * counts every read, update and insertion (a miss is an access of the key) and halves its counters
 * every 10 × capacity increments, so popularity ages.
 *
 * **Adaptive window** (`adaptive`, the default). Two mechanisms size the window between 1% and
 * 99% of the capacity, both counting only once the cache has been full:
 * - *Hill climber* (Caffeine's): every 10 × capacity requests (hits are `access`, misses are
 *   `insert`) it compares the period's hit ratio with the previous period's and moves the window by
 *   a step in the same direction if it did not drop, in the other direction if it did; the step
 *   starts at 6.25% of the capacity, decays by 2% a period, and restarts when the hit ratio jumps
 *   by 5 points; a period without a single hit (a scan, say) tells nothing and moves nothing. It
 *   finds interior optima, slowly.
 * - *LRU reference*: a miniature LRU replays a hash-sampled subset of the requests, and each sampled
 *   request that one side hits and the other misses is counted. When LRU leads significantly
 *   (recency wins: the window is too small) the window grows by 6.25% of the capacity at once; when
 *   this policy leads significantly (frequency wins) the window shrinks by 6.25% of its own size.
 *   This reacts within a few dozen requests to workloads that a small window cannot serve (pure
 *   recency, such as a ledger that writes then reads back), and brings the window down again when
 *   they end, where the climber alone would need hundreds of thousands of requests. Each such move
 *   restarts the climber's period, with its step pointing the same way.
 *
 * One cost is inherent to starting frequency-first: on a trace whose first repetition favours
 * recency (a zig-zag), the entries that LRU would hit on that first repetition were refused before
 * any evidence existed, so about one cache-full of hits is lost once.
 *
 * **Contract.** The cache calls {@link WTinyLfuPolicy.victim} before it inserts the new entry, so
 * the contest happens there: the window's oldest entry competes as if the new entry had already
 * pushed it out. Every operation is O(1) or amortised O(1) (resizing the window moves at most the
 * change in its size, once per step); all per-entry state lives in typed arrays indexed by slot.
 * History is bounded: the sketch takes 8 bytes per entry of capacity, the LRU reference at most
 * 1024 entries of about 30 bytes each.
 */
export class WTinyLfuPolicy implements EvictionPolicy {
  readonly name = 'w-tinylfu';
  readonly needsHash = true;

  readonly #initialWindow: number;
  readonly #minWindow: number;
  readonly #maxWindow: number;
  readonly #adaptive: boolean;
  readonly #seed: number;

  #links = new LinkedSlots(0);
  #window = LinkedSlots.sharing(this.#links);
  #probation = LinkedSlots.sharing(this.#links);
  #protected = LinkedSlots.sharing(this.#links);
  #segment = new Uint8Array(0);
  readonly #readBuffer = new Int32Array(READ_BUFFER);
  #reads = 0;
  #hashes = new Int32Array(0);
  #sketch: FrequencySketch;
  #maxEntries = 0;
  #size = 0;
  #random = 1;
  /** The slot victim() returned last: its removal is an eviction, any other removal a deletion. */
  #pendingVictim = -1;

  /** The window's target share of the maximum. */
  #windowShare: number;
  /** Whether the cache has been full once: from then on the window's size matters. */
  #full = false;
  /** Signed step of the climber, as a share of the maximum. */
  #step = STEP;
  #previousHitRate = Number.NaN;
  #periodRequests = 0;
  #periodHits = 0;
  /** Sampled requests that only the LRU reference hit, since the window last moved. */
  #lruOnly = 0;
  /** Sampled requests that only this policy hit, since the window last moved. */
  #ownOnly = 0;
  #sampled = 0;
  /** Keys whose mixed hash is below this are sampled (`2^32` samples all). */
  #sampleThreshold = 0;
  #reference: ShadowCache | null = null;

  constructor(options: WTinyLfuOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigError('options', options, 'an object');
    }
    const { windowPercent = DEFAULT_WINDOW * 100, seed, adaptive = true } = options;
    if (typeof windowPercent !== 'number' || !(windowPercent > 0 && windowPercent <= 100)) {
      throw new ConfigError('windowPercent', windowPercent, 'a number of percent in (0, 100]');
    }
    if (seed !== undefined && !Number.isSafeInteger(seed)) {
      throw new ConfigError('seed', seed, 'a safe integer');
    }
    if (typeof adaptive !== 'boolean') {
      throw new ConfigError('adaptive', adaptive, 'a boolean');
    }
    this.#initialWindow = windowPercent / 100;
    this.#minWindow = Math.min(MIN_WINDOW, this.#initialWindow);
    this.#maxWindow = Math.max(MAX_WINDOW, this.#initialWindow);
    this.#windowShare = this.#initialWindow;
    this.#adaptive = adaptive;
    this.#seed = seed === undefined ? (Math.random() * 0x100000000) | 0 : seed | 0;
    this.#sketch = new FrequencySketch(0, { seed: this.#seed });
  }

  /** The window's current target share of the capacity, in `[0, 1]`. */
  get windowShare(): number {
    return this.#windowShare;
  }

  init(capacity: number, maxEntries: number): void {
    this.#maxEntries = maxEntries;
    this.#links = new LinkedSlots(capacity);
    this.#window = LinkedSlots.sharing(this.#links);
    this.#probation = LinkedSlots.sharing(this.#links);
    this.#protected = LinkedSlots.sharing(this.#links);
    this.#segment = new Uint8Array(capacity);
    this.#hashes = new Int32Array(capacity);
    const basis = maxEntries > 0 ? maxEntries : capacity;
    this.#sketch = new FrequencySketch(basis, { seed: this.#seed });
    this.#allocateReference(basis);
    this.#reset();
  }

  resize(capacity: number): void {
    if (capacity <= this.#segment.length) return;
    this.#links.grow(capacity);
    this.#window.adopt(this.#links);
    this.#probation.adopt(this.#links);
    this.#protected.adopt(this.#links);
    const segment = new Uint8Array(capacity);
    segment.set(this.#segment);
    this.#segment = segment;
    const hashes = new Int32Array(capacity);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
    if (this.#maxEntries === 0) {
      // Bounded by size only: the slot count is the best guess of how many entries fit.
      this.#sketch.ensureCapacity(capacity);
      this.#allocateReference(capacity);
    }
  }

  insert(slot: number, hash: number): void {
    this.#drainReads();
    if (this.#reference !== null) this.#observe(hash, false);
    this.#hashes[slot] = hash;
    this.#segment[slot] = WINDOW;
    this.#window.push(slot);
    this.#size++;
    this.#sketch.increment(hash);
    // Without a victim() first (the cache was not full) the window's overflow enters main, which
    // has room, without a contest.
    const windowMax = this.#windowMax();
    while (this.#window.length > windowMax) this.#moveToProbation(this.#window.head, this.#window);
  }

  /**
   * A hit is recorded in a small read buffer and applied to the sketch and the segments at the next
   * write (insert, update, removal, eviction) or iteration, as Caffeine does with its read buffers.
   * When more than {@link READ_BUFFER} hits arrive with no write in between, the extra ones still
   * count in the sketch and the window's hit accounting, but do not reorder the segments: nothing is
   * evicted meanwhile, so the order matters little, and such a hit costs a sketch increment instead
   * of a sketch increment plus list surgery.
   */
  access(slot: number): void {
    const reads = this.#reads;
    if (reads < READ_BUFFER) {
      this.#readBuffer[reads] = slot;
      this.#reads = reads + 1;
    } else {
      // Past the buffer, keep the frequency evidence (the sketch, and the adaptive window's hit
      // accounting) and drop only the reordering; dropping the frequencies costs loop-heavy traces.
      const hash = this.#hashes[slot]!;
      if (this.#reference !== null) this.#observe(hash, true);
      this.#sketch.increment(hash);
    }
  }

  #drainReads(): void {
    const n = this.#reads;
    if (n === 0) return;
    this.#reads = 0;
    const buffer = this.#readBuffer;
    for (let i = 0; i < n; i++) {
      const slot = buffer[i]!;
      // a slot read and then removed before this drain left no trace to apply
      if (this.#segment[slot] === NONE) continue;
      if (this.#reference !== null) this.#observe(this.#hashes[slot]!, true);
      this.#touch(slot);
    }
  }

  update(slot: number): void {
    this.#drainReads();
    // A write to a live key is a use of it (as in Caffeine), but neither a hit nor a miss.
    this.#touch(slot);
    if (this.#reference !== null) {
      const hash = this.#hashes[slot]!;
      if (this.#isSampled(hash)) this.#reference.update(hash);
    }
  }

  remove(slot: number): void {
    this.#drainReads();
    const segment = this.#segment[slot];
    if (segment === NONE) return;
    if (slot !== this.#pendingVictim && this.#reference !== null) {
      // Deleted or expired rather than evicted: the reference forgets the key too, or it would
      // count a later insertion of it as a hit that no eviction policy could have had.
      const hash = this.#hashes[slot]!;
      if (this.#isSampled(hash)) this.#reference.delete(hash);
    }
    this.#pendingVictim = -1;
    if (segment === WINDOW) this.#window.unlink(slot);
    else if (segment === PROBATION) this.#probation.unlink(slot);
    else this.#protected.unlink(slot);
    this.#segment[slot] = NONE;
    this.#size--;
  }

  victim(): number {
    this.#drainReads();
    const victim = this.#chooseVictim();
    this.#pendingVictim = victim;
    return victim;
  }

  /**
   * Protected entries (most recently used first), then the window, then probation, whose oldest
   * entry is the usual next victim. The exact next victim depends on a frequency contest, so this
   * order is the policy's best summary of "kept longest first".
   */
  slots(): IterableIterator<number> {
    this.#drainReads();
    return this.#orderedSlots();
  }

  *#orderedSlots(): IterableIterator<number> {
    yield* this.#protected.newestFirst();
    yield* this.#window.newestFirst();
    yield* this.#probation.newestFirst();
  }

  clear(): void {
    this.#reads = 0;
    this.#window.clear();
    this.#probation.clear();
    this.#protected.clear();
    this.#segment.fill(NONE);
    this.#sketch.clear();
    this.#reference?.clear();
    this.#reset();
  }

  /** Which region `slot` is in, or `undefined` when it is not live (tests, simulator). */
  segmentOf(slot: number): 'window' | 'probation' | 'protected' | undefined {
    this.#drainReads();
    const segment = this.#segment[slot];
    return segment === WINDOW
      ? 'window'
      : segment === PROBATION
        ? 'probation'
        : segment === PROTECTED
          ? 'protected'
          : undefined;
  }

  /** Live entries plus the keys of the LRU reference. For the contract suite. */
  debugSize(): number {
    return this.#size + (this.#reference?.size ?? 0);
  }

  /** Bytes held by this policy's typed arrays, sketch and reference. For the contract suite. */
  debugBytes(): number {
    return (
      this.#links.next.byteLength +
      this.#links.prev.byteLength +
      this.#segment.byteLength +
      this.#hashes.byteLength +
      this.#sketch.byteLength +
      (this.#reference?.byteLength ?? 0)
    );
  }

  #reset(): void {
    this.#size = 0;
    this.#pendingVictim = -1;
    this.#windowShare = this.#initialWindow;
    this.#full = false;
    this.#step = STEP;
    this.#previousHitRate = Number.NaN;
    this.#random = this.#seed ^ 0x2545f491 || 1;
    this.#restartPeriod();
  }

  /** The number of entries the cache holds when full. */
  #maximum(): number {
    return this.#maxEntries > 0 ? this.#maxEntries : this.#size;
  }

  #windowMax(): number {
    return Math.max(1, Math.floor(this.#windowShare * this.#maximum()));
  }

  #protectedMax(windowMax: number): number {
    return Math.floor(PROTECTED_SHARE * Math.max(0, this.#maximum() - windowMax));
  }

  #chooseVictim(): number {
    if (this.#size === 0) return -1;
    this.#full = true;
    const windowMax = this.#windowMax();
    // A window that shrank hands its oldest entries to main, which grew by as much.
    while (this.#window.length > windowMax) this.#moveToProbation(this.#window.head, this.#window);
    const protectedMax = this.#protectedMax(windowMax);
    while (this.#protected.length > protectedMax) {
      this.#moveToProbation(this.#protected.head, this.#protected);
    }

    const mainVictim = this.#probation.head !== -1 ? this.#probation.head : this.#protected.head;
    if (this.#window.length < windowMax) {
      // The window is below its target (it grew): main gives up its oldest entry.
      return mainVictim !== -1 ? mainVictim : this.#window.head;
    }
    // The new entry will push the window's oldest out: it competes with main's victim.
    const candidate = this.#window.head;
    if (mainVictim === -1) return candidate;
    if (!this.#admit(candidate, mainVictim)) return candidate;
    this.#moveToProbation(candidate, this.#window);
    return mainVictim;
  }

  #touch(slot: number): void {
    this.#sketch.increment(this.#hashes[slot]!);
    switch (this.#segment[slot]) {
      case WINDOW:
        this.#window.moveToTail(slot);
        break;
      case PROBATION: {
        this.#probation.unlink(slot);
        this.#protected.push(slot);
        this.#segment[slot] = PROTECTED;
        const protectedMax = this.#protectedMax(this.#windowMax());
        while (this.#protected.length > protectedMax) {
          this.#moveToProbation(this.#protected.head, this.#protected);
        }
        break;
      }
      case PROTECTED:
        this.#protected.moveToTail(slot);
        break;
    }
  }

  #moveToProbation(slot: number, from: LinkedSlots): void {
    from.unlink(slot);
    this.#probation.push(slot);
    this.#segment[slot] = PROBATION;
  }

  /** Whether the window's candidate should replace main's victim (TinyLFU admission). */
  #admit(candidate: number, victim: number): boolean {
    const candidateFrequency = this.#sketch.frequency(this.#hashes[candidate]!);
    const victimFrequency = this.#sketch.frequency(this.#hashes[victim]!);
    if (candidateFrequency > victimFrequency) return true;
    if (candidateFrequency < JITTER_MIN_FREQUENCY) return false;
    return (this.#nextRandom() & JITTER_MASK) === 0;
  }

  /** xorshift32 (Marsaglia 2003): cheap, seedable, good enough for a 1/128 coin. */
  #nextRandom(): number {
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#random = x;
    return x;
  }

  #allocateReference(basis: number): void {
    if (!this.#adaptive) return;
    const maximum = Math.max(1, basis);
    const rate = Math.min(1, SHADOW_SIZE / maximum);
    this.#sampleThreshold = rate >= 1 ? 0x100000000 : Math.floor(rate * 0x100000000);
    this.#reference = new ShadowCache(new LruPolicy(), Math.max(1, Math.round(rate * maximum)));
  }

  /** Spatial sampling: a fixed, seeded subset of the keys is replayed through the reference. */
  #isSampled(hash: number): boolean {
    if (this.#sampleThreshold === 0x100000000) return true;
    let h = hash ^ this.#seed ^ 0x1b873593;
    h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
    h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
    return (h ^ (h >>> 15)) >>> 0 < this.#sampleThreshold;
  }

  #restartPeriod(): void {
    this.#periodRequests = 0;
    this.#periodHits = 0;
    this.#lruOnly = 0;
    this.#ownOnly = 0;
    this.#sampled = 0;
  }

  /** A request for `hash` that this policy hit (`own`) or missed. */
  #observe(hash: number, own: boolean): void {
    if (this.#isSampled(hash)) {
      // The reference replays every sampled request, warm-up included, to stay in step.
      const lru = this.#reference!.access(hash);
      if (this.#full) this.#sampled++;
      if (this.#full && lru !== own) {
        if (lru) {
          if (significant(++this.#lruOnly, this.#ownOnly, this.#sampled)) this.#move(GUARD_STEP);
        } else if (significant(++this.#ownOnly, this.#lruOnly, this.#sampled)) {
          this.#move(-GUARD_STEP * this.#windowShare);
        }
      }
    }
    if (!this.#full) return;
    this.#periodRequests++;
    if (own) this.#periodHits++;
    if (this.#periodRequests >= SAMPLE_FACTOR * this.#maximum()) this.#climb();
  }

  /** The LRU reference says the window should move by `amount`: do so and restart the climber. */
  #move(amount: number): void {
    this.#windowShare = Math.min(this.#maxWindow, Math.max(this.#minWindow, this.#windowShare + amount));
    this.#step = amount >= 0 ? STEP : -STEP;
    this.#previousHitRate = Number.NaN;
    this.#restartPeriod();
  }

  #climb(): void {
    if (this.#periodHits === 0) {
      // Not a single hit (a scan, a cold start): the period says nothing about the window.
      this.#restartPeriod();
      return;
    }
    const hitRate = this.#periodHits / this.#periodRequests;
    const change = Number.isNaN(this.#previousHitRate) ? 0 : hitRate - this.#previousHitRate;
    const amount = change >= 0 ? this.#step : -this.#step;
    this.#step = Math.abs(change) >= RESTART_THRESHOLD ? (amount >= 0 ? STEP : -STEP) : amount * STEP_DECAY;
    this.#windowShare = Math.min(this.#maxWindow, Math.max(this.#minWindow, this.#windowShare + amount));
    this.#previousHitRate = hitRate;
    this.#restartPeriod();
  }
}

/** McNemar's sign test on discordant requests: `leader` is ahead of `other` beyond chance. */
function significant(leader: number, other: number, sampled: number): boolean {
  const excess = leader - other;
  return (
    excess >= GUARD_MIN &&
    excess >= GUARD_EFFECT * sampled &&
    excess * excess > GUARD_Z * GUARD_Z * (leader + other)
  );
}

/**
 * A miniature cache of key hashes that drives a reference policy exactly as the Cache drives a
 * policy, to tell whether that policy would have hit. Keys are 32-bit hashes in an open-addressing
 * table (linear probing, backward-shift deletion); two keys with one hash count as one, which at
 * these sizes is rare and harmless.
 */
class ShadowCache {
  readonly #policy: EvictionPolicy;
  readonly #capacity: number;
  readonly #keys: Int32Array;
  readonly #free: Int32Array;
  #freeTop = 0;
  /** Slot + 1, or 0 where empty. */
  readonly #table: Int32Array;
  readonly #mask: number;
  #size = 0;

  constructor(policy: EvictionPolicy, capacity: number) {
    this.#policy = policy;
    this.#capacity = capacity;
    this.#keys = new Int32Array(capacity);
    this.#free = new Int32Array(capacity);
    let size = 2;
    while (size < 2 * capacity) size *= 2;
    this.#table = new Int32Array(size);
    this.#mask = size - 1;
    policy.init(capacity, capacity);
    this.clear();
  }

  /** Keys held. */
  get size(): number {
    return this.#size;
  }

  /** Bytes of the table and slot arrays, plus the reference LRU's two `Int32Array` links per slot. */
  get byteLength(): number {
    return this.#keys.byteLength + this.#free.byteLength + this.#table.byteLength + 8 * this.#capacity;
  }

  /** Replay a request for `hash`; whether the reference policy hit. */
  access(hash: number): boolean {
    let at = this.#find(hash);
    if (at >= 0) {
      this.#policy.access(this.#table[at]! - 1);
      return true;
    }
    if (this.#size === this.#capacity) {
      const victim = this.#policy.victim();
      this.#policy.remove(victim);
      this.#unmap(this.#find(this.#keys[victim]!));
      this.#free[this.#freeTop++] = victim;
      this.#size--;
      at = this.#find(hash);
    }
    const slot = this.#free[--this.#freeTop]!;
    this.#keys[slot] = hash;
    this.#table[-1 - at] = slot + 1;
    this.#size++;
    this.#policy.insert(slot, hash);
    return false;
  }

  update(hash: number): void {
    const at = this.#find(hash);
    if (at >= 0) this.#policy.update(this.#table[at]! - 1);
  }

  delete(hash: number): void {
    const at = this.#find(hash);
    if (at < 0) return;
    const slot = this.#table[at]! - 1;
    this.#policy.remove(slot);
    this.#unmap(at);
    this.#free[this.#freeTop++] = slot;
    this.#size--;
  }

  clear(): void {
    this.#policy.clear();
    this.#table.fill(0);
    this.#size = 0;
    this.#freeTop = this.#capacity;
    for (let i = 0; i < this.#capacity; i++) this.#free[i] = this.#capacity - 1 - i;
  }

  #home(hash: number): number {
    return Math.imul(hash ^ (hash >>> 16), 0x45d9f3b) & this.#mask;
  }

  /** The table index holding `hash`, or `-1 - index` of the empty place where it would go. */
  #find(hash: number): number {
    for (let i = this.#home(hash); ; i = (i + 1) & this.#mask) {
      const slot = this.#table[i]! - 1;
      if (slot === -1) return -1 - i;
      if (this.#keys[slot] === hash) return i;
    }
  }

  #unmap(at: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let hole = at;
    for (let i = (at + 1) & mask; ; i = (i + 1) & mask) {
      const slot = table[i]! - 1;
      if (slot === -1) break;
      // The entry at i may move back into the hole unless its home lies cyclically in (hole, i].
      if (((i - this.#home(this.#keys[slot]!)) & mask) >= ((i - hole) & mask)) {
        table[hole] = table[i]!;
        hole = i;
      }
    }
    table[hole] = 0;
  }
}
