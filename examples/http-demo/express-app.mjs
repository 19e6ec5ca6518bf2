// The example Express app: one deliberately slow route, cached by @larder/express on the embedded
// memory store.
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { larder } from '@larder/express';
import express from 'express';

/**
 * @param {{ originDelayMs: number }} options
 */
export async function createExpressApp({ originDelayMs }) {
  const app = express();
  const cache = larder({ ttl: '1m' });
  let originCalls = 0;

  // The slow route: the handler stands for a slow query or an upstream call. Cached for a minute,
  // tagged 'slow' for invalidate({ tags }).
  app.get('/slow', cache.route({ ttl: '1m', tags: () => ['slow'] }), async (_req, res) => {
    const call = ++originCalls;
    await sleep(originDelayMs);
    res.json({ framework: 'express', originCall: call, computedAt: new Date().toISOString() });
  });
  // A successful POST (PUT, PATCH, DELETE) through the cache invalidates the entries of its URL.
  app.post('/slow', cache.route(), (_req, res) => {
    res.sendStatus(204);
  });
  app.get('/stats', (_req, res) => {
    res.json({ originCalls, ...cache.stats() });
  });

  /** @type {import('node:http').Server | undefined} */
  let server;
  return {
    name: 'Express',
    listen: async () => {
      server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      return `http://127.0.0.1:${port}`;
    },
    originCalls: () => originCalls,
    stats: () => cache.stats(),
    invalidate: (/** @type {{ tags: string[] }} */ what) => cache.invalidate(what),
    close: async () => {
      if (server !== undefined) {
        const closed = new Promise((resolve) => server?.close(resolve));
        server.closeAllConnections();
        await closed;
      }
      await cache.close();
    },
  };
}
