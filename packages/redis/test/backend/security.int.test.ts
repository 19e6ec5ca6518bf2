/**
 * Issue 11, the Redis items, through real Fastify and Express apps sharing a real `redis-server`:
 * an entry the decoder rejects is a miss that the fill overwrites (reported once, never a hang), a
 * tampered entry never fails a response nor frames it wrongly, and a lock nobody releases holds a
 * request at most `lockTimeout`.
 */
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { larder as expressLarder } from '@larder/express';
import { larder as fastifyLarder } from '@larder/fastify';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createRedisBackend, type RedisBackend } from '../../src/index.js';
import { clientKinds, TEST_COMMAND_TIMEOUT, uniquePrefix } from '../support/clients.js';
import { redisCli } from '../support/redis-server.js';

const shared = inject('redis');
const kind = clientKinds[0]!;

interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** GET `path` over a real socket; rejects after 10 s (a hang is a failure). */
function fetchPath(port: number, path: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} hung`)));
    req.on('error', reject);
  });
}

type Start = (
  backend: RedisBackend,
  onError: (e: unknown, c: string) => void,
) => Promise<{
  port: number;
  calls: () => number;
  close: () => Promise<void>;
}>;

const apps: [string, Start][] = [
  [
    'fastify',
    async (backend, onError) => {
      let calls = 0;
      const app = Fastify();
      await app.register(fastifyLarder, { ttl: '1m', lockTimeout: '500ms', shared: backend, onError });
      app.get('/page', { config: { cache: true } }, async () => `origin ${++calls}`);
      await app.listen({ port: 0, host: '127.0.0.1' });
      return {
        port: (app.server.address() as AddressInfo).port,
        calls: () => calls,
        close: () => app.close(),
      };
    },
  ],
  ...(
    [
      ['express 5', () => express()],
      ['express 4.21', () => express4() as unknown as express.Application],
    ] as const
  ).map(([name, create]): [string, Start] => [
    name,
    async (backend, onError) => {
      let calls = 0;
      const app = create();
      const cache = expressLarder({ ttl: '1m', lockTimeout: '500ms', shared: backend, onError, app });
      app.get('/page', cache.route(), (_req, res) => {
        res.send(`origin ${++calls}`);
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise<void>((r) => server.once('listening', () => r()));
      return {
        port: (server.address() as AddressInfo).port,
        calls: () => calls,
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((r) => server.close(() => r()));
          await cache.close();
        },
      };
    },
  ]),
];

/** Metadata as the codec writes it, with `patch` applied. */
function meta(patch: Record<string, unknown>): string {
  const now = Date.now();
  return JSON.stringify({
    v: 1,
    status: 200,
    headers: { 'content-type': 'text/plain', 'content-length': '3' },
    storedAt: now,
    initialAge: 0,
    staleAt: now + 60_000,
    staleWhileRevalidateUntil: now + 60_000,
    staleIfErrorUntil: now + 60_000,
    expiresAt: now + 60_000,
    tags: [],
    ...patch,
  });
}

for (const [name, start] of apps) {
  describe(`issue 11, Redis [${name}]`, () => {
    const cleanup: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn();
    });

    async function setup() {
      const handle = await kind.single(shared.single);
      const backend = createRedisBackend({
        client: handle.client,
        prefix: uniquePrefix('sec'),
        commandTimeout: TEST_COMMAND_TIMEOUT,
      });
      cleanup.push(() => handle.close());
      cleanup.push(() => backend.close());
      const errors: { error: unknown; context: string }[] = [];
      const app = await start(backend, (error, context) => errors.push({ error, context }));
      cleanup.push(() => app.close());
      const key = `GET 127.0.0.1:${app.port}/page`;
      const hset = (...fields: string[]) =>
        redisCli(shared.single, 'HSET', backend.store.layout.entry(key), ...fields);
      return { app, backend, errors, key, hset };
    }

    for (const [what, fields] of [
      ['another format version', ['m', meta({ v: 2 }), 'b', 'old']],
      ['no body field', ['m', meta({})]],
      [
        'a header Node cannot send',
        ['m', meta({ headers: { 'x-evil': 'a\r\nset-cookie: x=1' } }), 'b', 'bad'],
      ],
      ['a status no response has', ['m', meta({ status: 999 }), 'b', 'bad']],
    ] as const) {
      it(`an entry with ${what} is a miss, overwritten by the fill and reported once`, async () => {
        const { app, errors, hset } = await setup();
        await hset(...fields);
        const first = await fetchPath(app.port, '/page');
        expect(first.status).toBe(200);
        expect(first.body).toBe('origin 1');
        expect(errors.filter((e) => /unreadable/.test(String((e.error as Error).message)))).toHaveLength(1);
        const second = await fetchPath(app.port, '/page');
        expect(second.body).toBe('origin 1');
        expect(String(second.headers['cache-status'])).toContain('hit');
        expect(app.calls()).toBe(1);
      });
    }

    it('a tampered Content-Length never frames a response wrongly', async () => {
      const { app, hset } = await setup();
      await hset('m', meta({ headers: { 'content-length': '99' } }), 'b', 'abc');
      const res = await fetchPath(app.port, '/page');
      expect(res.status).toBe(200);
      expect(res.body).toBe('abc');
      expect(res.headers['content-length']).toBe('3');
      expect(app.calls()).toBe(0);
    });

    it('a lock nobody releases holds a request at most lockTimeout', async () => {
      const { app, backend, key } = await setup();
      await redisCli(shared.single, 'SET', backend.store.layout.lock(key), 'dead-holder', 'PX', '60000');
      const res = await fetchPath(app.port, '/page');
      expect(res.status).toBe(200);
      expect(res.body).toBe('origin 1');
      expect(String(res.headers['cache-status'])).toContain('detail=lock-timeout');
    });
  });
}
