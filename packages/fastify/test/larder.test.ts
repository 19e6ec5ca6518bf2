import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ConfigError } from '@larder/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import defaultExport, { larder } from '../src/index.js';
import { appWith, manualClock, settle, until } from './helpers.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Register a counting route; returns the number of handler calls so far. */
function counting(instance: FastifyInstance, url: string, config: unknown, body: (n: number) => unknown) {
  const calls = { n: 0 };
  instance.get(url, { config: config as never }, async (_req, reply) => {
    calls.n++;
    const value = body(calls.n);
    if (typeof value === 'string') reply.type('text/plain; charset=utf-8');
    return value;
  });
  return calls;
}

describe('plugin shape', () => {
  it('is the default export and the named export, wrapped by fastify-plugin', () => {
    expect(defaultExport).toBe(larder);
    const meta = (larder as unknown as Record<symbol, { name: string; fastify: string }>)[
      Symbol.for('plugin-meta')
    ];
    expect(meta).toMatchObject({ name: '@larder/fastify', fastify: '5.x' });
    expect((larder as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')]).toBe(true);
  });

  it('decorates the root instance with app.larder', async () => {
    app = await appWith();
    expect(typeof app.larder.invalidate).toBe('function');
    expect(typeof app.larder.stats).toBe('function');
    expect(typeof app.larder.clear).toBe('function');
    expect(app.larder.engine).toBeDefined();
  });
});

describe('hit and miss', () => {
  it('calls the handler once, then serves the same body and content type from cache', async () => {
    app = await appWith();
    const calls = counting(app, '/a', { cache: { ttl: '30s' } }, (n) => `hello ${n}`);
    const first = await app.inject('/a');
    const second = await app.inject('/a');
    expect(calls.n).toBe(1);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe('hello 1');
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['content-length']).toBe(String(Buffer.byteLength('hello 1')));
    expect(first.headers['cache-status']).toMatch(/fwd=miss/);
    expect(second.headers['cache-status']).toMatch(/hit/);
    expect(second.headers.age).toBeDefined();
  });

  it('answers HEAD from the GET entry without a body, keeping the length of the GET', async () => {
    app = await appWith();
    const calls = counting(app, '/h', { cache: { ttl: '30s' } }, () => 'body of get');
    const cold = await app.inject({ method: 'HEAD', url: '/h' });
    expect(cold.statusCode).toBe(200);
    expect(cold.headers['content-length']).toBe('11');
    const get = await app.inject('/h');
    const head = await app.inject({ method: 'HEAD', url: '/h' });
    expect(calls.n).toBe(2);
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe('11');
    expect(head.headers['cache-status']).toMatch(/hit/);
    const conditional = await app.inject({
      method: 'HEAD',
      url: '/h',
      headers: { 'if-none-match': get.headers.etag as string },
    });
    expect(conditional.statusCode).toBe(304);
  });

  it('keeps headers set by earlier onRequest hooks on a hit, and runs them before the lookup', async () => {
    app = await appWith();
    app.addHook('onRequest', async (request, reply) => {
      reply.header('access-control-allow-origin', '*');
      if (request.headers['x-deny'] !== undefined) return reply.code(401).send('denied');
    });
    const calls = counting(app, '/guarded', { cache: { ttl: '30s' } }, () => 'secret');
    await app.inject('/guarded');
    const hit = await app.inject('/guarded');
    expect(hit.headers['cache-status']).toMatch(/hit/);
    expect(hit.headers['access-control-allow-origin']).toBe('*');
    const denied = await app.inject({ url: '/guarded', headers: { 'x-deny': '1' } });
    expect(denied.statusCode).toBe(401);
    expect(denied.body).toBe('denied');
    expect(calls.n).toBe(1);
  });

  it("a hit carries this request's values of what earlier hooks set, never over the stored representation (as on Express)", async () => {
    app = await appWith();
    let id = 0;
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('x-request-id', String(++id));
      reply.header('content-type', 'application/octet-stream');
      reply.header('etag', '"from-hook"');
    });
    app.get('/items', { config: { cache: { ttl: '30s' } } }, async (_request, reply) =>
      reply.type('text/plain').header('etag', '"stored"').send('items'),
    );
    await app.inject('/items');
    const hit = await app.inject('/items');
    expect(hit.headers['cache-status']).toMatch(/hit/);
    expect(hit.headers['x-request-id']).toBe('2');
    expect(hit.headers['content-type']).toMatch(/^text\/plain/);
    expect(hit.headers.etag).toBe('"stored"');
    expect(hit.body).toBe('items');
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('engine bug'))],
    [
      'throws',
      () => {
        throw new Error('engine bug');
      },
    ],
  ])(
    'serves uncached when the engine lookup %s, reporting it to onError as fastify.lookup (as Express does)',
    async (_how, failing) => {
      const errors: string[] = [];
      app = await appWith({ onError: (_error, context) => errors.push(context) });
      app.larder.engine.lookupNow = failing;
      const calls = counting(app, '/items', { cache: { ttl: '30s' } }, (n) => `v ${n}`);
      const res = await app.inject('/items');
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('v 1');
      expect(calls.n).toBe(1);
      expect(errors).toEqual(['fastify.lookup']);
      expect(app.larder.stats().errors).toBe(1);
    },
  );

  it('keeps one entry per Vary variant', async () => {
    app = await appWith();
    let calls = 0;
    app.get('/lang', { config: { cache: { ttl: '30s' } } }, async (request, reply) => {
      calls++;
      reply.header('vary', 'accept-language');
      return `lang ${request.headers['accept-language']}`;
    });
    for (const lang of ['en', 'fr', 'en', 'fr']) {
      const res = await app.inject({ url: '/lang', headers: { 'accept-language': lang } });
      expect(res.body).toBe(`lang ${lang}`);
    }
    expect(calls).toBe(2);
  });

  it('shares one origin call among concurrent cold requests (single-flight)', async () => {
    app = await appWith();
    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    app.get('/slow', { config: { cache: { ttl: '1m' } } }, async () => {
      calls++;
      await gate;
      return { ok: true };
    });
    await app.ready();
    const pending = Array.from({ length: 20 }, () => app!.inject('/slow'));
    await settle();
    release();
    const responses = await Promise.all(pending);
    expect(calls).toBe(1);
    for (const res of responses) expect(res.json()).toEqual({ ok: true });
  });
});

describe('opting in and out', () => {
  it('leaves routes without config.cache alone by default', async () => {
    app = await appWith({ ttl: '1m' });
    const calls = counting(app, '/plain', undefined, (n) => `plain ${n}`);
    await app.inject('/plain');
    const second = await app.inject('/plain');
    expect(calls.n).toBe(2);
    expect(second.body).toBe('plain 2');
    expect(second.headers['cache-status']).toBeUndefined();
  });

  it('caches a route with cache: true using the plugin defaults', async () => {
    app = await appWith({ ttl: '1m' });
    const calls = counting(app, '/t', { cache: true }, (n) => `t ${n}`);
    await app.inject('/t');
    expect((await app.inject('/t')).body).toBe('t 1');
    expect(calls.n).toBe(1);
  });

  it('caches every GET route under cacheAllGet, except those with cache: false', async () => {
    app = await appWith({ ttl: '1m', cacheAllGet: true });
    const on = counting(app, '/on', undefined, (n) => `on ${n}`);
    const off = counting(app, '/off', { cache: false }, (n) => `off ${n}`);
    for (let i = 0; i < 3; i++) {
      await app.inject('/on');
      await app.inject('/off');
    }
    expect(on.n).toBe(1);
    expect(off.n).toBe(3);
  });

  it('keeps routes registered in an encapsulated child plugin covered', async () => {
    app = await appWith({ ttl: '1m' });
    let calls = 0;
    await app.register(
      async (child) => {
        child.get('/x', { config: { cache: true } }, async () => `child ${++calls}`);
      },
      { prefix: '/child' },
    );
    await app.inject('/child/x');
    expect((await app.inject('/child/x')).body).toBe('child 1');
    expect(calls).toBe(1);
  });
});

describe('bad options fail at registration', () => {
  const plugin: [string, Record<string, unknown>][] = [
    ['ttl', { ttl: '5 fortnights' }],
    ['ttl', { ttl: -1 }],
    ['nope', { nope: 1 }],
    ['key', { key: 'not a function' }],
    ['cacheAllGet', { cacheAllGet: 'yes' }],
  ];
  for (const [option, options] of plugin) {
    it(`plugin option ${JSON.stringify(options)} rejects register with a ConfigError naming ${option}`, async () => {
      const instance = Fastify();
      const error = await instance.register(larder, options as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option).toBe(option);
      expect((error as ConfigError).message).toContain(option);
      await instance.close().catch(() => {});
    });
  }

  const route: [string, Record<string, unknown>][] = [
    ['config.cache.ttl', { ttl: '5 fortnights' }],
    ['config.cache.ttl', { ttl: -1 }],
    ['config.cache.nope', { nope: 1 }],
    ['config.cache.key', { key: 'not a function' }],
  ];
  for (const [option, cache] of route) {
    it(`route config.cache ${JSON.stringify(cache)} throws a ConfigError naming ${option}`, async () => {
      app = await appWith();
      const thrown = (() => {
        try {
          app.get('/bad', { config: { cache: cache as never } }, async () => 'x');
        } catch (e) {
          return e;
        }
      })();
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).option).toBe(option);
    });

    it(`route config.cache ${JSON.stringify(cache)} inside a plugin rejects ready`, async () => {
      const instance = Fastify();
      await instance.register(larder);
      instance.register(async (child) => {
        child.get('/bad', { config: { cache: cache as never } }, async () => 'x');
      });
      const error = await instance.ready().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option).toBe(option);
      await instance.close().catch(() => {});
    });
  }
});

describe('payload kinds', () => {
  it('caches a Buffer byte-exact', async () => {
    app = await appWith();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    let calls = 0;
    app.get('/bin', { config: { cache: { ttl: '1m' } } }, async (_req, reply) => {
      calls++;
      reply.type('application/octet-stream');
      return bytes;
    });
    await app.inject('/bin');
    const hit = await app.inject('/bin');
    expect(calls).toBe(1);
    expect(hit.rawPayload.equals(bytes)).toBe(true);
    expect(hit.headers['content-type']).toBe('application/octet-stream');
  });

  it('caches a serialized object as JSON', async () => {
    app = await appWith();
    const calls = counting(app, '/obj', { cache: { ttl: '1m' } }, (n) => ({ n, list: [1, 2] }));
    await app.inject('/obj');
    const hit = await app.inject('/obj');
    expect(calls.n).toBe(1);
    expect(hit.json()).toEqual({ n: 1, list: [1, 2] });
    expect(hit.headers['content-type']).toMatch(/^application\/json/);
  });

  it('caches what a response schema serialized (fast-json-stringify)', async () => {
    app = await appWith();
    let calls = 0;
    app.get(
      '/schema',
      {
        config: { cache: { ttl: '1m' } },
        schema: {
          response: { 200: { type: 'object', properties: { id: { type: 'integer' } } } },
        },
      },
      async () => {
        calls++;
        return { id: 7, secret: 'filtered out by the schema' };
      },
    );
    const miss = await app.inject('/schema');
    const hit = await app.inject('/schema');
    expect(calls).toBe(1);
    expect(miss.json()).toEqual({ id: 7 });
    expect(hit.body).toBe(miss.body);
  });

  it('tees a file stream to the client and stores it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'larder-fastify-'));
    const file = join(dir, 'big.txt');
    const content = 'line of text\n'.repeat(10_000);
    writeFileSync(file, content);
    app = await appWith();
    let calls = 0;
    app.get('/file', { config: { cache: { ttl: '1m' } } }, async (_req, reply) => {
      calls++;
      reply.type('text/plain');
      return reply.send(createReadStream(file));
    });
    const miss = await app.inject('/file');
    expect(miss.body).toBe(content);
    await until(() => app!.larder.stats().stores === 1);
    const hit = await app.inject('/file');
    expect(calls).toBe(1);
    expect(hit.body).toBe(content);
    expect(hit.headers['content-length']).toBe(String(content.length));
  });

  it('tees a Readable.from stream', async () => {
    app = await appWith();
    let calls = 0;
    app.get('/gen', { config: { cache: { ttl: '1m' } } }, async (_req, reply) => {
      calls++;
      reply.type('text/plain');
      return reply.send(Readable.from(['a', 'b', 'c']));
    });
    expect((await app.inject('/gen')).body).toBe('abc');
    await until(() => app!.larder.stats().stores === 1);
    expect((await app.inject('/gen')).body).toBe('abc');
    expect(calls).toBe(1);
  });

  it('serves a stream larger than maxEntryBytes in full but does not store it', async () => {
    app = await appWith({ maxEntryBytes: 1024 });
    const chunk = 'x'.repeat(512);
    let calls = 0;
    app.get('/huge', { config: { cache: { ttl: '1m' } } }, async (_req, reply) => {
      calls++;
      reply.type('text/plain');
      return reply.send(Readable.from([chunk, chunk, chunk, chunk]));
    });
    const first = await app.inject('/huge');
    const second = await app.inject('/huge');
    expect(first.body).toBe(chunk.repeat(4));
    expect(second.body).toBe(chunk.repeat(4));
    expect(calls).toBe(2);
    expect(app.larder.stats().stores).toBe(0);
  });

  it('honours a route-level maxEntryBytes for streams', async () => {
    app = await appWith();
    let calls = 0;
    app.get('/route-cap', { config: { cache: { ttl: '1m', maxEntryBytes: 4 } } }, async (_req, reply) => {
      calls++;
      return reply.type('text/plain').send(Readable.from(['12345', '678']));
    });
    expect((await app.inject('/route-cap')).body).toBe('12345678');
    expect((await app.inject('/route-cap')).body).toBe('12345678');
    expect(calls).toBe(2);
  });

  it('releases the fill when a stream fails midway, so the next request is not held', async () => {
    app = await appWith({ lockTimeout: '1h' });
    let calls = 0;
    app.get('/broken', { config: { cache: { ttl: '1m' } } }, async (_req, reply) => {
      calls++;
      const source = new Readable({ read() {} });
      source.push('partial');
      setImmediate(() => source.destroy(new Error('disk gone')));
      return reply.type('text/plain').send(source);
    });
    await app.inject('/broken').catch(() => undefined);
    // With a leaked fill this second request would wait for the one-hour lockTimeout.
    await app.inject('/broken').catch(() => undefined);
    expect(calls).toBe(2);
    expect(app.larder.stats().stores).toBe(0);
  });

  it('caches an empty 204 without a body', async () => {
    app = await appWith();
    let calls = 0;
    app.get('/empty', { config: { cache: { ttl: '1m' } } }, async (_req, reply) => {
      calls++;
      return reply.code(204).send();
    });
    await app.inject('/empty');
    const hit = await app.inject('/empty');
    expect(calls).toBe(1);
    expect(hit.statusCode).toBe(204);
    expect(hit.body).toBe('');
  });

  it('passes a status outside 100-599 through unstored, without an error', async () => {
    const logged: string[] = [];
    app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => logged.push(line) } } });
    await app.register(larder);
    let calls = 0;
    app.get('/odd', { config: { cache: true } }, async (_req, reply) => {
      calls++;
      // Fastify's reply.code refuses 999; a handler (a proxy relaying an origin) can still set it raw
      reply.raw.statusCode = 999;
      return reply.header('cache-control', 'max-age=60').type('text/plain').send(`call ${calls}`);
    });
    for (const n of [1, 2]) {
      const res = await app.inject('/odd');
      expect([res.statusCode, res.body]).toEqual([999, `call ${n}`]);
    }
    expect(calls).toBe(2);
    expect(logged).toEqual([]);
  });
});

describe('conditional requests', () => {
  it('answers If-None-Match with the stored ETag by 304 from cache', async () => {
    app = await appWith();
    const calls = counting(app, '/etag', { cache: { ttl: '1m' } }, () => 'tagged');
    const first = await app.inject('/etag');
    const etag = first.headers.etag as string;
    expect(etag).toBeTruthy();
    const revalidated = await app.inject({ url: '/etag', headers: { 'if-none-match': etag } });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    expect(calls.n).toBe(1);
  });
});

describe('invalidation and stats', () => {
  it('invalidates by url and by tags', async () => {
    app = await appWith();
    const item = counting(
      app,
      '/items/1',
      { cache: { ttl: '1m', tags: () => ['items'] } },
      (n) => `item v${n}`,
    );
    await app.inject('/items/1');
    expect((await app.inject('/items/1')).body).toBe('item v1');
    await app.larder.invalidate({ url: '/items/1' });
    expect((await app.inject('/items/1')).body).toBe('item v2');
    await app.larder.invalidate({ tags: ['items'] });
    expect((await app.inject('/items/1')).body).toBe('item v3');
    expect(item.n).toBe(3);
    await app.larder.clear();
    expect((await app.inject('/items/1')).body).toBe('item v4');
  });

  it('invalidates a URL after a successful POST to it', async () => {
    app = await appWith();
    const list = counting(app, '/list', { cache: { ttl: '1m' } }, (n) => `list v${n}`);
    app.post('/list', async () => ({ created: true }));
    await app.inject('/list');
    expect((await app.inject('/list')).body).toBe('list v1');
    expect((await app.inject({ method: 'POST', url: '/list', payload: {} })).statusCode).toBe(200);
    expect((await app.inject('/list')).body).toBe('list v2');
    expect(list.n).toBe(2);
  });

  it('invalidates after an unsafe request on a route that serves both GET and POST', async () => {
    app = await appWith({ ttl: '1m', cacheAllGet: true });
    let version = 1;
    app.route({
      method: ['GET', 'POST'],
      url: '/both',
      handler: async (request) => (request.method === 'POST' ? `bumped to ${++version}` : `v${version}`),
    });
    await app.inject('/both');
    expect((await app.inject('/both')).headers['cache-status']).toMatch(/hit/);
    await app.inject({ method: 'POST', url: '/both' });
    expect((await app.inject('/both')).body).toBe('v2');
  });

  it('counts hits, misses and stores', async () => {
    app = await appWith();
    counting(app, '/s', { cache: { ttl: '1m' } }, () => 'stats');
    await app.inject('/s');
    await app.inject('/s');
    await app.inject('/s');
    expect(app.larder.stats()).toMatchObject({ hits: 2, misses: 1, stores: 1 });
  });
});

describe('stale content', () => {
  it('serves stale at once and refreshes exactly once through inject (stale-while-revalidate)', async () => {
    const clock = manualClock();
    app = await appWith({ now: clock.now });
    const calls = counting(
      app,
      '/swr',
      { cache: { ttl: '10s', staleWhileRevalidate: '1m' } },
      (n) => `version ${n}`,
    );
    expect((await app.inject('/swr')).body).toBe('version 1');
    clock.advance(20_000);
    const stale = await Promise.all(Array.from({ length: 5 }, () => app!.inject('/swr')));
    for (const res of stale) expect(res.body).toBe('version 1');
    await until(() => app!.larder.stats().stores === 2);
    await settle();
    expect(calls.n).toBe(2);
    const fresh = await app.inject('/swr');
    expect(fresh.body).toBe('version 2');
    expect(fresh.headers['cache-status']).toMatch(/hit/);
    expect(calls.n).toBe(2);
  });

  it('serves the stale entry when the handler throws (stale-if-error)', async () => {
    const clock = manualClock();
    app = await appWith({ now: clock.now });
    let fail = false;
    app.get('/sie', { config: { cache: { ttl: '10s', staleIfError: '1h' } } }, async () => {
      if (fail) throw new Error('origin down');
      return 'good';
    });
    expect((await app.inject('/sie')).body).toBe('good');
    clock.advance(60_000);
    fail = true;
    const res = await app.inject('/sie');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('good');
  });

  it('lets the 500 through and stores nothing when no stale entry exists', async () => {
    app = await appWith();
    let calls = 0;
    app.get('/boom', { config: { cache: { ttl: '10s', staleIfError: '1h' } } }, async () => {
      calls++;
      throw new Error('origin down');
    });
    expect((await app.inject('/boom')).statusCode).toBe(500);
    expect((await app.inject('/boom')).statusCode).toBe(500);
    expect(calls).toBe(2);
  });
});

describe('a failing store', () => {
  it('never turns a request into a 500', async () => {
    const reject = () => Promise.reject(new Error('store down'));
    const errors: string[] = [];
    app = await appWith({
      store: { get: reject, set: reject, delete: reject, deleteByTags: reject, clear: reject },
      onError: (_error, context) => errors.push(context),
    });
    const calls = counting(app, '/fragile', { cache: { ttl: '1m' } }, (n) => `origin ${n}`);
    for (let i = 1; i <= 3; i++) {
      const res = await app.inject('/fragile');
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(`origin ${i}`);
    }
    expect(calls.n).toBe(3);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('closes the store when the app closes', async () => {
    let closed = 0;
    const { MemoryStore } = await import('@larder/core');
    const store = new MemoryStore();
    const close = store.close?.bind(store);
    store.close = async () => {
      closed++;
      await close?.();
    };
    const instance = await appWith({ store });
    await instance.ready();
    await instance.close();
    expect(closed).toBe(1);
  });
});
