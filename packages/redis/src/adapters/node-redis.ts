/**
 * The node-redis adapter (`redis` 5 and 6): a {@link RedisClientType} from `createClient` or a
 * {@link RedisClusterType} from `createCluster`. Nothing here imports `redis`: the client is used
 * through the few methods below, so the package loads whether or not `redis` is installed.
 *
 * Byte-exact values: every command is sent with a per-command `typeMapping` that maps RESP blob,
 * simple and verbatim strings to `Buffer`, which works the same on node-redis 5 and 6, over RESP2
 * and RESP3, whatever type mapping the user's client was created with.
 */
import type { CommandArg, PortDriver, SubscriberConnection } from '../client-port.js';
import { ClientPort, RECONNECTING } from '../client-port.js';
import type { RedisPort, RedisPortOptions } from '../port.js';

/** RESP type bytes (the protocol's own: `$`, `+`, `=`) mapped to `Buffer` for every command. */
const TYPE_MAPPING = { 36: Buffer, 43: Buffer, 61: Buffer } as const;

type Listener = (message: Buffer, channel: Buffer | string) => void;

/** What node-redis clients and cluster clients share: errors as events, and a connection's life. */
interface NodeRedisConnection {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  connect(): Promise<unknown>;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy?(): void;
}

/** The part of a node-redis client (`createClient`) this adapter uses. */
export interface NodeRedisClientLike extends NodeRedisConnection {
  sendCommand(args: readonly CommandArg[], options?: object): Promise<unknown>;
  duplicate(): NodeRedisClientLike;
  subscribe(channels: string, listener: Listener, bufferMode: true): Promise<void>;
  unsubscribe(channels: string, listener: Listener, bufferMode: true): Promise<void>;
}

/** The part of a node-redis cluster client (`createCluster`) this adapter uses. */
export interface NodeRedisClusterLike extends NodeRedisConnection {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: readonly CommandArg[],
    options?: object,
  ): Promise<unknown>;
  readonly masters: readonly unknown[];
  nodeClient(node: never): Promise<NodeRedisClientLike>;
  duplicate(): NodeRedisClusterLike;
  sSubscribe(channels: string, listener: Listener, bufferMode: true): Promise<void>;
  sUnsubscribe(channels: string, listener: Listener, bufferMode: true): Promise<void>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

/**
 * Whether `client` looks like a node-redis client or cluster client: `sendCommand` and `duplicate`,
 * and not ioredis's `callBuffer`.
 */
export function isNodeRedisClient(client: unknown): client is NodeRedisClientLike | NodeRedisClusterLike {
  return (
    isObject(client) &&
    typeof client.sendCommand === 'function' &&
    typeof client.duplicate === 'function' &&
    typeof client.callBuffer !== 'function'
  );
}

/** Whether a node-redis client is a cluster client (`createCluster`). */
export function isNodeRedisCluster(
  client: NodeRedisClientLike | NodeRedisClusterLike,
): client is NodeRedisClusterLike {
  return typeof (client as Partial<NodeRedisClusterLike>).nodeClient === 'function' && 'masters' in client;
}

const BUFFERS = { typeMapping: TYPE_MAPPING } as const;

/** The options of a command: buffers for strings, and the port's abort signal when it has one. */
function commandOptions(signal: AbortSignal | undefined): object {
  return signal === undefined ? BUFFERS : { typeMapping: TYPE_MAPPING, abortSignal: signal };
}

/** `client` (a fresh duplicate) connected, reporting its errors to `onError`; closed again if it cannot connect. */
async function connected<C extends NodeRedisClientLike | NodeRedisClusterLike>(
  client: C,
  onError: (error: unknown) => void,
): Promise<C> {
  client.on('error', onError);
  try {
    await client.connect();
  } catch (error) {
    await closeClient(client);
    throw error;
  }
  return client;
}

async function closeClient(client: NodeRedisClientLike | NodeRedisClusterLike): Promise<void> {
  try {
    if (typeof client.close === 'function') await client.close();
    else if (typeof client.quit === 'function') await client.quit();
    else client.destroy?.();
  } catch {
    // closing a connection that is down can fail; make sure its socket is gone all the same
    try {
      client.destroy?.();
    } catch {
      // already destroyed
    }
  }
}

class NodeRedisDriver implements PortDriver {
  readonly client = 'node-redis';
  readonly cluster: boolean;
  readonly #single: NodeRedisClientLike | undefined;
  readonly #clusterClient: NodeRedisClusterLike | undefined;
  #wasReady = false;
  constructor(client: NodeRedisClientLike | NodeRedisClusterLike) {
    if (isNodeRedisCluster(client)) {
      this.cluster = true;
      this.#clusterClient = client;
    } else {
      this.cluster = false;
      this.#single = client;
      // given connected (createRedisBackend refuses one that is not open): ready now, or soon
      const ready = (client as { isReady?: unknown }).isReady;
      if (ready === true) this.#wasReady = true;
      else
        (client as { once?: (event: string, f: () => void) => unknown }).once?.(
          'ready',
          () => (this.#wasReady = true),
        );
    }
  }

  send(
    key: string | undefined,
    args: readonly CommandArg[],
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    // no `timeout` option: node-redis's own timer fires by wall-clock time even when the reply waits
    // unread behind this process's busy event loop. The port's deadline aborts a command instead,
    // which node-redis drops from its queue if it has not written it yet.
    const options = commandOptions(signal);
    if (this.#clusterClient !== undefined) return this.#clusterClient.sendCommand(key, false, args, options);
    if (this.#reconnecting()) return Promise.reject(new Error(RECONNECTING));
    return this.#single!.sendCommand(args, options);
  }

  /**
   * Whether a client that was ready has lost its connection (`isReady` false while it reconnects): a
   * command would only wait in its offline queue, so it fails at once instead (a cache read is a
   * miss, the fleet's lock unavailable) rather than after the command timeout. Until the client was
   * first seen ready, commands queue as node-redis means them to.
   */
  #reconnecting(): boolean {
    const ready = (this.#single as { isReady?: unknown }).isReady;
    if (ready === true) {
      this.#wasReady = true;
      return false;
    }
    return ready === false && this.#wasReady;
  }

  async masters(): Promise<((args: readonly CommandArg[]) => Promise<unknown>)[]> {
    const options = BUFFERS;
    if (this.#clusterClient === undefined) {
      const single = this.#single!;
      return [(args) => single.sendCommand(args, options)];
    }
    const cluster = this.#clusterClient;
    const clients = await Promise.all(cluster.masters.map((node) => cluster.nodeClient(node as never)));
    return clients.map((client) => (args: readonly CommandArg[]) => client.sendCommand(args, options));
  }

  async openSubscriber(
    onMessage: (channel: string, message: Buffer) => void,
    onError: (error: unknown) => void,
  ): Promise<SubscriberConnection> {
    const listener: Listener = (message, channel) => onMessage(String(channel), message);
    // a cluster subscribes on the shard of the channel's slot (sharded pub/sub), a client plainly
    const cluster = this.#clusterClient;
    const subscriber = await connected(cluster?.duplicate() ?? this.#single!.duplicate(), onError);
    return {
      subscribe: (channel) =>
        cluster === undefined
          ? (subscriber as NodeRedisClientLike).subscribe(channel, listener, true)
          : (subscriber as NodeRedisClusterLike).sSubscribe(channel, listener, true),
      unsubscribe: (channel) =>
        cluster === undefined
          ? (subscriber as NodeRedisClientLike).unsubscribe(channel, listener, true)
          : (subscriber as NodeRedisClusterLike).sUnsubscribe(channel, listener, true),
      close: () => closeClient(subscriber),
    };
  }
}

/**
 * A {@link RedisPort} over a node-redis 5 or 6 client (`createClient`, connected) or cluster client
 * (`createCluster`, connected). Prefer {@link toPort}, which detects the client kind.
 */
export function nodeRedisPort(
  client: NodeRedisClientLike | NodeRedisClusterLike,
  options: RedisPortOptions = {},
): RedisPort {
  return new ClientPort(new NodeRedisDriver(client), options);
}
