import { LruPolicy } from '../lru.js';
import { ShadowCache } from './shadow-cache.js';

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

// Hill climber: Caffeine's "simple" climber (Einziger, Eytan, Friedman, Manes, "Adaptive Software
// Cache Management", Middleware 2018; the defaults of Caffeine's simulator).
/** Initial step, as a share of the capacity (`percent-pivot` 0.0625). */
const STEP = 0.0625;
/** Each step is this factor of the previous one, so the window settles (`step-decay-rate`). */
const STEP_DECAY = 0.98;
/** A change of the period's score this large means the workload changed: restart at the full step. */
const RESTART_THRESHOLD = 0.05;
/**
 * A change of the period's score within one standard deviation of its sampling noise is no
 * evidence: the climber keeps its direction (its step still decays) instead of turning back.
 */
const CLIMB_Z = 1;
/**
 * At the largest window, a period without evidence in which the LRU reference was not ahead moves
 * the window down by this share of the step (see {@link WindowClimber}): a small probe.
 */
const PROBE = 0.25;
/** Sample period as a multiple of the capacity (`percent-sample` 10, the sketch's reset period). */
const SAMPLE_FACTOR = 10;

// LRU reference: a miniature simulation (Waldspurger et al., "Cache Modeling and Optimization
// using Miniature Simulations", USENIX ATC 2017) of LRU on a spatially sampled subset of the keys
// (SHARDS, Waldspurger et al., FAST 2015), compared request by request with the policy.
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
 * when the policy leads, it shrinks by this share of its own size, so a large window comes down
 * fast and a small one (where frequency already rules) is left to the climber.
 */
const GUARD_STEP = 0.0625;

/**
 * Sizes W-TinyLFU's admission window as the workload shifts between recency and frequency, with two
 * mechanisms that both count only once the cache has been full ({@link WindowClimber.start}):
 *
 * - *Hill climber* (Caffeine's, with a paired score): every 10 × capacity requests it compares the
 *   period's score with the previous period's and moves the window by a step in the same direction
 *   if it did not drop, in the other direction if it did; the step starts at 6.25% of the capacity,
 *   decays by 2% a period, and restarts when the score jumps by 5 points; a period without a single
 *   hit (a scan, say) tells nothing and moves nothing. Caffeine scores a period by its hit ratio,
 *   which moves with the workload as much as with the window: on a trace whose hit ratio swings
 *   from period to period (a zig-zag whose cycle does not divide the period), every swing reads as
 *   the last step's doing, restarts the step at full size, and turns the window away from where it
 *   belongs. Here the score is the hit ratio *minus the LRU reference's* on the same sampled
 *   requests (a control variate: the reference does not depend on the window, so the best window
 *   is unchanged, while the swings that both sides see cancel out), and a change within one
 *   standard deviation of its sampling noise counts as no change. At the largest window the
 *   policy is all but its reference, so no score can ask for a smaller one: there a period
 *   without evidence, in which the reference was not ahead either, probes down by a quarter step,
 *   which the LRU reference turns into a descent where frequency wins (after a recency burst,
 *   say).
 * - *LRU reference*: a miniature LRU ({@link ShadowCache}) replays a hash-sampled subset of the
 *   requests, and each sampled request that one side hits and the other misses is counted. When LRU
 *   leads significantly the window grows by 6.25% of the capacity at once; when the policy leads
 *   significantly the window shrinks by 6.25% of its own size. Each such move restarts the
 *   climber's period, with its step pointing the same way.
 *
 * The policy reports every request ({@link WindowClimber.observe}), every write of a live key
 * ({@link WindowClimber.update}) and every removal that was not an eviction
 * ({@link WindowClimber.forget}); it reads the window's target from {@link WindowClimber.share}.
 */
export class WindowClimber {
  readonly #initialShare: number;
  readonly #minShare: number;
  readonly #maxShare: number;
  readonly #seed: number;

  /** The window's target share of the maximum, once the cache has had a hit. */
  #share: number;
  /** Whether the cache has not had a single hit yet: no evidence of recency or frequency. */
  #blind = true;
  /** Whether the cache has been full once: from then on the window's size matters. */
  #full = false;
  /** Signed step of the climber, as a share of the maximum. */
  #step = STEP;
  /** The previous period's score (own hit ratio minus the reference's), and its variance. */
  #previousScore = Number.NaN;
  #previousVariance = Number.NaN;
  #periodRequests = 0;
  #periodHits = 0;
  /** Sampled requests of this period, and those that only the policy or only the reference hit. */
  #periodSampled = 0;
  #periodOwnOnly = 0;
  #periodLruOnly = 0;
  /** Sampled requests that only the LRU reference hit, since the window last moved. */
  #lruOnly = 0;
  /** Sampled requests that only the policy hit, since the window last moved. */
  #ownOnly = 0;
  #sampled = 0;
  /** Keys whose mixed hash is below this are sampled (`2^32` samples all). */
  #sampleThreshold = 0x100000000;
  #reference: ShadowCache;

  /**
   * @param initialShare - the window's share of the capacity at start, in `(0, 1]`
   * @param seed - seeds the choice of sampled keys
   */
  constructor(initialShare: number, seed: number) {
    this.#initialShare = initialShare;
    this.#minShare = Math.min(MIN_WINDOW, initialShare);
    this.#maxShare = Math.max(MAX_WINDOW, initialShare);
    this.#share = initialShare;
    this.#seed = seed;
    this.#reference = new ShadowCache(new LruPolicy(), 1);
  }

  /** The window's current target share of the capacity, in `[0, 1]`. */
  get share(): number {
    return this.#blind ? this.#maxShare : this.#share;
  }

  /** Whether the cache has not had a hit yet (see {@link WindowClimber.firstHit}). */
  get blind(): boolean {
    return this.#blind;
  }

  /**
   * The cache's first hit, in the window (`inWindow`) or in main. Until then no key has been
   * requested twice while held, which tells neither recency nor frequency, and the window takes
   * the largest share: the cache is all but an LRU, with a main region of 1% that keeps the
   * oldest keys (a tie at admission keeps the victim). If the cache filled up before this hit, the
   * hit tells which side kept the right keys: in the window (the newest keys come back first, as
   * in a zig-zag), the window keeps its largest share and the climber takes it from there; in main
   * (the oldest keys come back first, as in a loop), the window drops to its initial share. If the
   * cache never filled, nothing was evicted yet and the window starts from its initial share.
   */
  firstHit(inWindow: boolean): void {
    this.#blind = false;
    if (this.#full && inWindow) this.#share = this.#maxShare;
  }

  /** Keys held by the LRU reference. */
  get size(): number {
    return this.#reference.size;
  }

  /** Bytes held by the LRU reference. */
  get byteLength(): number {
    return this.#reference.byteLength;
  }

  /** Size the LRU reference for a cache of `maximum` entries (forgets what it held). */
  allocate(maximum: number): void {
    const basis = Math.max(1, maximum);
    const rate = Math.min(1, SHADOW_SIZE / basis);
    this.#sampleThreshold = rate >= 1 ? 0x100000000 : Math.floor(rate * 0x100000000);
    this.#reference = new ShadowCache(new LruPolicy(), Math.max(1, Math.round(rate * basis)));
  }

  /** The cache is full: from now on requests move the window. */
  start(): void {
    this.#full = true;
  }

  /**
   * A request for the key `hash` that the policy hit (`own`) or missed; `maximum` is the number of
   * entries the cache holds when full.
   */
  observe(hash: number, own: boolean, maximum: number): void {
    if (this.#isSampled(hash)) {
      // The reference replays every sampled request, warm-up included, to stay in step.
      const lru = this.#reference.access(hash);
      if (this.#full) {
        this.#sampled++;
        this.#periodSampled++;
      }
      if (this.#full && lru !== own) {
        if (lru) this.#periodLruOnly++;
        else this.#periodOwnOnly++;
        if (lru) {
          if (significant(++this.#lruOnly, this.#ownOnly, this.#sampled)) this.#move(GUARD_STEP);
        } else if (significant(++this.#ownOnly, this.#lruOnly, this.#sampled)) {
          this.#move(-GUARD_STEP * this.#share);
        }
      }
    }
    if (!this.#full) return;
    this.#periodRequests++;
    if (own) this.#periodHits++;
    if (this.#periodRequests >= SAMPLE_FACTOR * maximum) this.#climb();
  }

  /** A write to the live key `hash`. */
  update(hash: number): void {
    if (this.#isSampled(hash)) this.#reference.update(hash);
  }

  /**
   * The key `hash` was deleted or expired rather than evicted: the reference forgets it too, or it
   * would count a later insertion of it as a hit that no eviction policy could have had.
   */
  forget(hash: number): void {
    if (this.#isSampled(hash)) this.#reference.delete(hash);
  }

  /** Back to the initial window, with an empty reference. */
  reset(): void {
    this.#reference.clear();
    this.#share = this.#initialShare;
    this.#blind = true;
    this.#full = false;
    this.#step = STEP;
    this.#forgetScore();
    this.#restartPeriod();
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
    this.#periodSampled = 0;
    this.#periodOwnOnly = 0;
    this.#periodLruOnly = 0;
  }

  #forgetScore(): void {
    this.#previousScore = Number.NaN;
    this.#previousVariance = Number.NaN;
  }

  /** The LRU reference says the window should move by `amount`: do so and restart the climber. */
  #move(amount: number): void {
    this.#share = Math.min(this.#maxShare, Math.max(this.#minShare, this.#share + amount));
    this.#step = amount >= 0 ? STEP : -STEP;
    this.#forgetScore();
    this.#restartPeriod();
  }

  #climb(): void {
    const sampled = this.#periodSampled;
    if (this.#periodHits === 0 || sampled === 0) {
      // Not a single hit (a scan, a cold start), or no sampled request to compare with the
      // reference: the period says nothing about the window.
      this.#restartPeriod();
      return;
    }
    // The paired score and, by McNemar, its variance: only discordant requests carry information.
    const score = (this.#periodOwnOnly - this.#periodLruOnly) / sampled;
    const variance = (this.#periodOwnOnly + this.#periodLruOnly) / (sampled * sampled);
    let change = Number.isNaN(this.#previousScore) ? 0 : score - this.#previousScore;
    if (change * change <= CLIMB_Z * CLIMB_Z * (variance + this.#previousVariance)) change = 0;
    let amount = change >= 0 ? this.#step : -this.#step;
    if (
      change === 0 &&
      amount > 0 &&
      this.#share >= this.#maxShare &&
      this.#periodLruOnly <= this.#periodOwnOnly
    ) {
      // At the top the policy is all but its LRU reference: no score can say that a smaller window
      // would do better, and one that kept its direction would stay there for good. Unless the
      // reference was still ahead this period (recency rules: the top is right), probe down by a
      // quarter step: where frequency wins, the reference test takes it from there.
      amount = -PROBE * amount;
    }
    this.#step = Math.abs(change) >= RESTART_THRESHOLD ? (amount >= 0 ? STEP : -STEP) : amount * STEP_DECAY;
    this.#share = Math.min(this.#maxShare, Math.max(this.#minShare, this.#share + amount));
    this.#previousScore = score;
    this.#previousVariance = variance;
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
