// The two example apps: the same catalogue API on Fastify and on Express, each cached by Larder and
// reported by @larder/prometheus on its own prom-client Registry, served at GET /metrics.
import { setTimeout as sleep } from 'node:timers/promises';
import { larder as expressLarder } from '@larder/express';
import { larder as fastifyLarder } from '@larder/fastify';
import { larderMetrics } from '@larder/prometheus';
import express from 'express';
import Fastify from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** The origin: a product looked up in 20-60 ms, as a database would. */
async function product(id) {
  await sleep(20 + (Number(id) % 5) * 10);
  return { id, name: `Product ${id}`, price: (Number(id) * 7.3).toFixed(2) };
}

/** Fastify: `config.cache` per route; the route pattern is the `route` label. */
export async function fastifyApp() {
  const app = Fastify();
  await app.register(fastifyLarder, { ttl: '30s', staleWhileRevalidate: '30s', maxEntries: 500 });
  app.get('/products/:id', { config: { cache: true } }, async (req) => product(req.params.id));
  app.get('/search', { config: { cache: { ttl: '5s' } } }, async (req) => {
    await sleep(40);
    return { q: req.query.q ?? '', hits: [] };
  });
  app.post('/products/:id', async () => ({ updated: true }));
  const register = new Registry();
  collectDefaultMetrics({ register });
  larderMetrics(app.larder, { register, name: 'fastify' });
  app.get('/metrics', async (_req, reply) => reply.type(register.contentType).send(await register.metrics()));
  return app;
}

/** Express: `cache.route()` per route; the mount and route path are the `route` label. */
export function expressApp() {
  const cache = expressLarder({ ttl: '30s', staleWhileRevalidate: '30s', maxEntries: 500 });
  const app = express();
  const api = express.Router();
  api.get('/products/:id', cache.route(), async (req, res) => {
    res.json(await product(req.params.id));
  });
  api.get('/search', cache.route({ ttl: '5s' }), async (req, res) => {
    await sleep(40);
    res.json({ q: req.query.q ?? '', hits: [] });
  });
  api.post('/products/:id', cache, (_req, res) => {
    res.json({ updated: true });
  });
  app.use('/', api);
  const register = new Registry();
  collectDefaultMetrics({ register });
  larderMetrics(cache, { register, name: 'express' });
  app.get('/metrics', async (_req, res) => {
    res.type(register.contentType).send(await register.metrics());
  });
  return { app, cache };
}
