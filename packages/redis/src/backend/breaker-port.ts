/**
 * {@link BreakerPort}: a {@link RedisPort} whose every command goes through a {@link CircuitBreaker},
 * so the store, the bus and the stampede lock of a backend all route around one dead Redis together.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { REDIS_TRACING_CHANNEL, type RedisCallTrace, StoreError } from '@larder/core';
import type { LuaScript } from '../lua-script.js';
import type {
  MessageListener,
  RedisPort,
  RedisValue,
  ScriptArg,
  ScriptReply,
  SetOptions,
  Subscription,
} from '../port.js';
import type { CircuitBreaker } from './circuit-breaker.js';

/** `tracing:larder:redis:*`: every command of a backend, for APM agents and `@larder/opentelemetry`. */
const redisTracing = tracingChannel<unknown, RedisCallTrace>(REDIS_TRACING_CHANNEL);

/**
 * A {@link RedisPort} in front of another, opened on first use by `open` (and again after
 * {@link BreakerPort.suspend}), with every command run through `breaker` (when there is one). The
 * per-command timeout is the inner port's.
 */
export class BreakerPort implements RedisPort {
  readonly #open: () => RedisPort;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #owns: boolean;
  #inner: RedisPort | undefined;
  /** The last inner port opened, for its `client`, `cluster` and `commandTimeout` once suspended. */
  #last: RedisPort | undefined;
  #closed = false;

  /**
   * @param open - Makes the inner port (called lazily, and again after a suspend).
   * @param breaker - The breaker, or `undefined` to pass every call through.
   * @param owns - Whether {@link BreakerPort.suspend} may close what `open` made (false for a port the user gave).
   */
  constructor(open: () => RedisPort, breaker: CircuitBreaker | undefined, owns: boolean) {
    this.#open = open;
    this.#breaker = breaker;
    this.#owns = owns;
  }

  #port(): RedisPort {
    if (this.#closed) throw new StoreError('unavailable', 'port', 'Redis: the backend is closed');
    if (this.#inner === undefined) this.#last = this.#inner = this.#open();
    return this.#inner;
  }

  /** The inner port for its metadata: the open one, else the last one, else a new one. */
  #meta(): RedisPort {
    return this.#inner ?? this.#last ?? this.#port();
  }

  #run<T>(operation: string, fn: () => Promise<T>, key?: string): Promise<T> {
    if (redisTracing.hasSubscribers) {
      const trace: RedisCallTrace = { command: operation, key };
      return redisTracing.tracePromise(() => this.#call(operation, fn), trace);
    }
    return this.#call(operation, fn);
  }

  #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.#breaker !== undefined) return this.#breaker.run(operation, fn);
    try {
      return fn();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  get client(): 'node-redis' | 'ioredis' {
    return this.#meta().client;
  }

  get cluster(): boolean {
    return this.#meta().cluster;
  }

  get commandTimeout(): number {
    return this.#meta().commandTimeout;
  }

  get(key: string): Promise<Buffer | null> {
    return this.#run('get', () => this.#port().get(key), key);
  }

  set(key: string, value: RedisValue, options?: SetOptions): Promise<boolean> {
    return this.#run('set', () => this.#port().set(key, value, options), key);
  }

  del(keys: string | readonly string[]): Promise<number> {
    return this.#run('del', () => this.#port().del(keys));
  }

  eval(script: LuaScript, keys: readonly string[], args?: readonly ScriptArg[]): Promise<ScriptReply> {
    return this.#run(`eval ${script.name}`, () => this.#port().eval(script, keys, args), keys[0]);
  }

  loadScripts(scripts: readonly LuaScript[]): Promise<void> {
    return this.#run('script load', async () => {
      await this.#port().loadScripts?.(scripts);
    });
  }

  publish(channel: string, message: RedisValue): Promise<number> {
    return this.#run('publish', () => this.#port().publish(channel, message));
  }

  subscribe(channel: string, listener: MessageListener): Promise<Subscription> {
    return this.#run('subscribe', () => this.#port().subscribe(channel, listener));
  }

  async *scan(match: string, options?: { count?: number }): AsyncIterable<string[]> {
    // maintenance, not the request path: only refused while the circuit is open
    const port = await this.#run('scan', async () => this.#port());
    yield* port.scan(match, options);
  }

  /**
   * Close the inner port if this port made it (its subscriber connection goes); the next command
   * opens a new one. Subscriptions made before are gone.
   */
  async suspend(): Promise<void> {
    const inner = this.#inner;
    if (inner === undefined || !this.#owns) return;
    this.#inner = undefined;
    // a client closing while Redis is down may wait for a reconnection that never comes: closing
    // must not hang the application's shutdown
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(1000, inner.commandTimeout));
      timer.unref();
    });
    await Promise.race([inner.close().catch(() => {}), bound]);
    clearTimeout(timer);
  }

  /** {@link BreakerPort.suspend} for good: later commands reject as `'unavailable'`. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.suspend();
  }
}
