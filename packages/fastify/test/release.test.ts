import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { appWith, until } from './helpers.js';

// Every test here uses a one-hour lockTimeout: a fill that is never finished or abandoned would hold
// the next request on the same key for that long, and the test would time out instead of passing.
const lockTimeout = '1h';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

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
