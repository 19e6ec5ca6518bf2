/**
 * Every client Larder supports, as factories the contract suites run against: node-redis 6 and 5,
 * ioredis 5 and 6, each over its default protocol and the other one where it has a choice, on a
 * standalone server and on a cluster. Each factory returns a connected client and how to close it.
 */
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import * as redis6 from 'redis';
import * as redis5 from 'redis5';
import { createRedisBackend, type RedisBackend } from '../../src/index.js';
import { REDIS_HOST } from './redis-server.js';

/**
 * The command timeout of ports in tests that are not about timeouts: generous, because a loaded
 * two-core CI machine running every suite at once can stall a worker for more than the 1 s default.
 */
export const TEST_COMMAND_TIMEOUT = 5000;

/** A connected client and its closer. */
export interface ClientHandle {
  client: unknown;
  close(): Promise<void>;
}

/** One client library (and protocol) under test. */
export interface ClientKind {
  /** As `'node-redis 6 (RESP3)'`. */
  name: string;
  library: 'node-redis' | 'ioredis';
  /** The protocol its clients speak. */
  resp: 2 | 3;
  /** A client of the standalone server on `port`. */
  single(port: number): Promise<ClientHandle>;
  /** A cluster client of the cluster whose masters listen on `ports`; absent where not in the matrix. */
  cluster?(ports: readonly number[]): Promise<ClientHandle>;
}

type NodeRedisClient = redis6.RedisClientType;
type NodeRedisCluster = redis6.RedisClusterType;

/** The two factories of node-redis 5 and 6, typed once (their generic signatures differ). */
interface NodeRedisModule {
  createClient(options: object): NodeRedisClient;
  createCluster(options: object): NodeRedisCluster;
}

function nodeRedis(
  name: string,
  module: NodeRedisModule,
  resp: 2 | 3,
  explicit: boolean,
  withCluster: boolean,
): ClientKind {
  const protocol = explicit ? { RESP: resp } : {};
  const kind: ClientKind = {
    name,
    library: 'node-redis',
    resp,
    async single(port) {
      const client = module.createClient({
        socket: { host: REDIS_HOST, port, reconnectStrategy: 50 },
        ...protocol,
      });
      client.on('error', () => {});
      await client.connect();
      return { client, close: () => closeNodeRedis(client) };
    },
  };
  if (withCluster) {
    kind.cluster = async (ports) => {
      const cluster = module.createCluster({
        rootNodes: ports.map((port) => ({ socket: { host: REDIS_HOST, port } })),
        defaults: { socket: { reconnectStrategy: 50 } },
        ...protocol,
      });
      cluster.on('error', () => {});
      await cluster.connect();
      return { client: cluster, close: () => closeNodeRedis(cluster) };
    };
  }
  return kind;
}

async function closeNodeRedis(client: { close(): Promise<unknown>; destroy(): void }): Promise<void> {
  try {
    await client.close();
  } catch {
    client.destroy();
  }
}

/** ioredis 5 or 6: its `Redis` and `Cluster` classes, typed as ioredis 5's (same surface here). */
interface IORedisLibrary {
  Redis: typeof Redis5;
  Cluster: typeof Cluster5;
}

function ioredis(
  name: string,
  library: IORedisLibrary,
  resp: 2 | 3,
  explicit: boolean,
  withCluster: boolean,
): ClientKind {
  const extra = explicit ? { protocol: resp } : {};
  const kind: ClientKind = {
    name,
    library: 'ioredis',
    resp,
    async single(port) {
      const client = new library.Redis({
        host: REDIS_HOST,
        port,
        retryStrategy: () => 50,
        ...extra,
      } as never);
      client.on('error', () => {});
      await waitReady(client);
      return { client, close: () => closeIORedis(client) };
    },
  };
  if (withCluster) {
    kind.cluster = async (ports) => {
      const cluster = new library.Cluster(
        ports.map((port) => ({ host: REDIS_HOST, port })),
        { redisOptions: extra, clusterRetryStrategy: () => 50 } as never,
      );
      cluster.on('error', () => {});
      await waitReady(cluster);
      return { client: cluster, close: () => closeIORedis(cluster) };
    };
  }
  return kind;
}

function waitReady(client: {
  status: string;
  once(event: string, fn: (...args: unknown[]) => void): unknown;
}): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('end', () => reject(new Error('ioredis client ended before ready')));
  });
}

async function closeIORedis(client: { quit(): Promise<unknown>; disconnect(): void }): Promise<void> {
  try {
    await client.quit();
  } catch {
    // already down
  }
  client.disconnect();
}

const nodeRedis6 = redis6 as unknown as NodeRedisModule;
const nodeRedis5 = redis5 as unknown as NodeRedisModule;
const ioredis5: IORedisLibrary = { Redis: Redis5, Cluster: Cluster5 };
const ioredis6 = { Redis: Redis6, Cluster: Cluster6 } as unknown as IORedisLibrary;

/** The whole matrix. Clusters run on each library's default protocol. */
export const clientKinds: readonly ClientKind[] = [
  // name, library, protocol, whether the protocol is asked for (else the library's default), cluster too
  nodeRedis('node-redis 6 (RESP3)', nodeRedis6, 3, false, true),
  nodeRedis('node-redis 6 (RESP2)', nodeRedis6, 2, true, false),
  nodeRedis('node-redis 5 (RESP2)', nodeRedis5, 2, false, true),
  nodeRedis('node-redis 5 (RESP3)', nodeRedis5, 3, true, false),
  ioredis('ioredis 5 (RESP2)', ioredis5, 2, false, true),
  ioredis('ioredis 6 (RESP3)', ioredis6, 3, false, true),
  ioredis('ioredis 6 (RESP2)', ioredis6, 2, true, false),
];

/** A unique key prefix for one test, so tests sharing a server never see each other's keys. */
export function uniquePrefix(label = 't'): string {
  return `larder-test:${label}:${process.pid}:${Math.random().toString(36).slice(2, 10)}:`;
}

/** The protocol a connected standalone client speaks, from `CLIENT INFO` (`resp=2` or `resp=3`). */
export async function protocolOf(client: unknown): Promise<number> {
  const c = client as {
    call?: (...args: string[]) => Promise<unknown>;
    sendCommand?: (args: string[]) => Promise<unknown>;
  };
  const info = String(
    typeof c.call === 'function' ? await c.call('CLIENT', 'INFO') : await c.sendCommand!(['CLIENT', 'INFO']),
  );
  const match = /\bresp=(\d)/.exec(info);
  return Number(match?.[1]);
}

/**
 * A backend on a new client of `kind` to the server on `port`, under `prefix`, with the tests'
 * command timeout; the backend's and the client's close are pushed to `cleanup`.
 */
export async function backendOnNewClient(
  kind: ClientKind,
  port: number,
  prefix: string,
  cleanup: (() => Promise<unknown>)[],
): Promise<RedisBackend> {
  const handle = await kind.single(port);
  const backend = createRedisBackend({ client: handle.client, prefix, commandTimeout: TEST_COMMAND_TIMEOUT });
  cleanup.push(() => handle.close());
  cleanup.push(() => backend.close());
  return backend;
}
