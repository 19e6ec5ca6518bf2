/**
 * @larder/nestjs in real Nest applications, on @nestjs/platform-express and @nestjs/platform-fastify,
 * over real sockets: hits skip the handler, parameter decorators work, tags see the route params, the
 * service invalidates by tag and URL, a request's Authorization never reaches another client, and the
 * Redis tier (a redis-server this test starts) is shared by two applications through the module.
 */
import { get as httpGet } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '@larder/core';
import { createRedisBackend } from '@larder/redis';
import type { INestApplication } from '@nestjs/common';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, type RedisServer, startRedisServer } from '../../redis/test/support/redis-server.js';
import type * as Fixture from './fixtures/app.js';

const here = dirname(fileURLToPath(import.meta.url));
// the fixture app is compiled by tsc (experimentalDecorators + emitDecoratorMetadata) as a Nest
// project is: the package's test script does it first (`tsc -p test/fixtures`)
const fixture = (await import(pathToFileURL(join(here, 'fixtures/dist/app.js')).href)) as typeof Fixture;
const { calls, createApp } = fixture;

async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return app.getUrl().then((url) => url.replace('[::1]', '127.0.0.1'));
}

describe.each(['express', 'fastify'] as const)('@larder/nestjs on platform-%s', (platform) => {
  let app: INestApplication;
  let base: string;
  beforeAll(async () => {
    app = await createApp(platform, { ttl: '1 min' });
    base = await listen(app);
  });
  afterAll(() => app.close());

  it('serves the second request from the cache, with @Param and @Query, the status and the headers', async () => {
    const before = calls.show ?? 0;
    const first = await fetch(`${base}/items/1?lang=fr`);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-status')).toContain('fwd=miss');
    const body = await first.json();
    expect(body).toMatchObject({ id: '1', lang: 'fr' });
    const second = await fetch(`${base}/items/1?lang=fr`);
    expect(second.status).toBe(200);
    expect(second.headers.get('cache-status')).toMatch(/^larder; hit/);
    expect(second.headers.get('x-served-by')).toBe('items');
    expect(second.headers.get('content-type')).toContain('application/json');
    expect(await second.json()).toEqual(body);
    expect(calls.show).toBe(before + 1);
  });

  it("a hit carries this request's own x-request-id (set by a middleware), not the one stored", async () => {
    const before = calls.traced ?? 0;
    const get = (n: number) => fetch(`${base}/traced`, { headers: { 'x-n': String(n) } });
    const first = await get(1);
    expect(first.headers.get('x-request-id')).toBe('from-the-handler');
    await first.text();
    const hits = [await get(2), await get(3)];
    expect(hits.map((hit) => hit.headers.get('cache-status'))).toEqual([
      expect.stringMatching(/^larder; hit/),
      expect.stringMatching(/^larder; hit/),
    ]);
    expect(hits.map((hit) => hit.headers.get('x-request-id'))).toEqual(['req-2', 'req-3']);
    expect(hits.map((hit) => hit.headers.get('content-type'))).toEqual([
      first.headers.get('content-type'),
      first.headers.get('content-type'),
    ]);
    expect(calls.traced).toBe(before + 1);
  });

  it('answers a conditional request with 304 from the cache', async () => {
    await fetch(`${base}/items/etag`);
    const hit = await fetch(`${base}/items/etag`);
    const etag = hit.headers.get('etag');
    expect(etag).toBeTruthy();
    const before = calls.show;
    const revalidated = await fetch(`${base}/items/etag`, { headers: { 'if-none-match': etag! } });
    expect(revalidated.status).toBe(304);
    expect(calls.show).toBe(before);
  });

  it('tags see req.params; LarderService invalidates by tag (after a POST) and by URL', async () => {
    await fetch(`${base}/items/7`);
    await fetch(`${base}/items/7`);
    const before = calls.show;
    const post = await fetch(`${base}/items/7`, { method: 'POST' });
    expect(post.status).toBe(204);
    const after = await fetch(`${base}/items/7`);
    expect(after.headers.get('cache-status')).toContain('fwd=miss');
    expect(calls.show).toBe(before! + 1);

    const service = app.get(fixture.ItemsController)['cache' as never] as unknown as {
      invalidateUrl(url: string): Promise<number>;
    };
    expect(await service.invalidateUrl('/items/7')).toBeGreaterThan(0);
    const again = await fetch(`${base}/items/7`);
    expect(again.headers.get('cache-status')).toContain('fwd=miss');
  });

  it("never serves one user's Authorization response to another (Nest's CacheInterceptor does)", async () => {
    const alice = await fetch(`${base}/me`, { headers: { authorization: 'Bearer alice' } });
    expect(await alice.json()).toEqual({ user: 'Bearer alice' });
    const bob = await fetch(`${base}/me`, { headers: { authorization: 'Bearer bob' } });
    expect(await bob.json()).toEqual({ user: 'Bearer bob' });
    const anonymous = await fetch(`${base}/me`);
    expect(await anonymous.json()).toEqual({ user: 'anonymous' });
  });

  it('takes the module ttl for @CacheResponse() without one', async () => {
    const before = calls.plain ?? 0;
    await fetch(`${base}/plain`);
    const second = await fetch(`${base}/plain`);
    expect(second.headers.get('cache-status')).toMatch(/^larder; hit/);
    expect(calls.plain).toBe(before + 1);
  });
});

describe('LarderModule options', () => {
  it('refuses an invalid option with a ConfigError naming it, when the app is created', async () => {
    await expect(createApp('express', { ttl: '5 fortnights' as never })).rejects.toThrow(ConfigError);
    await expect(createApp('express', { ttl: '5 fortnights' as never })).rejects.toThrow(/ttl/);
  });
});

/** GET `url` with the Host header the fleet serves under (the Host is part of the cache key). */
function fleetGet(url: string): Promise<{ cacheStatus: string; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers: { host: 'shop.example' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ cacheStatus: String(res.headers['cache-status']), body }));
    }).on('error', reject);
  });
}

describe.each(['express', 'fastify'] as const)(
  'the Redis tier through forRootAsync on platform-%s',
  (platform) => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(() => server.stop());

    it('two applications share one Redis: the second is served what the first stored', async () => {
      const clients = [createClient({ url: server.url }), createClient({ url: server.url })];
      const apps: INestApplication[] = [];
      try {
        for (const client of clients) {
          apps.push(
            await createApp(platform, async () => {
              await client.connect();
              return { ttl: '1 min', shared: createRedisBackend({ client, prefix: `nest-${platform}:` }) };
            }),
          );
        }
        const [one, two] = await Promise.all(apps.map(listen));
        const before = calls.show ?? 0;
        const first = await fleetGet(`${one}/items/shared`);
        expect(first.cacheStatus).toContain('stored');
        // the shared write completes just after the response: wait until Redis holds the entry
        await pollUntil(
          async () => (await server.cli('--scan', '--pattern', `nest-${platform}:*`)) !== '',
          10_000,
          () => 'the entry never reached Redis',
        );
        const second = await fleetGet(`${two}/items/shared`);
        expect(second.cacheStatus).toMatch(/^larder; hit/);
        expect(second.body).toBe(first.body);
        expect(calls.show).toBe(before + 1);
      } finally {
        for (const app of apps) await app.close();
        for (const client of clients) if (client.isOpen) await client.close();
      }
    });
  },
);
