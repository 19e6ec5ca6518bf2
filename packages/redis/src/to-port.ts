import { ConfigError } from '@larder/core';
import { ioredisPort, isIORedisClient } from './adapters/ioredis.js';
import { isNodeRedisClient, nodeRedisPort } from './adapters/node-redis.js';
import { ClientPort } from './client-port.js';
import type { RedisPort, RedisPortOptions } from './port.js';

/**
 * Whether `value` is a {@link RedisPort}: one made by {@link toPort}, or your own implementation (a
 * wrapper that injects faults, say), recognised by its boolean `cluster`, numeric `commandTimeout`
 * and port methods. Neither client library has that shape.
 */
export function isRedisPort(value: unknown): value is RedisPort {
  if (value instanceof ClientPort) return true;
  if (typeof value !== 'object' || value === null) return false;
  const port = value as Partial<Record<keyof RedisPort, unknown>>;
  return (
    typeof port.cluster === 'boolean' &&
    typeof port.commandTimeout === 'number' &&
    typeof port.eval === 'function' &&
    typeof port.subscribe === 'function' &&
    typeof port.scan === 'function' &&
    typeof port.close === 'function'
  );
}

/**
 * A {@link RedisPort} for `client`, whichever it is: a node-redis 5/6 client or cluster client
 * (`createClient`, `createCluster`; connect it first), or an ioredis
 * 5/6 or iovalkey `Redis` or `Cluster`. The
 * kind is detected by the client's methods, so neither library is loaded unless you loaded it. A
 * port is returned as it is.
 *
 * @throws {@link ConfigError} when `client` is none of these, or an invalid option.
 */
export function toPort(client: unknown, options: RedisPortOptions = {}): RedisPort {
  if (isRedisPort(client)) return client;
  if (isIORedisClient(client)) return ioredisPort(client, options);
  if (isNodeRedisClient(client)) return nodeRedisPort(client, options);
  throw new ConfigError(
    'client',
    client,
    'a node-redis client or cluster (createClient, createCluster), or an ioredis or iovalkey Redis or Cluster',
  );
}
