import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import compress from '@fastify/compress';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { larder } from '../src/index.js';
import { until } from './helpers.js';

// Above @fastify/compress's 1024-byte threshold, so it really compresses.
const text = 'compressible text '.repeat(500);

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(order: 'larder-first' | 'compress-first', stream = false) {
  const instance = Fastify();
  if (order === 'larder-first') {
    await instance.register(larder);
    await instance.register(compress);
  } else {
    await instance.register(compress);
    await instance.register(larder);
  }
  const calls = { n: 0 };
  instance.get('/text', { config: { cache: { ttl: '1m' } } }, async (_req, reply) => {
    calls.n++;
    reply.type('text/plain; charset=utf-8');
    return stream ? reply.send(Readable.from([text.slice(0, 4000), text.slice(4000)])) : text;
  });
  return { instance, calls };
}

const gzip = { 'accept-encoding': 'gzip' };
const identity = { 'accept-encoding': 'identity' };

describe('with @fastify/compress', () => {
  for (const order of ['larder-first', 'compress-first'] as const) {
    for (const stream of [false, true]) {
      const kind = stream ? 'a streamed body' : 'a string body';
      it(`${order}, ${kind}: gzip and identity clients both get a correct body from one entry`, async () => {
        const { instance, calls } = await build(order, stream);
        app = instance;
        // Miss from a gzip client first: the entry must still serve an identity client correctly.
        const zipped = await instance.inject({ url: '/text', headers: gzip });
        await until(() => instance.larder.stats().stores === 1);
        const plain = await instance.inject({ url: '/text', headers: identity });
        const zippedHit = await instance.inject({ url: '/text', headers: gzip });
        const noHeader = await instance.inject({ url: '/text' });

        expect(calls.n).toBe(1);
        expect(zipped.headers['content-encoding']).toBe('gzip');
        expect(gunzipSync(zipped.rawPayload).toString()).toBe(text);
        expect(plain.headers['content-encoding']).toBeUndefined();
        expect(plain.body).toBe(text);
        expect(plain.headers['cache-status']).toMatch(/hit/);
        expect(zippedHit.headers['content-encoding']).toBe('gzip');
        expect(gunzipSync(zippedHit.rawPayload).toString()).toBe(text);
        expect(zippedHit.headers.vary).toMatch(/accept-encoding/i);
        expect(noHeader.body).toBe(text);
      });
    }
  }

  it('stores the identity body once even when the first client is uncompressed', async () => {
    const { instance, calls } = await build('compress-first');
    app = instance;
    expect((await instance.inject({ url: '/text', headers: identity })).body).toBe(text);
    const zipped = await instance.inject({ url: '/text', headers: gzip });
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(text);
    expect(calls.n).toBe(1);
  });
});
