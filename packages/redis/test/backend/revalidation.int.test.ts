/**
 * Revalidation across a fleet: two Fastify apps sharing one real Redis. A stale entry one process
 * stored is revalidated by another with a conditional request; the handler's 304 freshens the shared
 * entry, and the other process serves the freshened entry without calling its handler; a
 * stale-while-revalidate refresh revalidates for the fleet the same way.
 */

import type { RouteCacheOptions } from '@larder/core';
import { larder } from '@larder/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { RedisStore } from '../../src/index.js';
import { backendOnNewClient, clientKinds, uniquePrefix } from '../support/clients.js';

const shared = inject('redis');
const kind = clientKinds[0]!;

describe('revalidation across the fleet', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /**
   * Two Fastify apps on one Redis, on one clock moved by hand (ahead of real time, so Redis keeps the
   * entries), with a handler that skips its work when the cache already has this version.
   */
  async function versionedFleet(cache: RouteCacheOptions) {
    const state = { version: 'a', seen: [] as [number, unknown][] };
    const { apps, advance, landed } = await fleet(async (i, request, reply) => {
      state.seen.push([i, request.headers['if-none-match']]);
      const etag = '"page-1"';
      reply.header('etag', etag).header('x-version', state.version);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.type('text/plain').send('the page');
    }, cache);
    return { apps, state, advance, landed };
  }

  it('a stale-while-revalidate refresh revalidates for the fleet; every process then serves the freshened entry', async () => {
    const { apps, state, advance, landed } = await versionedFleet({ ttl: '10s', staleWhileRevalidate: '1m' });
    const [a, b] = apps;
    const get = (app: FastifyInstance) => app.inject({ url: '/page', headers: { host: 'fleet.test' } });
    await get(a);
    await waitFor(async () => a.larder.stats().stores === 1);
    await landed();
    advance(15_000);
    state.version = 'b';
    const stale = await get(b);
    expect(stale.headers['x-version']).toBe('a');
    expect(stale.headers['cache-status']).toMatch(/^larder; hit; ttl=-\d+$/);
    // b's background refresh (through inject) gives the handler If-None-Match; its 304 is stored
    await waitFor(async () => b.larder.stats().stores === 1);
    expect(state.seen).toEqual([
      [0, undefined],
      [1, '"page-1"'],
    ]);
    for (const app of [a, b]) {
      let res = stale;
      await waitFor(async () => {
        res = await get(app);
        return res.headers['x-version'] === 'b';
      });
      expect(String(res.headers['cache-status'])).toMatch(/^larder; hit; ttl=\d/);
      expect(res.body).toBe('the page');
    }
    expect(state.seen).toHaveLength(2);
  });

  it('one process revalidates with If-None-Match; its 304 freshens the entry every process serves', async () => {
    const { apps, state, advance, landed } = await versionedFleet({ ttl: '10s' });
    const [a, b] = apps;
    const first = await a.inject({ url: '/page', headers: { host: 'fleet.test' } });
    expect(first.headers['cache-status']).toBe('larder; fwd=miss; stored');
    await waitFor(async () => a.larder.stats().stores === 1);
    await landed();

    advance(15_000);
    state.version = 'b';
    const revalidated = await b.inject({ url: '/page', headers: { host: 'fleet.test' } });
    expect(state.seen).toEqual([
      [0, undefined],
      [1, '"page-1"'],
    ]);
    expect(revalidated.statusCode).toBe(200);
    expect(revalidated.body).toBe('the page');
    expect(revalidated.headers['x-version']).toBe('b');
    expect(revalidated.headers['cache-status']).toBe('larder; fwd=stale; fwd-status=304; stored');

    // the first process drops its stale copy on the fill notice and reads the freshened entry
    let again = first;
    await waitFor(async () => {
      again = await a.inject({ url: '/page', headers: { host: 'fleet.test' } });
      return String(again.headers['cache-status']).startsWith('larder; hit');
    });
    expect(again.headers['x-version']).toBe('b');
    expect(again.body).toBe('the page');
    expect(state.seen).toHaveLength(2);
  });

  /** Two Fastify apps sharing one Redis, the route answering through `handler`; the fleet's clock. */
  async function fleet(
    handler: (i: number, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
    cache: RouteCacheOptions = { ttl: '10s' },
  ): Promise<{
    apps: [FastifyInstance, FastifyInstance];
    advance(ms: number): void;
    /** Resolves once the page's entry is in Redis (a fill's write lands after its response is sent). */
    landed(): Promise<void>;
  }> {
    let offset = 0;
    const now = () => Date.now() + offset;
    const prefix = uniquePrefix('revalidation');
    const apps: FastifyInstance[] = [];
    const stores: RedisStore[] = [];
    for (let i = 0; i < 2; i++) {
      const backend = await backendOnNewClient(kind, shared.single, prefix, cleanup);
      stores.push(backend.store);
      const app = Fastify();
      await app.register(larder, { shared: backend, now });
      app.get('/page', { config: { cache } }, (request, reply) => handler(i, request, reply));
      await app.ready();
      cleanup.push(() => app.close());
      apps.push(app);
    }
    return {
      apps: apps as [FastifyInstance, FastifyInstance],
      advance: (ms) => (offset += ms),
      landed: () => waitFor(async () => (await stores[0]!.get('GET fleet.test/page')) !== undefined),
    };
  }

  it('a 304 with Set-Cookie or Content-Encoding: the cookie reaches its client only, the shared entry keeps its encoding', async () => {
    const calls: number[] = [];
    const state = { cookie: false };
    const { apps, advance, landed } = await fleet(async (i, request, reply) => {
      calls.push(i);
      reply.header('etag', '"page-1"');
      if (request.headers['if-none-match'] !== '"page-1"') return reply.type('text/plain').send('the page');
      reply.header('content-encoding', 'gzip');
      if (state.cookie) reply.header('set-cookie', 'sid=alice');
      return reply.code(304).send();
    });
    const [a, b] = apps;
    await a.inject({ url: '/page', headers: { host: 'fleet.test' } });
    await waitFor(async () => a.larder.stats().stores === 1);
    await landed();
    advance(15_000);
    state.cookie = true;
    const alice = await b.inject({ url: '/page', headers: { host: 'fleet.test' } });
    expect(alice.body).toBe('the page');
    expect(alice.headers['set-cookie']).toBe('sid=alice');
    expect(alice.headers['content-encoding']).toBeUndefined();
    // not stored: the other process revalidates for itself, and its 304 (without a cookie) is stored
    state.cookie = false;
    for (const app of [a, b, a]) {
      const other = await app.inject({ url: '/page', headers: { host: 'fleet.test' } });
      expect(other.body).toBe('the page');
      expect(other.headers['set-cookie']).toBeUndefined();
      expect(other.headers['content-encoding']).toBeUndefined();
    }
    await waitFor(async () => {
      const hit = await a.inject({ url: '/page', headers: { host: 'fleet.test' } });
      expect(hit.headers['set-cookie']).toBeUndefined();
      return String(hit.headers['cache-status']).startsWith('larder; hit');
    });
    expect(calls.length).toBeLessThanOrEqual(4);
  });

  it('a 304 for a client’s own tag, or naming another tag, never freshens the shared entry', async () => {
    const state = { etag: '"v1"', body: 'version one', imsOnly: false };
    const { apps, advance, landed } = await fleet(async (_i, request, reply) => {
      reply.header('etag', state.etag).header('last-modified', 'Wed, 01 Jan 2020 00:00:00 GMT');
      const inm = request.headers['if-none-match'];
      const match = state.imsOnly
        ? request.headers['if-modified-since'] !== undefined
        : inm?.split(',').some((t) => t.trim() === state.etag);
      if (match) return reply.code(304).send();
      return reply.type('text/plain').send(state.body);
    });
    const [a, b] = apps;
    await a.inject({ url: '/page', headers: { host: 'fleet.test' } });
    await waitFor(async () => a.larder.stats().stores === 1);
    await landed();
    advance(15_000);
    state.etag = '"v2"';
    state.body = 'version two';
    // the attacker's own (new) tag on process b: its 304 is the attacker's alone
    const attacker = await b.inject({
      url: '/page',
      headers: { host: 'fleet.test', 'if-none-match': '"v2"' },
    });
    expect(attacker.statusCode).toBe(304);
    // a handler that reads If-Modified-Since only answers 304 naming "v2": the old body stays stale
    state.imsOnly = true;
    const mismatch = await b.inject({ url: '/page', headers: { host: 'fleet.test' } });
    expect(mismatch.headers.etag).toBe('"v1"');
    expect(mismatch.headers['cache-status']).toContain('detail=validator-mismatch');
    state.imsOnly = false;
    const victim = await a.inject({ url: '/page', headers: { host: 'fleet.test' } });
    expect(victim.body).toBe('version two');
    expect(victim.headers.etag).toBe('"v2"');
  });
});

/** Polls `check` on the event loop (Redis round trips) until it holds; fails after 5 s of trying. */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
