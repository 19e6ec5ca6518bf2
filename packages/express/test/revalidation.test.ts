import type { Server } from 'node:http';
import type { Express } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type LarderMiddleware, type LarderOptions, larder } from '../src/index.js';
import { frameworks, settle } from './helpers.js';

for (const [name, express] of frameworks) {
  describe(`revalidation with res.send answering 304 itself (${name})`, () => {
    let now = 1_700_000_000_000;
    let cache: LarderMiddleware | undefined;
    const servers: Server[] = [];
    afterEach(async () => {
      for (const server of servers.splice(0)) server.close();
      await cache?.close();
      cache = undefined;
    });

    /**
     * `app.use(cache)` over a handler that sends with `res.send`, which sets a weak ETag and answers
     * 304 when the request's If-None-Match matches it (Express's `req.fresh`).
     */
    function build(options: LarderOptions = {}) {
      cache = larder({ now: () => now, ttl: '10s', ...options });
      const state = { body: 'page one', version: 'a', calls: 0, seen: [] as unknown[] };
      const app: Express = express();
      app.use(cache);
      app.get('/page', (req, res) => {
        state.calls++;
        state.seen.push(req.headers['if-none-match']);
        res.set('x-version', state.version).type('text/plain').send(state.body);
      });
      const server = app.listen(0);
      servers.push(server);
      return { server, state };
    }

    it('gives the handler If-None-Match for a stale entry; its 304 freshens it and the stored body is served', async () => {
      const { server, state } = build();
      const first = await request(server).get('/page');
      const tag = first.headers.etag;
      expect(tag).toMatch(/^W\//);
      now += 15_000;
      state.version = 'b';
      const revalidated = await request(server).get('/page');
      expect(state.seen).toEqual([undefined, tag]);
      expect(revalidated.status).toBe(200);
      expect(revalidated.text).toBe('page one');
      expect(revalidated.headers['content-length']).toBe('8');
      expect(revalidated.headers['x-version']).toBe('b');
      expect(revalidated.headers['cache-status']).toBe('larder; fwd=stale; fwd-status=304; stored');
      now += 1_000;
      const hit = await request(server).get('/page');
      expect(hit.headers['cache-status']).toMatch(/^larder; hit/);
      expect(hit.headers['x-version']).toBe('b');
      expect(state.calls).toBe(2);
    });

    it('answers 304 to a client whose own If-None-Match matches, and replaces the entry on a 200', async () => {
      const { server, state } = build();
      const first = await request(server).get('/page');
      now += 15_000;
      const conditional = await request(server).get('/page').set('if-none-match', first.headers.etag!);
      expect(conditional.status).toBe(304);
      now += 15_000;
      state.body = 'page two';
      const replaced = await request(server).get('/page');
      expect(replaced.text).toBe('page two');
      expect(replaced.headers['cache-status']).toBe('larder; fwd=stale; stored');
      expect((await request(server).get('/page')).text).toBe('page two');
    });

    it('revalidates in the background under stale-while-revalidate', async () => {
      const { server, state } = build({ staleWhileRevalidate: '1m' });
      const first = await request(server).get('/page');
      now += 15_000;
      state.version = 'b';
      const stale = await request(server).get('/page');
      expect(stale.headers['x-version']).toBe('a');
      expect(stale.headers['cache-status']).toBe('larder; hit; ttl=-5');
      for (let i = 0; i < 20 && cache!.stats().stores < 2; i++) await settle();
      expect(state.seen).toEqual([undefined, first.headers.etag]);
      const hit = await request(server).get('/page');
      expect(hit.headers['cache-status']).toMatch(/^larder; hit; ttl=\d/);
      expect(hit.headers['x-version']).toBe('b');
      expect(hit.text).toBe('page one');
      expect(state.calls).toBe(2);
    });

    it('takes a 304 written with writeHead (the streaming path) as the revalidation too', async () => {
      cache = larder({ now: () => now, ttl: '10s' });
      let calls = 0;
      const app: Express = express();
      app.use(cache);
      app.get('/stream', (req, res) => {
        calls++;
        if (req.headers['if-none-match'] === '"s1"') {
          res.writeHead(304, { etag: '"s1"', 'x-call': String(calls) });
          res.end();
          return;
        }
        res.writeHead(200, { etag: '"s1"', 'content-type': 'text/plain', 'x-call': String(calls) });
        res.write('streamed ');
        res.end('body');
      });
      const server = app.listen(0);
      servers.push(server);
      await request(server).get('/stream');
      now += 15_000;
      const revalidated = await request(server).get('/stream');
      expect(revalidated.status).toBe(200);
      expect(revalidated.text).toBe('streamed body');
      expect(revalidated.headers['x-call']).toBe('2');
      expect(revalidated.headers['cache-status']).toBe('larder; fwd=stale; fwd-status=304; stored');
      expect((await request(server).get('/stream')).headers['cache-status']).toMatch(/^larder; hit/);
      expect(calls).toBe(2);
    });
  });
}
