import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { larder } from '../src/index.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Fastify's request log lines, as objects. */
function logSink(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

/** Which lifecycle stages ran, in order, per request (by its `x-n` field). */
type Trace = string[];

/** An app whose hooks record what runs, on a real socket. */
async function traced(extra?: (instance: FastifyInstance, trace: Trace) => void) {
  const trace: Trace = [];
  const log = logSink();
  const instance = Fastify({ logger: { level: 'info', stream: log.stream } });
  await instance.register(larder, { ttl: '1m' });
  instance.addHook('onRequest', async (request, reply) => {
    trace.push(`onRequest ${request.headers['x-n']}`);
    reply.header('x-request-id', `req-${request.headers['x-n']}`);
  });
  instance.addHook('preHandler', async (request) => {
    trace.push(`preHandler ${request.headers['x-n']}`);
  });
  instance.addHook('onResponse', async (request, reply) => {
    trace.push(`onResponse ${request.headers['x-n']} ${reply.statusCode} ${reply.getHeader('cache-status')}`);
  });
  extra?.(instance, trace);
  instance.route({
    method: ['GET', 'HEAD'],
    url: '/page',
    config: { cache: true },
    handler: async (request, reply) => {
      trace.push(`handler ${request.headers['x-n']}`);
      reply.header('x-request-id', 'from-the-handler');
      reply.type('text/plain');
      return 'the page';
    },
  });
  const address = await instance.listen({ port: 0, host: '127.0.0.1' });
  app = instance;
  const get = async (n: number, method = 'GET') => {
    const res = await fetch(`${address}/page`, { method, headers: { 'x-n': String(n) } });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  return { trace, log: log.lines, get };
}

/** Wait until `check` holds (onResponse hooks run after the client has the response). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describe('what a Fastify hit runs', () => {
  it('skips the handler and preHandler; keeps the onRequest hooks before it, onResponse hooks and the request log', async () => {
    const { trace, log, get } = await traced();
    const first = await get(1);
    const second = await get(2);
    const third = await get(3);
    expect([first.text, second.text, third.text]).toEqual(['the page', 'the page', 'the page']);
    expect(first.headers.get('cache-status')).toContain('fwd=miss');
    expect(second.headers.get('cache-status')).toMatch(/^larder; hit; ttl=\d+$/);
    // the stored response's fields, this request's own id (not the filling request's, nor the handler's)
    expect(second.headers.get('content-type')).toBe('text/plain');
    expect(second.headers.get('content-length')).toBe('8');
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(second.headers.get('age')).toBe('0');
    expect([second.headers.get('x-request-id'), third.headers.get('x-request-id')]).toEqual([
      'req-2',
      'req-3',
    ]);
    await until(() => trace.filter((t) => t.startsWith('onResponse')).length === 3);
    // onResponse hooks read the hit's headers as after any reply
    expect(trace.filter((t) => t.endsWith(' 2') || t.startsWith('onResponse 2'))).toEqual([
      'onRequest 2',
      expect.stringMatching(/^onResponse 2 200 larder; hit; ttl=\d+$/),
    ]);
    expect(trace.filter((t) => t.startsWith('handler') || t.startsWith('preHandler'))).toEqual([
      'preHandler 1',
      'handler 1',
    ]);
    const completed = log.filter((line) => line.msg === 'request completed');
    expect(completed.map((line) => (line.res as { statusCode: number }).statusCode)).toEqual([200, 200, 200]);
  });

  it('writes the hit under the same header rule when no hook set a reply header (fields on reply.raw, onResponse)', async () => {
    const seen: string[] = [];
    const instance = Fastify();
    await instance.register(larder, { ttl: '1m' });
    instance.addHook('onRequest', async (request, reply) => {
      // set on Node's response, not the reply: the hit's own header object starts empty
      reply.raw.setHeader('x-request-id', `raw-${request.headers['x-n']}`);
      reply.raw.setHeader('content-type', 'text/html');
    });
    instance.addHook('onResponse', async (request, reply) => {
      seen.push(`${request.headers['x-n']} ${reply.getHeader('cache-status')} ${reply.getHeader('etag')}`);
    });
    instance.get('/page', { config: { cache: true } }, async (_request, reply) => {
      reply.header('x-request-id', 'from-the-handler');
      reply.type('text/plain');
      return 'the page';
    });
    const address = await instance.listen({ port: 0, host: '127.0.0.1' });
    app = instance;
    const get = (n: number) => fetch(`${address}/page`, { headers: { 'x-n': String(n) } });
    const first = await get(1);
    await first.text();
    const hit = await get(2);
    expect(await hit.text()).toBe('the page');
    expect(hit.headers.get('cache-status')).toMatch(/^larder; hit; ttl=\d+$/);
    // the stored representation's field wins; this request's own id is kept
    expect(hit.headers.get('content-type')).toBe('text/plain');
    expect(hit.headers.get('x-request-id')).toBe('raw-2');
    await until(() => seen.length === 2);
    expect(seen[1]).toBe(`2 ${hit.headers.get('cache-status')} ${first.headers.get('etag')}`);
  });

  it('answers HEAD from the stored GET with its Content-Length and no body', async () => {
    const { get } = await traced();
    await get(1);
    const head = await get(2, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers.get('content-length')).toBe('8');
    expect(head.headers.get('cache-status')).toMatch(/hit/);
  });

  it('runs the onSend hooks of a route that has them on every hit', async () => {
    const { trace, get } = await traced((instance, t) => {
      instance.addHook('onSend', async (request, reply, payload) => {
        t.push(`onSend ${request.headers['x-n']}`);
        reply.header('x-signed', `sig-${request.headers['x-n']}`);
        return payload;
      });
    });
    await get(1);
    const hit = await get(2);
    expect(hit.text).toBe('the page');
    expect(hit.headers.get('cache-status')).toMatch(/hit/);
    expect(hit.headers.get('x-signed')).toBe('sig-2');
    expect(trace).toContain('onSend 2');
    expect(trace).not.toContain('handler 2');
  });
});
