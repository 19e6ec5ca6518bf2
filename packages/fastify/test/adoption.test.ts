/**
 * A route added before the plugin finished registering is never seen by its onRoute hook, so it is
 * not cached whatever it asks: the first request to such a route emits one coded process warning
 * that names the fix, in each way a user gets there. A set-up in the right order warns nothing.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { larder } from '../src/index.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The process warnings (code and message) emitted while `run` runs (and the ticks after it). */
async function warningsDuring(
  run: () => Promise<unknown>,
): Promise<{ code: string | undefined; message: string }[]> {
  const seen: { code: string | undefined; message: string }[] = [];
  const listener = (warning: Error & { code?: string }) => {
    seen.push({ code: warning.code, message: warning.message });
  };
  process.on('warning', listener);
  try {
    await run();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

const CODE = 'LARDER_ROUTE_BEFORE_PLUGIN';

/** Two requests to `url`; the handler calls, the cache status of the second, and the warnings. */
async function twice(instance: FastifyInstance, url: string, calls: { n: number }) {
  const warnings = await warningsDuring(async () => {
    await instance.inject(url);
    await instance.inject(url);
  });
  return { calls: calls.n, mine: warnings.filter((w) => w.code === CODE) };
}

describe('a route added before the plugin finished registering', () => {
  const handler = (calls: { n: number }) => async () => `n ${++calls.n}`;

  it('warns once (LARDER_ROUTE_BEFORE_PLUGIN) when register is not awaited, naming the route and the fix', async () => {
    app = Fastify();
    const calls = { n: 0 };
    app.register(larder, { ttl: '1m' });
    app.get('/items/:id', { config: { cache: true } }, handler(calls));
    const first = await twice(app, '/items/1', calls);
    expect(first.calls).toBe(2);
    expect(first.mine).toHaveLength(1);
    expect(first.mine[0]!.message).toContain('GET /items/:id');
    expect(first.mine[0]!.message).toContain('await app.register(larder');
    // once per plugin registration
    expect((await twice(app, '/items/2', calls)).mine).toEqual([]);
  });

  it('warns when the route is added before register, and under cacheAllGet for a plain GET', async () => {
    app = Fastify();
    const calls = { n: 0 };
    app.get('/plain', handler(calls));
    await app.register(larder, { ttl: '1m', cacheAllGet: true });
    const result = await twice(app, '/plain', calls);
    expect(result.calls).toBe(2);
    expect(result.mine).toHaveLength(1);
  });

  it('warns for a route in a plugin registered before Larder', async () => {
    app = Fastify();
    const calls = { n: 0 };
    app.register(async (child) => {
      child.get('/x', { config: { cache: { ttl: '30s' } } }, handler(calls));
    });
    app.register(larder, { ttl: '1m' });
    const result = await twice(app, '/x', calls);
    expect(result.calls).toBe(2);
    expect(result.mine).toHaveLength(1);
  });

  it('does not warn for routes that ask for nothing, cache: false, 404s, or routes added after the plugin', async () => {
    app = Fastify();
    const plain = { n: 0 };
    const off = { n: 0 };
    const cached = { n: 0 };
    app.get('/health', handler(plain));
    app.get('/off', { config: { cache: false } }, handler(off));
    await app.register(larder, { ttl: '1m' });
    app.get('/items', { config: { cache: true } }, handler(cached));
    const warnings = await warningsDuring(async () => {
      for (const url of ['/health', '/off', '/nowhere', '/items', '/items']) await app!.inject(url);
    });
    expect(warnings.filter((w) => w.code === CODE)).toEqual([]);
    expect(cached.n).toBe(1);
  });

  it('does not warn, and caches, when the plugin is awaited first', async () => {
    app = Fastify();
    const calls = { n: 0 };
    await app.register(larder, { ttl: '1m' });
    app.get('/items/:id', { config: { cache: true } }, handler(calls));
    const result = await twice(app, '/items/1', calls);
    expect(result.calls).toBe(1);
    expect(result.mine).toEqual([]);
  });
});

describe('config.cache: true with no ttl anywhere, on a handler that sends no Cache-Control', () => {
  it('stores nothing and warns once per process (LARDER_NO_TTL), naming the fix', async () => {
    app = Fastify();
    await app.register(larder);
    const calls = { n: 0 };
    app.get('/nothing', { config: { cache: true } }, async () => `n ${++calls.n}`);
    const warnings = await warningsDuring(async () => {
      const first = await app!.inject('/nothing');
      expect(first.headers['cache-status']).toContain('no-ttl');
      await app!.inject('/nothing');
      await app!.inject('/nothing?other');
    });
    expect(calls.n).toBe(3);
    const noTtl = warnings.filter((w) => w.code === 'LARDER_NO_TTL');
    expect(noTtl).toHaveLength(1);
    expect(noTtl[0]!.message).toContain("config: { cache: { ttl: '1m' } }");
  });
});
