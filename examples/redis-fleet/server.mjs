// One process of the fleet: a Fastify app cached by Larder over a shared Redis. `fleet.mjs` starts
// several; each prints `{"port":N}` on its first line of output.
//
// Environment: REDIS_URL (required), PREFIX (key prefix, default 'redis-fleet:'), ORIGIN_DELAY (ms
// the product route takes, default 200).
import { setTimeout as sleep } from 'node:timers/promises';
import { larder } from '@larder/fastify';
import { createRedisBackend } from '@larder/redis';
import Fastify from 'fastify';
import { createClient } from 'redis';

const { REDIS_URL, PREFIX = 'redis-fleet:' } = process.env;
const ORIGIN_DELAY = Number(process.env.ORIGIN_DELAY ?? 200);

// Redis failing is not an error of this app: Larder routes around it. Say so once per kind of failure.
const said = new Set();
const logOnce = (context, error) => {
  const what = `${context}: ${error?.message || error?.code || error}`;
  if (said.has(what)) return;
  said.add(what);
  console.error(`[${process.pid}] ${what}`);
};

// node-redis reconnects by itself
const client = createClient({ url: REDIS_URL });
client.on('error', (error) => logOnce('redis client', error));
await client.connect();

const shared = createRedisBackend({
  client,
  prefix: PREFIX,
  onError: (error, context) => logOnce(context, error),
});
const app = Fastify();
await app.register(larder, {
  ttl: '1m',
  staleWhileRevalidate: '5m',
  shared,
  onError: (error, context) => logOnce(context, error),
});

let originCalls = 0;
app.get(
  '/products/:id',
  { config: { cache: { tags: (req) => [`product:${/^\/products\/([^/?]+)/.exec(req.url)?.[1]}`] } } },
  async (request) => {
    originCalls++;
    await sleep(ORIGIN_DELAY); // a slow database or upstream API
    return { id: request.params.id, servedBy: process.pid, at: new Date().toISOString() };
  },
);
// invalidate on any process: every process's memory copy goes, through the Redis bus
app.post('/products/:id/invalidate', async (request) => ({
  removed: await app.larder.invalidate({ tags: [`product:${request.params.id}`] }),
}));
app.get('/stats', async () => ({
  pid: process.pid,
  originCalls,
  engine: app.larder.stats(),
  tiers: app.larder.engine.store.stats(),
  breaker: shared.breaker?.state,
}));

const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);

const stop = async () => {
  await app.close(); // the engine lets go of the backend, which closes its pub/sub connection
  await client.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
