/**
 * The adapters take the backend as their `shared` option and pass it to the engine as is: two
 * Fastify apps and two Express apps (Express 5 and 4) sharing one Redis behave as one cache.
 */
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { larder as expressLarder } from '@larder/express';
import { larder as fastifyLarder } from '@larder/fastify';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { RedisBackend } from '../../src/index.js';
import { backendOnNewClient, clientKinds, uniquePrefix } from '../support/clients.js';
import { httpGet } from './fleet.js';

const shared = inject('redis');
const kind = clientKinds[0]!;

describe('the adapters with a shared backend', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function backends(n: number): Promise<RedisBackend[]> {
    const prefix = uniquePrefix('adapters');
    const out: RedisBackend[] = [];
    for (let i = 0; i < n; i++) {
      out.push(await backendOnNewClient(kind, shared.single, prefix, cleanup));
    }
    return out;
  }

  it('Fastify: app.register(larder, { shared }) in two apps, one origin call', async () => {
    let calls = 0;
    const apps = await Promise.all(
      (await backends(2)).map(async (backend) => {
        const app = Fastify();
        await app.register(fastifyLarder, { ttl: '1m', shared: backend });
        app.get('/slow', { config: { cache: true } }, async () => {
          calls++;
          await sleep(100);
          return { ok: true };
        });
        await app.ready();
        cleanup.push(() => app.close());
        return app;
      }),
    );
    const results = await Promise.all(
      apps.flatMap((app) =>
        Array.from({ length: 50 }, () => app.inject({ url: '/slow', headers: { host: 'a.test' } })),
      ),
    );
    expect(results.every((r) => r.statusCode === 200 && r.body === '{"ok":true}')).toBe(true);
    expect(calls).toBe(1);
    // the engine was built with the backend: its store is the tiered one over the backend's RedisStore
    expect((apps[0]!.larder.engine.store as { l2?: unknown }).l2).toBeDefined();
  });

  it.each([
    ['Express 5', express],
    ['Express 4', express4 as unknown as typeof express],
  ])('%s: larder({ shared }) in two apps, one origin call', async (_name, make) => {
    let calls = 0;
    const ports = await Promise.all(
      (await backends(2)).map(async (backend) => {
        const app = make();
        const cache = expressLarder({ ttl: '1m', shared: backend });
        cleanup.push(() => cache.close());
        app.get('/slow', cache, async (_req, res) => {
          calls++;
          await sleep(100);
          res.json({ ok: true });
        });
        const server = app.listen(0, '127.0.0.1');
        await new Promise((resolve) => server.once('listening', resolve));
        cleanup.push(() => new Promise((resolve) => server.close(resolve)));
        return (server.address() as AddressInfo).port;
      }),
    );
    const results = await Promise.all(
      ports.flatMap((port) => Array.from({ length: 50 }, () => httpGet(port, '/slow'))),
    );
    expect(results.every((r) => r.status === 200 && r.body === '{"ok":true}')).toBe(true);
    expect(calls).toBe(1);
  });
});
