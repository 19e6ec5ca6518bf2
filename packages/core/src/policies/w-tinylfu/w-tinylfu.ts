import { ConfigError } from '../../errors.js';
import type { EvictionPolicy, RemovalReason } from '../eviction-policy.js';
import { FrequencySketch } from '../frequency-sketch.js';
import { LinkedSlots } from '../linked-slots.js';
import { WindowClimber } from './climber.js';

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
/** Protected segment's share of the main region: 80%, as Caffeine (`percent-main-protected`). */
const PROTECTED_SHARE = 0.8;
/**
 * A candidate that loses on frequency is still admitted with probability 1/128 once its estimate
 * reaches 6 (Caffeine's defence against hash flooding: an attacker cannot pin a hot victim by making
 * every candidate collide with it; counters age to at most 7, so 6 means "warm").
 */
const JITTER_MIN_FREQUENCY = 6;
const JITTER_MASK = 127;

/**
 * Hits buffered before they are applied to the segments: at the next write, or when the buffer is
 * full (Caffeine's read buffer holds 16 per stripe and schedules its drain when full; one stripe
 * here, and larger, so that runs of hits cost little).
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
 * - *Hill climber* (Caffeine's, with a paired score): every 10 × capacity requests (hits are
 *   `access`, misses are `insert`) it compares the period's score with the previous period's and
 *   moves the window by a step in the same direction if it did not drop, in the other direction if
 *   it did; the step starts at 6.25% of the capacity, decays by 2% a period, and restarts when the
 *   score jumps by 5 points; a period without a single hit (a scan, say) tells nothing and moves
 *   nothing. The score is the period's hit ratio minus the LRU reference's on the same sampled
 *   requests, so swings of the workload's own hit ratio (which Caffeine's climber takes for the
 *   effect of its last step) cancel out, and a change within one standard deviation of sampling
 *   noise keeps the direction; at the largest window, where no score can ask for a smaller one, a
 *   period without evidence in which LRU was not ahead probes down by a quarter step. It finds interior optima, slowly.
 * - *LRU reference*: a miniature LRU replays a hash-sampled subset of the requests, and each sampled
 *   request that one side hits and the other misses is counted. When LRU leads significantly
 *   (recency wins: the window is too small) the window grows by 6.25% of the capacity at once; when
 *   this policy leads significantly (frequency wins) the window shrinks by 6.25% of its own size.
 *   This reacts within a few dozen requests to workloads that a small window cannot serve (pure
 *   recency, such as a ledger that writes then reads back), and brings the window down again when
 *   they end, where the climber alone would need hundreds of thousands of requests. Each such move
 *   restarts the climber's period, with its step pointing the same way.
 *
 * **Before the first hit** no key has been requested twice while held, so nothing tells recency
 * from frequency, and the window takes its largest share (99%): the cache is all but an LRU, whose
 * 1% main region keeps the oldest keys (a tie at admission keeps the victim). If the cache filled
 * up before that first hit, the hit says which side kept the right keys: in the window (the newest
 * keys come back first, as in a zig-zag) the window stays at its largest and the climber takes it
 * from there; in main (the oldest come back first, as in a loop) it drops to its initial share.
 * Starting frequency-first instead refused, on a zig-zag, the keys that LRU hits on the first
 * reversal: one cache-full of hits lost (lirs `zigzag` at 1,000 entries: 45.9% against LRU's 48.0%;
 * now 47.9%). A loop longer than the cache pays instead, once, for the newest keys it kept (the
 * main region's oldest keys hit first and turn the policy to frequency): lirs `scan`, a loop of
 * 2,001 keys, 45.4% at 1,000 entries against 47.0% when starting frequency-first.
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
  /** Sizes the window; null when not `adaptive` (the window keeps its initial share). */
  readonly #climber: WindowClimber | null;

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
    this.#seed = seed === undefined ? (Math.random() * 0x100000000) | 0 : seed | 0;
    this.#sketch = new FrequencySketch(0, { seed: this.#seed });
    this.#climber = adaptive ? new WindowClimber(this.#initialWindow, this.#seed) : null;
    this.#reset();
  }

  /** The window's current target share of the capacity, in `[0, 1]`. */
  get windowShare(): number {
    return this.#climber === null ? this.#initialWindow : this.#climber.share;
  }

  resize(capacity: number, maxEntries: number): void {
    if (capacity <= this.#segment.length) return;
    const first = this.#segment.length === 0;
    this.#maxEntries = maxEntries;
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
    if (first || this.#maxEntries === 0) {
      // Bounded by size only, the slot count is the best guess of how many entries fit.
      const basis = maxEntries > 0 ? maxEntries : capacity;
      this.#sketch.ensureCapacity(basis);
      this.#climber?.allocate(basis);
    }
  }

  insert(slot: number, hash: number): void {
    this.#drainReads();
    this.#climber?.observe(hash, false, this.#maximum());
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
   * write (insert, update, removal, eviction) or iteration, or when {@link READ_BUFFER} hits have
   * piled up, as Caffeine does with its read buffers. Every hit reorders its segment in the end:
   * when hits that were never applied kept their old places, a run of hits longer than the buffer
   * (a backward loop that fits the cache, say) left the keys just hit at the eviction end, and the
   * next misses evicted them (measured: `backf` at 600 entries, 48% against LRU's 73%).
   */
  access(slot: number): void {
    let reads = this.#reads;
    if (reads === READ_BUFFER) {
      this.#drainReads();
      reads = 0;
    }
    this.#readBuffer[reads] = slot;
    this.#reads = reads + 1;
  }

  #drainReads(): void {
    const n = this.#reads;
    if (n === 0) return;
    this.#reads = 0;
    const buffer = this.#readBuffer;
    const climber = this.#climber;
    for (let i = 0; i < n; i++) {
      const slot = buffer[i]!;
      // a slot read and then removed before this drain left no trace to apply
      if (this.#segment[slot] === NONE) continue;
      if (climber !== null) {
        if (climber.blind) climber.firstHit(this.#segment[slot] === WINDOW);
        climber.observe(this.#hashes[slot]!, true, this.#maximum());
      }
      this.#touch(slot);
    }
  }

  update(slot: number): void {
    this.#drainReads();
    // A write to a live key is a use of it (as in Caffeine), but neither a hit nor a miss.
    this.#touch(slot);
    this.#climber?.update(this.#hashes[slot]!);
  }

  remove(slot: number, reason: RemovalReason): void {
    this.#drainReads();
    const segment = this.#segment[slot];
    if (segment === NONE) return;
    if (reason !== 'evict') this.#climber?.forget(this.#hashes[slot]!);
    if (segment === WINDOW) this.#window.unlink(slot);
    else if (segment === PROBATION) this.#probation.unlink(slot);
    else this.#protected.unlink(slot);
    this.#segment[slot] = NONE;
    this.#size--;
  }

  victim(): number {
    this.#drainReads();
    return this.#chooseVictim();
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
    return this.#size + (this.#climber?.size ?? 0);
  }

  /** Bytes held by this policy's typed arrays, sketch and reference. For the contract suite. */
  debugBytes(): number {
    return (
      this.#links.next.byteLength +
      this.#links.prev.byteLength +
      this.#segment.byteLength +
      this.#hashes.byteLength +
      this.#sketch.byteLength +
      (this.#climber?.byteLength ?? 0)
    );
  }

  #reset(): void {
    this.#size = 0;
    this.#climber?.reset();
    this.#random = this.#seed ^ 0x2545f491 || 1;
  }

  /** The number of entries the cache holds when full. */
  #maximum(): number {
    return this.#maxEntries > 0 ? this.#maxEntries : this.#size;
  }

  #windowMax(): number {
    return Math.max(1, Math.floor(this.windowShare * this.#maximum()));
  }

  #protectedMax(windowMax: number): number {
    return Math.floor(PROTECTED_SHARE * Math.max(0, this.#maximum() - windowMax));
  }

  #chooseVictim(): number {
    if (this.#size === 0) return -1;
    this.#climber?.start();
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
}
