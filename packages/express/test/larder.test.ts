import { randomBytes } from 'node:crypto';
import { IncomingMessage, type Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { ConfigError, type ResponseStore } from '@larder/core';
import compression from 'compression';
import type { Express, RequestHandler } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type LarderMiddleware, type LarderOptions, larder } from '../src/index.js';
import { frameworks, rawGet, settle } from './helpers.js';

for (const [name, express] of frameworks) {
  describe(`larder middleware (${name})`, () => {
    let now = 1_700_000_000_000;
    let cache: LarderMiddleware | undefined;
    afterEach(async () => {
      await cache?.close();
      cache = undefined;
    });

    function make(options: LarderOptions = {}): LarderMiddleware {
      cache = larder({ now: () => now, ...options });
      return cache;
    }

    /** A handler that counts its calls and answers `${label} ${calls}`. */
    function counter(label = 'v'): RequestHandler & { calls: number } {
      const handler: RequestHandler = (_req, res) => {
        counted.calls++;
        res.type('text/plain').send(`${label} ${counted.calls}`);
      };
      const counted = Object.assign(handler, { calls: 0 });
      return counted;
    }

    // One listening server per app: supertest given an app listens on a new port per request, and
    // the port is part of the Host header, hence of the cache key.
    const servers: Server[] = [];
    afterEach(() => {
      for (const server of servers.splice(0)) server.close();
    });
    function serve(app: Express): Server {
      const server = app.listen(0);
      servers.push(server);
      return server;
    }
    function appWith(setup: (app: Express) => void): Server {
      const app = express();
      setup(app);
      return serve(app);
    }

    describe('app.use(cache)', () => {
      it('misses, then hits with the same status, body and content type', async () => {
        const c = make({ ttl: '1m' });
        const origin = counter();
        const app = appWith((a) => {
          a.use(c);
          a.get('/items', origin);
        });
        const first = await request(app).get('/items');
        expect(first.status).toBe(200);
        expect(first.text).toBe('v 1');
        expect(first.headers['cache-status']).toMatch(/^larder; fwd=miss/);
        const second = await request(app).get('/items');
        expect(second.text).toBe('v 1');
        expect(second.headers['content-type']).toBe(first.headers['content-type']);
        expect(second.headers['cache-status']).toMatch(/^larder; hit/);
        expect(origin.calls).toBe(1);
        expect(c.stats()).toMatchObject({ hits: 1, misses: 1, stores: 1 });
      });

      it('answers HEAD from the GET entry', async () => {
        const c = make({ ttl: '1m' });
        const origin = counter();
        const app = appWith((a) => {
          a.use(c);
          a.get('/items', origin);
        });
        const get = await request(app).get('/items');
        const head = await request(app).head('/items');
        expect(head.status).toBe(200);
        expect(head.text).toBeUndefined();
        expect(head.headers['content-length']).toBe(get.headers['content-length']);
        expect(head.headers['cache-status']).toMatch(/hit/);
        expect(origin.calls).toBe(1);
      });

      it('skips the router on a hit when mounted first; caches nothing a route answers when mounted after it', async () => {
        const c = make({ ttl: '1m' });
        const origin = counter();
        let routed = 0;
        const first = appWith((a) => {
          a.use(c);
          a.use((_req, _res, next) => {
            routed++;
            next();
          });
          a.get('/items', origin);
        });
        await request(first).get('/items');
        await request(first).get('/items');
        expect(routed).toBe(1);

        const after = counter();
        const last = appWith((a) => {
          a.get('/other', after);
          a.use(c);
        });
        await request(last).get('/other');
        const again = await request(last).get('/other');
        expect(after.calls).toBe(2);
        expect(again.headers['cache-status']).toBeUndefined();
      });

      it('keys by the full URL inside a mounted router', async () => {
        const c = make({ ttl: '1m' });
        const origin = counter();
        const router = express.Router();
        router.use(c);
        router.get('/items', origin);
        const app = appWith((a) => {
          a.use('/a', router);
          a.use('/b', router);
        });
        expect((await request(app).get('/a/items')).text).toBe('v 1');
        expect((await request(app).get('/b/items')).text).toBe('v 2');
        expect((await request(app).get('/a/items')).text).toBe('v 1');
        expect(origin.calls).toBe(2);
      });

      it('stores piped streams and binary bodies byte for byte', async () => {
        const c = make({ ttl: '1m' });
        const bytes = randomBytes(100_000);
        let calls = 0;
        const app = appWith((a) => {
          a.use(c);
          a.get('/blob', (_req, res) => {
            calls++;
            res.type('application/octet-stream');
            Readable.from([bytes.subarray(0, 30_000), bytes.subarray(30_000)]).pipe(res);
          });
        });
        const miss = await rawGet(app, '/blob');
        const hit = await rawGet(app, '/blob');
        expect(Buffer.compare(miss.body, bytes)).toBe(0);
        expect(Buffer.compare(hit.body, bytes)).toBe(0);
        expect(hit.headers['cache-status']).toMatch(/hit/);
        expect(hit.headers['content-type']).toBe('application/octet-stream');
        expect(calls).toBe(1);
      });

      it('sends a streamed body past maxEntryBytes in full, without storing it', async () => {
        const c = make({ ttl: '1m', maxEntryBytes: 1000 });
        const origin: RequestHandler = (_req, res) => {
          res.type('text/plain');
          Readable.from(['a'.repeat(800), 'b'.repeat(800)]).pipe(res);
        };
        const app = appWith((a) => {
          a.use(c);
          a.get('/big', origin);
        });
        const statuses: string[] = [];
        for (let i = 0; i < 2; i++) {
          const res = await request(app).get('/big');
          expect(res.text).toBe(`${'a'.repeat(800)}${'b'.repeat(800)}`);
          statuses.push(String(res.headers['cache-status']));
        }
        expect(c.stats().stores).toBe(0);
        // the oversized body is remembered: the next request passes instead of buffering it again
        expect(statuses[0]).toMatch(/fwd=miss; stored/);
        expect(statuses[1]).toBe('larder; fwd=miss; detail=hit-for-pass');
      });

      it('answers a conditional request with 304 from the cache, and stores after a conditional miss', async () => {
        const c = make({ ttl: '1m' });
        let calls = 0;
        const app = appWith((a) => {
          a.use(c);
          a.get('/items', (_req, res) => {
            calls++;
            res.send('same');
          });
        });
        const etag = (await request(app).get('/items')).headers.etag as string;
        const notModified = await request(app).get('/items').set('if-none-match', etag);
        expect(notModified.status).toBe(304);
        expect(notModified.headers['cache-status']).toMatch(/hit/);
        expect(calls).toBe(1);

        await c.clear();
        // on a miss Express answers the matching validator with 304 itself: not stored, and no reason
        // for the next request not to store
        expect((await request(app).get('/items').set('if-none-match', etag)).status).toBe(304);
        expect((await request(app).get('/items')).headers['cache-status']).toMatch(/stored/);
        expect((await request(app).get('/items')).headers['cache-status']).toMatch(/hit/);
        expect(calls).toBe(3);
      });

      it('calls the origin once for concurrent misses', async () => {
        const c = make({ ttl: '1m' });
        let calls = 0;
        let release = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const app = appWith((a) => {
          a.use(c);
          a.get('/slow', async (_req, res) => {
            calls++;
            await gate;
            res.send('slow');
          });
        });
        const pending = Array.from({ length: 20 }, () => request(app).get('/slow'));
        await settle();
        release();
        const responses = await Promise.all(pending);
        expect(responses.every((res) => res.status === 200 && res.text === 'slow')).toBe(true);
        expect(calls).toBe(1);
        expect(c.stats().misses).toBe(1);
      });

      it('invalidates a URL after a successful POST to it', async () => {
        const c = make({ ttl: '1m' });
        const origin = counter();
        const app = appWith((a) => {
          a.use(c);
          a.get('/items', origin);
          a.post('/items', (_req, res) => void res.status(201).send('created'));
        });
        await request(app).get('/items');
        expect((await request(app).post('/items')).status).toBe(201);
        expect((await request(app).get('/items')).text).toBe('v 2');
      });

      it('keeps headers that middleware above the cache set for this request, but never over the stored representation', async () => {
        const c = make({ ttl: '1m' });
        let id = 0;
        const app = appWith((a) => {
          a.use((_req, res, next) => {
            res.setHeader('x-request-id', String(++id));
            // a default set early for every response: the stored one describes the stored body
            res.setHeader('content-type', 'application/octet-stream');
            res.setHeader('etag', '"from-middleware"');
            next();
          });
          a.use(c);
          a.get('/items', (_req, res) => {
            res.type('text/plain').set('etag', '"stored"').send('items');
          });
        });
        await request(app).get('/items');
        const hit = await request(app).get('/items');
        expect(hit.headers['cache-status']).toMatch(/hit/);
        expect(hit.headers['x-request-id']).toBe('2');
        expect(hit.headers['content-type']).toMatch(/^text\/plain/);
        expect(hit.headers.etag).toBe('"stored"');
        expect(hit.text).toBe('items');
      });
    });

    describe('cache.route()', () => {
      it('caches only the routes it is on, with its own options over the defaults', async () => {
        const c = make({ ttl: '1m' });
        const short = counter();
        const long = counter();
        const uncached = counter();
        const app = appWith((a) => {
          a.get('/short', c.route({ ttl: '1s' }), short);
          a.get('/long', c.route(), long);
          a.get('/uncached', uncached);
        });
        for (const path of ['/short', '/long', '/uncached']) {
          await request(app).get(path);
          await request(app).get(path);
        }
        expect([short.calls, long.calls, uncached.calls]).toEqual([1, 1, 2]);
        now += 2000;
        await request(app).get('/short');
        await request(app).get('/long');
        expect([short.calls, long.calls]).toEqual([2, 1]);
      });

      it('looks a request up once when app.use(cache) is mounted above it too', async () => {
        const c = make({ ttl: '1m' });
        const origin = counter();
        const app = appWith((a) => {
          a.use(c);
          a.get('/items', c.route({ ttl: '1s' }), origin);
        });
        await request(app).get('/items');
        await request(app).get('/items');
        expect(origin.calls).toBe(1);
        expect(c.stats()).toMatchObject({ hits: 1, misses: 1 });
      });

      it('invalidates by tags and by URL, and clears', async () => {
        const c = make({ ttl: '1m' });
        const origin = counter();
        const app = appWith((a) => {
          a.get('/items/:id', c.route({ tags: (req) => ['items', `item:${req.url.split('/')[2]}`] }), origin);
        });
        const text = async (path: string) => (await request(app).get(path)).text;
        expect([await text('/items/1'), await text('/items/2'), await text('/items/1')]).toEqual([
          'v 1',
          'v 2',
          'v 1',
        ]);
        expect(await c.invalidate({ tags: ['item:1'] })).toBeGreaterThan(0);
        expect([await text('/items/1'), await text('/items/2')]).toEqual(['v 3', 'v 2']);
        await c.invalidate({ url: '/items/2' });
        expect(await text('/items/2')).toBe('v 4');
        await c.clear();
        expect([await text('/items/1'), await text('/items/2')]).toEqual(['v 5', 'v 6']);
        expect(c.stats().invalidations).toBeGreaterThan(0);
      });
    });

    describe('bad options', () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ["ttl: '5 fortnights'", { ttl: '5 fortnights' }, 'ttl'],
        ['ttl: -1', { ttl: -1 }, 'ttl'],
        ['an unknown option', { tll: '1m' }, 'tll'],
        ['a non-function key', { key: 'url' }, 'key'],
      ];
      for (const [label, options, option] of cases) {
        it(`throws ConfigError for ${label} at construction`, () => {
          expect(() => larder(options as LarderOptions)).toThrow(ConfigError);
          expect(() => larder(options as LarderOptions)).toThrow(option);
        });
        it(`throws ConfigError for ${label} at route()`, () => {
          const c = make();
          let error: unknown;
          try {
            c.route(options as LarderOptions);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).option).toContain(option);
          expect((error as ConfigError).message).toContain(option);
        });
      }
    });

    describe('with compression', () => {
      const text = 'a compressible line of text\n'.repeat(200);
      for (const order of ['compression first (supported)', 'cache first'] as const) {
        it(`serves gzip and identity clients correct bodies from one cached route: ${order}`, async () => {
          const c = make({ ttl: '1m' });
          let calls = 0;
          const app = appWith((a) => {
            if (order === 'cache first') a.use(c);
            a.use(compression());
            if (order !== 'cache first') a.use(c);
            a.get('/text', (_req, res) => {
              calls++;
              res.type('text/plain').send(text);
            });
          });
          const gzip = () => rawGet(app, '/text', { 'accept-encoding': 'gzip' });
          const identity = () => rawGet(app, '/text', { 'accept-encoding': 'identity' });
          for (const res of [await gzip(), await gzip()]) {
            expect(res.headers['content-encoding']).toBe('gzip');
            expect(res.headers.vary).toMatch(/accept-encoding/i);
            expect(gunzipSync(res.body).toString()).toBe(text);
          }
          for (const res of [await identity(), await identity()]) {
            expect(res.headers['content-encoding']).toBeUndefined();
            expect(res.body.toString()).toBe(text);
          }
          const last = await gzip();
          expect(gunzipSync(last.body).toString()).toBe(text);
          expect(last.headers['cache-status']).toMatch(/hit/);
          expect(calls).toBe(order === 'cache first' ? 2 : 1);
        });
      }
    });

    describe('stale responses', () => {
      it('serves stale at once and refreshes once in the background (stale-while-revalidate)', async () => {
        const c = make();
        let calls = 0;
        let release = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const app = appWith((a) => {
          a.get('/items', c.route({ ttl: '10s', staleWhileRevalidate: '1m' }), async (_req, res) => {
            const call = ++calls;
            if (call > 1) await gate;
            res.type('text/plain').send(`v ${call}`);
          });
        });
        expect((await request(app).get('/items')).text).toBe('v 1');
        now += 11_000;
        const stale = await Promise.all([1, 2, 3].map(() => request(app).get('/items')));
        expect(stale.map((res) => res.text)).toEqual(['v 1', 'v 1', 'v 1']);
        expect(stale[0]?.headers['cache-status']).toMatch(/hit/);
        expect(calls).toBe(2);
        release();
        await settle();
        const fresh = await request(app).get('/items');
        expect(fresh.text).toBe('v 2');
        expect(fresh.headers['cache-status']).toMatch(/hit/);
        expect(calls).toBe(2);
        expect(c.stats()).toMatchObject({ staleHits: 3, revalidations: 1 });
      });

      for (const given of [true, false]) {
        it(`refreshes a route of a sub-app through the top-level app${given ? ' given as an option' : ''}`, async () => {
          const origin = counter();
          const sub = express();
          const main = express();
          const c = make(given ? { app: main } : {});
          sub.get('/items', c.route({ ttl: '10s', staleWhileRevalidate: '1m' }), origin);
          main.use('/sub', sub);
          const server = serve(main);
          await request(server).get('/sub/items');
          now += 11_000;
          expect((await request(server).get('/sub/items')).text).toBe('v 1');
          await settle();
          expect(origin.calls).toBe(2);
          expect((await request(server).get('/sub/items')).text).toBe('v 2');
          // light-my-request must not have re-parented Express's shared prototypes (real requests would break)
          expect(Object.getPrototypeOf(express.request)).toBe(IncomingMessage.prototype);
          expect(Object.getPrototypeOf(express.response)).toBe(ServerResponse.prototype);
        });
      }

      it('serves stale in place of the default error handler 500 (stale-if-error)', async () => {
        const c = make();
        let fail = false;
        let calls = 0;
        const app = appWith((a) => {
          a.get('/items', c.route({ ttl: '10s', staleIfError: '1m' }), (_req, res, next) => {
            calls++;
            if (fail && calls % 2 === 0) throw new Error('origin down');
            if (fail) return next(new Error('origin down'));
            res.send('good');
          });
        });
        await request(app).get('/items');
        now += 11_000;
        fail = true;
        for (const res of [await request(app).get('/items'), await request(app).get('/items')]) {
          expect(res.status).toBe(200);
          expect(res.text).toBe('good');
        }
        expect(calls).toBe(3);
        now += 60_000;
        expect((await request(app).get('/items')).status).toBe(500);
      });
    });

    describe('failures', () => {
      const failures: [string, () => Promise<never>][] = [
        ['rejects', () => Promise.reject(new Error('store down'))],
        [
          'throws synchronously',
          () => {
            throw new Error('store down');
          },
        ],
      ];
      for (const [how, broken] of failures) {
        it(`a store that ${how} never produces a 500`, async () => {
          const store: ResponseStore = {
            get: broken,
            set: broken,
            delete: broken,
            deleteByTags: broken,
            clear: broken,
          };
          const errors: string[] = [];
          const c = make({ ttl: '1m', store, onError: (_e, context) => errors.push(context) });
          const origin = counter();
          const app = appWith((a) => {
            a.use(c);
            a.get('/items', origin);
            a.post('/items', (_req, res) => void res.send('posted'));
          });
          for (const expected of ['v 1', 'v 2']) {
            const res = await request(app).get('/items');
            expect(res.status).toBe(200);
            expect(res.text).toBe(expected);
          }
          expect((await request(app).post('/items')).status).toBe(200);
          await settle();
          expect(errors).toEqual(expect.arrayContaining(['store.get', 'store.set', 'invalidate']));
        });
      }

      for (const [how, failing] of [
        ['rejects', () => Promise.reject(new Error('engine bug'))],
        [
          'throws',
          () => {
            throw new Error('engine bug');
          },
        ],
      ] as const) {
        it(`serves uncached when the engine lookup ${how}`, async () => {
          const errors: string[] = [];
          const c = make({ ttl: '1m', onError: (_e, context) => errors.push(context) });
          c.engine.lookupNow = failing;
          const app = appWith((a) => {
            a.use(c);
            a.get('/items', counter());
          });
          const res = await request(app).get('/items');
          expect(res.status).toBe(200);
          expect(res.text).toBe('v 1');
          expect(errors).toEqual(['express.lookup']);
        });
      }
    });
  });
}
