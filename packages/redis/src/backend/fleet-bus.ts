/**
 * {@link FleetBus}: the invalidation bus of a Redis backend, built on {@link RedisBus}, made to
 * survive Redis outages and to serve several engines of one process.
 *
 * - Each engine gets its own endpoint ({@link FleetBus.connect}): a {@link RedisBus} with an id of
 *   its own, so it hears every other endpoint's messages, in this process or another, but not its own.
 * - A subscription that Redis refused (it was down when the engine started) is tried again when
 *   the backend's circuit closes, and on a backoff timer (1 s doubling to 30 s) otherwise; the
 *   promise of `subscribe` resolves once the subscription is live.
 * - Pub/sub is at most once: messages published while a subscriber was cut off are lost. So when
 *   the circuit closes after having opened, every live subscriber receives `{ clear: true }`: its L1
 *   may have missed invalidations and is dropped (L2 still has the entries).
 */
import type { InvalidationBus, InvalidationMessage } from '@larder/core';
import type { RedisPort } from '../port.js';
import { RedisBus } from '../redis-bus.js';

/** Options of {@link FleetBus}. */
export interface FleetBusOptions {
  /** The (breaker-guarded) port. */
  port: RedisPort;
  /** Key and channel prefix; the channel is `<prefix>bus`. */
  prefix?: string | undefined;
  /** The id of this process; endpoints append `/<n>`. */
  instanceId: string;
  /** Receives absorbed failures (a subscription refused, a malformed message). */
  onError?: ((error: unknown, context: string) => void) | undefined;
}

type Handler = (message: InvalidationMessage) => void;

/** Longest wait between two attempts to subscribe, in ms. */
const MAX_RETRY = 30_000;

/** The invalidation bus of `createRedisBackend`; see the module comment. */
export class FleetBus implements InvalidationBus {
  readonly #options: FleetBusOptions;
  readonly #root: RedisBus;
  /** Live subscribers, told `{ clear: true }` on recovery. */
  readonly #live = new Set<Handler>();
  /** Subscriptions waiting to be tried again, woken on recovery. */
  readonly #pending = new Set<() => void>();
  #endpoints = 0;
  /** Bumped by {@link FleetBus.pause}: subscriptions still being retried from before give up. */
  #epoch = 0;
  #closed = false;

  constructor(options: FleetBusOptions) {
    this.#options = options;
    this.#root = this.#bus(options.instanceId);
  }

  /** The channel invalidations travel on. */
  get channel(): string {
    return this.#root.channel;
  }

  publish(message: InvalidationMessage): Promise<number> {
    return this.#root.publish(message);
  }

  subscribe(handler: Handler): Promise<() => Promise<void>> {
    return this.#subscribe(this.#root, handler);
  }

  /** A new endpoint for one more engine of this process. */
  connect(): InvalidationBus {
    const bus = this.#bus(`${this.#options.instanceId}/${++this.#endpoints}`);
    return {
      publish: (message) => bus.publish(message),
      subscribe: (handler) => this.#subscribe(bus, handler),
    };
  }

  /**
   * Redis is reachable again after an outage: try pending subscriptions now, and tell the live ones
   * to drop their L1 (they may have missed messages).
   */
  recovered(): void {
    for (const wake of [...this.#pending]) wake();
    for (const handler of this.#live) {
      try {
        handler({ clear: true });
      } catch (error) {
        this.#options.onError?.(error, 'bus.handler');
      }
    }
  }

  /**
   * Stop retrying the subscriptions not yet made (their owners have gone: the backend's last engine
   * closed), so that a retry does not open a connection nobody will close. Later subscriptions work.
   */
  pause(): void {
    this.#epoch++;
    for (const wake of [...this.#pending]) wake();
  }

  /** Stop retrying subscriptions, for good. Live ones are ended by their owners. */
  close(): void {
    this.#closed = true;
    this.pause();
  }

  #bus(instanceId: string): RedisBus {
    const o = this.#options;
    const options: ConstructorParameters<typeof RedisBus>[0] = { client: o.port, instanceId };
    if (o.prefix !== undefined) options.prefix = o.prefix;
    if (o.onError !== undefined) options.onError = o.onError;
    return new RedisBus(options);
  }

  async #subscribe(bus: RedisBus, handler: Handler): Promise<() => Promise<void>> {
    const epoch = this.#epoch;
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) throw new Error('the backend is closed');
      if (epoch !== this.#epoch) throw new Error('the backend was released by its last engine');
      try {
        const unsubscribe = await bus.subscribe(handler);
        this.#live.add(handler);
        return async () => {
          this.#live.delete(handler);
          await unsubscribe();
        };
      } catch (error) {
        this.#options.onError?.(error, 'bus.subscribe');
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#pending.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(MAX_RETRY, 1000 * 2 ** attempt));
        timer.unref();
        this.#pending.add(wake);
      });
    }
  }
}
