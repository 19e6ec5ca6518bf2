import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { requestFill, setRequestFill } from '../src/larder.js';
import { appWith, until } from './helpers.js';

// Every test here uses a one-hour lockTimeout: a fill that is never finished or abandoned would hold
// the next request on the same key for that long, and the test would time out instead of passing.
const lockTimeout = '1h';

let app: FastifyInstance | undefined;
let other: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  await other?.close();
  app = undefined;
  other = undefined;
});

/** GET `path` over a real connection; resolves the status once the response is complete. */
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ port, host: '127.0.0.1', path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The listeners a request and its response carry when the app's own onSend hook runs. */
type Listeners = { reqClose: number; resClose: number; resFinish: number; resError: number };
function recordListeners(instance: FastifyInstance, seen: Listeners[]): void {
  instance.addHook('onSend', async (request, reply, payload) => {
    seen.push({
      reqClose: request.raw.listenerCount('close'),
      resClose: reply.raw.listenerCount('close'),
      resFinish: reply.raw.listenerCount('finish'),
      resError: reply.raw.listenerCount('error'),
    });
    return payload;
  });
}

describe('every fill is finished or abandoned', () => {
  it('when the handler hijacks the reply and writes it itself', async () => {
    app = await appWith({ lockTimeout });
    let calls = 0;
    app.get('/raw', { config: { cache: { ttl: '1m' } } }, async (_req, reply) => {
      calls++;
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/plain' });
      reply.raw.end('raw body');
    });
    expect((await app.inject('/raw')).body).toBe('raw body');
    expect((await app.inject('/raw')).body).toBe('raw body');
    expect(calls).toBe(2);
  });

  it('when an earlier onSend hook throws', async () => {
    app = await appWith({ lockTimeout });
    let failNext = true;
    app.addHook('onSend', async (_request, _reply, payload) => {
      if (failNext) {
        failNext = false;
        throw new Error('onSend broke');
      }
      return payload;
    });
    let calls = 0;
    app.get('/hooked', { config: { cache: { ttl: '1m' } } }, async () => `hooked ${++calls}`);
    expect((await app.inject('/hooked')).statusCode).toBe(500);
    const second = await app.inject('/hooked');
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe('hooked 2');
  });

  it('when the client goes away before the handler answers, waiters are released', async () => {
    app = await appWith({ lockTimeout });
    let calls = 0;
    let releaseFirst: () => void = () => {};
    const firstGate = new Promise<void>((resolve) => (releaseFirst = resolve));
    app.get('/abort', { config: { cache: { ttl: '1m' } } }, async () => {
      calls++;
      if (calls === 1) await firstGate;
      return `answer ${calls}`;
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;

    const first = httpRequest({ port, host: '127.0.0.1', path: '/abort' });
    first.on('error', () => {});
    first.end();
    await until(() => calls === 1);
    // Same host, same key: this request joins the first one's single flight and waits for it.
    const second = app.inject({ url: '/abort', headers: { host: `127.0.0.1:${port}` } });
    await until(() => app!.larder.stats().misses === 1 && calls === 1);
    first.destroy();
    const res = await second;
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('answer 2');
    releaseFirst();
  });
});

describe('the cost of a hit', () => {
  it('adds no listener to the request or the response (a route without the plugin as reference)', async () => {
    const withCache: Listeners[] = [];
    app = await appWith();
    recordListeners(app, withCache);
    app.get('/hit', { config: { cache: { ttl: '1m' } } }, async () => 'cached');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    expect(await get(port, '/hit')).toBe(200);
    await until(() => app!.larder.stats().stores === 1);
    expect(await get(port, '/hit')).toBe(200);
    expect(app.larder.stats().hits).toBe(1);

    const without: Listeners[] = [];
    other = Fastify();
    recordListeners(other, without);
    other.get('/hit', async () => 'cached');
    await other.listen({ port: 0, host: '127.0.0.1' });
    expect(await get((other.server.address() as AddressInfo).port, '/hit')).toBe(200);

    expect(withCache[1]).toEqual(without[0]);
  });
});

describe('a fill a handler sets (as @cacheResponse does) is released when onSend never sees it', () => {
  /** A handler that looks itself up, as the decorator does, then writes the reply past Fastify. */
  function hijacking(calls: { n: number }) {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      // step the plugin's own lookup aside, as the decorator does
      requestFill(request)?.start(200, { 'cache-control': 'no-store' });
      setRequestFill(request, null);
      const result = await app!.larder.engine.lookup(
        { method: request.method, url: request.url, headers: request.headers },
        { ttl: '1m' },
      );
      if (result.kind === 'hit' || result.kind === 'stale') throw new Error('the response is never stored');
      setRequestFill(request, result.fill);
      calls.n++;
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/plain' });
      reply.raw.end('raw body');
    };
  }

  it('on a route the plugin does not look up', async () => {
    app = await appWith({ lockTimeout });
    const calls = { n: 0 };
    app.get('/uncached', hijacking(calls));
    expect((await app.inject('/uncached')).body).toBe('raw body');
    expect((await app.inject('/uncached')).body).toBe('raw body');
    expect(calls.n).toBe(2);
  });

  it('on a route the plugin looks up too', async () => {
    app = await appWith({ lockTimeout });
    const calls = { n: 0 };
    app.get('/cached', { config: { cache: { ttl: '1m', key: () => 'outer' } } }, hijacking(calls));
    expect((await app.inject('/cached')).body).toBe('raw body');
    expect((await app.inject('/cached')).body).toBe('raw body');
    expect(calls.n).toBe(2);
  });
});

describe('web streams', () => {
  it('tees a web ReadableStream like a Node stream', async () => {
    app = await appWith();
    let calls = 0;
    app.get('/web', { config: { cache: { ttl: '1m' } } }, async (_req, reply) => {
      calls++;
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('web '));
          controller.enqueue(encoder.encode('stream'));
          controller.close();
        },
      });
      return reply.type('text/plain').send(body);
    });
    expect((await app.inject('/web')).body).toBe('web stream');
    await until(() => app!.larder.stats().stores === 1);
    expect((await app.inject('/web')).body).toBe('web stream');
    expect(calls).toBe(1);
  });
});
