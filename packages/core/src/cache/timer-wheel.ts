/**
 * The expiry index behind `ttlAutopurge`: a hierarchical timer wheel over slot indices, so that a
 * cache needs one timer in all, armed for {@link TimerWheel.nextDeadline}, instead of one per key.
 *
 * Design (hierarchical timing wheels as in Varghese and Lauck, Kafka's purgatory and Caffeine):
 *
 * - Five levels of 64 buckets. A level-`i` bucket spans `2^(6i)` ms, so level 0 has 1 ms buckets
 *   covering 64 ms, then 64 ms buckets covering about 4.1 s, 4.1 s buckets covering about 4.4 min,
 *   4.4 min buckets covering about 4.7 h, and 4.7 h buckets covering about 12.4 days. An entry goes to
 *   the finest level whose buckets reach its expiry without wrapping around; anything later waits in
 *   one overflow bucket. Ticks are `floor(time / span)` on absolute times, so the wheel works the same
 *   for `performance.now()` and `Date.now()` values.
 * - A bucket is a circular doubly-linked list threaded through typed arrays indexed by node: nodes
 *   `[0, SENTINELS)` are the buckets' sentinels, node `SENTINELS + slot` is the slot. Linking,
 *   unlinking and moving a whole bucket are O(1) and allocate nothing; `resize` only extends arrays.
 *   A sentinel's `expiresAt` cell holds a lower bound of its bucket's expiries (exact when entries are
 *   added, possibly left low by cancels), which is what `nextDeadline` and level 0 read.
 * - `advance` first moves onto a pending list every bucket whose time may have come: level-0 buckets
 *   that may hold a due entry, every coarser bucket the clock crossed, and the overflow once its
 *   earliest entry may fit the top level. Then it drains that list, comparing each entry with its
 *   exact `expiresAt`: due entries expire, the rest are placed again relative to the new time (a
 *   cascade to a finer level). Whatever `expire` schedules lands in ordinary buckets, so one call
 *   never loops on its own work.
 */

/** Bits of bucket index per level: 64 buckets, and each level's bucket spans a whole finer level. */
const BUCKET_BITS = 6;
const BUCKETS = 1 << BUCKET_BITS;
const MASK = BUCKETS - 1;
const LEVELS = 5;
const TOP = LEVELS - 1;
const OVERFLOW = LEVELS * BUCKETS;
const PENDING = OVERFLOW + 1;
const SENTINELS = PENDING + 1;
/** Largest capacity whose node indices still fit an Int32Array. */
const MAX_CAPACITY = 2 ** 31 - 1 - SENTINELS;
/** `2^(-6i)`: multiplying by a power of two is exact, so `floor(time * INV_SPAN[i])` is an exact tick. */
const INV_SPAN = Float64Array.from({ length: LEVELS }, (_, level) => 2 ** (-BUCKET_BITS * level));

/**
 * A hierarchical timer wheel that tracks when slots (integers in `[0, capacity)`) expire.
 *
 * All times are absolute milliseconds on the caller's clock (`performance.now()`, `Date.now()` or an
 * injected one); fractions are fine. `schedule`, `cancel`, `has` and reschedules are O(1) and do not
 * allocate. `advance` costs amortised O(1) per entry it expires or moves to a finer level, plus the
 * buckets the clock crossed (at most 64 per level). One exception to the amortised bound: level-0
 * buckets are 1 ms wide, and the one holding the current millisecond is drained whenever its lower
 * bound says something in it is due, so several `advance` calls within one millisecond may each look
 * again at that millisecond's entries that are not due yet.
 *
 * Time never runs backwards inside the wheel: an `advance(now)` with `now` before an earlier call
 * still expires every slot whose `expiresAt <= now`, but does not rewind the wheel.
 *
 * @example
 * ```ts
 * const wheel = new TimerWheel(1024, performance.now());
 * wheel.schedule(7, performance.now() + 30_000);
 * // Later, from the one timer, armed for wheel.nextDeadline():
 * wheel.advance(performance.now(), (slot) => removeExpired(slot));
 * ```
 */
export class TimerWheel {
  #capacity: number;
  /** Next node in the node's bucket; `-1` marks an unscheduled slot. */
  #next: Int32Array;
  #prev: Int32Array;
  /** A slot's expiry (ms), or for a sentinel a lower bound of its bucket's expiries. */
  #expiresAt: Float64Array;
  /** The wheel's time (ms): the latest `now` it has seen. */
  #time: number;
  /** The tick of `#time` at each level. */
  #ticks = new Float64Array(LEVELS);
  #size = 0;
  /** Cached result of `nextDeadline()`; NaN when it must be recomputed. */
  #deadline = Number.POSITIVE_INFINITY;
  /** A lower bound of the expiries moved onto the pending list during the current `advance`. */
  #pendingMin = Number.POSITIVE_INFINITY;
  #advancing = false;

  /**
   * @param capacity - Number of slots: slots are integers in `[0, capacity)`. Grow later with
   *   {@link TimerWheel.resize}.
   * @param now - The current time in ms, on the clock all later times use.
   * @throws RangeError when `capacity` is not a non-negative integer or `now` is not finite.
   */
  constructor(capacity: number, now: number) {
    checkCapacity(capacity);
    checkTime(now, 'now');
    const length = SENTINELS + capacity;
    this.#capacity = capacity;
    this.#next = new Int32Array(length);
    this.#prev = new Int32Array(length);
    this.#expiresAt = new Float64Array(length);
    for (let sentinel = 0; sentinel < SENTINELS; sentinel++) {
      this.#next[sentinel] = sentinel;
      this.#prev[sentinel] = sentinel;
    }
    this.#next.fill(-1, SENTINELS);
    this.#time = now;
    this.#setTicks(now);
  }

  /** Number of scheduled slots. */
  get size(): number {
    return this.#size;
  }

  /**
   * Grow to hold slots in `[0, capacity)`. Never shrinks: a smaller `capacity` is ignored. Keeps
   * everything that is scheduled. O(capacity).
   *
   * @throws RangeError when `capacity` is not a non-negative integer.
   */
  resize(capacity: number): void {
    checkCapacity(capacity);
    const old = this.#capacity;
    if (capacity <= old) return;
    const length = SENTINELS + capacity;
    const next = new Int32Array(length);
    next.set(this.#next);
    next.fill(-1, SENTINELS + old);
    const prev = new Int32Array(length);
    prev.set(this.#prev);
    const expiresAt = new Float64Array(length);
    expiresAt.set(this.#expiresAt);
    this.#next = next;
    this.#prev = prev;
    this.#expiresAt = expiresAt;
    this.#capacity = capacity;
  }

  /**
   * Schedule `slot` to expire at `expiresAt`, replacing any earlier schedule of the slot. A time at or
   * before the wheel's time expires on the next {@link TimerWheel.advance}. Called from inside an
   * `expire` callback, the slot waits for the next `advance` even when already due.
   *
   * @param slot - An integer in `[0, capacity)`.
   * @param expiresAt - Absolute time in ms; any finite number.
   * @throws RangeError when `slot` is out of range or `expiresAt` is NaN or infinite.
   */
  schedule(slot: number, expiresAt: number): void {
    if (!(Number.isInteger(slot) && slot >= 0 && slot < this.#capacity)) {
      throw new RangeError(`TimerWheel: slot must be an integer in [0, ${this.#capacity}), got ${slot}`);
    }
    checkTime(expiresAt, 'expiresAt');
    const node = SENTINELS + slot;
    if (this.#next[node] === -1) {
      this.#size++;
    } else {
      this.#unlink(node);
      // The old time may have been the cached minimum.
      if (this.#expiresAt[node]! <= this.#deadline) this.#deadline = Number.NaN;
    }
    this.#expiresAt[node] = expiresAt;
    this.#place(node, expiresAt);
    if (expiresAt < this.#deadline) this.#deadline = expiresAt;
  }

  /** Remove the schedule of `slot`, if it has one; a no-op otherwise (including out-of-range slots). O(1). */
  cancel(slot: number): void {
    const node = this.#scheduledNode(slot);
    if (node < 0) return;
    this.#unlink(node);
    this.#size--;
    if (this.#size === 0 && !this.#advancing) this.#deadline = Number.POSITIVE_INFINITY;
    else if (this.#expiresAt[node]! <= this.#deadline) this.#deadline = Number.NaN;
  }

  /** Whether `slot` is scheduled. False for out-of-range slots. O(1). */
  has(slot: number): boolean {
    return this.#scheduledNode(slot) >= 0;
  }

  /**
   * Move the wheel's time to `now` and call `expire(slot)` for every scheduled slot whose
   * `expiresAt <= now`, after unscheduling it; slots are never expired before their `expiresAt`.
   *
   * `expire` may schedule or cancel other slots and reschedule the slot it was given. A slot it
   * cancels is not expired by this call; a slot it schedules waits for the next call even when already
   * due. If `expire` throws, the error propagates and the due slots not reached yet stay scheduled
   * (the next call expires them). Once this returns, {@link TimerWheel.nextDeadline} is later than
   * `now` unless `expire` scheduled something at or before `now`.
   *
   * @param now - The current time in ms. A time before the wheel's time expires what is due by then
   *   without rewinding the wheel.
   * @param expire - Called once per expired slot.
   * @returns The number of slots expired.
   * @throws RangeError when `now` is NaN or infinite.
   * @throws Error when called from inside an `expire` callback of this wheel.
   */
  advance(now: number, expire: (slot: number) => void): number {
    checkTime(now, 'now');
    if (this.#advancing) throw new Error('TimerWheel: advance() called from inside its own expire callback');
    this.#advancing = true;
    this.#deadline = Number.NaN;
    this.#pendingMin = Number.POSITIVE_INFINITY;
    let expired = 0;
    try {
      this.#collect(now);
      let node: number;
      // Fields are read afresh each round: `expire` may resize the arrays.
      while ((node = this.#next[PENDING]!) !== PENDING) {
        this.#unlink(node);
        const expiresAt = this.#expiresAt[node]!;
        if (expiresAt <= now) {
          this.#size--;
          expired++;
          expire(node - SENTINELS);
        } else {
          this.#place(node, expiresAt);
        }
      }
    } finally {
      // Only left non-empty by a throwing `expire`: the due entries land in the current level-0
      // bucket, which the next call drains.
      let node: number;
      while ((node = this.#next[PENDING]!) !== PENDING) {
        this.#unlink(node);
        this.#place(node, this.#expiresAt[node]!);
      }
      this.#advancing = false;
      this.#deadline = Number.NaN;
    }
    return expired;
  }

  /**
   * The earliest time (absolute ms) at which {@link TimerWheel.advance} could expire something, or
   * `Infinity` when nothing is scheduled. Never later than the earliest scheduled `expiresAt`; it may
   * be earlier (a bucket's bound is not raised by a cancel), in which case an `advance` at that time
   * expires nothing and tightens the bound. A result at or before the wheel's time means something is
   * due now. Reads at most one bucket head per level; cached between changes.
   */
  nextDeadline(): number {
    if (this.#size === 0) return Number.POSITIVE_INFINITY;
    let deadline = this.#deadline;
    if (!Number.isNaN(deadline)) return deadline;
    const next = this.#next;
    const times = this.#expiresAt;
    deadline = next[PENDING] === PENDING ? Number.POSITIVE_INFINITY : this.#pendingMin;
    for (let level = 0; level < LEVELS; level++) {
      const base = level << BUCKET_BITS;
      const tick = this.#ticks[level]!;
      // Buckets in time order from the current tick: the first non-empty one holds the level's earliest
      // entries (only level 0's current bucket holds overdue ones, and it comes first).
      for (let ahead = 0; ahead < BUCKETS; ahead++) {
        const bucket = base | ((tick + ahead) & MASK);
        if (next[bucket] !== bucket) {
          if (times[bucket]! < deadline) deadline = times[bucket]!;
          break;
        }
      }
    }
    if (next[OVERFLOW] !== OVERFLOW && times[OVERFLOW]! < deadline) deadline = times[OVERFLOW]!;
    if (!this.#advancing) this.#deadline = deadline;
    return deadline;
  }

  /** Unschedule everything. O(scheduled slots + buckets). Safe inside an `expire` callback. */
  clear(): void {
    const next = this.#next;
    const prev = this.#prev;
    for (let sentinel = 0; sentinel < SENTINELS; sentinel++) {
      let node = next[sentinel]!;
      while (node !== sentinel) {
        const after = next[node]!;
        next[node] = -1;
        node = after;
      }
      next[sentinel] = sentinel;
      prev[sentinel] = sentinel;
    }
    this.#size = 0;
    this.#deadline = this.#advancing ? Number.NaN : Number.POSITIVE_INFINITY;
  }

  #scheduledNode(slot: number): number {
    if (!(slot >= 0 && slot < this.#capacity)) return -1;
    const node = SENTINELS + slot;
    // A fractional index reads undefined.
    const next = this.#next[node];
    return next === undefined || next === -1 ? -1 : node;
  }

  #setTicks(time: number): void {
    for (let level = 0; level < LEVELS; level++) this.#ticks[level] = Math.floor(time * INV_SPAN[level]!);
  }

  /** Link `node` at the tail of the bucket that `expiresAt` belongs to, relative to the wheel's time. */
  #place(node: number, expiresAt: number): void {
    const ticks = this.#ticks;
    let bucket = OVERFLOW;
    for (let level = 0; level < LEVELS; level++) {
      const current = ticks[level]!;
      const tick = Math.floor(expiresAt * INV_SPAN[level]!);
      // Fewer than BUCKETS ticks ahead: the bucket is not shared with an earlier rotation. A level above
      // 0 is only reached when the entry is at least one of its ticks ahead, so its current bucket
      // stays empty. Overdue entries (only at level 0) go in the current bucket.
      if (tick - current < BUCKETS) {
        bucket = (level << BUCKET_BITS) | (Math.max(tick, current) & MASK);
        break;
      }
    }
    const next = this.#next;
    const prev = this.#prev;
    const times = this.#expiresAt;
    const tail = prev[bucket]!;
    next[tail] = node;
    prev[node] = tail;
    next[node] = bucket;
    prev[bucket] = node;
    if (tail === bucket || expiresAt < times[bucket]!) times[bucket] = expiresAt;
  }

  #unlink(node: number): void {
    const next = this.#next;
    const prev = this.#prev;
    const before = prev[node]!;
    const after = next[node]!;
    next[before] = after;
    prev[after] = before;
    next[node] = -1;
  }

  /** Move the whole of `bucket` to the tail of the pending list. */
  #splice(bucket: number): void {
    const next = this.#next;
    const prev = this.#prev;
    const first = next[bucket]!;
    const last = prev[bucket]!;
    const tail = prev[PENDING]!;
    next[tail] = first;
    prev[first] = tail;
    next[last] = PENDING;
    prev[PENDING] = last;
    next[bucket] = bucket;
    prev[bucket] = bucket;
    const bound = this.#expiresAt[bucket]!;
    if (bound < this.#pendingMin) this.#pendingMin = bound;
  }

  /** Advance the wheel's time and move every bucket that may hold a due or cascading entry to pending. */
  #collect(now: number): void {
    if (now > this.#time) this.#time = now;
    const time = this.#time;
    const ticks = this.#ticks;
    const next = this.#next;
    const times = this.#expiresAt;

    // Level 0: from the old tick to the new one inclusive, all 64 buckets at most. Every bucket before
    // the new tick holds only due entries; the new tick's bucket is partly in the future, so it is
    // drained only when its lower bound says something in it may be due.
    const from = ticks[0]!;
    const to = Math.floor(time);
    ticks[0] = to;
    const last = Math.min(to - from, MASK);
    for (let ahead = 0; ahead <= last; ahead++) {
      const bucket = (from + ahead) & MASK;
      if (next[bucket] !== bucket && times[bucket]! <= now) this.#splice(bucket);
    }

    // Coarser levels: every bucket whose tick the clock reached, so its entries move to finer levels
    // before the bucket comes round again.
    for (let level = 1; level < LEVELS; level++) {
      const previous = ticks[level]!;
      const current = Math.floor(time * INV_SPAN[level]!);
      // Ticks nest, so when this level's tick did not move, no coarser one did either.
      if (current === previous) break;
      ticks[level] = current;
      const base = level << BUCKET_BITS;
      const crossed = Math.min(current - previous, BUCKETS);
      for (let ahead = 1; ahead <= crossed; ahead++) {
        const bucket = base | ((previous + ahead) & MASK);
        if (next[bucket] !== bucket) this.#splice(bucket);
      }
    }

    // The overflow, once its earliest entry may fit in the top level's window.
    if (
      next[OVERFLOW] !== OVERFLOW &&
      Math.floor(times[OVERFLOW]! * INV_SPAN[TOP]!) - ticks[TOP]! < BUCKETS
    ) {
      this.#splice(OVERFLOW);
    }
  }
}

function checkCapacity(capacity: number): void {
  if (!(Number.isInteger(capacity) && capacity >= 0 && capacity <= MAX_CAPACITY)) {
    throw new RangeError(`TimerWheel: capacity must be an integer in [0, ${MAX_CAPACITY}], got ${capacity}`);
  }
}

function checkTime(time: number, name: string): void {
  if (!Number.isFinite(time))
    throw new RangeError(`TimerWheel: ${name} must be a finite number of ms, got ${time}`);
}
