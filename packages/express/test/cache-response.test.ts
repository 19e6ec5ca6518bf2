import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LarderError } from '@larder/core';
import {
  type CompiledFixtures,
  compileFixtures,
  type DecoratorMode,
  decoratorModes,
} from '@larder/test-support';
import type { Express, RequestHandler } from 'express';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cacheResponse, type LarderMiddleware, type LarderOptions, larder } from '../src/index.js';
import type * as Controllers from './cache-response.fixtures.js';
import { frameworks, settle } from './helpers.js';

/**
 * supertest listens on a new port for every request, and the default key holds the host (issue 11):
 * every request here names the same host, as a browser on one site would.
 */
function request(app: Express) {
  const agent = supertest(app);
  return {
    get: (url: string) => agent.get(url).set('host', 'app.test'),
    head: (url: string) => agent.head(url).set('host', 'app.test'),
    post: (url: string) => agent.post(url).set('host', 'app.test'),
  };
}

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

let compiled: CompiledFixtures | undefined;
const fixtures = {} as Record<DecoratorMode, typeof Controllers>;

beforeAll(async () => {
  compiled = compileFixtures(
    {
      standard: here('tsconfig.cache-response.standard.json'),
      experimental: here('tsconfig.cache-response.experimental.json'),
    },
    here('cache-response.fixtures.ts'),
  );
  for (const mode of decoratorModes) {
    fixtures[mode] = (await import(pathToFileURL(compiled.files[mode]).href)) as typeof Controllers;
  }
}, 300_000);
afterAll(() => compiled?.remove());

type Items = InstanceType<ReturnType<(typeof Controllers)['defineControllers']>['Items']>;

/** Turn the event loop until `condition` holds; fails instead of hanging. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise<void>((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('condition not reached');
}

const cases = decoratorModes.flatMap((mode) =>
  frameworks.map(([name, express]) => [mode, name, express] as const),
);

describe.each(cases)(
  '@cacheResponse on Express handlers, compiled with %s decorators, on %s',
  (mode, _name, express) => {
    let now = 1_700_000_000_000;
    let cache: LarderMiddleware | undefined;
    afterEach(async () => {
      await cache?.close();
      cache = undefined;
    });

    function setup(
      options: LarderOptions = {},
      mount = true,
    ): { app: Express; items: Items; cache: LarderMiddleware } {
      const app = express();
      cache = larder({ now: () => now, ...options });
      const items = new (fixtures[mode].defineControllers({ cacheResponse }).Items)();
      const h =
        (name: keyof Items): RequestHandler =>
        (req, res, next) =>
          (items[name] as (...args: unknown[]) => unknown)(req, res, next);
      if (mount) app.use(cache);
      const api = express.Router();
      api.get('/items/:id', h('show'));
      api.post('/items/:id', h('create'));
      app.use('/api', api);
      app.get('/tagged/:id', h('tagged'));
      app.get('/rates/:id', h('rate'));
      app.get('/gated', h('gated'));
      app.get('/negotiated', h('negotiated'));
      app.get('/streamed', h('streamed'));
      app.get('/fail', h('fail'));
      app.get('/fail-now', h('failNow'));
      app.get('/flaky', h('flaky'));
      app.get('/custom', h('custom'));
      app.get('/headers', h('headers'));
      return { app, items, cache };
    }

    it('is what tsc emits for this mode', () => {
      const emitted = readFileSync(compiled!.files[mode], 'utf8');
      expect(emitted).toContain(mode === 'standard' ? '__esDecorate' : '__decorate(');
      expect(emitted).not.toMatch(/^import /m);
    });

    it('stores the whole response on a miss and answers hits without the handler', async () => {
      const { app, items, cache } = setup();
      const first = await request(app).get('/api/items/1?b=2&a=1');
      expect(first.status).toBe(200);
      expect(first.headers['cache-status']).toBe('larder; fwd=miss; stored');
      expect(first.body).toEqual({ id: '1', query: { b: '2', a: '1' }, call: 1 });
      now += 5_000;
      const second = await request(app).get('/api/items/1?a=1&b=2');
      expect(second.headers['cache-status']).toBe('larder; hit; ttl=25');
      expect(second.headers.age).toBe('5');
      expect(second.headers['x-call']).toBe('1');
      expect(second.headers['content-type']).toBe(first.headers['content-type']);
      expect(second.text).toBe(first.text);
      expect(items.calls).toBe(1);
      await request(app).get('/api/items/2');
      expect(items.calls).toBe(2);
      // the key: method class, origin, mount path and route pattern, params, query
      const entry = await cache.engine.store.get('GET app.test/api/items/:id {"id":"1"} {"a":"1","b":"2"}');
      expect(entry?.status).toBe(200);
    });

    it('reports a lookup of its own that fails to onError as express.lookup, and the handler answers uncached', async () => {
      const errors: [unknown, string][] = [];
      const { app, items, cache } = setup({ onError: (error, context) => errors.push([error, context]) });
      const engine = cache.engine;
      const lookupNow = engine.lookupNow.bind(engine);
      let middlewareLookups = 0;
      engine.lookupNow = (req, route) => {
        middlewareLookups++;
        return lookupNow(req, route);
      };
      // the middleware's lookup (lookupNow) goes through; the decorator's (lookup) fails
      engine.lookup = () => Promise.reject(new Error('boom'));
      const res = await request(app).get('/api/items/1');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: '1', call: 1 });
      expect(items.calls).toBe(1);
      expect(middlewareLookups).toBe(1);
      expect(errors.map(([error, context]) => [(error as Error).message, context])).toEqual([
        ['boom', 'express.lookup'],
      ]);
    });

    it('answers HEAD from the GET entry and conditional requests with 304', async () => {
      const { app, items } = setup();
      const first = await request(app).get('/api/items/7');
      const head = await request(app).head('/api/items/7');
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(first.headers['content-length']);
      const etag = first.headers.etag as string;
      const conditional = await request(app).get('/api/items/7').set('if-none-match', etag);
      expect(conditional.status).toBe(304);
      expect(items.calls).toBe(1);
    });

    it("keeps one variant per value of the response's Vary, and stores streamed bodies", async () => {
      const { app, items } = setup();
      const en = await request(app).get('/negotiated').set('accept-language', 'en');
      const fr = await request(app).get('/negotiated').set('accept-language', 'fr');
      const again = await request(app).get('/negotiated').set('accept-language', 'en');
      expect([en.text, fr.text, again.text]).toEqual(['en 1', 'fr 2', 'en 1']);
      expect(again.headers['cache-status']).toMatch(/^larder; hit/);
      const streamed = await request(app).get('/streamed');
      expect(streamed.text).toBe(`${'a'.repeat(10)}${'b'.repeat(10)}3`);
      expect((await request(app).get('/streamed')).text).toBe(streamed.text);
      expect(items.calls).toBe(3);
    });

    it('invalidates by tags, by URL, and after an unsafe request to the URL', async () => {
      const { app, cache } = setup();
      await request(app).get('/tagged/1');
      await request(app).get('/tagged/2');
      expect(await cache.invalidate({ tags: ['item:1'] })).toBe(1);
      expect((await request(app).get('/tagged/1')).body).toEqual({ id: '1', call: 3 });
      expect((await request(app).get('/tagged/2')).body).toEqual({ id: '2', call: 2 });

      await request(app).get('/api/items/3');
      await cache.invalidate({ url: '/api/items/3' });
      expect((await request(app).get('/api/items/3')).body).toMatchObject({ call: 5 });
      const created = await request(app).post('/api/items/3');
      expect(created.status).toBe(201);
      expect(created.headers['cache-status']).toBe('larder; fwd=method');
      await settle();
      expect((await request(app).get('/api/items/3')).body).toMatchObject({ call: 7 });
    });

    it('runs concurrent misses of one key once, and steps the app.use(cache) lookup aside', async () => {
      const { app, items, cache } = setup();
      let open!: () => void;
      items.gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const all = Promise.all(Array.from({ length: 5 }, () => request(app).get('/gated')));
      await until(() => items.calls === 1);
      await settle();
      open();
      const responses = await all;
      expect(responses.map((r) => r.body)).toEqual(Array(5).fill({ call: 1 }));
      expect(responses.map((r) => r.headers['cache-status'])).toContain('larder; fwd=miss; stored');
      expect(items.calls).toBe(1);
      expect(cache.stats()).toMatchObject({ coalesced: 4, stores: 1 });
      const hit = await request(app).get('/gated');
      expect(hit.headers['cache-status']).toBe('larder; hit; ttl=60');
    });

    it('sends thrown and rejected errors to next, stores nothing, and serves stale when allowed', async () => {
      const { app, items } = setup();
      const rejected = await request(app).get('/fail');
      expect(rejected.status).toBe(500);
      expect(rejected.text).toContain('async boom 1');
      const thrown = await request(app).get('/fail-now');
      expect(thrown.status).toBe(500);
      expect(thrown.text).toContain('boom 2');
      expect((await request(app).get('/fail')).text).toContain('async boom 3');

      items.calls = 0;
      expect((await request(app).get('/flaky')).body).toEqual({ call: 1 });
      now += 61_000;
      const stale = await request(app).get('/flaky');
      expect(stale.status).toBe(200);
      expect(stale.body).toEqual({ call: 1 });
      expect(stale.headers['cache-status']).toMatch(/fwd=stale/);
      expect(items.calls).toBe(2);
    });

    it('serves stale while one background request refreshes', async () => {
      const { app, items } = setup();
      expect((await request(app).get('/rates/eur')).text).toBe('eur:1');
      now += 11_000;
      const stale = await request(app).get('/rates/eur');
      expect(stale.text).toBe('eur:1');
      await until(() => items.calls === 2);
      await settle();
      expect((await request(app).get('/rates/eur')).text).toBe('eur:2');
      expect(items.calls).toBe(2);
    });

    it('takes key from options, and the lifetime from the response or the middleware when no ttl is given', async () => {
      const { app, items, cache } = setup();
      await request(app).get('/custom?x=1').set('accept-language', 'de');
      await request(app).get('/custom?x=2').set('accept-language', 'de');
      expect(items.calls).toBe(1);
      expect(await cache.engine.store.get('lang:de')).toBeDefined();
      expect((await request(app).get('/headers')).headers['cache-status']).toBe('larder; fwd=miss; stored');
      expect((await request(app).get('/headers')).headers['cache-status']).toBe('larder; hit; ttl=60');
    });

    it('fails with an error that says to mount the middleware', async () => {
      const { app, items } = setup({}, false);
      const response = await request(app).get('/api/items/1');
      expect(response.status).toBe(500);
      expect(response.text).toMatch(
        /Items#show needs the Larder middleware mounted above its route: app\.use\(larder\(\)\)/,
      );
      expect(items.calls).toBe(0);
      expect(() => items.show({ method: 'GET', headers: {} } as never, {} as never)).toThrow(LarderError);
    });

    it('says what is wrong when the first argument is not the request (a Nest handler with @Param)', () => {
      const { items } = setup();
      expect(() => items.show('1' as never, {} as never)).toThrow(
        /first argument is not the Express request/,
      );
      expect(() => items.show('1' as never, {} as never)).toThrow(/@CacheResponse from '@larder\/nestjs'/);
    });

    it('says to pass the response when a call leaves it out', async () => {
      const { app, items } = setup();
      app.get('/no-res/:id', (req) => items.show(req as never, undefined as never));
      const response = await request(app).get('/no-res/1');
      expect(response.status).toBe(500);
      expect(response.text).toMatch(/Items#show: pass the response as the second argument/);
      expect(items.calls).toBe(0);
    });
  },
);
