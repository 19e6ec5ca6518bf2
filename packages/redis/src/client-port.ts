/**
 * The part of a {@link RedisPort} that is the same for every client: timeouts, error mapping, the
 * `EVALSHA`/`EVAL` fallback, reply normalisation, per-key `DEL` on a cluster, listener fan-out over
 * one subscriber connection, and `SCAN` over every master. An adapter supplies a {@link PortDriver}:
 * the few primitives that differ between node-redis and ioredis.
 */
import { setMaxListeners } from 'node:events';
import { parseDuration, StoreError } from '@larder/core';
import { LoopDeadline } from './loop-deadline.js';
import type { LuaScript } from './lua-script.js';
import type {
  MessageListener,
  RedisPort,
  RedisPortOptions,
  RedisValue,
  ScriptArg,
  ScriptReply,
  ScriptScalar,
  SetOptions,
  Subscription,
} from './port.js';

/** A command argument as the drivers send it. */
export type CommandArg = string | Buffer;

/** The dedicated subscriber connection of a port. */
export interface SubscriberConnection {
  /** Subscribes the connection to `channel` (sharded on a cluster); resolves once the server confirmed. */
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
}

/** The primitives an adapter provides for one client. */
export interface PortDriver {
  readonly client: 'node-redis' | 'ioredis';
  readonly cluster: boolean;
  /**
   * Sends one command on the client, routed by `key` on a cluster (any node when `undefined`), and
   * resolves its reply with every string as a `Buffer`. `signal` aborts when the port gave up on the
   * command (its deadline passed): a client that can drop a command it has not sent yet should.
   * The port enforces the timeout itself; a driver never sets a timer of its own.
   */
  send(
    key: string | undefined,
    args: readonly CommandArg[],
    signal: AbortSignal | undefined,
  ): Promise<unknown>;
  /** Opens the subscriber connection (a `duplicate()` of the client); `onMessage` receives every message. */
  openSubscriber(
    onMessage: (channel: string, message: Buffer) => void,
    onError: (error: unknown) => void,
  ): Promise<SubscriberConnection>;
  /** One sender per master (one in all for a standalone client), for `SCAN`. */
  masters(): Promise<((args: readonly CommandArg[]) => Promise<unknown>)[]>;
}

/**
 * Why a driver refuses a command at once: its client lost the connection it had and is reconnecting
 * (the port reports it as an `'unavailable'` {@link StoreError}).
 */
export const RECONNECTING = 'the client lost its connection to Redis and is reconnecting';

/** @defaultValue of {@link RedisPortOptions.commandTimeout}, in ms. */
export const DEFAULT_COMMAND_TIMEOUT = 1000;

/** Whether `error` is an error reply from the server (as opposed to a connection or client failure). */
export function isReplyError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // ioredis: ReplyError (v6 names a subclass SimpleError but keeps the name); node-redis: ErrorReply
  // and its subclasses SimpleError and BlobError, whose instances are named 'Error'
  if (error.name === 'ReplyError' || error.name === 'ErrorReply') return true;
  for (let proto = Object.getPrototypeOf(error); proto != null; proto = Object.getPrototypeOf(proto)) {
    if (proto === Error.prototype) break;
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (name === 'ErrorReply' || name === 'ReplyError') return true;
  }
  return false;
}

/** The name of the class of `error` (node-redis's errors keep the name `'Error'`), else its `name`. */
function clientErrorName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const name = (error.constructor as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== '' && name !== 'Error' ? name : error.name;
}

/**
 * Whether a client gave up on a command by its own timeout: node-redis's `TimeoutError` (from a
 * command's `timeout` option or its maintenance handling; an anonymous `Error` by `name`, so the
 * class is looked for), ioredis's "Command timed out" (its `commandTimeout` option), or any error
 * named `TimeoutError` (`AbortSignal.timeout`).
 */
export function isTimeoutError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.message === 'Command timed out') return true;
  for (let proto = Object.getPrototypeOf(error); proto != null; proto = Object.getPrototypeOf(proto)) {
    if (proto === Error.prototype) break;
    if ((proto as { constructor?: { name?: unknown } }).constructor?.name === 'TimeoutError') return true;
  }
  return false;
}

function isNoScript(error: unknown): boolean {
  return isReplyError(error) && (error as Error).message.startsWith('NOSCRIPT');
}

/** Maps what a client threw to a {@link StoreError} (kept as it is when it already is one). */
export function toStoreError(error: unknown, operation: string): StoreError {
  if (error instanceof StoreError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  if (isReplyError(error)) {
    return new StoreError('reply', operation, `Redis ${operation} failed: ${detail}`, { cause: error });
  }
  if (isTimeoutError(error)) {
    const what = detail === '' ? `the client's ${clientErrorName(error)}` : detail;
    return new StoreError('timeout', operation, `Redis ${operation} timed out: ${what}`, { cause: error });
  }
  if (detail === '') {
    const what = `${clientErrorName(error)} without a message`;
    return new StoreError('unavailable', operation, `Redis ${operation} failed: ${what}`, { cause: error });
  }
  return new StoreError('unavailable', operation, `Redis ${operation} failed: ${detail}`, { cause: error });
}

/** A zero-copy `Buffer` view of `value`, or the string itself. */
function toArg(value: RedisValue): CommandArg {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function toScalar(value: unknown, operation: string): ScriptScalar {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (typeof value === 'bigint') return Number(value);
  // RESP3 booleans only reach us from scripts that switched to RESP3 themselves; map as RESP2 would
  if (typeof value === 'boolean') return value ? 1 : null;
  throw new StoreError(
    'format',
    operation,
    `Redis ${operation} returned ${Array.isArray(value) ? 'a nested array' : `a ${typeof value}`}; ` +
      'Larder scripts must return integers, strings, nil or flat arrays of them',
  );
}

function toCount(reply: unknown): number {
  return typeof reply === 'number' ? reply : Number(reply);
}

function validTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_COMMAND_TIMEOUT;
  // a duration: ms, or a string such as '500ms' or '2s'; 0 disables the timeout
  return Math.ceil(parseDuration('commandTimeout', value));
}

interface ChannelState {
  /** One entry per live subscription (a wrapper, so one function subscribed twice counts twice). */
  readonly listeners: Set<MessageListener>;
  /** Settles when the server confirmed the subscription. */
  readonly ready: Promise<void>;
  readonly connection: SubscriberConnection;
}

/** The {@link RedisPort} over a {@link PortDriver}. */
export class ClientPort implements RedisPort {
  readonly client: 'node-redis' | 'ioredis';
  readonly cluster: boolean;
  readonly commandTimeout: number;
  readonly #driver: PortDriver;
  readonly #onError: (error: unknown, context: string) => void;
  readonly #channels = new Map<string, ChannelState>();
  #subscriber: Promise<SubscriberConnection> | undefined;
  #closed = false;

  constructor(driver: PortDriver, options: RedisPortOptions = {}) {
    this.#driver = driver;
    this.client = driver.client;
    this.cluster = driver.cluster;
    this.commandTimeout = validTimeout(options.commandTimeout);
    const onError = options.onError;
    this.#onError = (error, context) => {
      if (onError === undefined) return;
      try {
        onError(error, context);
      } catch {
        // a reporting hook that throws must not take the subscriber down with it
      }
    };
  }

  get(key: string): Promise<Buffer | null> {
    return this.#run('get', async (signal) => {
      const reply = await this.#driver.send(key, ['GET', key], signal);
      return reply == null ? null : Buffer.isBuffer(reply) ? reply : Buffer.from(String(reply), 'utf8');
    });
  }

  set(key: string, value: RedisValue, options: SetOptions = {}): Promise<boolean> {
    const args: CommandArg[] = ['SET', key, toArg(value)];
    if (options.px !== undefined) {
      if (!Number.isSafeInteger(options.px) || options.px <= 0) {
        return Promise.reject(new RangeError(`set: px must be a positive integer of ms, got ${options.px}`));
      }
      args.push('PX', String(options.px));
    }
    if (options.nx === true) args.push('NX');
    return this.#run('set', async (signal) => (await this.#driver.send(key, args, signal)) != null);
  }

  del(keys: string | readonly string[]): Promise<number> {
    const list = typeof keys === 'string' ? [keys] : keys;
    if (list.length === 0) return Promise.resolve(0);
    return this.#run('del', async (signal) => {
      if (!this.cluster) return toCount(await this.#driver.send(list[0], ['DEL', ...list], signal));
      // keys of several slots cannot share one DEL on a cluster; the client pipelines these. Each adds
      // an abort listener to this call's own signal: no leak, so no MaxListenersExceededWarning
      if (signal !== undefined) setMaxListeners(list.length + 1, signal);
      const counts = await Promise.all(list.map((key) => this.#driver.send(key, ['DEL', key], signal)));
      let total = 0;
      for (const count of counts) total += toCount(count);
      return total;
    });
  }

  eval(script: LuaScript, keys: readonly string[], args: readonly ScriptArg[] = []): Promise<ScriptReply> {
    const rest: CommandArg[] = [String(keys.length), ...keys];
    for (const arg of args) rest.push(typeof arg === 'number' ? String(arg) : toArg(arg));
    const operation = `eval ${script.name}`;
    return this.#run(operation, async (signal) => {
      let reply: unknown;
      try {
        reply = await this.#driver.send(keys[0], ['EVALSHA', script.sha1, ...rest], signal);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        // EVAL also loads the script into the node's cache, so the next EVALSHA finds it
        reply = await this.#driver.send(keys[0], ['EVAL', script.source, ...rest], signal);
      }
      if (Array.isArray(reply)) return reply.map((element) => toScalar(element, operation));
      return toScalar(reply, operation);
    });
  }

  loadScripts(scripts: readonly LuaScript[]): Promise<void> {
    return this.#run('script load', async (signal) => {
      const load = (send: (args: readonly CommandArg[]) => Promise<unknown>) =>
        scripts.map((script) => send(['SCRIPT', 'LOAD', script.source]));
      // standalone: written now, on the connection every later EVALSHA takes, so they find them
      const sent = this.cluster
        ? (await this.#driver.masters()).flatMap(load)
        : load((args) => this.#driver.send(undefined, args, signal));
      await Promise.all(sent);
    });
  }

  publish(channel: string, message: RedisValue): Promise<number> {
    const command = this.cluster ? 'SPUBLISH' : 'PUBLISH';
    return this.#run('publish', async (signal) =>
      toCount(await this.#driver.send(channel, [command, channel, toArg(message)], signal)),
    );
  }

  subscribe(channel: string, listener: MessageListener): Promise<Subscription> {
    if (typeof listener !== 'function') {
      return Promise.reject(new TypeError('subscribe: listener must be a function'));
    }
    // each subscription is its own entry, so unsubscribing one leaves another of the same function
    const entry: MessageListener = (message, from) => listener(message, from);
    let state: ChannelState | undefined;
    let abandoned = false;
    return this.#run(
      'subscribe',
      async () => {
        const connection = await this.#connection();
        if (abandoned) throw new Error('subscribe abandoned');
        state = this.#channels.get(channel);
        if (state === undefined) {
          const created: ChannelState = {
            listeners: new Set(),
            ready: connection.subscribe(channel),
            connection,
          };
          state = created;
          this.#channels.set(channel, created);
          created.ready.catch(() => {
            if (this.#channels.get(channel) === created) this.#channels.delete(channel);
          });
        }
        // listen before the confirmation is seen: a message the server sends right after it may be
        // read from the socket before this function resumes
        state.listeners.add(entry);
        try {
          await state.ready;
        } catch (error) {
          state.listeners.delete(entry);
          throw error;
        }
        if (abandoned) throw new Error('subscribe abandoned');
        return this.#subscription(channel, state, entry);
      },
      () => {
        // the caller was given a timeout: what completes later must not stay subscribed
        abandoned = true;
        if (state !== undefined) {
          this.#release(channel, state, entry).catch((error: unknown) => this.#onError(error, 'unsubscribe'));
        }
      },
    );
  }

  async *scan(match: string, options: { count?: number } = {}): AsyncIterable<string[]> {
    const count = String(options.count ?? 250);
    const masters = await this.#run('scan', () => this.#driver.masters());
    for (const send of masters) {
      let cursor = '0';
      do {
        const reply = await this.#run('scan', () => send(['SCAN', cursor, 'MATCH', match, 'COUNT', count]));
        if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) {
          throw new StoreError('format', 'scan', 'Redis scan returned an unexpected reply');
        }
        cursor = String(reply[0]);
        const keys = (reply[1] as unknown[]).map((key) => String(key));
        if (keys.length > 0) yield keys;
      } while (cursor !== '0');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber === undefined) return;
    try {
      await (await subscriber).close();
    } catch (error) {
      this.#onError(error, 'close subscriber');
    }
  }

  #subscription(channel: string, state: ChannelState, entry: MessageListener): Subscription {
    let active = true;
    return {
      channel,
      unsubscribe: () => {
        if (!active) return Promise.resolve();
        active = false;
        return this.#release(channel, state, entry);
      },
    };
  }

  /** Drops one subscription's entry; unsubscribes on the server when it was the channel's last. */
  #release(channel: string, state: ChannelState, entry: MessageListener): Promise<void> {
    if (!state.listeners.delete(entry) || state.listeners.size > 0) return Promise.resolve();
    if (this.#channels.get(channel) !== state) return Promise.resolve();
    this.#channels.delete(channel);
    if (this.#closed) return Promise.resolve();
    return this.#run('unsubscribe', async () => {
      await state.ready;
      // a new subscription to the channel made meanwhile keeps the server-side one
      if (!this.#channels.has(channel)) await state.connection.unsubscribe(channel);
    });
  }

  #connection(): Promise<SubscriberConnection> {
    if (this.#subscriber === undefined) {
      const opening = this.#driver.openSubscriber(
        (channel, message) => this.#dispatch(channel, message),
        (error) => this.#onError(error, 'subscriber'),
      );
      this.#subscriber = opening;
      // a failed open is forgotten so that the next subscribe tries again; one that is only slow
      // (past the command timeout) is kept and reused
      opening.catch(() => {
        if (this.#subscriber === opening) this.#subscriber = undefined;
      });
    }
    return this.#subscriber;
  }

  #dispatch(channel: string, message: Buffer): void {
    const state = this.#channels.get(channel);
    if (state === undefined) return;
    for (const listener of state.listeners) {
      try {
        listener(message, channel);
      } catch (error) {
        this.#onError(error, `listener of ${channel}`);
      }
    }
  }

  /**
   * Runs `fn` under the command timeout, mapping every failure to a {@link StoreError}; `onTimeout`
   * is told when the caller was given up on (the work itself may still finish). The timeout counts
   * only the time this process's event loop was free ({@link LoopDeadline}): a busy loop is not
   * Redis being slow. `fn`'s signal aborts at the deadline, so a client can drop an unsent command.
   */
  #run<T>(
    operation: string,
    fn: (signal: AbortSignal | undefined) => Promise<T>,
    onTimeout?: () => void,
  ): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new StoreError('unavailable', operation, `Redis ${operation}: the port is closed`),
      );
    }
    const timeout = this.commandTimeout;
    if (timeout === 0) {
      try {
        return fn(undefined).catch((error: unknown) => Promise.reject(toStoreError(error, operation)));
      } catch (error) {
        return Promise.reject(toStoreError(error, operation));
      }
    }
    const abort = new AbortController();
    let promise: Promise<T>;
    try {
      promise = fn(abort.signal);
    } catch (error) {
      return Promise.reject(toStoreError(error, operation));
    }
    return new Promise<T>((resolve, reject) => {
      const deadline = new LoopDeadline(timeout, () => {
        onTimeout?.();
        abort.abort();
        reject(
          new StoreError('timeout', operation, `Redis ${operation} did not answer within ${timeout} ms`),
        );
      });
      promise.then(
        (value) => {
          deadline.cancel();
          resolve(value);
        },
        (error: unknown) => {
          deadline.cancel();
          reject(toStoreError(error, operation));
        },
      );
    });
  }
}
