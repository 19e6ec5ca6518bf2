// Hit throughput of the engine in this process, with the shared tier against without it, and
// against a plain Redis GET: `concurrency` loops each await one lookup (or GET) after another for
// `seconds`; the figure is completed operations per second.
import { HttpCache } from '@larder/core';
import { createRedisBackend } from '@larder/redis';
import { createClient } from 'redis';

const BODY = Buffer.from(JSON.stringify({ data: 'x'.repeat(1000) }));
const KEYS = 1000;

/** @param {string} path */
const request = (path) => ({ method: 'GET', url: path, headers: { host: 'bench.test' } });

/**
 * Store `path` through `engine` (a miss and its commit), and wait until its writes have landed.
 * @param {HttpCache} engine
 * @param {string} path
 */
async function fill(engine, path) {
  const result = await engine.lookup(request(path));
  if (result.kind === 'miss') {
    result.fill.commit({ status: 200, headers: { 'content-type': 'application/json' }, body: BODY });
  }
}

/**
 * @param {(i: number) => Promise<unknown>} op
 * @param {number} seconds
 * @param {number} concurrency
 */
async function rate(op, seconds, concurrency) {
  // warm-up: a tenth of the time, not counted
  const warm = performance.now() + seconds * 100;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < warm; i += concurrency) await op(i);
    }),
  );
  let done = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < until; i += concurrency) {
        await op(i);
        done++;
      }
    }),
  );
  return (done * 1000) / (performance.now() - started);
}

/**
 * @param {{ redisUrl: string, seconds: number, concurrency: number }} options
 * @returns {Promise<{ name: string, rate: number, note: string }[]>}
 */
export async function measureHits({ redisUrl, seconds, concurrency }) {
  const client = createClient({ url: redisUrl });
  client.on('error', () => {});
  await client.connect();
  const prefix = `bench-hits:${process.pid}:`;
  const backend = createRedisBackend({ client, prefix });
  const results = [];
  try {
    const lookup = (/** @type {HttpCache} */ engine, /** @type {string} */ path) => async () => {
      const result = await engine.lookup(request(path));
      if (result.kind !== 'hit') throw new Error(`expected a hit on ${path}, got ${result.kind}`);
    };

    const memory = new HttpCache({ ttl: '10m' });
    await fill(memory, '/hot');
    results.push({
      name: 'L1 alone (memory store)',
      rate: await rate(lookup(memory, '/hot'), seconds, concurrency),
      note: 'HttpCache without shared',
    });
    await memory.close();

    const tiered = new HttpCache({ ttl: '10m', shared: backend });
    await fill(tiered, '/hot');
    results.push({
      name: 'L1+L2, answered by L1',
      rate: await rate(lookup(tiered, '/hot'), seconds, concurrency),
      note: 'HttpCache with shared: a hot key',
    });
    // the other engine stores the entries in Redis; this one, with an L1 of one entry, reads them there
    for (let i = 0; i < KEYS; i++) await fill(tiered, `/k/${i}`);
    // the writes to Redis land after the responses: wait for them
    for (let i = 0; i < KEYS; i++) {
      while ((await backend.store.get(`GET bench.test/k/${i}`)) === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const cold = new HttpCache({ ttl: '10m', shared: backend, maxEntries: 1 });
    const l2 = async (/** @type {number} */ i) => {
      const result = await cold.lookup(request(`/k/${i % KEYS}`));
      if (result.kind !== 'hit') throw new Error(`expected a hit, got ${result.kind}`);
    };
    const before = /** @type {import('@larder/core').TieredStore} */ (cold.store).stats();
    const l2Rate = await rate(l2, seconds, concurrency);
    const after = /** @type {import('@larder/core').TieredStore} */ (cold.store).stats();
    const fromL2 =
      (after.l2Hits - before.l2Hits) / (after.l2Hits - before.l2Hits + after.l1Hits - before.l1Hits);
    results.push({
      name: 'L1+L2, answered by L2',
      rate: l2Rate,
      note: `1000 keys, L1 of 1 entry: ${(fromL2 * 100).toFixed(0)}% read from Redis`,
    });
    await cold.close();
    await tiered.close();

    await client.set(`${prefix}plain`, BODY);
    results.push({
      name: 'plain Redis GET',
      rate: await rate(() => client.get(`${prefix}plain`), seconds, concurrency),
      note: 'node-redis client.get of the same 1 KiB, one round trip',
    });
  } finally {
    await backend.store.clear().catch(() => {});
    await backend.close();
    await client.close();
  }
  return results;
}
