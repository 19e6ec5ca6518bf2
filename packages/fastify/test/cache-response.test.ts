import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LarderError } from '@larder/core';
import {
  type CompiledFixtures,
  compileFixtures,
  type DecoratorMode,
  decoratorModes,
} from '@larder/test-support';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cacheResponse, type LarderFastifyOptions, larder } from '../src/index.js';
import type * as Controllers from './cache-response.fixtures.js';
import { appWith, manualClock, settle, until } from './helpers.js';

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

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

type Items = InstanceType<ReturnType<(typeof Controllers)['defineControllers']>['Items']>;

/** Routes every handler of the fixture controller under `/items`. */
function route(instance: FastifyInstance, items: Items): void {
  const h =
    (name: keyof Items) =>
    (request: unknown, reply: unknown): unknown =>
      (items[name] as (...args: unknown[]) => unknown)(request, reply);
  instance.get('/items/:id', h('show'));
  instance.get('/tagged/:id', h('tagged'));
  instance.get('/rates/:id', h('rate'));
  instance.get('/later', h('later'));
  instance.get('/negotiated', h('negotiated'));
  instance.get('/gated', h('gated'));
  instance.get('/flaky', h('flaky'));
  instance.get('/fail', h('fail'));
  instance.get('/custom', h('custom'));
  instance.post('/items/:id', h('create'));
  instance.get('/headers', h('headers'));
}

describe.each(decoratorModes)('@cacheResponse on Fastify handlers, compiled with %s decorators', (mode) => {
  const clock = manualClock();

  async function setup(options: LarderFastifyOptions = {}): Promise<{ app: FastifyInstance; items: Items }> {
    const instance = await appWith({ now: clock.now, ...options });
    const items = new (fixtures[mode].defineControllers({ cacheResponse }).Items)();
    route(instance, items);
    app = instance;
    return { app: instance, items };
  }

  it('is what tsc emits for this mode', () => {
    const emitted = readFileSync(compiled!.files[mode], 'utf8');
    expect(emitted).toContain(mode === 'standard' ? '__esDecorate' : '__decorate(');
    expect(emitted).not.toMatch(/^import /m);
  });

  it('stores the whole response on a miss and answers hits without the handler', async () => {
    const { app, items } = await setup();
    const first = await app.inject('/items/1?b=2&a=1');
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-status']).toBe('larder; fwd=miss; stored');
    expect(first.headers['x-call']).toBe('1');
    expect(first.json()).toEqual({ id: '1', query: { b: '2', a: '1' }, call: 1 });
    clock.advance(5_000);
    const second = await app.inject('/items/1?a=1&b=2');
    expect(second.headers['cache-status']).toBe('larder; hit; ttl=25');
    expect(second.headers.age).toBe('5');
    expect(second.headers['x-call']).toBe('1');
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.body).toBe(first.body);
    expect(items.calls).toBe(1);
    await app.inject('/items/2');
    expect(items.calls).toBe(2);
    // the key: method class, route pattern, params, query
    const entry = await app.larder.engine.store.get(
      'GET localhost:80/items/:id {"id":"1"} {"a":"1","b":"2"}',
    );
    expect(entry?.status).toBe(200);
  });

  it('reports a lookup that fails to onError as fastify.lookup, and the handler answers uncached', async () => {
    const errors: [unknown, string][] = [];
    const { app, items } = await setup({ onError: (error, context) => errors.push([error, context]) });
    app.larder.engine.lookup = () => Promise.reject(new Error('boom'));
    const res = await app.inject('/items/1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: '1', call: 1 });
    expect(items.calls).toBe(1);
    expect(errors.map(([error, context]) => [(error as Error).message, context])).toEqual([
      ['boom', 'fastify.lookup'],
    ]);
  });

  it('app.larder.close() closes the engine, as the Express middleware close() does', async () => {
    const { app, items } = await setup();
    expect((await app.inject('/rates/eur')).body).toBe('eur:1');
    await app.larder.close();
    clock.advance(11_000);
    // still served stale, but a closed engine starts no background refresh
    const stale = await app.inject('/rates/eur');
    expect(stale.body).toBe('eur:1');
    await settle();
    await settle();
    expect(items.calls).toBe(1);
  });

  it('answers HEAD from the GET entry and conditional requests with 304', async () => {
    const { app, items } = await setup();
    const first = await app.inject('/items/7');
    const head = await app.inject({ method: 'HEAD', url: '/items/7' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String(first.rawPayload.byteLength));
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"/);
    const conditional = await app.inject({ url: '/items/7', headers: { 'if-none-match': etag } });
    expect(conditional.statusCode).toBe(304);
    expect(conditional.body).toBe('');
    expect(items.calls).toBe(1);
  });

  it("keeps one variant per value of the response's Vary", async () => {
    const { app, items } = await setup();
    const en = await app.inject({ url: '/negotiated', headers: { 'accept-language': 'en' } });
    const fr = await app.inject({ url: '/negotiated', headers: { 'accept-language': 'fr' } });
    const again = await app.inject({ url: '/negotiated', headers: { 'accept-language': 'en' } });
    expect([en.body, fr.body, again.body]).toEqual(['en 1', 'fr 2', 'en 1']);
    expect(again.headers['cache-status']).toMatch(/^larder; hit/);
    expect(items.calls).toBe(2);
  });

  it('invalidates by tags, by URL, and after an unsafe request to the URL', async () => {
    const { app, items } = await setup();
    await app.inject('/tagged/1');
    await app.inject('/tagged/2');
    expect(await app.larder.invalidate({ tags: ['item:1'] })).toBe(1);
    expect((await app.inject('/tagged/1')).json()).toEqual({ id: '1', call: 3 });
    expect((await app.inject('/tagged/2')).json()).toEqual({ id: '2', call: 2 });

    await app.inject('/items/3');
    await app.larder.invalidate({ url: '/items/3' });
    expect((await app.inject('/items/3')).json()).toMatchObject({ call: 5 });
    const created = await app.inject({ method: 'POST', url: '/items/3' });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-status']).toBe('larder; fwd=method');
    await settle();
    expect((await app.inject('/items/3')).json()).toMatchObject({ call: 7 });
    // POST goes to the handler every time
    await app.inject({ method: 'POST', url: '/items/3' });
    expect(items.calls).toBe(8);
  });

  it('runs concurrent misses of one key once', async () => {
    const { app, items } = await setup();
    let open!: () => void;
    items.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const all = Promise.all(Array.from({ length: 5 }, () => app.inject('/gated')));
    await until(() => items.calls === 1);
    await settle();
    open();
    const responses = await all;
    expect(responses.map((r) => r.json())).toEqual(Array(5).fill({ call: 1 }));
    expect(items.calls).toBe(1);
    expect(app.larder.stats().coalesced).toBe(4);
  });

  it('caches a callback-style handler that sends through reply later', async () => {
    const { app, items } = await setup();
    expect((await app.inject('/later')).body).toBe('later 1');
    const hit = await app.inject('/later');
    expect(hit.body).toBe('later 1');
    expect(hit.headers['content-type']).toBe('text/plain');
    expect(items.calls).toBe(1);
  });

  it('does not store a handler that throws, and serves stale in place of an error when allowed', async () => {
    const { app, items } = await setup();
    const failed = await app.inject('/fail');
    expect(failed.statusCode).toBe(500);
    expect(failed.json().message).toBe('boom 1');
    expect((await app.inject('/fail')).json().message).toBe('boom 2');

    items.calls = 0;
    expect((await app.inject('/flaky')).json()).toEqual({ call: 1 });
    clock.advance(61_000);
    const stale = await app.inject('/flaky');
    expect(stale.statusCode).toBe(200);
    expect(stale.json()).toEqual({ call: 1 });
    expect(stale.headers['cache-status']).toMatch(/fwd=stale/);
    expect(items.calls).toBe(2);
  });

  it('serves stale while one background request refreshes', async () => {
    const { app, items } = await setup();
    expect((await app.inject('/rates/eur')).body).toBe('eur:1');
    clock.advance(11_000);
    const stale = await app.inject('/rates/eur');
    expect(stale.body).toBe('eur:1');
    expect(stale.headers['cache-status']).toMatch(/^larder; hit/);
    await until(() => items.calls === 2);
    await settle();
    expect((await app.inject('/rates/eur')).body).toBe('eur:2');
    expect(items.calls).toBe(2);
  });

  it('takes key from options, and the lifetime from the response or the plugin when no ttl is given', async () => {
    const { app, items } = await setup();
    await app.inject({ url: '/custom?x=1', headers: { 'accept-language': 'de' } });
    await app.inject({ url: '/custom?x=2', headers: { 'accept-language': 'de' } });
    expect(items.calls).toBe(1);
    expect(await app.larder.engine.store.get('lang:de')).toBeDefined();
    const first = await app.inject('/headers');
    expect(first.headers['cache-status']).toBe('larder; fwd=miss; stored');
    expect((await app.inject('/headers')).headers['cache-status']).toBe('larder; hit; ttl=60');
  });

  it('decides on a route the plugin caches by config too, with one Cache-Status', async () => {
    const instance = await appWith({ now: clock.now, cacheAllGet: true, ttl: '1h' });
    app = instance;
    const items = new (fixtures[mode].defineControllers({ cacheResponse }).Items)();
    instance.get('/rates/:id', { config: { cache: { ttl: '1h' } } }, (request, reply) =>
      (items.rate as (...args: unknown[]) => unknown)(request, reply),
    );
    expect((await instance.inject('/rates/a')).headers['cache-status']).toBe('larder; fwd=miss; stored');
    clock.advance(11_000);
    // the decorator's 10s ttl applies, not the route config's hour
    const stale = await instance.inject('/rates/a');
    expect(stale.headers['cache-status']).toMatch(/^larder; hit; ttl=-1/);
    await until(() => items.calls === 2);
    await settle();
    expect((await instance.inject('/rates/a')).body).toBe('a:2');
  });

  it('fails with an error that says to register the plugin', async () => {
    const bare = Fastify();
    app = bare;
    const items = new (fixtures[mode].defineControllers({ cacheResponse }).Items)();
    bare.get('/items/:id', (request, reply) => items.show(request as never, reply));
    const response = await bare.inject('/items/1');
    expect(response.statusCode).toBe(500);
    expect(response.json().message).toMatch(
      /Items#show needs the Larder plugin.*await app\.register\(larder\)/,
    );
    expect(items.calls).toBe(0);
    await expect(items.show({ method: 'GET', headers: {} } as never, {} as never)).rejects.toMatchObject({
      code: 'ERR_LARDER_NOT_REGISTERED',
      constructor: LarderError,
    });
    // a Nest handler's first argument is a parameter (@Param('id')), not the request: say so
    await expect(items.show('1' as never, {} as never)).rejects.toThrow(
      /first argument is not the Fastify request.*@larder\/nestjs/,
    );

    const late = Fastify();
    late.get('/items/:id', (request, reply) => items.show(request as never, reply));
    await late.register(larder);
    const early = await late.inject('/items/1');
    expect(early.statusCode).toBe(500);
    expect(early.json().message).toMatch(/registered before the route is added/);
    await late.close();
  });

  it('says to pass the reply when a call leaves it out', async () => {
    const { app, items } = await setup();
    app.get('/no-reply/:id', (request) => items.show(request as never, undefined as never));
    const response = await app.inject('/no-reply/1');
    expect(response.statusCode).toBe(500);
    expect(response.json().message).toMatch(/Items#show: pass the reply as the second argument/);
    expect(items.calls).toBe(0);
  });
});
