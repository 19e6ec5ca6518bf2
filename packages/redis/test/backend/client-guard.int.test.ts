/**
 * What `createRedisBackend` does with the client it is given, against a redis-server this file starts
 * (and kills): a node-redis client with no `'error'` listener gets one that reports through `onError`
 * (node-redis would otherwise crash the process with an unhandled `'error'` event when Redis dies); a
 * client never `connect()`ed is refused with a ConfigError; durations as strings; and Valkey's client,
 * iovalkey, taken as it is (redis-server speaks Valkey's protocol).
 */
import { ConfigError, HttpCache } from '@larder/core';
import { Valkey } from 'iovalkey';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../../src/index.js';
import { pollUntil, REDIS_HOST, type RedisServer, startRedisServer } from '../support/redis-server.js';
import { get, ok, send } from './engine.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

describe('createRedisBackend and the client it is given', () => {
  it("gives a client with no 'error' listener one that reports through onError, and survives Redis dying", async () => {
    const client = createClient({ socket: { host: REDIS_HOST, port: server.port, reconnectStrategy: 50 } });
    await client.connect();
    expect(client.listenerCount('error')).toBe(0);
    const errors: string[] = [];
    const backend = createRedisBackend({ client, onError: (_error, context) => errors.push(context) });
    expect(client.listenerCount('error')).toBe(1);
    try {
      await server.kill();
      // without the listener, node-redis's 'error' event would be an uncaught exception here
      await pollUntil(
        () => errors.includes('client'),
        10_000,
        () => 'no error reported with context "client"',
      );
    } finally {
      await server.restart();
      await backend.close();
      expect(client.listenerCount('error')).toBe(0);
      await client.close().catch(() => client.destroy());
    }
  });

  it('adds no listener to a client that has its own', async () => {
    const client = createClient({ socket: { host: REDIS_HOST, port: server.port } });
    const own = () => {};
    client.on('error', own);
    await client.connect();
    const backend = createRedisBackend({ client });
    expect(client.listeners('error')).toEqual([own]);
    await backend.close();
    await client.close();
  });

  it('refuses a node-redis client that was never connected, naming the fix', () => {
    const client = createClient({ socket: { host: REDIS_HOST, port: server.port } });
    let error: unknown;
    try {
      createRedisBackend({ client });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('client');
    expect((error as Error).message).toContain('client.connect()');
  });

  it('takes lockTtl, commandTimeout and l1Ttl as durations, and refuses what ms cannot read', async () => {
    const client = createClient({ socket: { host: REDIS_HOST, port: server.port } });
    await client.connect();
    try {
      const backend = createRedisBackend({
        client,
        lockTtl: '1.5 min',
        commandTimeout: '750ms',
        l1Ttl: '10s',
      });
      expect(backend.fills?.lockTtl).toBe(90_000);
      expect(backend.port.commandTimeout).toBe(750);
      expect(backend.l1Ttl).toBe(10_000);
      await backend.close();
      for (const [option, value] of [
        ['lockTtl', 'soon'],
        ['lockTtl', '0s'],
        ['commandTimeout', '5 fortnights'],
        ['l1Ttl', '-1s'],
      ] as const) {
        expect(() => createRedisBackend({ client, [option]: value as never })).toThrow(
          expect.objectContaining({ code: 'ERR_LARDER_CONFIG', option }),
        );
      }
    } finally {
      await client.close();
    }
  });
});

describe('Valkey through iovalkey', () => {
  it('two engines, each with its own iovalkey client, share what one stored', async () => {
    const clients = [0, 1].map(() => new Valkey({ host: REDIS_HOST, port: server.port }));
    const backends = clients.map((client) => createRedisBackend({ client, prefix: 'valkey-test:' }));
    const engines = backends.map((shared) => new HttpCache({ ttl: '1 min', shared }));
    try {
      let origin = 0;
      const first = await send(engines[0]!, get('/valkey'), async () => ok(`origin ${++origin}`));
      expect(first.kind).toBe('miss');
      const second = await send(engines[1]!, get('/valkey'), async () => ok(`origin ${++origin}`));
      expect(second.kind).toBe('hit');
      expect(second.body).toBe('origin 1');
      expect(origin).toBe(1);
      await engines[0]!.invalidate({ url: '/valkey' });
      const third = await send(engines[0]!, get('/valkey'), async () => ok(`origin ${++origin}`));
      expect(third.body).toBe('origin 2');
    } finally {
      for (const engine of engines) await engine.close();
      for (const backend of backends) await backend.close();
      for (const client of clients) client.disconnect();
    }
  });
});
