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

interface Flight<T> extends FlightLeader<T> {
  settled: boolean;
  promise: Promise<T | typeof FLIGHT_TIMEOUT>;
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
    if (this.#flights.has(key)) return undefined;
    let resolve!: (value: T | typeof FLIGHT_TIMEOUT) => void;
    const promise = new Promise<T | typeof FLIGHT_TIMEOUT>((r) => {
      resolve = r;
    });
    const drop = () => {
      clearTimeout(timer);
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    const flight: Flight<T> = {
      promise,
      settled: false,
      settle: (outcome, linger) => {
        if (flight.settled) return;
        flight.settled = true;
        resolve(outcome);
        if (linger === undefined) drop();
        else linger.then(drop, drop);
      },
      expire: () => {
        if (flight.settled) return;
        flight.settled = true;
        resolve(FLIGHT_TIMEOUT);
        drop();
      },
    };
    // the timer bounds both the waiters' wait and the entry's life in the table
    const timer = setTimeout(() => {
      if (!flight.settled) {
        flight.settled = true;
        resolve(FLIGHT_TIMEOUT);
      }
      drop();
    }, this.#timeout);
    timer.unref?.();
    this.#flights.set(key, flight);
    return flight;
  }

  /** Release every waiter with a timeout and empty the table (on close). */
  close(): void {
    const flights = [...this.#flights.values()];
    this.#flights.clear();
    for (const flight of flights) {
      if (!flight.settled) flight.settle(FLIGHT_TIMEOUT as T);
    }
  }
}
