import etag from '@fastify/etag';
import type { Duration } from '@larder/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { larder } from '../src/index.js';
import { manualClock, until } from './helpers.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/**
 * A route cached for 10 s behind the real @fastify/etag, which answers 304 when the request's
 * If-None-Match matches the tag of the body the handler produced.
 */
async function build(staleWhileRevalidate?: Duration) {
  const clock = manualClock();
  const instance = Fastify();
  await instance.register(larder, { now: clock.now });
  await instance.register(etag);
  const state = { body: 'page one', version: 'a', calls: 0, seen: [] as unknown[] };
  const cache: { ttl: Duration; staleWhileRevalidate?: Duration } =
    staleWhileRevalidate === undefined ? { ttl: '10s' } : { ttl: '10s', staleWhileRevalidate };
  instance.get('/page', { config: { cache } }, async (request, reply) => {
    state.calls++;
    state.seen.push(request.headers['if-none-match']);
    reply.header('x-version', state.version).type('text/plain');
    return state.body;
  });
  return { instance, clock, state };
}

describe('revalidation through the real @fastify/etag', () => {
  it('gives the handler If-None-Match for a stale entry; the 304 freshens it and the stored body is served', async () => {
    const { instance, clock, state } = await build();
    app = instance;
    const first = await instance.inject({ url: '/page' });
    expect(first.statusCode).toBe(200);
    const tag = first.headers.etag;
    expect(tag).toEqual(expect.any(String));
    await until(() => instance.larder.stats().stores === 1);

    clock.advance(15_000);
    state.version = 'b';
    const revalidated = await instance.inject({ url: '/page' });
    expect(state.seen).toEqual([undefined, tag]);
    expect(revalidated.statusCode).toBe(200);
    expect(revalidated.body).toBe('page one');
    expect(revalidated.headers['content-length']).toBe('8');
    expect(revalidated.headers['x-version']).toBe('b');
    expect(revalidated.headers['cache-status']).toBe('larder; fwd=stale; fwd-status=304; stored');

    // fresh again: a hit with the freshened headers, the handler not called
    clock.advance(1_000);
    const hit = await instance.inject({ url: '/page' });
    expect(hit.headers['cache-status']).toMatch(/^larder; hit/);
    expect(hit.headers['x-version']).toBe('b');
    expect(hit.body).toBe('page one');
    expect(state.calls).toBe(2);
  });

  it('answers 304 to a client whose own If-None-Match matches, after revalidating', async () => {
    const { instance, clock } = await build();
    app = instance;
    const first = await instance.inject({ url: '/page' });
    await until(() => instance.larder.stats().stores === 1);
    clock.advance(15_000);
    const conditional = await instance.inject({
      url: '/page',
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(conditional.statusCode).toBe(304);
    expect(conditional.body).toBe('');
    expect(conditional.headers['cache-status']).toBe('larder; fwd=stale; fwd-status=304; stored');
  });

  it('replaces the entry when the handler’s body changed (200)', async () => {
    const { instance, clock, state } = await build();
    app = instance;
    await instance.inject({ url: '/page' });
    await until(() => instance.larder.stats().stores === 1);
    clock.advance(15_000);
    state.body = 'page two';
    const replaced = await instance.inject({ url: '/page' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.body).toBe('page two');
    expect(replaced.headers['cache-status']).toBe('larder; fwd=stale; stored');
    await until(() => instance.larder.stats().stores === 2);
    const hit = await instance.inject({ url: '/page' });
    expect(hit.body).toBe('page two');
    expect(hit.headers['cache-status']).toMatch(/^larder; hit/);
  });

  it('revalidates in the background under stale-while-revalidate (the refresh goes through inject)', async () => {
    const { instance, clock, state } = await build('1m');
    app = instance;
    const first = await instance.inject({ url: '/page' });
    await until(() => instance.larder.stats().stores === 1);
    clock.advance(15_000);
    state.version = 'b';
    const stale = await instance.inject({ url: '/page' });
    expect(stale.headers['x-version']).toBe('a');
    expect(stale.headers['cache-status']).toBe('larder; hit; ttl=-5');
    await until(() => instance.larder.stats().stores === 2);
    expect(state.seen).toEqual([undefined, first.headers.etag]);
    const hit = await instance.inject({ url: '/page' });
    expect(hit.headers['cache-status']).toMatch(/^larder; hit; ttl=\d/);
    expect(hit.headers['x-version']).toBe('b');
    expect(hit.body).toBe('page one');
    expect(state.calls).toBe(2);
  });
});
