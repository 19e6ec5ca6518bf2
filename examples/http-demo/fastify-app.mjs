// The example Fastify app: one deliberately slow route, cached by @larder/fastify on the embedded
// memory store.
import { setTimeout as sleep } from 'node:timers/promises';
import larder from '@larder/fastify';
import Fastify from 'fastify';

/**
 * @param {{ originDelayMs: number }} options
 */
export async function createFastifyApp({ originDelayMs }) {
  const app = Fastify();
  await app.register(larder, { ttl: '1m' });
  let originCalls = 0;

  // The slow route: the handler stands for a slow query or an upstream call. Cached for a minute,
  // tagged 'slow' for invalidate({ tags }).
  app.get('/slow', { config: { cache: { ttl: '1m', tags: () => ['slow'] } } }, async () => {
    const call = ++originCalls;
    await sleep(originDelayMs);
    return { framework: 'fastify', originCall: call, computedAt: new Date().toISOString() };
  });
  // A successful POST (PUT, PATCH, DELETE) to a URL invalidates the cached entries of that URL.
  app.post('/slow', async (_request, reply) => reply.code(204).send());
  app.get('/stats', async () => ({ originCalls, ...app.larder.stats() }));

  return {
    name: 'Fastify',
    listen: () => app.listen({ host: '127.0.0.1', port: 0 }),
    originCalls: () => originCalls,
    stats: () => app.larder.stats(),
    invalidate: (/** @type {{ tags: string[] }} */ what) => app.larder.invalidate(what),
    close: () => app.close(),
  };
}
