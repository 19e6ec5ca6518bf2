import type { Perf, Status } from './cache-types.js';
import { TimerWheel } from './timer-wheel.js';

/** What a {@link CacheExpiry} with autopurge tells its cache. */
export interface ExpiryOwner {
  /** lru-cache's `ttlResolution`: the clock is read at most once per this many ms (read on each use). */
  readonly ttlResolution: number;
  /** The entry in `index` is due and stale: remove it (if the slot is still live). */
  expired(index: number): void;
  /** A purge pass is over: deliver what it queued. */
  purged(): void;
}

/**
 * The time-to-live state of a {@link Cache}, switched on the first time an entry gets a TTL (as
 * lru-cache's TTL tracking): per slot, the TTL and the start time on the cache's clock (0 for
 * none), and with `ttlAutopurge` one {@link TimerWheel} driven by a single unref'd timer that
 * removes entries when they go stale.
 *
 * Every time here is on the cache's `perf` clock, in milliseconds. An entry is stale when
 * `now - start > ttl`, as in lru-cache.
 */
export class CacheExpiry {
  /** slot -> TTL in ms, 0 for none */
  ttls: Float64Array;
  /** slot -> start time on the cache's clock, 0 for none */
  starts: Float64Array;
  readonly #perf: Perf;
  readonly #owner: ExpiryOwner;
  readonly #wheel: TimerWheel | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #purging = false;
  #cachedNow = 0;

  /**
   * @param capacity - slots to track
   * @param perf - the cache's clock
   * @param autopurge - remove entries when they go stale (`ttlAutopurge`)
   * @param owner - the cache
   */
  constructor(capacity: number, perf: Perf, autopurge: boolean, owner: ExpiryOwner) {
    this.ttls = new Float64Array(capacity);
    this.starts = new Float64Array(capacity);
    this.#perf = perf;
    this.#owner = owner;
    this.#wheel = autopurge ? new TimerWheel(capacity, perf.now()) : undefined;
  }

  /** Track slots up to `capacity`. */
  grow(capacity: number): void {
    const ttls = new Float64Array(capacity);
    ttls.set(this.ttls);
    this.ttls = ttls;
    const starts = new Float64Array(capacity);
    starts.set(this.starts);
    this.starts = starts;
    this.#wheel?.resize(capacity);
  }

  /** The clock, read at most once per `ttlResolution` ms (lru-cache's debounce). */
  now(): number {
    if (this.#cachedNow !== 0) return this.#cachedNow;
    const n = this.#perf.now();
    const resolution = this.#owner.ttlResolution;
    if (resolution > 0) {
      this.#cachedNow = n;
      setTimeout(() => {
        this.#cachedNow = 0;
      }, resolution).unref?.();
    }
    return n;
  }

  /** Whether the entry in `index` outlived its TTL. */
  isStale(index: number): boolean {
    const t = this.ttls[index]!;
    const s = this.starts[index]!;
    return t !== 0 && s !== 0 && this.now() - s > t;
  }

  /** Give the entry in `index` a TTL of `ttl` ms (0: none) counted from `start`. */
  set(index: number, ttl: number, start: number = this.#perf.now()): void {
    this.starts[index] = ttl !== 0 ? start : 0;
    this.ttls[index] = ttl;
    if (this.#wheel !== undefined) this.#schedule(index);
  }

  /** Restart the TTL of the entry in `index` from now (`updateAgeOnGet`, `updateAgeOnHas`). */
  touch(index: number): void {
    this.starts[index] = this.ttls[index] !== 0 ? this.#perf.now() : 0;
    if (this.#wheel !== undefined) this.#schedule(index);
  }

  /** Time left in ms for the entry in `index`: `Infinity` without a TTL, negative when stale. */
  remaining(index: number): number {
    const t = this.ttls[index]!;
    const s = this.starts[index]!;
    if (!t || !s) return Number.POSITIVE_INFINITY;
    return t - (this.now() - s);
  }

  /** Fill the TTL fields of a `status` object for the entry in `index`, if it has a TTL. */
  status(
    status: Pick<Status<unknown, unknown, unknown>, 'ttl' | 'start' | 'now' | 'remainingTTL'>,
    index: number,
  ): void {
    const ttl = this.ttls[index]!;
    const start = this.starts[index]!;
    if (!ttl || !start) return;
    status.ttl = ttl;
    status.start = start;
    status.now = this.now();
    status.remainingTTL = ttl - (status.now - start);
  }

  /** `info()`'s view: the time left in `entry.ttl` and `Date.now()` in `entry.start`, when there is a TTL. */
  describe(entry: { ttl?: number; start?: number }, index: number): void {
    const ttl = this.ttls[index]!;
    const start = this.starts[index]!;
    if (!ttl || !start) return;
    entry.ttl = ttl - (this.#perf.now() - start);
    entry.start = Date.now();
  }

  /** `dump()`'s view: the TTL, and the start as a `Date.now()` time, so that a dump survives a restart. */
  dump(entry: { ttl?: number; start?: number }, index: number): void {
    entry.ttl = this.ttls[index]!;
    const age = this.#perf.now() - this.starts[index]!;
    entry.start = Math.floor(Date.now() - age);
  }

  /** The entry in `index` left: no purge for it. */
  cancel(index: number): void {
    this.#wheel?.cancel(index);
  }

  /** Every entry left. */
  clear(): void {
    this.ttls.fill(0);
    this.starts.fill(0);
    this.#wheel?.clear();
  }

  /** Stop the purge timer (expiry becomes lazy until the next TTL is set). */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #schedule(index: number): void {
    const wheel = this.#wheel!;
    const ttl = this.ttls[index]!;
    const start = this.starts[index]!;
    if (!ttl || !start) {
      wheel.cancel(index);
      return;
    }
    // stale means now - start > ttl: due one ms after the TTL, as lru-cache's own timers
    wheel.schedule(index, start + ttl + 1);
    // while the wheel is advancing, #purgeDue arms the timer once it is done
    if (!this.#purging) this.#armTimer();
  }

  #armTimer(): void {
    const deadline = this.#wheel!.nextDeadline();
    if (deadline >= this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = deadline;
    if (deadline === Number.POSITIVE_INFINITY) {
      this.#timer = undefined;
      return;
    }
    const delay = Math.max(0, deadline - this.#perf.now());
    this.#timer = setTimeout(() => this.#purgeDue(), Math.min(delay, 0x7fffffff));
    this.#timer.unref?.();
  }

  #purgeDue(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const wheel = this.#wheel!;
    this.#purging = true;
    try {
      wheel.advance(this.#perf.now(), (index) => {
        this.#cachedNow = 0;
        if (this.isStale(index)) this.#owner.expired(index);
        else this.#schedule(index);
      });
    } finally {
      this.#purging = false;
    }
    this.#armTimer();
    this.#owner.purged();
  }
}
