import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressApp, createFastifyApp } from '../apps.mjs';

const closers = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The two apps behind one interface: a GET, the stats, the articles, and Larder's clock. */
async function apps() {
  let offset = 0;
  const now = () => Date.now() + offset;
  const fastify = await createFastifyApp({ now });
  closers.push(() => fastify.app.close());
  const express = await createExpressApp({ now });
  const server = express.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    server.close();
    await express.cache.close();
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  return [
    {
      name: 'Fastify',
      ...fastify,
      get: async (url) => {
        const r = await fastify.app.inject({ url });
        return { status: r.statusCode, body: r.body, cacheStatus: r.headers['cache-status'] };
      },
    },
    {
      name: 'Express',
      ...express,
      get: async (url) => {
        const r = await fetch(base + url);
        return { status: r.status, body: await r.text(), cacheStatus: r.headers.get('cache-status') };
      },
    },
  ].map((app) => ({ ...app, advance: (ms) => void (offset += ms) }));
}

describe('a handler that skips its work on a conditional request', () => {
  it('renders once, answers the revalidations with 304, and renders again only after an edit', async () => {
    for (const app of await apps()) {
      const first = await app.get('/articles/1');
      expect(first.body, app.name).toContain('First post.');
      expect(app.stats.renders).toBe(1);

      // stale after 30 s: revalidated, not rendered; everyone gets the stored page
      app.advance(31_000);
      const revalidated = await app.get('/articles/1');
      expect(revalidated.status, app.name).toBe(200);
      expect(revalidated.body).toContain('First post.');
      expect(revalidated.cacheStatus).toBe('larder; fwd=stale; fwd-status=304; stored');
      expect(app.stats).toEqual({ renders: 1, skipped: 1 });
      expect((await app.get('/articles/1')).cacheStatus).toMatch(/^larder; hit/);

      // an edit changes the version: the next revalidation renders the new page
      app.articles.edit('1', 'Edited.');
      app.advance(31_000);
      const edited = await app.get('/articles/1');
      expect(edited.body, app.name).toContain('Edited.');
      expect(edited.cacheStatus).toBe('larder; fwd=stale; stored');
      expect(app.stats).toEqual({ renders: 2, skipped: 1 });
    }
  });
});
