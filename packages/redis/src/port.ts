/**
 * The one small interface through which every part of `@larder/redis` (the store, the bus, the lock)
 * talks to Redis, whichever client the user holds. {@link toPort} builds one from a node-redis or
 * ioredis client, standalone or cluster.
 */
import type { Duration } from '@larder/core';
import type { LuaScript } from './lua-script.js';

/** What a command takes as a value: text (sent as UTF-8) or bytes (sent as they are). */
export type RedisValue = string | Uint8Array;

/** A script argument: numbers are sent as their decimal string. */
export type ScriptArg = string | number | Uint8Array;

/** One element of a script's reply: an integer, a string (always as bytes), or nil (Lua `false`). */
export type ScriptScalar = number | Buffer | null;

/**
 * What {@link RedisPort.eval} resolves: the script's integer, string or nil, or a flat array of them.
 * The same shape over RESP2 and RESP3 and from either client; strings are always `Buffer`s (call
 * `.toString()` for text), so binary replies survive.
 */
export type ScriptReply = ScriptScalar | ScriptScalar[];

/** Options of {@link RedisPort.set}. */
export interface SetOptions {
  /** Expire after this many ms (`PX`). A positive integer. */
  px?: number;
  /** Only set when the key does not exist (`NX`). */
  nx?: boolean;
}

/** Receives a message on a subscribed channel: the payload as bytes, and the channel's name. */
export type MessageListener = (message: Buffer, channel: string) => void;

/** A live subscription made by {@link RedisPort.subscribe}. */
export interface Subscription {
  /** The channel subscribed to. */
  readonly channel: string;
  /** Stop this listener; the channel is unsubscribed on the server when its last listener goes. Idempotent. */
  unsubscribe(): Promise<void>;
}

/** Options of {@link toPort}. */
export interface RedisPortOptions {
  /**
   * Longest a command may take (ms, or a duration string such as `'500ms'`, `'2s'`) before its promise rejects with a `'timeout'`
   * {@link StoreError} (the client may still complete it later; node-redis also drops it from its
   * offline queue if it was not sent yet). `0` disables the timeout.
   * @defaultValue 1000
   */
  commandTimeout?: Duration;
  /**
   * Receives errors that no caller can be given: the subscriber connection's errors, a message
   * listener that threw. Never rethrown.
   * @defaultValue ignore them
   */
  onError?: (error: unknown, context: string) => void;
}

/**
 * The Redis operations Larder needs, the same on node-redis 5/6 and ioredis 5/6, standalone or
 * cluster. Every method returns a promise and never throws synchronously; every failure is a
 * {@link StoreError} (from `@larder/core`) with `reason` `'timeout'`, `'unavailable'`, `'reply'` or
 * `'format'`, and the client's error as `cause`.
 *
 * The port does not own the client it was made from: {@link RedisPort.close} closes only what the
 * port opened itself (the subscriber connection). Connect the client before use (node-redis needs
 * `await client.connect()`; ioredis connects by itself) and close it yourself.
 *
 * On a cluster, every multi-key command must name keys of one hash slot (give them the same `{...}`
 * hash tag, as {@link KeyLayout} does), except {@link RedisPort.del}, which splits by key.
 */
export interface RedisPort {
  /** Which client library is behind this port. */
  readonly client: 'node-redis' | 'ioredis';
  /** Whether the client is a cluster client: pub/sub is then sharded (`SPUBLISH`/`SSUBSCRIBE`). */
  readonly cluster: boolean;
  /** The per-command timeout in force, in ms; `0` when disabled. */
  readonly commandTimeout: number;

  /** `GET key`: the value's bytes, or `null` when the key does not exist. */
  get(key: string): Promise<Buffer | null>;
  /** `SET key value [PX px] [NX]`: resolves whether the value was set (false only under `nx`). */
  set(key: string, value: RedisValue, options?: SetOptions): Promise<boolean>;
  /** `DEL`: resolves how many of `keys` existed. On a cluster the keys may be in any slots. */
  del(keys: string | readonly string[]): Promise<number>;
  /**
   * Runs `script` by `EVALSHA`, and by `EVAL` when the server does not know it yet (`NOSCRIPT`). On a
   * cluster it runs on the node of `keys[0]` (all `keys` must share its slot), or any node without keys.
   */
  eval(script: LuaScript, keys: readonly string[], args?: readonly ScriptArg[]): Promise<ScriptReply>;
  /**
   * Publishes `message` on `channel` (`SPUBLISH` on a cluster, `PUBLISH` otherwise); resolves how
   * many subscribers received it (on a cluster: of that channel's shard).
   */
  publish(channel: string, message: RedisValue): Promise<number>;
  /**
   * Subscribes `listener` to `channel` (`SSUBSCRIBE` on a cluster, `SUBSCRIBE` otherwise) over a
   * dedicated subscriber connection, made with the client's `duplicate()` on first use. Resolves
   * once the server has confirmed the subscription, so a message published after that is delivered.
   * Both clients resubscribe by themselves after a reconnect; messages published while the
   * subscriber was disconnected are lost (pub/sub is at most once).
   */
  subscribe(channel: string, listener: MessageListener): Promise<Subscription>;
  /**
   * Iterates the keys matching the glob `match` on every master (`SCAN`), a batch at a time. For
   * maintenance (clearing a store, tests), never for the request path. Keys added or removed during
   * the iteration may or may not be seen.
   */
  scan(match: string, options?: { count?: number }): AsyncIterable<string[]>;
  /**
   * Loads `scripts` into the script cache of every master (`SCRIPT LOAD`), so that their first
   * {@link RedisPort.eval} finds them: no `NOSCRIPT` round trip and no `EVAL` carrying the source
   * (a Redis just started or restarted, a failover). Optional: a port without it lets `eval` fall back
   * as always. Sent at once and awaited by no command; `eval` still falls back when a script is gone.
   */
  loadScripts?(scripts: readonly LuaScript[]): Promise<void>;
  /** Closes the subscriber connection, if any; later calls reject as `'unavailable'`. Idempotent. */
  close(): Promise<void>;
}
