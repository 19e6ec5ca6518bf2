import type { RemoveListener, RemoveReason, SlowListener, SlowlogEntry, SlowOp } from './cache-types.js';

/** A `remove` event waiting for the operation that caused it to finish. */
export type RemoveEvent<K, V> = [key: K, value: V, reason: RemoveReason];

/** The removal reasons in the order of the {@link Cache}'s removal counters. */
export const REMOVE_REASONS = [
  'evict',
  'expire',
  'delete',
  'set',
  'clear',
] as const satisfies readonly RemoveReason[];

/** Index of each reason in {@link REMOVE_REASONS}. */
export const REASON_INDEX: Record<RemoveReason, number> = {
  evict: 0,
  expire: 1,
  delete: 2,
  set: 3,
  clear: 4,
};

/** The removal counters of a {@link Cache} (indexed as {@link REMOVE_REASONS}) as `stats().evictions`. */
export function removalCounts(removed: Float64Array): Record<RemoveReason, number> {
  return Object.fromEntries(REMOVE_REASONS.map((r, i) => [r, removed[i]!])) as Record<RemoveReason, number>;
}

/**
 * The listeners of a {@link Cache} and its slow log: `remove` events are queued during an operation
 * and delivered once it has finished ({@link CacheEvents.flush}), so listeners may use the cache;
 * a listener that throws never corrupts it (its error goes to `'error'` listeners, or a process
 * warning). The cache keeps references to {@link CacheEvents.removeListeners} and
 * {@link CacheEvents.queue} for its hot path: both arrays keep their identity for life.
 */
export class CacheEvents<K, V> {
  /** `remove` listeners. */
  readonly removeListeners: RemoveListener<K, V>[] = [];
  /** `slow` listeners. */
  readonly slowListeners: SlowListener[] = [];
  /** `error` listeners. */
  readonly errorListeners: ((error: unknown) => void)[] = [];
  /** `remove` events not delivered yet. */
  readonly queue: RemoveEvent<K, V>[] = [];
  #flushing = false;
  readonly #slowlogMaxLen: number;
  #slowlog: SlowlogEntry[] = [];
  #slowId = 0;

  /** @param slowlogMaxLen - the most slow-log entries kept */
  constructor(slowlogMaxLen: number) {
    this.#slowlogMaxLen = slowlogMaxLen;
  }

  /** The listener list of `event`; throws a `TypeError` for an unknown event. */
  listeners(event: 'remove' | 'slow' | 'error'): unknown[] {
    switch (event) {
      case 'remove':
        return this.removeListeners;
      case 'slow':
        return this.slowListeners;
      case 'error':
        return this.errorListeners;
      default:
        throw new TypeError(`Unknown cache event ${JSON.stringify(event)}: expected remove, slow or error`);
    }
  }

  /** Deliver the queued `remove` events (not re-entrantly: a listener's own removals join the queue). */
  flush(): void {
    if (this.queue.length === 0 || this.#flushing) return;
    this.#flushing = true;
    try {
      const events = this.queue;
      for (let i = 0; i < events.length; i++) {
        const [k, v, reason] = events[i]!;
        for (const fn of this.removeListeners) {
          try {
            fn(k, v, reason);
          } catch (error) {
            this.reportError(error);
          }
        }
      }
      events.length = 0;
    } finally {
      this.#flushing = false;
    }
  }

  /** A listener threw: tell the `error` listeners, or emit a process warning when there are none. */
  reportError(error: unknown): void {
    if (this.errorListeners.length === 0) {
      process.emitWarning(
        `A cache listener threw: ${error instanceof Error ? error.message : String(error)}`,
        'LarderListenerWarning',
        'LARDER_LISTENER_ERROR',
      );
      return;
    }
    for (const fn of this.errorListeners) {
      try {
        fn(error);
      } catch {
        // an error listener that throws has nowhere left to report to
      }
    }
  }

  /** Log a slow operation `op` on `key` (undefined for none) that took `duration` ms, and tell the `slow` listeners. */
  slow(op: SlowOp, key: unknown, duration: number): void {
    const entry: SlowlogEntry = { id: this.#slowId++, timestamp: Date.now() - duration, duration, op };
    if (key !== undefined) entry.key = key;
    const log = this.#slowlog;
    log.unshift(entry);
    if (log.length > this.#slowlogMaxLen) log.length = this.#slowlogMaxLen;
    for (const fn of this.slowListeners) {
      try {
        fn(entry);
      } catch (error) {
        this.reportError(error);
      }
    }
  }

  /** The slow log, newest first: at most `count` entries (all when `count` is undefined or negative). */
  slowlog(count?: number): SlowlogEntry[] {
    const log = this.#slowlog;
    return log.slice(0, count === undefined || count < 0 ? log.length : count);
  }

  /** Empty the slow log. */
  slowlogReset(): void {
    this.#slowlog = [];
  }
}
