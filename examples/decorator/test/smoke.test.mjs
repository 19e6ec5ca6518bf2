// Smoke test of the example, built by `npm run build` with standard decorators (dist/standard) and
// with experimentalDecorators (dist/experimental): the same assertions run against both builds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cache, setDefaultCache } from '@larder/core';

const modes = ['standard', 'experimental'];
const builds = {};
for (const mode of modes) {
  builds[mode] = {
    service: await import(`../dist/${mode}/user-service.js`),
    fastify: await import(`../dist/${mode}/fastify-app.js`),
    express: await import(`../dist/${mode}/express-app.js`),
  };
}

for (const mode of modes) {
  const { service, fastify, express } = builds[mode];

  describe(`decorator example, ${mode} decorators`, () => {
    it('caches the service: one run for concurrent calls, sync stays sync, rename invalidates', async () => {
      setDefaultCache(new Cache({ max: 100 }));
      const users = new service.UserService();
      const [a, b] = await Promise.all([users.find(1), users.find(1)]);
      assert.deepEqual(a, { id: 1, name: 'Ada Lovelace' });
      assert.deepEqual(b, a);
      assert.equal(users.runs.find, 1);
      assert.equal(await users.find(3), undefined);
      assert.equal(await users.find(3), undefined);
      assert.equal(users.runs.find, 3, 'a missing user is not stored');
      assert.equal(users.slug('Ada Lovelace'), 'ada-lovelace');
      assert.equal(users.slug('Ada Lovelace'), 'ada-lovelace');
      assert.equal(users.runs.slug, 1);
      await users.rename(1, 'Augusta Ada King');
      assert.equal((await users.find(1)).name, 'Augusta Ada King');
    });

    it('caches the Fastify controller through the plugin', async () => {
      setDefaultCache(new Cache({ max: 100 }));
      const users = new service.UserService();
      const app = await fastify.buildFastifyApp(users);
      try {
        const first = await app.inject('/users/2');
        assert.equal(first.statusCode, 200);
        assert.equal(first.headers['cache-status'], 'larder; fwd=miss; stored');
        assert.deepEqual(first.json(), { id: 2, name: 'Grace Hopper', slug: 'grace-hopper' });
        const second = await app.inject('/users/2');
        assert.match(second.headers['cache-status'], /^larder; hit/);
        assert.equal(second.body, first.body);
        const renamed = await app.inject({
          method: 'PUT',
          url: '/users/2',
          payload: { name: 'Rear Admiral Hopper' },
        });
        assert.equal(renamed.statusCode, 204);
        const third = await app.inject('/users/2');
        assert.equal(third.headers['cache-status'], 'larder; fwd=miss; stored');
        assert.equal(third.json().name, 'Rear Admiral Hopper');
      } finally {
        await app.close();
      }
    });

    it('caches the Express controller through the middleware', async () => {
      setDefaultCache(new Cache({ max: 100 }));
      const users = new service.UserService();
      const { app, cache } = express.buildExpressApp(users);
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const url = `http://127.0.0.1:${server.address().port}/users/1`;
      try {
        const first = await fetch(url);
        assert.equal(first.status, 200);
        assert.equal(first.headers.get('cache-status'), 'larder; fwd=miss; stored');
        const body = await first.json();
        assert.deepEqual(body, { id: 1, name: 'Ada Lovelace', slug: 'ada-lovelace' });
        const second = await fetch(url);
        assert.match(second.headers.get('cache-status'), /^larder; hit/);
        assert.deepEqual(await second.json(), body);
        const renamed = await fetch(url, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Countess of Lovelace' }),
        });
        assert.equal(renamed.status, 204);
        const third = await fetch(url);
        assert.equal(third.headers.get('cache-status'), 'larder; fwd=miss; stored');
        assert.equal((await third.json()).name, 'Countess of Lovelace');
        assert.equal((await fetch(`${url}0`)).status, 404);
      } finally {
        server.close();
        await cache.close();
      }
    });
  });
}
