/**
 * {@link createRedisBackend}: everything a fleet shares through one Redis, as the `shared` option of
 * the adapters (`app.register(larder, { shared })`, `larder({ shared })`) and of `HttpCache`.
 */
import { randomUUID } from 'node:crypto';
import {
  ConfigError,
  checkOptions,
  type Duration,
  parseDuration,
  parsePositiveDuration,
  type SharedBackend,
} from '@larder/core';
import { isNodeRedisClient } from '../adapters/node-redis.js';
import { ACQUIRE_AND_PEEK, READ_OR_ACQUIRE, RELEASE_LOCK } from '../lock/lock-scripts.js';
import type { LuaScript } from '../lua-script.js';
import type { RedisPort } from '../port.js';
import { RedisStore } from '../redis-store.js';
import { COMMIT_ENTRY, GET_ENTRY, SET_ENTRY } from '../store-scripts.js';
import { isRedisPort, toPort } from '../to-port.js';
import { BreakerPort } from './breaker-port.js';
import { type BreakerState, CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { FleetBus } from './fleet-bus.js';
import { DEFAULT_LOCK_TTL, RedisFillCoordinator } from './redis-fill-coordinator.js';

/** Options of {@link createRedisBackend}. */
export interface RedisBackendOptions {
  /**
   * A node-redis 5/6 client or cluster client (connected: one that is not is a {@link ConfigError}),
   * an ioredis 5/6 `Redis` or `Cluster`, an iovalkey `Redis` or `Cluster` (Valkey), or a
   * {@link RedisPort}. Never closed by Larder: close it yourself after the apps that use it. A client
   * with no `'error'` listener gets one that reports through `onError` (context `'client'`), so a
   * Redis outage never crashes the process with an unhandled `'error'` event; it is removed on
   * {@link RedisBackend.close}.
   */
  client: unknown;
  /** Prefix of every key and channel. Fleets with different prefixes share a server without seeing each other. @defaultValue 'larder:' */
  prefix?: string;
  /**
   * How long a process that fills a key keeps the fleet's lock on it: ms, or a duration string
   * (`'5s'`, `'1.5 min'`). After that one more
   * process may fill it (nginx `proxy_cache_lock_age`), and a holder that died is replaced.
   * @defaultValue 5000
   */
  lockTtl?: Duration;
  /**
   * The stampede protocol. `false` leaves misses coalesced per process only (one origin call per
   * process), with the shared store and the bus still in use. @defaultValue true
   */
  lock?: boolean;
  /**
   * Longest a Redis command may take before it counts as failed: ms, or a duration string
   * (`'500ms'`, `'1s'`), when `client` is a client:
   * a cache read that takes longer is slower than many origins. @defaultValue 500
   */
  commandTimeout?: Duration;
  /**
   * The circuit breaker in front of Redis: `{ failureThreshold, cooldown, onStateChange }`
   * (defaults 5 consecutive failures, 2000 ms), or `false` to send every call (not recommended: each
   * request then waits out a command timeout while Redis hangs). @defaultValue {}
   */
  breaker?: CircuitBreakerOptions | false;
  /**
   * Longest time an entry stays in each process's L1 before it is read from Redis again (ms, or a
   * duration string such as `'10s'`): a
   * bound on staleness should an invalidation message be lost. @defaultValue until the entry expires
   */
  l1Ttl?: Duration;
  /** This process's id on the bus and in fill notices. @defaultValue a random UUID */
  instanceId?: string;
  /** Receives the Redis failures the backend absorbs, with a context such as `'fill.acquire'`. */
  onError?: (error: unknown, context: string) => void;
}

/** What {@link createRedisBackend} returns: a {@link SharedBackend} plus its parts, for inspection. */
export interface RedisBackend extends SharedBackend {
  /** The shared L2. */
  readonly store: RedisStore;
  /** Cross-instance invalidation. */
  readonly bus: FleetBus;
  /** The stampede protocol, unless `lock: false`. */
  readonly fills: RedisFillCoordinator | undefined;
  /** The circuit breaker, unless `breaker: false`. */
  readonly breaker: CircuitBreaker | undefined;
  /** The port everything above talks through (guarded by the breaker). */
  readonly port: RedisPort;
  /** This process's id on the bus and in fill notices. */
  readonly instanceId: string;
  readonly l1Ttl: number | undefined;
  /**
   * Called by each engine that uses the backend; the function it returns is called when that engine
   * closes. When the last engine has gone, the backend closes the connection it opened for pub/sub
   * (so the process can exit); a later user opens it again.
   */
  retain(): () => Promise<void>;
  /** Close what the backend opened, for good (never your client). Idempotent. */
  close(): Promise<void>;
}

/** @defaultValue of {@link RedisBackendOptions.commandTimeout}, in ms. */
export const DEFAULT_BACKEND_COMMAND_TIMEOUT = 500;

const OPTION_NAMES = [
  'client',
  'prefix',
  'lockTtl',
  'lock',
  'commandTimeout',
  'breaker',
  'l1Ttl',
  'instanceId',
  'onError',
];

/**
 * A shared Redis tier for a fleet of processes: `RedisStore` as L2, a bus for L1 invalidations,
 * the stampede protocol ({@link RedisFillCoordinator}), all behind one per-command timeout and one
 * {@link CircuitBreaker}, so that no request ever fails, nor waits long, because Redis did.
 *
 * @example
 * ```ts
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * await app.register(larder, { ttl: '1m', shared: createRedisBackend({ client }) });
 * app.addHook('onClose', () => client.close());
 * ```
 *
 * @throws {@link ConfigError} for an unknown option, an invalid value, or a `client` that is no Redis client.
 */
export function createRedisBackend(options: RedisBackendOptions): RedisBackend {
  checkOptions(options, OPTION_NAMES);
  const { client, prefix, lock = true, onError } = options;
  if (typeof lock !== 'boolean') throw new ConfigError('lock', lock, 'true or false');
  const lockTtl = parsePositiveDuration('lockTtl', options.lockTtl ?? DEFAULT_LOCK_TTL);
  const commandTimeout =
    options.commandTimeout === undefined
      ? DEFAULT_BACKEND_COMMAND_TIMEOUT
      : Math.ceil(parseDuration('commandTimeout', options.commandTimeout));
  const l1Ttl = options.l1Ttl === undefined ? undefined : parsePositiveDuration('l1Ttl', options.l1Ttl);
  if (onError !== undefined && typeof onError !== 'function')
    throw new ConfigError('onError', onError, 'a function');
  const instanceId = options.instanceId ?? randomUUID();
  if (typeof instanceId !== 'string' || instanceId === '') {
    throw new ConfigError('instanceId', instanceId, 'a non-empty string');
  }
  const report = (error: unknown, context: string) => {
    try {
      onError?.(error, context);
    } catch {
      // a throwing reporter must not break the backend
    }
  };

  const given = isRedisPort(client);
  // node-redis rejects every command of a client never connected (it has no offline queue before
  // connect): refuse it now, naming the fix, rather than fail every request's cache read later
  if (!given && isNodeRedisClient(client) && (client as { isOpen?: unknown }).isOpen === false) {
    throw new ConfigError(
      'client',
      client,
      'a connected node-redis client: `await client.connect()` before handing it to Larder',
    );
  }
  const portOptions = { onError: report, commandTimeout };
  // a client that is no Redis client fails here, at construction, not at the first request
  const first = given ? client : toPort(client, portOptions);
  const unguard = given ? undefined : guardErrors(client, report);
  let opened: RedisPort | undefined = first;
  const open = () => {
    const port = opened ?? toPort(client, portOptions);
    opened = undefined;
    return port;
  };

  let bus: FleetBus | undefined;
  let reloadScripts: (() => void) | undefined;
  let fills: RedisFillCoordinator | undefined;
  let breaker: CircuitBreaker | undefined;
  if (options.breaker !== false) {
    const breakerOptions = options.breaker ?? {};
    if (typeof breakerOptions !== 'object' || breakerOptions === null) {
      throw new ConfigError('breaker', breakerOptions, 'an object of breaker options, or false');
    }
    const userListener = breakerOptions.onStateChange;
    breaker = new CircuitBreaker({
      ...breakerOptions,
      onStateChange: (state: BreakerState, previous: BreakerState) => {
        // down: claims waiting for a notice will not get one; back: L1s may have missed messages
        if (state === 'open') fills?.interrupt();
        if (state === 'closed' && previous !== 'closed') {
          bus?.recovered();
          // a Redis that restarted meanwhile has lost its scripts
          reloadScripts?.();
        }
        userListener?.(state, previous);
      },
    });
  }
  const port = new BreakerPort(open, breaker, !given);
  const store = new RedisStore(prefix === undefined ? { client: port } : { client: port, prefix });
  bus = new FleetBus({ port, prefix, instanceId, onError: report });
  const guard = breaker;
  fills = lock
    ? new RedisFillCoordinator({
        store,
        port,
        lockTtl,
        instanceId,
        onError: report,
        ...(guard === undefined ? {} : { healthy: () => guard.healthy }),
      })
    : undefined;
  if (!lock && options.lockTtl !== undefined) {
    // validated all the same, so a typo does not wait for the day the lock is turned on
    new RedisFillCoordinator({ store, port, lockTtl, instanceId });
  }

  let users = 0;
  let closed = false;
  const scripts: readonly LuaScript[] = lock
    ? [GET_ENTRY, READ_OR_ACQUIRE, ACQUIRE_AND_PEEK, COMMIT_ENTRY, SET_ENTRY, RELEASE_LOCK]
    : [GET_ENTRY, SET_ENTRY];
  let loading: Promise<void> | undefined;
  /**
   * `SCRIPT LOAD` of the scripts a miss evaluates, once per connection and after an outage, so that
   * the first cold key of a fresh process (or of a restarted Redis) pays no `NOSCRIPT` round trip
   * and sends no script source. No request waits for it.
   */
  const loadScripts = () => {
    if (loading !== undefined || closed) return;
    const load = port.loadScripts(scripts).catch((error: unknown) => {
      if (loading === load) loading = undefined;
      report(error, 'script load');
    });
    loading = load;
  };
  reloadScripts = () => {
    loading = undefined;
    if (users > 0) loadScripts();
  };
  const suspend = async () => {
    bus.pause();
    fills?.reset();
    loading = undefined;
    await port.suspend();
  };
  return {
    store,
    bus,
    fills,
    breaker,
    port,
    instanceId,
    l1Ttl,
    retain() {
      users++;
      // subscribe to fill notices now, so the first cold requests do not wait for it
      if (!closed) void fills?.subscribe();
      loadScripts();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        if (--users === 0 && !closed) await suspend();
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      unguard?.();
      bus.close();
      await fills?.close();
      await port.close();
    },
  };
}

interface ErrorEmitter {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  off?(event: 'error', listener: (error: unknown) => void): unknown;
  removeListener?(event: 'error', listener: (error: unknown) => void): unknown;
  listenerCount(event: 'error'): number;
}

/**
 * Give a client that has no `'error'` listener one that reports through `report`: node-redis emits
 * `'error'` on every failed reconnection, and an `'error'` event with no listener kills the process.
 * Returns the function that removes it again (nothing to remove when the client had a listener).
 */
function guardErrors(
  client: unknown,
  report: (error: unknown, context: string) => void,
): (() => void) | undefined {
  const emitter = client as Partial<ErrorEmitter> | null;
  if (typeof emitter?.on !== 'function' || typeof emitter.listenerCount !== 'function') return undefined;
  if (emitter.listenerCount('error') > 0) return undefined;
  const listener = (error: unknown) => report(error, 'client');
  emitter.on('error', listener);
  return () => {
    if (typeof emitter.off === 'function') emitter.off('error', listener);
    else emitter.removeListener?.('error', listener);
  };
}
