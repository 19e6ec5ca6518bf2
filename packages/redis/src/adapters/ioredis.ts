/**
 * The ioredis adapter (ioredis 5 and 6): a `Redis` or a `Cluster`. Nothing here imports `ioredis`:
 * the client is used through the few methods below, so the package loads whether or not `ioredis` is
 * installed.
 *
 * Byte-exact values: commands go through `callBuffer`, which returns every string as a `Buffer` on
 * ioredis 5 (RESP2) and 6 (RESP3 by default, or RESP2). Pub/sub on a cluster uses a duplicate with
 * `shardedSubscribers: true`, so `SSUBSCRIBE` reaches the node that owns the channel's slot.
 */
import { ConfigError } from '@larder/core';
import type { CommandArg, PortDriver, SubscriberConnection } from '../client-port.js';
import { ClientPort, RECONNECTING } from '../client-port.js';
import type { RedisPort, RedisPortOptions } from '../port.js';

/** The part of an ioredis `Redis` or `Cluster` this adapter uses. */
export interface IORedisLike {
  readonly isCluster: boolean;
  readonly status: string;
  readonly options: { keyPrefix?: string | undefined };
  callBuffer(command: string, ...args: CommandArg[]): Promise<unknown>;
  duplicate(...overrides: unknown[]): IORedisLike;
  nodes?(role: 'master'): IORedisLike[];
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  ssubscribe(...channels: string[]): Promise<unknown>;
  sunsubscribe(...channels: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** Whether `client` looks like an ioredis `Redis` or `Cluster`: `callBuffer` and a boolean `isCluster`. */
export function isIORedisClient(client: unknown): client is IORedisLike {
  return (
    (typeof client === 'object' || typeof client === 'function') &&
    client !== null &&
    typeof (client as Partial<IORedisLike>).callBuffer === 'function' &&
    typeof (client as Partial<IORedisLike>).isCluster === 'boolean'
  );
}

async function closeClient(client: IORedisLike): Promise<void> {
  try {
    await client.quit();
  } catch {
    // quitting a connection that is down can fail; drop it all the same
  }
  client.disconnect();
}

/** Resolves once `client` is ready (a cluster knows its nodes only then), failing on `end`. */
function ready(client: IORedisLike): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      client.removeListener('end', onEnd);
      resolve();
    };
    const onEnd = () => {
      client.removeListener('ready', onReady);
      reject(new Error('the ioredis client ended before it was ready'));
    };
    client.once('ready', onReady);
    client.once('end', onEnd);
  });
}

class IORedisDriver implements PortDriver {
  readonly client = 'ioredis';
  readonly cluster: boolean;
  readonly #redis: IORedisLike;
  #wasReady = false;

  constructor(client: IORedisLike) {
    this.#redis = client;
    this.cluster = client.isCluster;
    if (client.status === 'ready') this.#wasReady = true;
    else if (!this.cluster) client.once('ready', () => (this.#wasReady = true));
  }

  send(_key: string | undefined, args: readonly CommandArg[]): Promise<unknown> {
    if (this.#reconnecting()) return Promise.reject(new Error(RECONNECTING));
    // ioredis cannot drop a queued command on an abort signal: the port's deadline only stops waiting
    // a Cluster routes by the keys it finds in the arguments (EVALSHA's numkeys included)
    return this.#redis.callBuffer(args[0] as string, ...args.slice(1));
  }

  /**
   * Whether a client that was ready has lost its connection: a command would only wait in its offline
   * queue, so it fails at once instead (a cache read is a miss, the fleet's lock unavailable) rather
   * than after the command timeout. Before it was first ready, commands queue as ioredis means them
   * to (the first requests of a process that starts beside Redis). Not for a Cluster, whose nodes
   * come and go on their own.
   */
  #reconnecting(): boolean {
    if (this.cluster) return false;
    if (this.#redis.status === 'ready') {
      this.#wasReady = true;
      return false;
    }
    return this.#wasReady;
  }

  async masters(): Promise<((args: readonly CommandArg[]) => Promise<unknown>)[]> {
    const redis = this.#redis;
    if (!this.cluster) return [(args) => redis.callBuffer(args[0] as string, ...args.slice(1))];
    await ready(redis);
    return (redis.nodes?.('master') ?? []).map(
      (node) => (args: readonly CommandArg[]) => node.callBuffer(args[0] as string, ...args.slice(1)),
    );
  }

  async openSubscriber(
    onMessage: (channel: string, message: Buffer) => void,
    onError: (error: unknown) => void,
  ): Promise<SubscriberConnection> {
    const cluster = this.cluster;
    const subscriber = cluster
      ? this.#redis.duplicate([], { shardedSubscribers: true })
      : this.#redis.duplicate();
    subscriber.on('error', onError);
    subscriber.on(cluster ? 'smessageBuffer' : 'messageBuffer', (channel: Buffer, message: Buffer) =>
      onMessage(String(channel), message),
    );
    return {
      subscribe: async (channel) => {
        await (cluster ? subscriber.ssubscribe(channel) : subscriber.subscribe(channel));
      },
      unsubscribe: async (channel) => {
        await (cluster ? subscriber.sunsubscribe(channel) : subscriber.unsubscribe(channel));
      },
      close: () => closeClient(subscriber),
    };
  }
}

/**
 * A {@link RedisPort} over an ioredis 5 or 6 `Redis` or `Cluster`. Prefer {@link toPort}, which
 * detects the client kind.
 *
 * @throws {@link ConfigError} for a client with `keyPrefix`: ioredis would prefix keys but not `SCAN`
 * patterns; use the store's `prefix` option instead.
 */
export function ioredisPort(client: IORedisLike, options: RedisPortOptions = {}): RedisPort {
  const keyPrefix = client.options?.keyPrefix;
  if (keyPrefix !== undefined && keyPrefix !== '') {
    throw new ConfigError(
      'client',
      keyPrefix,
      'an ioredis client without keyPrefix (give Larder its own prefix with the `prefix` option)',
    );
  }
  return new ClientPort(new IORedisDriver(client), options);
}
