// A Fastify app in TypeScript ESM, compiled under moduleResolution node16 and checked under bundler.
// Two instances share a redis-server (the test starts it on a free loopback port) through iovalkey
// clients: the second answers from the first one's fill, without calling its handler.
import { ConfigError, parseDuration } from '@larder/core';
import { larder } from '@larder/fastify';
import { createRedisBackend } from '@larder/redis';
import Fastify, { type FastifyInstance } from 'fastify';
import { Valkey } from 'iovalkey';

const port = Number(process.argv[2]); // the test's redis-server
let calls = 0;

async function instance(client: Valkey): Promise<FastifyInstance> {
  const app = Fastify();
  const shared = createRedisBackend({ client, lockTtl: '5s', commandTimeout: '2s', prefix: 'external:' });
  await app.register(larder, { ttl: '5 min', shared });
  app.get<{ Params: { id: string } }>(
    '/items/:id',
    { config: { cache: { ttl: '1.5h' } } },
    async (request) => ({ id: request.params.id, calls: ++calls }),
  );
  return app;
}

const clients = [new Valkey({ host: '127.0.0.1', port }), new Valkey({ host: '127.0.0.1', port })];
const [a, b] = await Promise.all(clients.map(instance));
const first = await a!.inject('/items/1');
const second = await a!.inject('/items/1');
const fromRedis = await b!.inject('/items/1');

let refused = '';
try {
  parseDuration('ttl', '5 fortnights');
} catch (error) {
  if (error instanceof ConfigError) refused = error.option;
}
await a!.close();
await b!.close();
for (const client of clients) client.disconnect();
console.log(
  JSON.stringify({
    first: first.headers['cache-status'],
    second: second.headers['cache-status'],
    fromRedis: fromRedis.headers['cache-status'],
    body: fromRedis.json(),
    calls,
    fiveMin: parseDuration('ttl', '5 min'),
    week: parseDuration('ttl', '1w'),
    refused,
  }),
);
