/**
 * The backend loads the scripts a miss evaluates (`SCRIPT LOAD`) when an engine starts using it and
 * again when Redis comes back after an outage, so that the first cold key of a fresh process, or the
 * first after a Redis restart, pays no `NOSCRIPT` round trip and sends no script source. Each suite
 * starts its own `redis-server` (it starts with no scripts, and is restarted).
 */
import { HttpCache } from '@larder/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend, type RedisBackend } from '../../src/index.js';
import { READ_OR_ACQUIRE, RELEASE_LOCK } from '../../src/lock/lock-scripts.js';
import { COMMIT_ENTRY, GET_ENTRY, SET_ENTRY } from '../../src/store-scripts.js';
import { type ClientHandle, clientKinds, uniquePrefix } from '../support/clients.js';
import { pollUntil, type RedisServer, startRedisServer } from '../support/redis-server.js';
import { get, ok, send } from './engine.js';

const kinds = clientKinds.filter((k) => k.name === 'node-redis 6 (RESP3)' || k.name === 'ioredis 5 (RESP2)');
const MISS_SCRIPTS = [GET_ENTRY, READ_OR_ACQUIRE, COMMIT_ENTRY, SET_ENTRY, RELEASE_LOCK];

/** `INFO commandstats` and `errorstats` as one text. */
async function stats(server: RedisServer): Promise<string> {
  return `${await server.cli('INFO', 'commandstats')}\n${await server.cli('INFO', 'errorstats')}`;
}

/** How many of `MISS_SCRIPTS` the server has in its script cache. */
async function loaded(server: RedisServer): Promise<number> {
  const reply = await server.cli('SCRIPT', 'EXISTS', ...MISS_SCRIPTS.map((s) => s.sha1));
  return reply.split('\n').filter((line) => line.trim() === '1').length;
}

describe.each(kinds)('$name: scripts loaded ahead of the first miss', (kind) => {
  let server: RedisServer;
  let handle: ClientHandle;
  let backend: RedisBackend;
  let engine: HttpCache;

  beforeAll(async () => {
    server = await startRedisServer();
    handle = await kind.single(server.port);
    backend = createRedisBackend({
      client: handle.client,
      prefix: uniquePrefix('scripts'),
      breaker: { failureThreshold: 1, cooldown: 100 },
    });
  });
  afterAll(async () => {
    await engine?.close();
    await backend?.close();
    await handle?.close();
    await server?.stop();
  });

  it("a fresh process's first cold miss sends no script source and meets no NOSCRIPT", async () => {
    expect(await loaded(server)).toBe(0);
    engine = new HttpCache({ ttl: '1m', shared: backend });
    // at once: no waiting for the load, as a request arriving right after startup would not
    const results = await Promise.all(
      Array.from({ length: 20 }, () => send(engine, get('/first'), async () => ok('x'))),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const text = await stats(server);
    expect(text).toContain('cmdstat_evalsha:');
    expect(text).not.toContain('cmdstat_eval:');
    expect(text).not.toContain('NOSCRIPT');
    expect(await loaded(server)).toBe(MISS_SCRIPTS.length);
  });

  it('after Redis restarted (its scripts gone), they are loaded again once the circuit closes', async () => {
    await server.kill();
    // requests on new keys (answered by the origin all the same) until the breaker has seen the outage
    let n = 0;
    await pollUntil(
      async () => {
        await send(engine, get(`/down/${n++}`), async () => ok('y'));
        return backend.breaker!.stats().opened > 0;
      },
      15_000,
      () => 'the breaker did not open',
      20,
    );
    await server.restart();
    // and until it has closed again
    await pollUntil(
      async () => {
        await send(engine, get(`/after/${n++}`), async () => ok('y'));
        return backend.breaker!.state === 'closed';
      },
      15_000,
      () => `the breaker did not close again (${backend.breaker!.state})`,
      50,
    );
    // every script of a miss, the lock's commit and release included, without a miss having used them
    await pollUntil(
      async () => (await loaded(server)) === MISS_SCRIPTS.length,
      5_000,
      () => 'the scripts were not loaded again',
      20,
    );
  });
});
