/**
 * {@link CircuitBreaker}: routes around a Redis that is down or too slow, so that requests stop
 * paying a command timeout each while it is (DESIGN "Stampede protection" item 4).
 *
 * ```
 *            N consecutive outage failures             cool-down over: the next call is a probe
 *  closed ───────────────────────────────────► open ─────────────────────────────────────────► half-open
 *    ▲                                            ▲                probe fails                      │
 *    │                                            └─────────────────────────────────────────────────┤
 *    └───────────────────────────────────────────────────────────────── probe succeeds ─────────────┘
 * ```
 *
 * Only outages count: a {@link StoreError} with reason `'timeout'` (slower than the port's command
 * timeout) or `'unavailable'` (connection refused or lost). An error reply (`'reply'`) or unreadable
 * data (`'format'`) proves Redis answered, so it counts as a success for the breaker's purpose. While
 * open, calls reject at once with a `'unavailable'` {@link StoreError} whose message says the circuit
 * is open; callers treat it as any other outage (a read is a miss, a write is skipped, a claim is
 * `'unavailable'`). In half-open state exactly one call (the probe) reaches Redis; the others are
 * rejected as while open. No timer runs: the state advances when calls arrive.
 */
import { ConfigError, checkOptions, type Duration, parseDuration, StoreError } from '@larder/core';

/** The breaker's state. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive outage failures (timeouts, connection errors) that open the circuit. @defaultValue 5 */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe call may go through: ms, or `'2s'`. @defaultValue 2000 */
  cooldown?: Duration;
  /** Called on every state change (after it happened); what it throws is ignored. */
  onStateChange?: (state: BreakerState, previous: BreakerState) => void;
  /** Clock, in ms. @defaultValue performance.now */
  now?: () => number;
}

/** Counters of {@link CircuitBreaker.stats}. */
export interface CircuitBreakerStats {
  state: BreakerState;
  /** Calls let through that succeeded (or failed with a non-outage error). */
  successes: number;
  /** Calls let through that failed with an outage. */
  failures: number;
  /** Calls rejected without reaching Redis because the circuit was open. */
  rejected: number;
  /** Times the circuit opened. */
  opened: number;
}

/** @defaultValue of {@link CircuitBreakerOptions.failureThreshold}. */
export const DEFAULT_FAILURE_THRESHOLD = 5;
/** @defaultValue of {@link CircuitBreakerOptions.cooldown}, in ms. */
export const DEFAULT_COOLDOWN = 2000;

const OPTION_NAMES = ['failureThreshold', 'cooldown', 'onStateChange', 'now'];

/** Whether `error` means Redis is unreachable or too slow (what a breaker counts). */
export function isOutage(error: unknown): boolean {
  return error instanceof StoreError && (error.reason === 'timeout' || error.reason === 'unavailable');
}

/** A circuit breaker for calls to one Redis deployment. */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldown: number;
  readonly #now: () => number;
  readonly #onStateChange: ((state: BreakerState, previous: BreakerState) => void) | undefined;
  #state: BreakerState = 'closed';
  #consecutive = 0;
  #openedAt = 0;
  #probing = false;
  readonly #counts = { successes: 0, failures: 0, rejected: 0, opened: 0 };

  /** @throws {@link ConfigError} for an unknown option or an invalid value. */
  constructor(options: CircuitBreakerOptions = {}) {
    checkOptions(options, OPTION_NAMES, 'breaker');
    const threshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    if (!Number.isSafeInteger(threshold) || threshold < 1) {
      throw new ConfigError('breaker.failureThreshold', threshold, 'a positive integer');
    }
    const cooldown = parseDuration('breaker.cooldown', options.cooldown ?? DEFAULT_COOLDOWN);
    for (const name of ['onStateChange', 'now'] as const) {
      const fn = options[name];
      if (fn !== undefined && typeof fn !== 'function')
        throw new ConfigError(`breaker.${name}`, fn, 'a function');
    }
    this.#threshold = threshold;
    this.#cooldown = cooldown;
    this.#now = options.now ?? (() => performance.now());
    this.#onStateChange = options.onStateChange;
  }

  /** The current state; `'half-open'` once the cool-down is over, even before a probe was sent. */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#cooldown) return 'half-open';
    return this.#state;
  }

  /**
   * Whether the last call reaching Redis went well and the circuit is closed. A multi-step protocol
   * (the stampede lock) checks it before starting, so that while Redis is failing, but before the
   * circuit opens, a request does not pay one command timeout per step.
   */
  get healthy(): boolean {
    return this.#state === 'closed' && this.#consecutive === 0;
  }

  /** A snapshot of the counters. */
  stats(): CircuitBreakerStats {
    return { state: this.state, ...this.#counts };
  }

  /**
   * Run `fn` (one Redis call) unless the circuit is open; record how it went.
   * @param operation - Named in the rejection while open (`'get'`, `'eval larder-get-entry'`).
   */
  run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    let probe = false;
    if (this.#state !== 'closed') {
      if (this.#probing || this.#now() - this.#openedAt < this.#cooldown) {
        this.#counts.rejected++;
        return Promise.reject(
          new StoreError(
            'unavailable',
            operation,
            `Redis ${operation} not sent: the circuit is open after ${this.#threshold} consecutive failures`,
          ),
        );
      }
      probe = true;
      this.#probing = true;
      this.#transition('half-open');
    }
    let pending: Promise<T>;
    try {
      pending = fn();
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (value) => {
        this.#success(probe);
        return value;
      },
      (error: unknown) => {
        if (isOutage(error)) this.#failure(probe);
        else this.#success(probe);
        throw error;
      },
    );
  }

  /** Close the circuit now (tests, or an operator who knows Redis is back). */
  reset(): void {
    this.#consecutive = 0;
    this.#probing = false;
    this.#transition('closed');
  }

  #success(probe: boolean): void {
    this.#counts.successes++;
    if (probe) {
      this.#probing = false;
      this.#consecutive = 0;
      this.#transition('closed');
      return;
    }
    // a call sent before the circuit opened proves nothing about now; only a probe closes it
    if (this.#state === 'closed') this.#consecutive = 0;
  }

  #failure(probe: boolean): void {
    this.#counts.failures++;
    if (probe) {
      this.#probing = false;
      this.#open();
      return;
    }
    if (this.#state !== 'closed') return;
    if (++this.#consecutive >= this.#threshold) this.#open();
  }

  #open(): void {
    this.#openedAt = this.#now();
    this.#counts.opened++;
    this.#transition('open');
  }

  #transition(state: BreakerState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    try {
      this.#onStateChange?.(state, previous);
    } catch {
      // a listener's failure is not the breaker's
    }
  }
}
