import { ConfigError } from '../errors.js';
import type { EvictionPolicy } from './eviction-policy.js';
import { FrequencySketch } from './frequency-sketch.js';
import { LinkedSlots } from './linked-slots.js';
import { LruPolicy } from './lru.js';

/** Options of {@link WTinyLfuPolicy}. */
export interface WTinyLfuOptions {
  /**
   * The admission window's share of the capacity at start, in percent, in `(0, 100]`. With
   * `adaptive` the hill climber moves it from there.
   * @default 1
   */
  windowPercent?: number;
  /**
   * Seed of the sketch's hashing and of the admission jitter. Two policies with the same seed, fed
   * the same operations, make the same decisions. Without one, each instance draws a random seed,
   * so that nobody can aim keys at its counters. A safe integer.
   * @default random
   */
  seed?: number;
  /**
   * Whether a hill climber resizes the window as the workload shifts between recency and frequency.
   * @default true
   */
  adaptive?: boolean;
}

// Segment tags, one per slot.
const NONE = 0;
const WINDOW = 1;
const PROBATION = 2;
const PROTECTED = 3;

/** Default window share: 1% of the capacity, as TinyLFU's W-TinyLFU(1%) and Caffeine. */
const DEFAULT_WINDOW = 0.01;
/** Protected segment's share of the main region: 80%, SLRU as in Caffeine (`percent-main-protected`). */
const PROTECTED_SHARE = 0.8;
/**
 * A candidate that loses on frequency is still admitted with probability 1/128 once its frequency
 * reaches 6 (Caffeine's defence against hash flooding: an attacker cannot pin a hot victim by making
 * every candidate collide with it; counters age to at most 7, so 6 is "warm").
 */
const JITTER_MIN_FREQUENCY = 6;
const JITTER_MASK = 127;
/** Initial step, as a share of the capacity (Caffeine's `percent-pivot`, 6.25%). */
const STEP = 0.0625;
/** Each step is this factor of the previous one, so the window settles (`step-decay-rate`). */
const STEP_DECAY = 0.98;
/** A change of hit ratio this large means the workload changed: restart at the full step. */
const RESTART_THRESHOLD = 0.05;
/** Sample period, as a multiple of the capacity (`percent-sample` 10.0, the sketch's reset period). */
const SAMPLE_FACTOR = 10;
/** Reference simulations: at least this many entries (sampling rate = min(1, this / maximum)). */
const SHADOW_MIN = 1024;
/** Guard: z-score of the McNemar sign test on discordant requests. */
const GUARD_Z = 3;
/** Guard: minimum excess of reference-only hits. */
const GUARD_MIN = 8;
/** Guard: window step when a reference is significantly better. */
const GUARD_STEP = 0.0625;
/** Experimental: 1 = LRU guard on, 0 = off. */
const GUARD_LRU = 1 as number;
/** Experimental: 1 = move down when significantly better than LRU. */
const GUARD_DOWN = 1 as number;
/** Experimental: step down. */
const GUARD_STEP_DOWN = 0.0625;
/** Experimental: after a move, discordance is ignored for SETTLE x maximum requests. */
const SETTLE = 0 as number;
/** Experimental: the largest window share. */
const MAX_WINDOW = 1 as number;
/** Experimental: at the top the climber probes down. */
const TOP_PROBE = 0 as number;
/** Experimental: 1 = hill climber on. */
const CLIMBER = 1 as number;
/** Experimental: 1 = frequency guard on, 0 = off. */
const GUARD_FREQUENCY = 0 as number;
/** Experimental: climber objective: 1 = advantage over LRU, 0 = raw hit rate, 2 = over both. */
const OBJECTIVE = 1 as number;
/** The frequency reference's window share. */
const FREQUENCY_WINDOW = 0.01;

/**
 * Window TinyLFU: a small LRU admission window in front of a segmented LRU main region, with a
 * TinyLFU frequency sketch deciding which entries are admitted to main and a hill climber sizing the
 * window (Einziger, Friedman, Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", 2017;
 * Einziger, Eytan, Friedman, Manes, "Adaptive Software Cache Management", 2018; the design of
 * Caffeine).
 */
export class WTinyLfuPolicy implements EvictionPolicy {
  readonly name = 'w-tinylfu';
  readonly needsHash = true;

  readonly #initialWindow: number;
  readonly #adaptive: boolean;
  readonly #seed: number;

  #links = new LinkedSlots(0);
  #window = LinkedSlots.sharing(this.#links);
  #probation = LinkedSlots.sharing(this.#links);
  #protected = LinkedSlots.sharing(this.#links);
  #segment = new Uint8Array(0);
  #hashes = new Int32Array(0);
  #sketch: FrequencySketch;
  #maxEntries = 0;
  #size = 0;
  #random = 1;
  /** The slot victim() returned last: its removal is an eviction, any other removal a deletion. */
  #pendingVictim = -1;

  /** The window's target share of the maximum, in `[0, 1]`. */
  #windowShare: number;
  /** Whether the cache has been full once, which starts the comparisons. */
  #sampling = false;
  #step = STEP;
  #previousObjective = Number.NaN;
  #periodRequests = 0;
  #periodHits = 0;
  #periodSampled = 0;
  #periodLruOnly = 0;
  #periodOwnOnlyLru = 0;
  #periodFrequencyOnly = 0;
  #periodOwnOnlyFrequency = 0;
  // Discordant requests since the window last moved, for the guards.
  #lruOnly = 0;
  #ownOnlyLru = 0;
  #frequencyOnly = 0;
  #ownOnlyFrequency = 0;
  /** Requests left before the guards count again after a move. */
  #settling = 0;

  #shadowThreshold = 0;
  #lruShadow: ShadowCache | null = null;
  #frequencyShadow: ShadowCache | null = null;

  constructor(options: WTinyLfuOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigError('policy', options, 'an options object');
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
    this.#windowShare = this.#initialWindow;
    this.#adaptive = adaptive;
    this.#seed = seed === undefined ? (Math.random() * 0x100000000) | 0 : seed | 0;
    this.#sketch = new FrequencySketch(0, { seed: this.#seed });
    this.#random = this.#seed ^ 0x2545f491 || 1;
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
    this.#allocateShadows(basis);
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
      this.#sketch.ensureCapacity(capacity);
      this.#allocateShadows(capacity);
    }
  }

  insert(slot: number, hash: number): void {
    if (this.#adaptive) this.#observe(hash, false);
    this.#hashes[slot] = hash;
    this.#segment[slot] = WINDOW;
    this.#window.push(slot);
    this.#size++;
    this.#sketch.increment(hash);
    // While the cache is not full no victim() came first: the window's overflow enters main, which
    // has room, without a contest.
    const windowMax = this.#windowMax();
    while (this.#window.length > windowMax) this.#demoteWindowHead();
  }

  access(slot: number): void {
    if (this.#adaptive) this.#observe(this.#hashes[slot]!, true);
    this.#touch(slot);
  }

  update(slot: number): void {
    // A write to a live key is a use of it (as Caffeine), but neither a hit nor a miss.
    this.#touch(slot);
    if (this.#lruShadow !== null) {
      const hash = this.#hashes[slot]!;
      if (this.#isShadowed(hash)) {
        this.#lruShadow.update(hash);
        this.#frequencyShadow?.update(hash);
      }
    }
  }

  remove(slot: number): void {
    const segment = this.#segment[slot];
    if (segment === NONE) return;
    if (slot !== this.#pendingVictim && this.#lruShadow !== null) {
      // Deleted or expired, not evicted: the references forget the key too, or they would count a
      // later insertion of it as a hit that this policy could never have had.
      const hash = this.#hashes[slot]!;
      if (this.#isShadowed(hash)) {
        this.#lruShadow.delete(hash);
        this.#frequencyShadow?.delete(hash);
      }
    }
    this.#pendingVictim = -1;
    if (segment === WINDOW) this.#window.unlink(slot);
    else if (segment === PROBATION) this.#probation.unlink(slot);
    else this.#protected.unlink(slot);
    this.#segment[slot] = NONE;
    this.#size--;
  }

  victim(): number {
    const victim = this.#chooseVictim();
    this.#pendingVictim = victim;
    return victim;
  }

  *slots(): IterableIterator<number> {
    // Frequent entries first, then the window, then probation whose oldest is the usual victim.
    yield* this.#protected.newestFirst();
    yield* this.#window.newestFirst();
    yield* this.#probation.newestFirst();
  }

  clear(): void {
    this.#window.clear();
    this.#probation.clear();
    this.#protected.clear();
    this.#segment.fill(NONE);
    this.#sketch.clear();
    this.#lruShadow?.clear();
    this.#frequencyShadow?.clear();
    this.#reset();
  }

  /** The window's current target share of the capacity, in `[0, 1]` (for tests and tools). */
  get windowShare(): number {
    return this.#windowShare;
  }

  #reset(): void {
    this.#size = 0;
    this.#pendingVictim = -1;
    this.#windowShare = this.#initialWindow;
    this.#sampling = false;
    this.#step = STEP;
    this.#random = this.#seed ^ 0x2545f491 || 1;
    this.#restartPeriod();
    this.#previousObjective = Number.NaN;
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
    this.#sampling = true;
    const windowMax = this.#windowMax();
    // A window that the climber shrank hands its oldest entries to main, which grew by as much.
    while (this.#window.length > windowMax) this.#demoteWindowHead();
    const protectedMax = this.#protectedMax(windowMax);
    while (this.#protected.length > protectedMax) this.#demoteProtectedHead();

    const mainVictim = this.#probation.head !== -1 ? this.#probation.head : this.#protected.head;
    if (this.#window.length < windowMax) {
      // The window is below its target (the climber grew it): main gives up its oldest entry.
      return mainVictim !== -1 ? mainVictim : this.#window.head;
    }
    // The new entry will push the window's oldest out: it competes with main's victim.
    const candidate = this.#window.head;
    if (mainVictim === -1) return candidate;
    if (candidate === -1) return mainVictim;
    if (!this.#admit(candidate, mainVictim)) return candidate;
    this.#window.unlink(candidate);
    this.#probation.push(candidate);
    this.#segment[candidate] = PROBATION;
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
        while (this.#protected.length > protectedMax) this.#demoteProtectedHead();
        break;
      }
      case PROTECTED:
        this.#protected.moveToTail(slot);
        break;
    }
  }

  #demoteWindowHead(): void {
    const slot = this.#window.shift();
    this.#probation.push(slot);
    this.#segment[slot] = PROBATION;
  }

  #demoteProtectedHead(): void {
    const slot = this.#protected.shift();
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

  // ---- adaptation ----

  #allocateShadows(basis: number): void {
    if (!this.#adaptive) return;
    const maximum = Math.max(1, basis);
    const rate = Math.min(1, SHADOW_MIN / maximum);
    this.#shadowThreshold = rate >= 1 ? 0x100000000 : Math.floor(rate * 0x100000000);
    const capacity = Math.max(1, Math.round(rate * maximum));
    this.#lruShadow = new ShadowCache(new LruPolicy(), capacity);
    this.#frequencyShadow =
      GUARD_FREQUENCY === 1 || OBJECTIVE === 2
        ? new ShadowCache(
            new WTinyLfuPolicy({ windowPercent: FREQUENCY_WINDOW * 100, seed: this.#seed ^ 0x68e31da4, adaptive: false }),
            capacity,
          )
        : null;
  }

  #isShadowed(hash: number): boolean {
    let h = hash ^ 0x1b873593;
    h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
    h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
    return (h ^ (h >>> 15)) >>> 0 < this.#shadowThreshold;
  }

  #restartPeriod(): void {
    this.#periodRequests = 0;
    this.#periodHits = 0;
    this.#periodSampled = 0;
    this.#periodLruOnly = 0;
    this.#periodOwnOnlyLru = 0;
    this.#periodFrequencyOnly = 0;
    this.#periodOwnOnlyFrequency = 0;
    this.#lruOnly = 0;
    this.#ownOnlyLru = 0;
    this.#frequencyOnly = 0;
    this.#ownOnlyFrequency = 0;
  }

  /** A request for `hash`, a hit (`own`) or a miss of this policy. */
  #observe(hash: number, own: boolean): void {
    const lruShadow = this.#lruShadow!;
    if (this.#isShadowed(hash)) {
      const lru = lruShadow.access(hash);
      const frequency = this.#frequencyShadow?.access(hash) ?? own;
      if (this.#sampling && this.#settling > 0) this.#settling--;
      else if (this.#sampling) {
        this.#periodSampled++;
        if (lru !== own) {
          if (lru) {
            this.#periodLruOnly++;
            this.#lruOnly++;
            if (GUARD_LRU === 1 && significant(this.#lruOnly, this.#ownOnlyLru)) this.#jump(GUARD_STEP);
          } else {
            this.#periodOwnOnlyLru++;
            this.#ownOnlyLru++;
            if (GUARD_DOWN === 1 && significant(this.#ownOnlyLru, this.#lruOnly)) this.#jump(-GUARD_STEP_DOWN);
          }
        }
        if (frequency !== own) {
          if (frequency) {
            this.#periodFrequencyOnly++;
            this.#frequencyOnly++;
            if (GUARD_FREQUENCY === 1 && significant(this.#frequencyOnly, this.#ownOnlyFrequency)) {
              this.#jump(-GUARD_STEP);
            }
          } else {
            this.#periodOwnOnlyFrequency++;
            this.#ownOnlyFrequency++;
          }
        }
      }
    }
    if (!this.#sampling) return;
    this.#periodRequests++;
    if (own) this.#periodHits++;
    if (this.#periodRequests >= SAMPLE_FACTOR * this.#maximum()) {
      if (CLIMBER === 1) this.#climb();
      else this.#restartPeriod();
    }
  }

  /** A reference configuration is significantly better: move towards it and restart the climber. */
  #jump(amount: number): void {
    const share = Math.min(MAX_WINDOW, Math.max(0, this.#windowShare + amount));
    if (share === this.#windowShare) {
      this.#restartPeriod();
      return;
    }
    this.#windowShare = share;
    this.#settling = Math.round(SETTLE * this.#maximum() * this.#shadowThreshold / 0x100000000);
    this.#step = amount >= 0 ? STEP : -STEP;
    this.#previousObjective = Number.NaN;
    this.#restartPeriod();
  }

  #climb(): void {
    const sampled = Math.max(1, this.#periodSampled);
    let objective: number;
    if (OBJECTIVE === 1) objective = (this.#periodOwnOnlyLru - this.#periodLruOnly) / sampled;
    else if (OBJECTIVE === 2) {
      objective =
        (this.#periodOwnOnlyLru -
          this.#periodLruOnly +
          this.#periodOwnOnlyFrequency -
          this.#periodFrequencyOnly) /
        (2 * sampled);
    } else objective = this.#periodHits / this.#periodRequests;
    const change = Number.isNaN(this.#previousObjective) ? 0 : objective - this.#previousObjective;
    let amount = change >= 0 ? this.#step : -this.#step;
    if (TOP_PROBE === 1 && this.#windowShare >= MAX_WINDOW && amount > 0) amount = -amount;
    this.#step = Math.abs(change) >= RESTART_THRESHOLD ? (amount >= 0 ? STEP : -STEP) : amount * STEP_DECAY;
    this.#windowShare = Math.min(MAX_WINDOW, Math.max(0, this.#windowShare + amount));
    this.#settling = Math.round(SETTLE * this.#maximum() * this.#shadowThreshold / 0x100000000);
    this.#previousObjective = objective;
    this.#restartPeriod();
  }
}

/** McNemar's sign test on discordant pairs: `better` exceeds `worse` beyond chance. */
function significant(better: number, worse: number): boolean {
  const excess = better - worse;
  return excess >= GUARD_MIN && excess * excess > GUARD_Z * GUARD_Z * (better + worse);
}

/**
 * A miniature cache of key hashes driven exactly as the Cache drives a policy: replays the sampled
 * requests through a reference policy, to tell whether that policy would have hit.
 */
class ShadowCache {
  readonly #policy: EvictionPolicy;
  readonly #capacity: number;
  readonly #keys: Int32Array;
  readonly #free: Int32Array;
  #freeTop: number;
  /** Open addressing with linear probing: slot + 1, or 0 when empty. */
  readonly #table: Int32Array;
  readonly #mask: number;
  #size = 0;

  constructor(policy: EvictionPolicy, capacity: number) {
    this.#policy = policy;
    this.#capacity = capacity;
    this.#keys = new Int32Array(capacity);
    this.#free = new Int32Array(capacity);
    this.#freeTop = 0;
    let size = 2;
    while (size < 2 * capacity) size *= 2;
    this.#table = new Int32Array(size);
    this.#mask = size - 1;
    policy.init(capacity, capacity);
    this.clear();
  }

  /** Record a request; whether it was a hit. */
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

  /** Backward-shift deletion for linear probing (no tombstones). */
  #unmap(at: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let hole = at;
    for (let i = (at + 1) & mask; ; i = (i + 1) & mask) {
      const slot = table[i]! - 1;
      if (slot === -1) break;
      const home = this.#home(this.#keys[slot]!);
      // The entry at i may fill the hole unless its home lies cyclically in (hole, i].
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        table[hole] = table[i]!;
        hole = i;
      }
    }
    table[hole] = 0;
  }
}
