/**
 * What a new user of the Express middleware meets first: `larder('5 minutes')`, route options whose
 * `key` and `tags` get the Express request (`req.params`, `req.query`), `Cache-Control` sent from the
 * ttl when asked, and a coded warning (once per `larder()`) for each set-up that would otherwise
 * cache nothing and say nothing.
 */
import type { Server } from 'node:http';
import { ConfigError } from '@larder/core';
import type { Express } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type LarderMiddleware, larder } from '../src/index.js';
import { frameworks } from './helpers.js';

/** The codes of the process warnings emitted while `run` runs (and the ticks after it). */
async function warningsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const codes: string[] = [];
  const listener = (warning: Error & { code?: string }) => {
    if (warning.code !== undefined) codes.push(warning.code);
  };
  process.on('warning', listener);
  try {
    await run();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return codes;
}

for (const [name, express] of frameworks) {
  describe(`adoption (${name})`, () => {
    const caches: LarderMiddleware[] = [];
    const servers: Server[] = [];
    afterEach(async () => {
      for (const server of servers.splice(0)) server.close();
      for (const cache of caches.splice(0)) await cache.close();
    });
    function make(...args: Parameters<typeof larder>): LarderMiddleware {
      const cache = larder(...args);
      caches.push(cache);
      return cache;
    }
    function appWith(setup: (app: Express) => void): Server {
      const app = express();
      setup(app);
      const server = app.listen(0);
      servers.push(server);
      return server;
    }

    it("larder('5 minutes') is short for { ttl: '5 minutes' }; a duration ms cannot read is a ConfigError", async () => {
      const cache = make('5 minutes');
      let calls = 0;
      const app = appWith((a) => {
        a.use(cache);
        a.get('/x', (_req, res) => void res.send(`x ${++calls}`));
      });
      await request(app).get('/x');
      const hit = await request(app).get('/x');
      expect(hit.headers['cache-status']).toMatch(/^larder; hit/);
      expect(hit.text).toBe('x 1');
      expect(() => larder('5 fortnights' as never)).toThrow(ConfigError);
      expect(() => larder('5 fortnights' as never)).toThrow(/Invalid option ttl/);
    });

    it('cache.route({ key, tags }) get the Express request: req.params and req.query', async () => {
      const cache = make();
      const seen: unknown[] = [];
      let calls = 0;
      const app = appWith((a) => {
        a.get(
          '/items/:id',
          cache.route({
            ttl: '1m',
            key: (req) => `item ${req.params.id} ${String(req.query.v ?? '')}`,
            tags: (req) => {
              seen.push({ params: { ...req.params }, query: { ...req.query } });
              return [`item:${req.params.id}`];
            },
          }),
          (req, res) => void res.send(`item ${req.params.id} ${++calls}`),
        );
      });
      await request(app).get('/items/42?v=1');
      expect(seen).toContainEqual({ params: { id: '42' }, query: { v: '1' } });
      expect((await request(app).get('/items/42?v=1')).headers['cache-status']).toMatch(/^larder; hit/);
      expect(await cache.invalidate({ tags: ['item:42'] })).toBe(1);
      expect((await request(app).get('/items/42?v=1')).text).toBe('item 42 2');
      expect(await cache.invalidate({ key: 'item 42 1' })).toBeGreaterThan(0);
      expect((await request(app).get('/items/42?v=1')).text).toBe('item 42 3');
    });

    it('cacheControl: tells browsers and CDNs the ttl; private when the request was personal; off by default', async () => {
      const on = make({ ttl: '90s', cacheControl: true, cacheAuthorized: true });
      const off = make({ ttl: '90s' });
      const app = appWith((a) => {
        a.get('/on', on.route(), (_req, res) => void res.send('on'));
        a.get('/off', off.route(), (_req, res) => void res.send('off'));
        a.get('/own', on.route(), (_req, res) => void res.set('cache-control', 'max-age=5').send('own'));
      });
      const miss = await request(app).get('/on');
      expect(miss.headers['cache-control']).toBe('public, max-age=90');
      const hit = await request(app).get('/on');
      expect(hit.headers['cache-status']).toMatch(/^larder; hit/);
      expect(hit.headers['cache-control']).toBe('public, max-age=90');
      expect(hit.headers.age).toBeDefined();
      expect((await request(app).get('/off')).headers['cache-control']).toBeUndefined();
      expect((await request(app).get('/own')).headers['cache-control']).toBe('max-age=5');
      const personal = await request(app).get('/on?me').set('authorization', 'Bearer a');
      expect(personal.headers['cache-control']).toBe('private, max-age=90');
    });

    it('warns (LARDER_ROUTE_OPTIONS_IGNORED) when app.use(cache) already looked up a cache.route() request', async () => {
      const cache = make('1m');
      const app = appWith((a) => {
        a.use(cache);
        a.get('/x', cache.route({ ttl: '5s' }), (_req, res) => void res.send('x'));
      });
      const codes = await warningsDuring(() => request(app).get('/x'));
      expect(codes).toContain('LARDER_ROUTE_OPTIONS_IGNORED');
      // once per larder()
      expect(await warningsDuring(() => request(app).get('/x?again'))).not.toContain(
        'LARDER_ROUTE_OPTIONS_IGNORED',
      );
    });

    it('looks a request up once per larder(), also when another larder() looked it up in between', async () => {
      const outer = make('1m');
      const inner = make('1m');
      const app = appWith((a) => {
        a.use(outer);
        a.get('/x', inner.route(), outer.route(), (_req, res) => void res.send('x'));
      });
      const first = await request(app).get('/x');
      // each engine's Cache-Status member, once: two lookups, two captures
      expect(first.headers['cache-status']).toMatch(/^larder; fwd=miss; stored, larder; fwd=miss; stored$/);
      expect(outer.stats().misses).toBe(1);
      expect(inner.stats().misses).toBe(1);
      // the outer cache answers the next one (its entry holds the inner cache's member as sent)
      expect((await request(app).get('/x')).headers['cache-status']).toMatch(/, larder; hit/);
      expect(outer.stats().hits).toBe(1);
      expect(inner.stats().misses + inner.stats().hits).toBe(1);
    });

    it('warns (LARDER_MOUNTED_AFTER_ROUTES) when app.use(cache) comes after the routes', async () => {
      const cache = make('1m');
      const app = appWith((a) => {
        a.get('/x', (_req, res) => void res.send('x'));
        a.use(cache);
        a.get('/y', (_req, res) => void res.send('y'));
      });
      const codes = await warningsDuring(() => request(app).get('/y'));
      expect(codes).toContain('LARDER_MOUNTED_AFTER_ROUTES');
      const fine = make('1m');
      const ok = appWith((a) => {
        a.use(fine);
        a.get('/y', (_req, res) => void res.send('y'));
      });
      expect(await warningsDuring(() => request(ok).get('/y'))).not.toContain('LARDER_MOUNTED_AFTER_ROUTES');
    });
  });
}

describe('a route that caches nothing because nothing gives it a lifetime', () => {
  it('warns once per process (LARDER_NO_TTL), naming the fix', async () => {
    const cache = larder();
    const express = frameworks[0]![1];
    const app = express();
    app.get('/nothing', cache.route(), (_req, res) => void res.send('n'));
    const server = app.listen(0);
    const messages: string[] = [];
    const listener = (warning: Error & { code?: string }) => {
      if (warning.code === 'LARDER_NO_TTL') messages.push(warning.message);
    };
    process.on('warning', listener);
    try {
      const first = await request(server).get('/nothing');
      expect(first.headers['cache-status']).toContain('no-ttl');
      await request(server).get('/nothing?2');
      await new Promise((resolve) => setImmediate(resolve));
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain('ttl');
    } finally {
      process.off('warning', listener);
      server.close();
      await cache.close();
    }
  });
});
