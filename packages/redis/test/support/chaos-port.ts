/**
 * A {@link RedisPort} around a real one that fails on demand (the bentocache "chaos store" idea): the
 * commands reach a real Redis until a test says `fail(...)`, then the chosen operations reject as a
 * dead or slow Redis would, with no waiting; `slow(...)` holds chosen operations back before they
 * reach Redis. Not a mock: everything it lets through is real.
 *
 * Operation names: `'get'`, `'set'`, `'del'`, `'eval <script name>'` (as `'eval larder-tag-add'`),
 * `'publish'`, `'subscribe'`, `'scan'`.
 */
import { StoreError, type StoreErrorReason } from '@larder/core';
import type { LuaScript } from '../../src/lua-script.js';
import type {
  MessageListener,
  RedisPort,
  RedisValue,
  ScriptArg,
  ScriptReply,
  SetOptions,
  Subscription,
} from '../../src/port.js';

interface Fault {
  reason: StoreErrorReason;
  when: (operation: string) => boolean;
  /** How many more operations to fail; `Infinity` until healed. */
  remaining: number;
}

/** A real port that fails the operations a test picks. */
export class ChaosPort implements RedisPort {
  readonly inner: RedisPort;
  /** Every operation attempted, in order, failed or not. */
  readonly calls: string[] = [];
  #faults: Fault[] = [];
  #delays: { when: (operation: string) => boolean; ms: number }[] = [];

  constructor(inner: RedisPort) {
    this.inner = inner;
  }

  get client(): 'node-redis' | 'ioredis' {
    return this.inner.client;
  }

  get cluster(): boolean {
    return this.inner.cluster;
  }

  get commandTimeout(): number {
    return this.inner.commandTimeout;
  }

  /**
   * Fails the operations for which `when(operation)` is true (every one by default) with a
   * {@link StoreError} of `reason`, `times` times (until {@link heal} by default).
   */
  fail(reason: StoreErrorReason, when: (operation: string) => boolean = () => true, times = Infinity): void {
    this.#faults.push({ reason, when, remaining: times });
  }

  /** Lets every operation through again, at once. */
  heal(): void {
    this.#faults = [];
    this.#delays = [];
  }

  /** Holds the operations for which `when(operation)` is true back `ms` before sending them. */
  slow(when: (operation: string) => boolean, ms: number): void {
    this.#delays.push({ when, ms });
  }

  #guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
    this.calls.push(operation);
    const fault = this.#faults.find((f) => f.remaining > 0 && f.when(operation));
    if (fault === undefined) {
      const held = this.#delays.find((d) => d.when(operation));
      return held === undefined ? run() : new Promise((resolve) => setTimeout(resolve, held.ms)).then(run);
    }
    fault.remaining--;
    return Promise.reject(
      new StoreError(fault.reason, operation, `chaos: ${operation} failed (${fault.reason})`),
    );
  }

  get(key: string): Promise<Buffer | null> {
    return this.#guard('get', () => this.inner.get(key));
  }

  set(key: string, value: RedisValue, options?: SetOptions): Promise<boolean> {
    return this.#guard('set', () => this.inner.set(key, value, options));
  }

  del(keys: string | readonly string[]): Promise<number> {
    return this.#guard('del', () => this.inner.del(keys));
  }

  eval(script: LuaScript, keys: readonly string[], args?: readonly ScriptArg[]): Promise<ScriptReply> {
    return this.#guard(`eval ${script.name}`, () => this.inner.eval(script, keys, args));
  }

  publish(channel: string, message: RedisValue): Promise<number> {
    return this.#guard('publish', () => this.inner.publish(channel, message));
  }

  subscribe(channel: string, listener: MessageListener): Promise<Subscription> {
    return this.#guard('subscribe', () => this.inner.subscribe(channel, listener));
  }

  async *scan(match: string, options?: { count?: number }): AsyncIterable<string[]> {
    await this.#guard('scan', () => Promise.resolve());
    yield* this.inner.scan(match, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
