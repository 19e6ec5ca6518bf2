/**
 * The fleet's metrics, measured from outside: two Fastify apps (two "processes" of one fleet, each
 * with its own Redis client and backend) over a real redis-server on a free loopback port.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { larder } from '@larder/fastify';
import { createRedisBackend } from '@larder/redis';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../redis/test/support/redis-server.js';
import { larderMetrics } from '../src/index.js';
import { sample } from './support/sample.js';

let server: RedisServer;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  await server?.stop();
});

async function member(register: Registry, name: string, origin: { calls: number; entered: () => void }) {
  const client = createClient({ socket: { host: server.host, port: server.port, reconnectStrategy: 50 } });
  client.on('error', () => {});
  await client.connect();
  const shared = createRedisBackend({
    client,
    prefix: 'metrics:',
    // generous: the machine running the tests may be loaded, and a command that times out would
    // send the waiting member to the origin itself
    commandTimeout: 2000,
    breaker: { failureThreshold: 2, cooldown: 60_000 },
    onError: () => {},
  });
  const app: FastifyInstance = Fastify();
  await app.register(larder, { ttl: '1m', lockTimeout: '10s', shared, onError: () => {} });
  app.get('/slow/:id', { config: { cache: true } }, async (req) => {
    origin.calls++;
    origin.entered();
    await sleep(150);
    return { id: (req.params as { id: string }).id };
  });
  await app.ready();
  closers.push(async () => {
    await app.close();
    await shared.close();
    client.destroy();
  });
  larderMetrics(app.larder, { register, name });
  return app;
}

describe('fleet metrics over a real redis-server', () => {
  it('shows one origin call for the fleet: the lock taken by one member, waited for by the other', async () => {
    const register = new Registry();
    let entered!: () => void;
    const leading = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const origin = { calls: 0, entered: () => entered() };
    const a = await member(register, 'a', origin);
    const b = await member(register, 'b', origin);

    const first = a.inject({ method: 'GET', url: '/slow/1' });
    await leading;
    const second = b.inject({ method: 'GET', url: '/slow/1' });
    const [ra, rb] = await Promise.all([first, second]);
    expect(ra.statusCode).toBe(200);
    expect(rb.json()).toEqual({ id: '1' });
    expect(origin.calls).toBe(1);

    const text = await register.metrics();
    expect(sample(text, 'larder_lock_waits_total', { cache: 'a', outcome: 'acquired' })).toBe(1);
    expect(sample(text, 'larder_lock_waits_total', { cache: 'b', outcome: 'filled' })).toBe(1);
    expect(sample(text, 'larder_lock_waits_total', { cache: 'b', outcome: 'acquired' })).toBe(0);
    expect(sample(text, 'larder_coalesced_total', { cache: 'b' })).toBe(1);
    expect(sample(text, 'larder_stores_total', { cache: 'a' })).toBe(1);
    expect(sample(text, 'larder_stores_total', { cache: 'b' })).toBe(0);
    expect(
      sample(text, 'larder_fill_duration_seconds_count', {
        cache: 'a',
        route: '/slow/:id',
        outcome: 'stored',
      }),
    ).toBe(1);
    expect(
      sample(text, 'larder_fill_duration_seconds_count', {
        cache: 'b',
        route: '/slow/:id',
        outcome: 'stored',
      }),
    ).toBeUndefined();
    expect(sample(text, 'larder_redis_breaker_open', { cache: 'a' })).toBe(0);

    // Redis dies: requests still succeed, and the breaker shows open
    await server.kill();
    for (let i = 0; i < 6; i++) {
      const res = await b.inject({ method: 'GET', url: `/slow/down-${i}` });
      expect(res.statusCode).toBe(200);
    }
    const down = await register.metrics();
    expect(sample(down, 'larder_redis_breaker_open', { cache: 'b' })).toBe(1);
    expect(sample(down, 'larder_lock_waits_total', { cache: 'b', outcome: 'unavailable' })).toBeGreaterThan(
      0,
    );
  });
});
