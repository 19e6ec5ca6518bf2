/**
 * {@link LoopDeadline}: a timeout that does not blame Redis for the time this process's own event
 * loop was busy.
 *
 * A plain `setTimeout(reject, 500)` around a Redis command fires whenever 500 ms of wall time have
 * passed. When the event loop was blocked meanwhile (a freshly started process compiling its code,
 * 250 requests parsed in one turn, a machine whose CPUs another process saturates), the reply may
 * have been sitting in the socket for most of that time: Node runs expired timers before it reads
 * sockets, so the timer fires first and a command Redis answered in 1 ms "times out". Under exactly
 * the load where a fleet needs its stampede protection most, every Redis read then fails.
 *
 * So the deadline counts only the time the loop was free: while any deadline is armed, one unref'd
 * 10 ms ticker measures how late it runs; lateness beyond a tick is time the loop was stalled. When a
 * deadline's timer fires, the stall since the deadline was armed is subtracted from the elapsed time,
 * and if what is left is under the timeout, the timer is armed again for the rest (Node reads the
 * sockets in between, so an answer that was waiting arrives first). A wall-clock cap still bounds
 * every wait: a loop that never recovers cannot hold a request forever.
 */

/** The ticker's period, in ms: stalls shorter than this are not noticed (nor need to be). */
const TICK = 10;

/** How many deadlines are armed (the ticker runs while there is one). */
let armed = 0;
/** Total stall measured since the process started, in ms. */
let stalled = 0;
/** When the stall was last measured. */
let last = 0;
let ticker: ReturnType<typeof setInterval> | undefined;

/** Measure the stall up to now; returns the running total. */
function sample(): number {
  const now = performance.now();
  const gap = now - last - TICK;
  if (gap > 0) stalled += gap;
  last = now;
  return stalled;
}

function arm(): number {
  if (armed++ === 0) {
    last = performance.now();
    ticker = setInterval(sample, TICK);
    ticker.unref();
  }
  return sample();
}

function disarm(): void {
  if (--armed === 0 && ticker !== undefined) {
    clearInterval(ticker);
    ticker = undefined;
  }
}

/**
 * Calls `fire` once `timeout` ms have passed during which the event loop was free (see the module
 * comment), and at the latest after `cap` ms of wall time. Call {@link LoopDeadline.cancel} when the
 * awaited thing settled; `fire` is called at most once, and never after `cancel`.
 */
export class LoopDeadline {
  readonly #timeout: number;
  readonly #cap: number;
  readonly #fire: () => void;
  readonly #started: number;
  readonly #stallAtStart: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #done = false;

  /**
   * @param timeout - ms of free event-loop time to wait, above zero.
   * @param fire - Called when the deadline passes.
   * @param cap - Longest wall-clock wait, in ms. @defaultValue 10 × `timeout`
   */
  constructor(timeout: number, fire: () => void, cap = timeout * 10) {
    this.#timeout = timeout;
    this.#cap = Math.max(cap, timeout);
    this.#fire = fire;
    this.#started = performance.now();
    this.#stallAtStart = arm();
    this.#schedule(timeout);
  }

  /** Stop waiting; `fire` will not be called. Idempotent. */
  cancel(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    disarm();
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => this.#check(), Math.max(1, Math.ceil(ms)));
    this.#timer.unref();
  }

  #check(): void {
    if (this.#done) return;
    const elapsed = performance.now() - this.#started;
    const free = elapsed - (sample() - this.#stallAtStart);
    const rest = Math.min(this.#timeout - free, this.#cap - elapsed);
    if (rest >= 1) {
      // the loop was busy for part of the wait: give the answer the time the loop could not
      this.#schedule(rest);
      return;
    }
    this.cancel();
    this.#fire();
  }
}
