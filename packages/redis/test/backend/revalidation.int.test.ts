/**
 * Revalidation across a fleet: two Fastify apps sharing one real Redis. A stale entry one process
 * stored is revalidated by another with a conditional request; the handler's 304 freshens the shared
 * entry, and the first process serves the freshened entry without calling its handler.
 */

import { larder } from '@larder/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createRedisBackend } from '../../src/index.js';
import { type ClientHandle, clientKinds, TEST_COMMAND_TIMEOUT, uniquePrefix } from '../support/clients.js';

const shared = inject('redis');
const kind = clientKinds[0]!;

describe('revalidation across the fleet', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('one process revalidates with If-None-Match; its 304 freshens the entry every process serves', async () => {
    // one clock for the fleet, moved by hand (ahead of real time, so Redis keeps the entries)
    let offset = 0;
    const now = () => Date.now() + offset;
    const state = { version: 'a', seen: [] as [number, unknown][] };
    const prefix = uniquePrefix('revalidation');
    const apps: FastifyInstance[] = [];
    for (let i = 0; i < 2; i++) {
      const handle: ClientHandle = await kind.single(shared.single);
      const backend = createRedisBackend({
        client: handle.client,
        prefix,
        commandTimeout: TEST_COMMAND_TIMEOUT,
      });
      cleanup.push(() => handle.close());
      cleanup.push(() => backend.close());
      const app = Fastify();
      await app.register(larder, { shared: backend, now });
      // a handler that skips its work when the client (here: the cache) already has this version
      app.get('/page', { config: { cache: { ttl: '10s' } } }, async (request, reply) => {
        state.seen.push([i, request.headers['if-none-match']]);
        const etag = '"page-1"';
        reply.header('etag', etag).header('x-version', state.version);
        if (request.headers['if-none-match'] === etag) return reply.code(304).send();
        return reply.type('text/plain').send('the page');
      });
      await app.ready();
      cleanup.push(() => app.close());
      apps.push(app);
    }
    const [a, b] = apps as [FastifyInstance, FastifyInstance];
    const first = await a.inject({ url: '/page', headers: { host: 'fleet.test' } });
    expect(first.headers['cache-status']).toBe('larder; fwd=miss; stored');
    await waitFor(async () => a.larder.stats().stores === 1);

    offset += 15_000;
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
});

/** Polls `check` on the event loop (Redis round trips) until it holds; fails after 5 s of trying. */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
