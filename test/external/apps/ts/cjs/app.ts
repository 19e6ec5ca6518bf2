// TypeScript compiled to CommonJS under moduleResolution node (NestJS's default tsconfig): the types
// resolve through `types`, the code through require() of our ESM builds.
import { Cache, type Duration } from '@larder/core';
import { type ExpressRouteOptions, larder } from '@larder/express';
import express from 'express';

const ttl: Duration = '5 minutes';
const options: ExpressRouteOptions = { ttl, tags: (req) => [`item:${req.params.id}`] };
const cache = larder({ ttl: '1m' });
const lru = new Cache<string, number>({ max: 10 });
lru.set('a', 1);
const app = express();
let calls = 0;
app.get('/items/:id', cache.route(options), (req, res) => {
  res.json({ id: req.params.id, calls: ++calls });
});
const server = app.listen(0, '127.0.0.1', async () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const a = await fetch(`http://127.0.0.1:${port}/items/1`);
  const b = await fetch(`http://127.0.0.1:${port}/items/1`);
  server.close();
  await cache.close();
  console.log(
    JSON.stringify({
      first: a.headers.get('cache-status'),
      second: b.headers.get('cache-status'),
      calls,
      lru: lru.get('a'),
    }),
  );
});
