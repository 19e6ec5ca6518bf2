// A Fastify app in TypeScript ESM, compiled under moduleResolution node16 and checked under bundler.
import { ConfigError, parseDuration } from '@larder/core';
import { larder } from '@larder/fastify';
import { createRedisBackend } from '@larder/redis';
import Fastify from 'fastify';
import { Valkey } from 'iovalkey';

const app = Fastify();
await app.register(larder, { ttl: '5 min' });
let calls = 0;
app.get<{ Params: { id: string } }>(
  '/items/:id',
  { config: { cache: { ttl: '1.5h' } } },
  async (request) => ({ id: request.params.id, calls: ++calls }),
);
const first = await app.inject('/items/1');
const second = await app.inject('/items/1');

// a Valkey client (iovalkey) is taken as the Redis tier's client; lazyConnect: nothing is dialled
const client = new Valkey({ lazyConnect: true });
const backend = createRedisBackend({ client, lockTtl: '5s', commandTimeout: '500ms' });
let refused = '';
try {
  parseDuration('ttl', '5 fortnights');
} catch (error) {
  if (error instanceof ConfigError) refused = error.option;
}
await backend.close();
client.disconnect();
await app.close();
console.log(
  JSON.stringify({
    first: first.headers['cache-status'],
    second: second.headers['cache-status'],
    calls,
    fiveMin: parseDuration('ttl', '5 min'),
    week: parseDuration('ttl', '1w'),
    refused,
    valkey: backend.port.commandTimeout,
  }),
);
