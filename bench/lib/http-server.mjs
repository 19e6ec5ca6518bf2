// One server of the HTTP benchmark: `node http-server.mjs <scenario id>`, forked by bench/http.mjs with
// an IPC channel. It builds the scenario's app (Fastify or Express, with Larder, apicache or no
// cache), listens on a free loopback port and answers the driver:
//   -> { type: 'ready', port }          once listening
//   <- 'mark'    -> { type: 'marked' }   start counting (CPU time, origin calls, cache stats)
//   <- 'report'  -> { type: 'report', cpuMicros, wallMs, originCalls, stats }   since the mark
//   <- 'exit'                            close and exit (a --cpu-prof profile is written then)
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ORIGIN_DELAY_MS, PAYLOAD, PAYLOAD_ETAG, scenario } from './http-scenarios.mjs';

const CONTENT_TYPE = 'application/json; charset=utf-8';
const s = scenario(process.argv[2] ?? '');
let originCalls = 0;
/** @type {() => Record<string, number> | undefined} */
let cacheStats = () => undefined;

/**
 * bentocache's nearest equivalent of a response cache: the handler asks `getOrSet` for the body (its
 * memory driver keeping the Buffer itself, no serialisation) and sends it.
 * @returns {Promise<(key: string) => Promise<Buffer>>}
 */
async function bentoBody() {
  const { BentoCache, bentostore } = await import('bentocache');
  const { memoryDriver } = await import('bentocache/drivers/memory');
  const bento = new BentoCache({
    default: 'memory',
    stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000, serialize: false })) },
  });
  return (key) =>
    bento.getOrSet({
      key,
      ttl: '1h',
      factory: () => {
        originCalls++;
        return PAYLOAD;
      },
    });
}

const { listen, close } = s.framework === 'fastify' ? await fastifyApp() : await expressApp();

/**
 * Report `target` with @larder/prometheus, as an application exposing /metrics would, and scrape it
 * once a second while the server runs (a scrape is not per request; this keeps it realistic).
 * @param {Parameters<typeof import('@larder/prometheus').larderMetrics>[0]} target
 */
async function withMetrics(target) {
  const { larderMetrics } = await import('@larder/prometheus');
  const { Registry } = await import('prom-client');
  const register = new Registry();
  larderMetrics(target, { register });
  setInterval(() => void register.metrics(), 1000).unref();
}

async function fastifyApp() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  /** @type {{ cache?: { ttl: string } }} */
  let config = {};
  if (s.cache === 'larder') {
    const { default: larder } = await import('@larder/fastify');
    await app.register(larder);
    cacheStats = () => ({ ...app.larder.stats() });
    config = { cache: { ttl: '1h' } };
    if (s.metrics === true) await withMetrics(app.larder);
  }
  if (s.cache === 'fastify-caching') {
    const { default: caching } = await import('@fastify/caching');
    await app.register(caching, { privacy: 'public', expiresIn: 3600 });
  }
  if (s.cache === 'bentocache') {
    const body = await bentoBody();
    app.get('/payload', async (request, reply) =>
      reply.header('content-type', CONTENT_TYPE).send(await body(request.url)),
    );
  } else {
    app.get('/payload', { config }, (_request, reply) => {
      originCalls++;
      reply.header('content-type', CONTENT_TYPE).send(PAYLOAD);
    });
  }
  app.get('/etagged', { config }, (_request, reply) => {
    originCalls++;
    if (s.cache === 'fastify-caching') reply.etag(PAYLOAD_ETAG);
    else reply.header('etag', PAYLOAD_ETAG);
    reply.header('content-type', CONTENT_TYPE).send(PAYLOAD);
  });
  app.get('/slow', { config }, async (_request, reply) => {
    originCalls++;
    await sleep(ORIGIN_DELAY_MS);
    return reply.header('content-type', CONTENT_TYPE).send(PAYLOAD);
  });
  return {
    listen: async () => {
      await app.listen({ host: '127.0.0.1', port: 0 });
      return /** @type {import('node:net').AddressInfo} */ (app.server.address()).port;
    },
    close: () => app.close(),
  };
}

async function expressApp() {
  const { default: express } = await import('express');
  const app = express();
  /** @type {import('express').RequestHandler[]} */
  let perRoute = [];
  if (s.cache === 'larder') {
    const { larder } = await import('@larder/express');
    const cache = larder({ ttl: '1h' });
    cacheStats = () => ({ ...cache.stats() });
    if (s.metrics === true) await withMetrics(cache);
    if (s.id === 'express-use-first') app.use(cache);
    else perRoute = [cache.route({ ttl: '1h' })];
  } else if (s.cache === 'apicache') {
    const { default: apicache } = await import('apicache');
    perRoute = [apicache.middleware('5 minutes')];
  } else if (s.floor === true) {
    // what any middleware on the route answering from memory costs at least: Express's own work up to
    // the route, then one writeHead and end of a ready Buffer (no lookup, no res.send, no ETag)
    const head = { 'content-type': CONTENT_TYPE, 'content-length': String(PAYLOAD.length) };
    perRoute = [(_req, res) => res.writeHead(200, head).end(PAYLOAD)];
  }
  if (s.cache === 'bentocache') {
    const body = await bentoBody();
    app.get('/payload', async (req, res) => {
      res.set('content-type', CONTENT_TYPE);
      res.send(await body(req.originalUrl));
    });
  } else {
    app.get('/payload', ...perRoute, (_req, res) => {
      originCalls++;
      res.set('content-type', CONTENT_TYPE);
      res.send(PAYLOAD);
    });
  }
  app.get('/slow', ...perRoute, async (_req, res) => {
    originCalls++;
    await sleep(ORIGIN_DELAY_MS);
    res.set('content-type', CONTENT_TYPE);
    res.send(PAYLOAD);
  });
  /** @type {import('node:http').Server | undefined} */
  let server;
  return {
    listen: async () => {
      const listening = app.listen(0, '127.0.0.1');
      server = listening;
      await once(listening, 'listening');
      return /** @type {import('node:net').AddressInfo} */ (listening.address()).port;
    },
    close: () =>
      new Promise((resolve) => {
        server?.close(resolve);
        server?.closeAllConnections();
      }),
  };
}

/** @type {{ cpu: NodeJS.CpuUsage, wall: number, originCalls: number, stats: Record<string, number> | undefined }} */
let mark = { cpu: process.cpuUsage(), wall: performance.now(), originCalls: 0, stats: undefined };

process.on('message', async (message) => {
  if (message === 'mark') {
    mark = { cpu: process.cpuUsage(), wall: performance.now(), originCalls, stats: cacheStats() };
    process.send?.({ type: 'marked' });
  } else if (message === 'report') {
    const cpu = process.cpuUsage(mark.cpu);
    const now = cacheStats();
    /** @type {Record<string, number> | undefined} */
    let stats;
    if (now !== undefined && mark.stats !== undefined) {
      const before = mark.stats;
      stats = Object.fromEntries(Object.entries(now).map(([name, value]) => [name, value - before[name]]));
    }
    process.send?.({
      type: 'report',
      cpuMicros: cpu.user + cpu.system,
      wallMs: performance.now() - mark.wall,
      originCalls: originCalls - mark.originCalls,
      stats,
    });
  } else if (message === 'exit') {
    await close();
    process.exit(0);
  }
});
// The driver went away: do not linger.
process.on('disconnect', () => process.exit(0));

process.send?.({ type: 'ready', port: await listen() });
