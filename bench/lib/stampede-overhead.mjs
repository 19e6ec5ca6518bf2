// The stampede protocol's own latency, without HTTP and without a crowd: engines in this process,
// each with its own Redis client and backend (as separate processes would have), ask for one cold key
// at once, one request each; the leader's origin takes `delay` ms. A waiter's time beyond `delay` is
// what the protocol costs it: the lock, the fill notice, and one read of Redis.
import { HttpCache } from '@larder/core';
import { createRedisBackend } from '@larder/redis';
import { createClient } from 'redis';

/**
 * @param {{ redisUrl: string, engines: number, rounds: number, delay: number }} options
 * @returns {Promise<{ p50: number, p99: number, max: number, calls: number[] }>}
 */
export async function measureOverhead({ redisUrl, engines: count, rounds, delay }) {
  const clients = await Promise.all(
    Array.from({ length: count }, async () => {
      const client = createClient({ url: redisUrl });
      client.on('error', () => {});
      await client.connect();
      return client;
    }),
  );
  const prefix = `bench-overhead:${process.pid}:`;
  const backends = clients.map((client) => createRedisBackend({ client, prefix }));
  const engines = backends.map((shared) => new HttpCache({ ttl: '1m', shared }));
  await Promise.all(backends.map((b) => b.fills?.subscribe()));
  const over = [];
  const calls = [];
  try {
    for (let r = 0; r < rounds; r++) {
      let n = 0;
      const req = { method: 'GET', url: `/cold/${r}`, headers: { host: 'bench.test' } };
      const results = await Promise.all(
        engines.map(async (engine) => {
          const started = performance.now();
          const result = await engine.lookup(req);
          if (result.kind === 'hit') return performance.now() - started - delay;
          n++;
          await new Promise((resolve) => setTimeout(resolve, delay));
          if (result.kind === 'miss' || result.kind === 'pass') {
            result.fill.commit({
              status: 200,
              headers: { 'content-type': 'text/plain' },
              body: Buffer.from('x'),
            });
          }
          return undefined;
        }),
      );
      calls.push(n);
      for (const ms of results) if (ms !== undefined) over.push(ms);
    }
  } finally {
    await Promise.all(engines.map((e) => e.close()));
    await backends[0].store.clear().catch(() => {});
    await Promise.all(backends.map((b) => b.close()));
    await Promise.all(clients.map((c) => c.close()));
  }
  over.sort((a, b) => a - b);
  const at = (p) => over[Math.min(over.length - 1, Math.ceil((p / 100) * over.length) - 1)];
  return { p50: at(50), p99: at(99), max: over.at(-1), calls };
}
