/**
 * {@link RedisBus}: invalidations between the instances of a fleet, so each can drop what it holds
 * in its own L1 when any of them invalidates.
 *
 * Channel: `<prefix>bus` ({@link KeyLayout.busChannel}); `SPUBLISH`/`SSUBSCRIBE` on a cluster
 * (sharded pub/sub: the channel lives on the shard that owns its slot), `PUBLISH`/`SUBSCRIBE`
 * otherwise.
 *
 * Wire format, version 1: one JSON object per message,
 *
 * ```json
 * {"v":1,"from":"<instance id>","keys":["<cache key>", ...],"tags":["<tag>", ...],"clear":true}
 * ```
 *
 * `v` and `from` are always present; `keys`, `tags` and `clear` only when they say something. A URL
 * invalidation travels as the engine's URL tag in `tags`. Receivers ignore fields they do not know
 * and drop (reporting to `onError`) messages that are not version 1 or not of this shape, so a newer
 * sender can add fields without breaking older receivers.
 *
 * Delivery is Redis pub/sub: at most once, to the instances subscribed at that moment. An instance
 * whose subscriber connection was down misses what was published meanwhile; bound L1 staleness with
 * the L1 TTL, and clear L1 when Redis comes back.
 */
import { randomUUID } from 'node:crypto';
import { ConfigError, checkOptions, type InvalidationMessage } from '@larder/core';
import { KeyLayout } from './key-layout.js';
import type { RedisPort, Subscription } from './port.js';
import { isRedisPort, toPort } from './to-port.js';
import { readWireMessage } from './wire-message.js';

/** A received `InvalidationMessage` (core's type), with who sent it. */
export interface ReceivedInvalidation extends InvalidationMessage {
  keys: string[];
  tags: string[];
  clear: boolean;
  /** The sender's {@link RedisBus.instanceId}. */
  from: string;
}

/** Options of {@link RedisBus}. */
export interface RedisBusOptions {
  /** A node-redis or ioredis client (standalone or cluster, connected), or a {@link RedisPort}. */
  client: unknown;
  /** Key and channel prefix; the channel is `<prefix>bus`. @defaultValue 'larder:' */
  prefix?: string;
  /** This instance's id, sent with each message. @defaultValue a random UUID */
  instanceId?: string;
  /** Per-command timeout in ms, when `client` is a client. @defaultValue 1000 */
  commandTimeout?: number;
  /** Receives malformed messages and listener errors; never rethrown. */
  onError?: (error: unknown, context: string) => void;
}

/** Options of {@link RedisBus.subscribe}. */
export interface BusSubscribeOptions {
  /** Deliver this instance's own messages too. @defaultValue false */
  includeOwn?: boolean;
}

const OPTION_NAMES = ['client', 'prefix', 'instanceId', 'commandTimeout', 'onError'];

function stringArray(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return undefined;
  return value as string[];
}

/**
 * Decodes one bus message; `undefined` when it is not a version 1 message of the documented shape.
 */
export function decodeBusMessage(payload: Buffer | string): ReceivedInvalidation | undefined {
  const m = readWireMessage(payload);
  if (m === undefined) return undefined;
  const keys = stringArray(m.keys);
  const tags = stringArray(m.tags);
  if (keys === undefined || tags === undefined) return undefined;
  if (m.clear !== undefined && typeof m.clear !== 'boolean') return undefined;
  return { keys, tags, clear: m.clear === true, from: m.from };
}

/** Encodes one bus message (format version 1). */
export function encodeBusMessage(from: string, message: InvalidationMessage): string {
  const wire: Record<string, unknown> = { v: 1, from };
  if (message.keys !== undefined && message.keys.length > 0) wire.keys = message.keys;
  if (message.tags !== undefined && message.tags.length > 0) wire.tags = message.tags;
  if (message.clear === true) wire.clear = true;
  return JSON.stringify(wire);
}

/**
 * Publishes and receives invalidations over Redis pub/sub. Each instance makes one bus with its own
 * `instanceId`; a listener skips the instance's own messages unless asked otherwise.
 *
 * @example
 * ```ts
 * const bus = new RedisBus({ client });
 * await bus.subscribe((m) => { if (m.clear) l1.clear(); else l1.drop(m.keys, m.tags); });
 * await bus.publish({ tags: ['product:42'] });
 * ```
 */
export class RedisBus {
  /** This instance's id, in every message it sends. */
  readonly instanceId: string;
  /** The channel messages travel on. */
  readonly channel: string;
  /** The port to Redis. */
  readonly port: RedisPort;
  readonly #ownsPort: boolean;
  readonly #onError: (error: unknown, context: string) => void;
  readonly #subscriptions = new Set<Subscription>();

  /** @throws {@link ConfigError} for an unknown option or an invalid value. */
  constructor(options: RedisBusOptions) {
    checkOptions(options, OPTION_NAMES);
    const instanceId = options.instanceId ?? randomUUID();
    if (typeof instanceId !== 'string' || instanceId === '') {
      throw new ConfigError('instanceId', instanceId, 'a non-empty string');
    }
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new ConfigError('onError', options.onError, 'a function');
    }
    const onError = options.onError;
    this.#onError = (error, context) => {
      try {
        onError?.(error, context);
      } catch {
        // a reporting hook that throws must not stop delivery
      }
    };
    this.instanceId = instanceId;
    this.channel = new KeyLayout(options.prefix).busChannel;
    this.#ownsPort = !isRedisPort(options.client);
    const portOptions: { commandTimeout?: number; onError: (error: unknown, context: string) => void } = {
      onError: this.#onError,
    };
    if (options.commandTimeout !== undefined) portOptions.commandTimeout = options.commandTimeout;
    this.port = this.#ownsPort ? toPort(options.client, portOptions) : (options.client as RedisPort);
  }

  /** Publishes `message`; resolves how many subscribers got it (this instance's own included). */
  publish(message: InvalidationMessage): Promise<number> {
    return this.port.publish(this.channel, encodeBusMessage(this.instanceId, message));
  }

  /**
   * Calls `listener` with every well-formed message from other instances (and this one's, with
   * `includeOwn`). Resolves once subscribed, with a function that unsubscribes.
   */
  async subscribe(
    listener: (message: ReceivedInvalidation) => void,
    options: BusSubscribeOptions = {},
  ): Promise<() => Promise<void>> {
    const includeOwn = options.includeOwn === true;
    const subscription = await this.port.subscribe(this.channel, (payload) => {
      const message = decodeBusMessage(payload);
      if (message === undefined) {
        this.#onError(new Error(`malformed bus message: ${payload.toString('utf8').slice(0, 200)}`), 'bus');
        return;
      }
      if (!includeOwn && message.from === this.instanceId) return;
      listener(message);
    });
    this.#subscriptions.add(subscription);
    return async () => {
      this.#subscriptions.delete(subscription);
      await subscription.unsubscribe();
    };
  }

  /** Unsubscribes every listener, and closes the port the bus made from `options.client`. */
  async close(): Promise<void> {
    const subscriptions = [...this.#subscriptions];
    this.#subscriptions.clear();
    await Promise.allSettled(subscriptions.map((s) => s.unsubscribe()));
    if (this.#ownsPort) await this.port.close();
  }
}
