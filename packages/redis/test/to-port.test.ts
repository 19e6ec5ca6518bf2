import { ConfigError } from '@larder/core';
import { Cluster, Redis } from 'ioredis';
import * as redis6 from 'redis';
import { describe, expect, it } from 'vitest';
import {
  decodeBusMessage,
  encodeBusMessage,
  isIORedisClient,
  isNodeRedisClient,
  isRedisPort,
  RedisBus,
  RedisStore,
  toPort,
} from '../src/index.js';

// clients that are never connected: detection reads their shape only
const lazyIORedis = () => new Redis({ lazyConnect: true, port: 1 });
const unconnectedNodeRedis = () => redis6.createClient({ socket: { port: 1 } });

describe('toPort', () => {
  it('tells the libraries apart by shape', () => {
    const io = lazyIORedis();
    const nr = unconnectedNodeRedis();
    const cluster = redis6.createCluster({ rootNodes: [{ socket: { port: 1 } }] });
    expect(isIORedisClient(io)).toBe(true);
    expect(isNodeRedisClient(io)).toBe(false);
    expect(isNodeRedisClient(nr)).toBe(true);
    expect(isIORedisClient(nr)).toBe(false);
    expect(toPort(io)).toMatchObject({ client: 'ioredis', cluster: false });
    expect(toPort(nr)).toMatchObject({ client: 'node-redis', cluster: false });
    expect(toPort(cluster)).toMatchObject({ client: 'node-redis', cluster: true });
    expect(toPort(new Cluster([{ port: 1 }], { lazyConnect: true }))).toMatchObject({
      client: 'ioredis',
      cluster: true,
    });
    io.disconnect();
  });

  it('rejects what is no client, and ioredis keyPrefix', () => {
    for (const bad of [undefined, null, {}, 'redis://localhost', { get() {}, set() {} }]) {
      expect(() => toPort(bad)).toThrow(ConfigError);
    }
    expect(() => toPort({})).toThrow(/Invalid option client: expected a node-redis client/);
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'app:' });
    expect(() => toPort(prefixed)).toThrow(/keyPrefix/);
    prefixed.disconnect();
  });

  it('validates the command timeout and takes a port as it is', () => {
    const io = lazyIORedis();
    expect(() => toPort(io, { commandTimeout: -1 })).toThrow(/commandTimeout/);
    expect(() => toPort(io, { commandTimeout: Number.NaN })).toThrow(ConfigError);
    expect(toPort(io, { commandTimeout: 0 }).commandTimeout).toBe(0);
    const port = toPort(io, { commandTimeout: 250 });
    expect(port.commandTimeout).toBe(250);
    expect(isRedisPort(port)).toBe(true);
    expect(isRedisPort(io)).toBe(false);
    expect(isRedisPort(unconnectedNodeRedis())).toBe(false);
    expect(toPort(port)).toBe(port);
    io.disconnect();
  });
});

describe('store and bus options', () => {
  it('fail fast with a ConfigError naming the option', () => {
    const port = toPort(lazyIORedis());
    expect(() => new RedisStore({ client: {} })).toThrow(/Invalid option client/);
    expect(() => new RedisStore({ client: port, prefix: 'a{b' })).toThrow(/Invalid option prefix/);
    expect(() => new RedisStore({ client: port, now: 5 as never })).toThrow(/Invalid option now/);
    expect(() => new RedisStore({ client: port, ttl: 5 } as never)).toThrow(/Invalid option ttl/);
    expect(() => new RedisStore(null as never)).toThrow(ConfigError);
    expect(() => new RedisBus({ client: port, instanceId: '' })).toThrow(/instanceId/);
    expect(() => new RedisBus({ client: port, onError: 1 as never })).toThrow(/onError/);
    expect(() => new RedisBus({ client: port, channel: 'x' } as never)).toThrow(/Invalid option channel/);
    expect(new RedisBus({ client: port }).instanceId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('bus wire format', () => {
  it('encodes version 1 with only the fields that say something', () => {
    expect(encodeBusMessage('me', { keys: ['k'], tags: [] })).toBe('{"v":1,"from":"me","keys":["k"]}');
    expect(encodeBusMessage('me', { tags: ['t'], clear: true })).toBe(
      '{"v":1,"from":"me","tags":["t"],"clear":true}',
    );
    expect(decodeBusMessage(encodeBusMessage('me', { keys: ['a', 'b'], tags: ['t'] }))).toEqual({
      keys: ['a', 'b'],
      tags: ['t'],
      clear: false,
      from: 'me',
    });
  });

  it('ignores unknown fields and rejects other versions and shapes', () => {
    expect(decodeBusMessage('{"v":1,"from":"x","later":true}')).toEqual({
      keys: [],
      tags: [],
      clear: false,
      from: 'x',
    });
    for (const bad of [
      '',
      'null',
      '[]',
      '{"v":2,"from":"x"}',
      '{"v":1}',
      '{"v":1,"from":"x","keys":"k"}',
      '{"v":1,"from":"x","tags":[1]}',
      '{"v":1,"from":"x","clear":"yes"}',
    ]) {
      expect(decodeBusMessage(bad), bad).toBeUndefined();
    }
  });
});
