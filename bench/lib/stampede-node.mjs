// One process of the stampede benchmark's fleet: Fastify on a free loopback port, with Larder over a
// shared Redis, an origin route that takes ORIGIN_DELAY ms and counts its calls, and the time each
// request spent in the process (Fastify's reply.elapsedTime). It prints `{"port":N}` on its first
// stdout line.
//
// Environment: REDIS_URL; PREFIX; MODE: 'lock' (createRedisBackend), 'nolock' (the same with
// lock: false: one origin call per process), 'memory' (Larder without Redis), 'none' (no cache);
// ORIGIN_DELAY (ms); CLIENT ('node-redis' | 'ioredis'); TRACE=1 adds a timeline of the process to
// /stats (bench/lib/stampede-trace.mjs reads it).
import { setTimeout as sleep } from 'node:timers/promises';
import { larder } from '@larder/fastify';
import { createRedisBackend } from '@larder/redis';
import Fastify from 'fastify';
import { profileUntil, traceBackend, traceRequests } from './stampede-trace-node.mjs';

const { REDIS_URL, PREFIX = 'bench:', MODE = 'lock', CLIENT = 'node-redis' } = process.env;
const ORIGIN_DELAY = Number(process.env.ORIGIN_DELAY ?? 200);

/** @returns {Promise<{ client: unknown, close(): Promise<void> | void }>} */
async function connect() {
  if (CLIENT === 'ioredis') {
    const { Redis } = await import('ioredis');
    const client = new Redis(String(REDIS_URL));
    client.on('error', () => {});
    return { client, close: () => client.disconnect() };
  }
  const { createClient } = await import('redis');
  const client = createClient({ url: REDIS_URL });
  client.on('error', () => {});
  await client.connect();
  return { client, close: () => client.destroy() };
}

const app = Fastify();
/** Errors the backend and the engine absorbed, by context: under overload, Redis commands time out. */
const absorbed = {};
const onError = (_error, context) => {
  absorbed[context] = (absorbed[context] ?? 0) + 1;
};
let redis;
if (MODE === 'lock' || MODE === 'nolock') {
  redis = await connect();
  const shared = createRedisBackend({ client: redis.client, prefix: PREFIX, lock: MODE === 'lock', onError });
  if (process.env.TRACE) traceBackend(shared);
  await app.register(larder, { ttl: '10m', shared, onError });
} else if (MODE === 'memory') {
  await app.register(larder, { ttl: '10m' });
}

const trace = process.env.TRACE ? traceRequests(app) : undefined;
let originCalls = 0;
/** Time in this process of each /item request since the last /stats: [ms, answered without the origin]. */
let times = [];
app.addHook('onResponse', (request, reply, done) => {
  if (request.url.startsWith('/item/')) {
    // answered without the origin: a hit (Larder writes a hit's head itself, so its Cache-Status
    // is not among the reply's headers)
    times.push([reply.elapsedTime, request.calledOrigin !== true]);
  }
  done();
});
const cache = MODE === 'none' ? false : { ttl: '10m' };
app.get('/item/:id', { config: { cache } }, async (request) => {
  originCalls++;
  request.calledOrigin = true;
  trace?.mark('origin');
  await sleep(ORIGIN_DELAY);
  trace?.mark('origin-end');
  return { id: /** @type {{ id: string }} */ (request.params).id, pid: process.pid };
});
app.get('/ping', async () => 'pong');
app.get('/stats', async () => {
  await stopProfile?.();
  const out = { originCalls, times, absorbed, trace: trace?.take() };
  times = [];
  return out;
});

const address = await app.listen({ port: 0, host: '127.0.0.1' });
const stopProfile = process.env.PROFILE
  ? await profileUntil(process.env.PROFILE, `${MODE}-${CLIENT}`)
  : undefined;
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  await redis?.close();
  process.exit(0);
});
