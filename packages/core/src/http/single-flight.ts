/**
 * In-process single-flight (DESIGN "Stampede protection" item 1): one leader per key does the work,
 * the others wait for its outcome, bounded by a timeout after which a flight is dropped whether or
 * not its leader ever finished, so the table can never leak.
 */

/** What a waiter gets when the leader did not settle in time. */
export const FLIGHT_TIMEOUT: unique symbol = Symbol('larder.flight-timeout');

/** The leader's side of a flight. */
export interface FlightLeader<T> {
  /** Whether the flight has settled (or timed out). */
  readonly settled: boolean;
  /**
   * Hand `outcome` to every waiter. With `linger`, the settled flight stays joinable until `linger`
   * settles (a store write in progress), so a request arriving meanwhile still gets the outcome
   * instead of missing a store that has not caught up.
   */
  settle(outcome: T, linger?: Promise<unknown>): void;
  /**
   * End the flight now as its timeout would: every waiter gets {@link FLIGHT_TIMEOUT} (and goes to
   * the origin without storing). For a leader that knows no outcome will come in time (the fleet's
   * filler did not finish within the lock timeout). A no-op once settled.
   */
  expire(): void;
}

/**
 * One flight. A class rather than an object of closures, and its promise made only when someone
 * joins: a miss that nobody waits on (most of them) then costs an object and a timer.
 */
class Flight<T> implements FlightLeader<T> {
  settled = false;
  /** What waiters get, once settled. */
  #outcome: T | typeof FLIGHT_TIMEOUT | undefined;
  #promise: Promise<T | typeof FLIGHT_TIMEOUT> | undefined;
  #resolve: ((value: T | typeof FLIGHT_TIMEOUT) => void) | undefined;
  /** Bounds both the waiters' wait and the flight's life in the table. */
  timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly table: Map<string, Flight<T>>,
    readonly key: string,
  ) {}

  /** What a waiter awaits: the outcome, once there is one. */
  get promise(): Promise<T | typeof FLIGHT_TIMEOUT> {
    if (this.#promise === undefined) {
      this.#promise = this.settled
        ? Promise.resolve(this.#outcome as T | typeof FLIGHT_TIMEOUT)
        : new Promise((resolve) => {
            this.#resolve = resolve;
          });
    }
    return this.#promise;
  }

  settle(outcome: T, linger?: Promise<unknown>): void {
    if (this.settled) return;
    this.#end(outcome);
    if (linger === undefined) this.drop();
    else {
      const drop = (): void => this.drop();
      linger.then(drop, drop);
    }
  }

  expire(): void {
    if (this.settled) return;
    this.#end(FLIGHT_TIMEOUT);
    this.drop();
  }

  /** The timer fired: waiters give up, and the flight leaves the table, settled or not. */
  timedOut(): void {
    if (!this.settled) this.#end(FLIGHT_TIMEOUT);
    this.drop();
  }

  drop(): void {
    clearTimeout(this.timer);
    if (this.table.get(this.key) === this) this.table.delete(this.key);
  }

  #end(outcome: T | typeof FLIGHT_TIMEOUT): void {
    this.settled = true;
    this.#outcome = outcome;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.(outcome);
  }
}

function flightTimedOut<T>(flight: Flight<T>): void {
  flight.timedOut();
}

/** A table of in-flight work by key. */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Flight<T>>();
  readonly #timeout: number;

  /** @param timeout How long a flight may run before its waiters give up on it, in ms. */
  constructor(timeout: number) {
    this.#timeout = timeout;
  }

  /** Flights currently joinable. */
  get size(): number {
    return this.#flights.size;
  }

  /** Whether a flight for `key` is joinable. */
  has(key: string): boolean {
    return this.#flights.has(key);
  }

  /** Whether a flight for `key` is running: joinable and not settled yet (not lingering). */
  running(key: string): boolean {
    return this.#flights.get(key)?.settled === false;
  }

  /** Wait for the flight of `key`, or `undefined` when none is running. */
  join(key: string): Promise<T | typeof FLIGHT_TIMEOUT> | undefined {
    return this.#flights.get(key)?.promise;
  }

  /** Lead a new flight for `key`, or `undefined` when one is already running. */
  begin(key: string): FlightLeader<T> | undefined {
    const flights = this.#flights;
    if (flights.has(key)) return undefined;
    const flight = new Flight<T>(flights, key);
    // the flight as the timer's argument: no closure per flight
    const timer = setTimeout(flightTimedOut, this.#timeout, flight);
    timer.unref?.();
    flight.timer = timer;
    flights.set(key, flight);
    return flight;
  }

  /** Release every waiter with a timeout and empty the table (on close). */
  close(): void {
    const flights = [...this.#flights.values()];
    this.#flights.clear();
    for (const flight of flights) {
      if (!flight.settled) flight.settle(FLIGHT_TIMEOUT as T);
      else clearTimeout(flight.timer);
    }
  }
}
