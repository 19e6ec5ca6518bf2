/**
 * Measured from outside: real requests through each adapter, then the registry's text as Prometheus
 * scrapes it, read back with a real prom-client Registry.
 */

import type { Server } from 'node:http';
import { larder as expressLarder } from '@larder/express';
import { larder as fastifyLarder } from '@larder/fastify';
import express from 'express';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { larderMetrics } from '../src/index.js';
import { sample } from './support/sample.js';

const closers: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** One server for the whole sequence: the cache key includes the Host header, port and all. */
async function listen(app: express.Express): Promise<Server> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return server;
}

async function fastifyApp() {
  const app = Fastify();
  await app.register(fastifyLarder, { ttl: '1m' });
  let origin = 0;
  app.get('/items/:id', { config: { cache: true } }, async (req) => {
    origin++;
    return { id: (req.params as { id: string }).id };
  });
  app.get('/plain', async () => 'not cached');
  app.post('/items/:id', async () => ({ ok: true }));
  await app.ready();
  closers.push(() => app.close());
  return { app, origin: () => origin };
}

describe('larderMetrics on Fastify (app.larder)', () => {
  it('reads 1 miss and 3 hits back exactly, with one entry and one fill observation', async () => {
    const { app, origin } = await fastifyApp();
    const register = new Registry();
    larderMetrics(app.larder, { register });
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await app.inject({ method: 'GET', url: '/items/1' });
      statuses.push(String(res.headers['cache-status']));
    }
    expect(origin()).toBe(1);
    expect(statuses[0]).toContain('fwd=miss');
    expect(statuses.slice(1).every((s) => s.includes('hit'))).toBe(true);

    const text = await register.metrics();
    const labels = { cache: 'larder', route: '/items/:id' };
    expect(sample(text, 'larder_requests_total', { ...labels, result: 'miss' })).toBe(1);
    expect(sample(text, 'larder_requests_total', { ...labels, result: 'hit' })).toBe(3);
    expect(sample(text, 'larder_requests_total', { ...labels, result: 'stale' })).toBe(0);
    expect(sample(text, 'larder_entries', { cache: 'larder', tier: 'memory' })).toBe(1);
    expect(sample(text, 'larder_bytes', { cache: 'larder', tier: 'memory' })).toBeGreaterThan(10);
    expect(sample(text, 'larder_stores_total', { cache: 'larder' })).toBe(1);
    expect(sample(text, 'larder_fill_duration_seconds_count', { ...labels, outcome: 'stored' })).toBe(1);
    expect(text).toContain('# TYPE larder_requests_total counter');
    expect(text).toContain('# TYPE larder_fill_duration_seconds histogram');
  });

  it('labels by the route pattern, never the URL, and counts passes apart', async () => {
    const { app } = await fastifyApp();
    const register = new Registry();
    larderMetrics(app.larder, { register, name: 'api' });
    for (const id of ['1', '2', '3', '1']) await app.inject({ method: 'GET', url: `/items/${id}` });
    await app.inject({ method: 'POST', url: '/items/1' });
    const text = await register.metrics();
    expect(text).not.toMatch(/route="\/items\/\d/);
    expect(sample(text, 'larder_requests_total', { cache: 'api', route: '/items/:id', result: 'miss' })).toBe(
      3,
    );
    expect(sample(text, 'larder_requests_total', { cache: 'api', route: '/items/:id', result: 'hit' })).toBe(
      1,
    );
    // the POST's own route is not cached: counted as a pass under the engine's default route
    expect(sample(text, 'larder_requests_total', { cache: 'api', route: '*', result: 'pass' })).toBe(1);
    expect(
      sample(text, 'larder_fill_duration_seconds_count', { cache: 'api', route: '*', outcome: 'pass' }),
    ).toBe(1);
    // the POST invalidated /items/1
    expect(sample(text, 'larder_entries', { cache: 'api', tier: 'memory' })).toBe(2);
    expect(sample(text, 'larder_evictions_total', { cache: 'api', reason: 'delete' })).toBe(1);
  });
});

describe('larderMetrics on Express (the middleware of larder())', () => {
  it('reads 1 miss and 3 hits back exactly through cache.route(), with one entry and one fill', async () => {
    const cache = expressLarder({ ttl: '1m' });
    closers.push(() => cache.close());
    const app = express();
    const router = express.Router();
    let origin = 0;
    router.get('/items/:id', cache.route(), (req, res) => {
      origin++;
      res.json({ id: req.params.id });
    });
    app.use('/api', router);
    const register = new Registry();
    larderMetrics(cache, { register });
    const agent = request(await listen(app));
    for (let i = 0; i < 4; i++) await agent.get('/api/items/7').expect(200);
    expect(origin).toBe(1);

    const text = await register.metrics();
    const labels = { cache: 'larder', route: '/api/items/:id' };
    expect(sample(text, 'larder_requests_total', { ...labels, result: 'miss' })).toBe(1);
    expect(sample(text, 'larder_requests_total', { ...labels, result: 'hit' })).toBe(3);
    expect(sample(text, 'larder_entries', { cache: 'larder', tier: 'memory' })).toBe(1);
    expect(sample(text, 'larder_fill_duration_seconds_count', { ...labels, outcome: 'stored' })).toBe(1);
  });

  it('counts app.use(cache) under its `route` option (the mount), never the URL', async () => {
    const cache = expressLarder({ ttl: '1m', route: '/catalog' });
    closers.push(() => cache.close());
    const app = express();
    app.use('/catalog', cache);
    app.get('/catalog/:page', (req, res) => {
      res.json({ page: req.params.page });
    });
    const register = new Registry();
    larderMetrics(cache, { register, name: 'catalog' });
    const agent = request(await listen(app));
    for (const page of ['a', 'b', 'a', 'a']) await agent.get(`/catalog/${page}`).expect(200);
    const text = await register.metrics();
    expect(
      sample(text, 'larder_requests_total', { cache: 'catalog', route: '/catalog', result: 'miss' }),
    ).toBe(2);
    expect(
      sample(text, 'larder_requests_total', { cache: 'catalog', route: '/catalog', result: 'hit' }),
    ).toBe(2);
    expect(text).not.toContain('route="/catalog/a"');
  });
});
